"""The content store: curated, structured facts from the explainer.

Actions never hold answer text; they ask a :class:`ContentStore`. The YAML-backed
store below is loaded and validated once, at start-up, so a broken file stops the
action server with an error naming the file and the problem instead of serving a
half-loaded bot. Another backend (a database, a CMS) only has to implement the
abstract interface.
"""

from __future__ import annotations

import abc
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

import yaml

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"

ENTITY_TYPES = ("place", "person", "group", "target", "date")
_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


class ContentError(ValueError):
    """The content files are missing or invalid; the message names file and problem."""


@dataclass(frozen=True)
class Source:
    """What the explainer is and how answers cite it."""

    title: str
    published: str
    as_of: str
    as_of_label: str
    context: str
    attribution: str
    # The explainer's section headings, in order: every topic cites one of them.
    sections: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """A block of the explainer (who, size, attacks, ...), listed in capability menus."""

    id: str
    title: str
    lead_topic: str


@dataclass(frozen=True)
class Topic:
    """One answerable question, tied to the explainer section it comes from."""

    id: str
    group: str
    intent: str
    question: str
    section: str
    date: str
    answer: str
    details: Tuple[str, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    entities: Tuple[str, ...] = ()
    related: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Entity:
    """A place, person, group, target or date readers may name.

    ``mentioned`` is False for names the explainer does not cover: the bot
    recognises them only to say so honestly.
    """

    id: str
    type: str
    names: Tuple[str, ...]
    mentioned: bool
    topic: Optional[str] = None
    answer: Optional[str] = None
    by_group: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The display name: the first of ``names``."""
        return self.names[0]


def normalise_name(text: str) -> str:
    """Fold case, quotes, hyphens and spacing so 'pul e charki' finds 'Pul-e-Charki'."""
    text = text.lower().replace("’", "'")
    text = re.sub(r"[^\w']+", " ", text)
    text = re.sub(r"^the ", "", text.strip())
    return text.strip()


class ContentStore(abc.ABC):
    """What actions may ask of the content, whatever stores it."""

    @property
    @abc.abstractmethod
    def source(self) -> Source:
        """The explainer every answer comes from."""

    @abc.abstractmethod
    def message(self, key: str, **values: str) -> str:
        """A meta message (fallback, out of scope ...) with placeholders filled."""

    @abc.abstractmethod
    def label_for_intent(self, intent: str) -> Optional[str]:
        """How to name an intent to a reader ("Did you mean ...?"), or None."""

    @abc.abstractmethod
    def list_groups(self) -> List[Group]:
        """The explainer's blocks, in reading order."""

    @abc.abstractmethod
    def list_topics(self) -> List[Topic]:
        """Every answerable topic."""

    @abc.abstractmethod
    def get_topic(self, topic_id: str) -> Optional[Topic]:
        """A topic by id, or None."""

    @abc.abstractmethod
    def topic_for_intent(self, intent: str) -> Optional[Topic]:
        """The topic an NLU intent asks for, or None for non-topic intents."""

    @abc.abstractmethod
    def find_entity(self, name: str, entity_type: Optional[str] = None) -> Optional[Entity]:
        """An entity by any of its names (case and punctuation folded), or None."""

    @abc.abstractmethod
    def list_entities(self, entity_type: Optional[str] = None) -> List[Entity]:
        """All entities, optionally of one type."""

    @abc.abstractmethod
    def scope_of(self, entity_type: str) -> str:
        """What the explainer does say about a kind of entity (for 'not covered' replies)."""

    def attribution(self, topic: Topic) -> str:
        """The human-readable source line for a topic."""
        return self.source.attribution.format(section=topic.section)

    def related_topics(self, topic: Topic) -> List[Topic]:
        """The topics suggested after ``topic``, skipping any that vanished."""
        found = (self.get_topic(topic_id) for topic_id in topic.related)
        return [t for t in found if t is not None]


class YamlContentStore(ContentStore):
    """The store in ``content/``: ``source.yml``, ``entities.yml``, ``topics/*.yml``."""

    def __init__(
        self,
        source: Source,
        messages: Mapping[str, str],
        groups: Iterable[Group],
        topics: Iterable[Topic],
        entities: Iterable[Entity],
        scopes: Mapping[str, str],
        intent_labels: Optional[Mapping[str, str]] = None,
    ) -> None:
        self._source = source
        self._messages = dict(messages)
        self._groups = list(groups)
        self._topics = {t.id: t for t in topics}
        self._by_intent = {t.intent: t for t in self._topics.values()}
        self._entities = list(entities)
        self._by_name: Dict[str, Entity] = {}
        for entity in self._entities:
            for name in entity.names:
                self._by_name.setdefault(normalise_name(name), entity)
        self._scopes = dict(scopes)
        self._intent_labels = dict(intent_labels or {})

    @classmethod
    def load(cls, content_dir: Path = DEFAULT_CONTENT_DIR) -> "YamlContentStore":
        """Read and validate every content file; raise ContentError on the first problem."""
        content_dir = Path(content_dir)
        meta = _read_yaml(content_dir / "source.yml")
        source_path = content_dir / "source.yml"
        source = _parse_source(_require(meta, "source", source_path), source_path)
        messages = _require(meta, "messages", source_path)
        if not isinstance(messages, dict) or not all(isinstance(v, str) for v in messages.values()):
            raise ContentError(f"{source_path}: 'messages' must map names to text")
        groups = [_parse_group(g, source_path) for g in _require_list(meta, "groups", source_path)]
        intent_labels = meta.get("intent_labels") or {}
        if not isinstance(intent_labels, dict) or not all(isinstance(v, str) for v in intent_labels.values()):
            raise ContentError(f"{source_path}: 'intent_labels' must map intents to text")

        topics: List[Topic] = []
        topic_files = sorted((content_dir / "topics").glob("*.yml"))
        if not topic_files:
            raise ContentError(f"{content_dir / 'topics'}: no topic files (*.yml) found")
        seen_ids: Dict[str, Path] = {}
        seen_intents: Dict[str, str] = {}
        for path in topic_files:
            for raw in _require_list(_read_yaml(path), "topics", path):
                topic = _parse_topic(raw, path)
                if topic.id in seen_ids:
                    raise ContentError(
                        f"{path}: duplicate topic id '{topic.id}' (also in {seen_ids[topic.id].name})"
                    )
                if topic.intent in seen_intents:
                    raise ContentError(
                        f"{path}: intent '{topic.intent}' is used by topics "
                        f"'{seen_intents[topic.intent]}' and '{topic.id}'"
                    )
                seen_ids[topic.id] = path
                seen_intents[topic.intent] = topic.id
                topics.append(topic)

        entities_path = content_dir / "entities.yml"
        entities_doc = _read_yaml(entities_path)
        entities = [_parse_entity(e, entities_path) for e in _require_list(entities_doc, "entities", entities_path)]
        scopes = _require(entities_doc, "scopes", entities_path)
        missing_scopes = [t for t in ENTITY_TYPES if t not in (scopes or {})]
        if missing_scopes:
            raise ContentError(f"{entities_path}: 'scopes' lacks {', '.join(missing_scopes)}")

        _check_references(groups, topics, entities, source_path, entities_path, seen_ids)
        for topic in topics:
            if topic.section not in source.sections:
                raise ContentError(
                    f"{seen_ids[topic.id]}: topic '{topic.id}': section '{topic.section}' is not one of "
                    f"the explainer's sections listed in {source_path.name}"
                )
        return cls(source, messages, groups, topics, entities, scopes, intent_labels)

    @property
    def source(self) -> Source:
        return self._source

    def message(self, key: str, **values: str) -> str:
        defaults = {
            "title": self._source.title,
            "published": self._source.published,
            "as_of_label": self._source.as_of_label,
            "context": self._source.context,
        }
        return self._messages[key].format(**{**defaults, **values}).strip()

    def label_for_intent(self, intent: str) -> Optional[str]:
        topic = self._by_intent.get(intent)
        return topic.question if topic is not None else self._intent_labels.get(intent)

    def list_groups(self) -> List[Group]:
        return list(self._groups)

    def list_topics(self) -> List[Topic]:
        return list(self._topics.values())

    def get_topic(self, topic_id: str) -> Optional[Topic]:
        return self._topics.get(topic_id)

    def topic_for_intent(self, intent: str) -> Optional[Topic]:
        return self._by_intent.get(intent)

    def find_entity(self, name: str, entity_type: Optional[str] = None) -> Optional[Entity]:
        entity = self._by_name.get(normalise_name(name))
        if entity is None or (entity_type is not None and entity.type != entity_type):
            return None
        return entity

    def list_entities(self, entity_type: Optional[str] = None) -> List[Entity]:
        return [e for e in self._entities if entity_type in (None, e.type)]

    def scope_of(self, entity_type: str) -> str:
        return self._scopes.get(entity_type, "").strip()


# --- parsing and validation: small pure functions, each naming the file on error ---


def _read_yaml(path: Path) -> Dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except FileNotFoundError:
        raise ContentError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(f"{path}: cannot read file: {error}") from None
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: invalid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ContentError(f"{path}: expected a mapping at the top level")
    return data


def _require(data: Mapping[str, Any], key: str, path: Path, where: str = "") -> Any:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ContentError(f"{path}: {where}missing or empty '{key}'")
    return value


def _require_list(data: Mapping[str, Any], key: str, path: Path) -> List[Any]:
    value = _require(data, key, path)
    if not isinstance(value, list):
        raise ContentError(f"{path}: '{key}' must be a list")
    return value


def _text(data: Mapping[str, Any], key: str, path: Path, where: str) -> str:
    value = _require(data, key, path, where)
    if not isinstance(value, str):
        raise ContentError(f"{path}: {where}'{key}' must be text")
    return value.strip()


def _text_list(data: Mapping[str, Any], key: str, path: Path, where: str) -> Tuple[str, ...]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ContentError(f"{path}: {where}'{key}' must be a list of non-empty text")
    return tuple(v.strip() for v in value)


def _parse_source(raw: Any, path: Path) -> Source:
    if not isinstance(raw, dict):
        raise ContentError(f"{path}: 'source' must be a mapping")
    where = "source: "
    as_of = _text(raw, "as_of", path, where)
    if not _DATE_PATTERN.match(as_of):
        raise ContentError(f"{path}: {where}'as_of' must look like YYYY-MM, got '{as_of}'")
    attribution = _text(raw, "attribution", path, where)
    if "{section}" not in attribution:
        raise ContentError(f"{path}: {where}'attribution' must contain {{section}}")
    return Source(
        title=_text(raw, "title", path, where),
        published=_text(raw, "published", path, where),
        as_of=as_of,
        as_of_label=_text(raw, "as_of_label", path, where),
        context=_text(raw, "context", path, where),
        attribution=attribution,
        sections=_sections(raw, path, where),
    )


def _sections(raw: Mapping[str, Any], path: Path, where: str) -> Tuple[str, ...]:
    sections = _text_list(raw, "sections", path, where)
    if not sections:
        raise ContentError(f"{path}: {where}'sections' must list the explainer's section headings")
    if len(set(sections)) != len(sections):
        raise ContentError(f"{path}: {where}'sections' lists a heading twice")
    return sections


def _parse_group(raw: Any, path: Path) -> Group:
    if not isinstance(raw, dict):
        raise ContentError(f"{path}: each group must be a mapping")
    where = f"group '{raw.get('id', '?')}': "
    return Group(
        id=_text(raw, "id", path, where),
        title=_text(raw, "title", path, where),
        lead_topic=_text(raw, "lead_topic", path, where),
    )


def _parse_topic(raw: Any, path: Path) -> Topic:
    if not isinstance(raw, dict):
        raise ContentError(f"{path}: each topic must be a mapping")
    where = f"topic '{raw.get('id', '?')}': "
    topic_id = _text(raw, "id", path, where)
    if not _ID_PATTERN.match(topic_id):
        raise ContentError(f"{path}: {where}id must be lower_snake_case")
    date = str(_require(raw, "date", path, where))
    if not _DATE_PATTERN.match(date):
        raise ContentError(f"{path}: {where}'date' must look like YYYY-MM, got '{date}'")
    facts = raw.get("facts") or {}
    if not isinstance(facts, dict):
        raise ContentError(f"{path}: {where}'facts' must be a mapping")
    return Topic(
        id=topic_id,
        group=_text(raw, "group", path, where),
        intent=_text(raw, "intent", path, where),
        question=_text(raw, "question", path, where),
        section=_text(raw, "section", path, where),
        date=date,
        answer=_text(raw, "answer", path, where),
        details=_text_list(raw, "details", path, where),
        facts=facts,
        entities=_text_list(raw, "entities", path, where),
        related=_text_list(raw, "related", path, where),
    )


def _parse_entity(raw: Any, path: Path) -> Entity:
    if not isinstance(raw, dict):
        raise ContentError(f"{path}: each entity must be a mapping")
    where = f"entity '{raw.get('id', '?')}': "
    entity_type = _text(raw, "type", path, where)
    if entity_type not in ENTITY_TYPES:
        raise ContentError(f"{path}: {where}type must be one of {', '.join(ENTITY_TYPES)}")
    names = tuple(str(n).strip() for n in (raw.get("names") or []) if str(n).strip())
    if not names:
        raise ContentError(f"{path}: {where}needs at least one name")
    mentioned = raw.get("mentioned")
    if not isinstance(mentioned, bool):
        raise ContentError(f"{path}: {where}'mentioned' must be true or false")
    by_group = raw.get("by_group") or {}
    if not isinstance(by_group, dict):
        raise ContentError(f"{path}: {where}'by_group' must be a mapping")
    if not mentioned:
        return Entity(id=_text(raw, "id", path, where), type=entity_type, names=names, mentioned=False)
    return Entity(
        id=_text(raw, "id", path, where),
        type=entity_type,
        names=names,
        mentioned=True,
        topic=_text(raw, "topic", path, where),
        answer=_text(raw, "answer", path, where),
        by_group={k: str(v).strip() for k, v in by_group.items()},
    )


def _check_references(
    groups: List[Group],
    topics: List[Topic],
    entities: List[Entity],
    source_path: Path,
    entities_path: Path,
    topic_paths: Mapping[str, Path],
) -> None:
    """Cross-file checks: every id a file points at must exist, names must be unambiguous."""
    topic_ids = {t.id for t in topics}
    group_ids = {g.id for g in groups}
    entity_ids: Dict[str, str] = {}
    for entity in entities:
        if entity.id in entity_ids:
            raise ContentError(f"{entities_path}: duplicate entity id '{entity.id}'")
        entity_ids[entity.id] = entity.type
        if entity.topic is not None and entity.topic not in topic_ids:
            raise ContentError(f"{entities_path}: entity '{entity.id}' points at unknown topic '{entity.topic}'")
        unknown_groups = set(entity.by_group) - group_ids
        if unknown_groups:
            raise ContentError(f"{entities_path}: entity '{entity.id}' has unknown by_group {sorted(unknown_groups)}")
    names: Dict[str, str] = {}
    for entity in entities:
        for name in entity.names:
            key = normalise_name(name)
            if key in names and names[key] != entity.id:
                raise ContentError(
                    f"{entities_path}: name '{name}' belongs to both '{names[key]}' and '{entity.id}'"
                )
            names[key] = entity.id
    for group in groups:
        if group.lead_topic not in topic_ids:
            raise ContentError(f"{source_path}: group '{group.id}' leads with unknown topic '{group.lead_topic}'")
    for topic in topics:
        where = f"{topic_paths[topic.id]}: topic '{topic.id}'"
        if topic.group not in group_ids:
            raise ContentError(f"{where}: unknown group '{topic.group}'")
        for related in topic.related:
            if related not in topic_ids or related == topic.id:
                raise ContentError(f"{where}: related topic '{related}' is unknown or itself")
        for entity_id in topic.entities:
            if entity_id not in entity_ids:
                raise ContentError(f"{where}: unknown entity '{entity_id}'")
