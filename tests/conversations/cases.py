"""Load and validate the conversation cases: one YAML file per category.

The files are written by hand, so a typo in a key or a kind must stop the scorer with the
file and case named, not silently score a case as passed or failed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

CASES_DIR = Path(__file__).resolve().parent

# What a reply can be, as recognised by tests/conversations/replies.py.
MARKER_KINDS = (
    "refused", "out_of_scope", "after_date", "not_mentioned", "rephrase", "did_you_mean",
    "something_else", "capabilities", "source", "greet", "goodbye", "thank", "bot",
    "no_more", "no_topic_yet", "more",
)
KINDS = frozenset(("answer", "language_note") + MARKER_KINDS)
LANGUAGES = frozenset({"fa", "ps", "ur", "ar", "fr", "es", "de"})
EXPECT_KEYS = frozenset(
    {"kind", "topics", "lang", "starts", "contains", "not_contains", "entity", "button_sets"}
)
CASE_KEYS = frozenset({"id", "turns", "user", "expect", "note"})
FILE_KEYS = frozenset({"category", "about", "defaults", "cases"})


class CaseFileError(ValueError):
    """A case file that cannot be scored: names the file, the case and the problem."""


@dataclass(frozen=True)
class Expectation:
    """What one reply must be. ``topics`` positions hold the acceptable topic ids."""

    kinds: Tuple[str, ...]
    topics: Optional[Tuple[Tuple[str, ...], ...]] = None
    lang: Optional[str] = None
    starts: Optional[str] = None
    contains: Tuple[str, ...] = ()
    not_contains: Tuple[str, ...] = ()
    entity: Optional[str] = None
    button_sets: Optional[int] = None

    def as_dict(self) -> Dict[str, Any]:
        """The expectation in the files' own notation, for the JSON report."""
        out: Dict[str, Any] = {"kind": list(self.kinds)}
        if self.topics is not None:
            out["topics"] = [list(t) if len(t) > 1 else t[0] for t in self.topics]
        for key in ("lang", "starts", "entity", "button_sets"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.contains:
            out["contains"] = list(self.contains)
        if self.not_contains:
            out["not_contains"] = list(self.not_contains)
        return out


@dataclass(frozen=True)
class TurnCase:
    """One user message and the expectation on the bot's reply to it."""

    user: str
    expect: Expectation


@dataclass(frozen=True)
class Case:
    """A conversation played with a fresh sender id: one or more turns."""

    id: str
    category: str
    turns: Tuple[TurnCase, ...]
    source: str


def _strings(value: Any, where: str) -> Tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v for v in items):
        raise CaseFileError(f"{where}: expected a string or a list of strings, got {value!r}")
    return tuple(items)


def parse_expectation(raw: Any, where: str) -> Expectation:
    """An ``expect`` mapping, checked key by key."""
    if not isinstance(raw, Mapping):
        raise CaseFileError(f"{where}: expect must be a mapping, got {raw!r}")
    unknown = set(raw) - EXPECT_KEYS
    if unknown:
        raise CaseFileError(f"{where}: unknown expect keys {sorted(unknown)}")
    topics = None
    if "topics" in raw:
        if not isinstance(raw["topics"], list):
            raise CaseFileError(f"{where}: topics must be a list")
        topics = tuple(_strings(t, f"{where}: topics") for t in raw["topics"])
    if "kind" in raw:
        kinds = _strings(raw["kind"], f"{where}: kind")
    elif topics:
        kinds = ("answer",)
    else:
        raise CaseFileError(f"{where}: give a kind, or topics for an answer")
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise CaseFileError(f"{where}: unknown kind {bad}; known: {sorted(KINDS)}")
    lang = raw.get("lang")
    if "language_note" in kinds and lang not in LANGUAGES:
        raise CaseFileError(f"{where}: language_note needs lang, one of {sorted(LANGUAGES)}")
    if lang is not None and lang not in LANGUAGES:
        raise CaseFileError(f"{where}: unknown lang {lang!r}")
    button_sets = raw.get("button_sets")
    if button_sets is not None and (not isinstance(button_sets, int) or button_sets < 0):
        raise CaseFileError(f"{where}: button_sets must be a non-negative integer")
    for key in ("starts", "entity"):
        if key in raw and not (isinstance(raw[key], str) and raw[key]):
            raise CaseFileError(f"{where}: {key} must be a non-empty string")
    return Expectation(
        kinds=kinds,
        topics=topics,
        lang=lang,
        starts=raw.get("starts"),
        contains=_strings(raw["contains"], f"{where}: contains") if "contains" in raw else (),
        not_contains=_strings(raw["not_contains"], f"{where}: not_contains") if "not_contains" in raw else (),
        entity=raw.get("entity"),
        button_sets=button_sets,
    )


def _turn(raw: Any, defaults: Mapping[str, Any], where: str) -> TurnCase:
    if not isinstance(raw, Mapping) or set(raw) - {"user", "expect"}:
        raise CaseFileError(f"{where}: a turn is {{user: ..., expect: {{...}}}}, got {raw!r}")
    user = raw.get("user")
    if not isinstance(user, str) or not user.strip():
        raise CaseFileError(f"{where}: user must be a non-empty string")
    expect = raw.get("expect")
    if not isinstance(expect, Mapping):
        raise CaseFileError(f"{where}: every turn needs an expect mapping")
    return TurnCase(user=user, expect=parse_expectation({**defaults, **expect}, where))


def parse_case(raw: Any, category: str, defaults: Mapping[str, Any], source: str) -> Case:
    """One case: either ``turns`` or the one-turn shorthand ``user`` + ``expect``."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("id"), str) or not raw["id"]:
        raise CaseFileError(f"{source}: every case needs a string id, got {raw!r}")
    where = f"{source}: {raw['id']}"
    unknown = set(raw) - CASE_KEYS
    if unknown:
        raise CaseFileError(f"{where}: unknown case keys {sorted(unknown)}")
    if "turns" in raw:
        if "user" in raw or "expect" in raw:
            raise CaseFileError(f"{where}: give turns, or user and expect, not both")
        if not isinstance(raw["turns"], list) or not raw["turns"]:
            raise CaseFileError(f"{where}: turns must be a non-empty list")
        turns = tuple(_turn(t, defaults, f"{where} turn {i + 1}") for i, t in enumerate(raw["turns"]))
    else:
        turns = (_turn({"user": raw.get("user"), "expect": raw.get("expect")}, defaults, where),)
    return Case(id=raw["id"], category=category, turns=turns, source=source)


def load_file(path: Path) -> List[Case]:
    """The cases of one category file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise CaseFileError(f"{path.name}: cannot read: {error}") from error
    if not isinstance(data, Mapping) or set(data) - FILE_KEYS:
        raise CaseFileError(f"{path.name}: expected keys {sorted(FILE_KEYS)}")
    category = data.get("category")
    if not isinstance(category, str) or not category:
        raise CaseFileError(f"{path.name}: category must be a non-empty string")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise CaseFileError(f"{path.name}: defaults must be a mapping")
    raw_cases = data.get("cases")
    if not isinstance(raw_cases, list) or not raw_cases:
        raise CaseFileError(f"{path.name}: cases must be a non-empty list")
    return [parse_case(raw, category, defaults, path.name) for raw in raw_cases]


def load_cases(directory: Path = CASES_DIR, categories: Optional[Iterable[str]] = None) -> List[Case]:
    """Every case under ``directory`` (``*.yml``), ids unique across files."""
    files = sorted(directory.glob("*.yml"))
    if not files:
        raise CaseFileError(f"{directory}: no *.yml case files")
    cases: List[Case] = []
    seen: Dict[str, str] = {}
    for path in files:
        for case in load_file(path):
            if case.id in seen:
                raise CaseFileError(f"{path.name}: duplicate id {case.id} (also in {seen[case.id]})")
            seen[case.id] = path.name
            cases.append(case)
    if categories is not None:
        wanted = set(categories)
        unknown = wanted - {c.category for c in cases}
        if unknown:
            raise CaseFileError(f"unknown categories {sorted(unknown)}")
        cases = [c for c in cases if c.category in wanted]
    return cases


def topic_ids_used(cases: Sequence[Case]) -> Dict[str, List[str]]:
    """Each topic id the expectations name, with the cases that name it."""
    used: Dict[str, List[str]] = {}
    for case in cases:
        for turn in case.turns:
            for position in turn.expect.topics or ():
                for topic in position:
                    used.setdefault(topic, []).append(case.id)
    return used
