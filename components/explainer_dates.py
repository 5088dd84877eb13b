"""The explainer's dates as readers write them, and questions about them (issue 10.7).

RegexEntityExtractor knows the date names of content/entities.yml ("15 August", "26th of
August"), but readers also write "15/08/2021", "2021-08-15", "Aug 15th" or "mid-August 2021",
and a question that is little more than a date ("Aug 15 - why does that matter?") is often
read as out of scope, as after the explainer, or not understood. This component, after the
FallbackClassifier:

- adds the ``date`` entity, valued with the lookup table's own name ("15 August"), for the
  numeric, abbreviated and approximate forms of a day the lookup table names;
- routes a message with an explainer date that was classified ``out_of_scope``,
  ``ask_after_date`` or ``nlu_fallback`` as a question about that date (``ask_entity``),
  unless it asks what came after the date ("since 15 August") or names another year
  ("15 August 2022"). A harmful message, or a topic question, is never touched.

The day-month names are learnt from the training data's ``date`` lookup table
(data/nlu/lookups.yml, generated from content/entities.yml) and kept in the model; the year
of those days is the explainer's (``year``, 2021).
"""

from __future__ import annotations

import calendar
import json
import re
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

DATE_KEY = "explainer_date"
_FILE = "explainer_days.json"
_ENTITY = "date"
_ROUTED = ("out_of_scope", "ask_after_date", "nlu_fallback")

Day = Tuple[int, int]  # (month, day)

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"
_NAME_DAY = re.compile(rf"^(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_MONTH})$|^({_MONTH})\s+(\d{{1,2}}){_ORD}$", re.IGNORECASE)

_PLAIN = re.compile(rf"^\d{{1,2}} (?:{'|'.join(calendar.month_name[1:])})$")

_YEAR = r"(?:'?(?P<year>\d{2}|\d{4}))"
_FORMS = [
    # 15/08/2021, 15.8.21, 15-08-2021, 08/15/2021 (the day is told apart by being over 12)
    re.compile(rf"\b(?P<a>\d{{1,2}})[/.\-](?P<b>\d{{1,2}})(?:[/.\-]{_YEAR})?\b"),
    # 2021-08-15, 2021/8/15
    re.compile(r"\b(?P<year>\d{4})[/.\-](?P<month>\d{1,2})[/.\-](?P<day>\d{1,2})\b"),
    # Aug 15th 2021, August 15, 2021, Aug. 15
    re.compile(rf"\b(?P<mname>{_MONTH})\.?\s+(?P<day>\d{{1,2}}){_ORD}\b(?:,?\s+{_YEAR}\b)?", re.IGNORECASE),
    # 15th Aug 2021, 15 of August
    re.compile(rf"\b(?P<day>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mname>{_MONTH})\b\.?(?:,?\s+{_YEAR}\b)?", re.IGNORECASE),
]
# "and on the 26th?": a day with no month, when only one of the explainer's days has that number.
_BARE_DAY = re.compile(r"\bon\s+the\s+(?P<day>\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:century|of\b))", re.IGNORECASE)
# "mid-August", "in the middle of August", "late August", "the end of August": the explainer's
# two days are the middle (15th) and the end (26th) of its month.
_APPROXIMATE = re.compile(
    rf"\b(?P<part>mid|middle\s+of|late|end\s+of|the\s+end\s+of|the\s+middle\s+of)[\s-]+(?P<mname>{_MONTH})\b(?:,?\s+{_YEAR}\b)?",
    re.IGNORECASE)
_LATER = re.compile(r"\b(?:since|after|following|later\s+than|post|from)\s+(?:the\s+)?$", re.IGNORECASE)


def name_days(names: Iterable[str]) -> Dict[str, Day]:
    """The lookup names that are one day of a month ("15 August", "August 26th"), by name."""
    days: Dict[str, Day] = {}
    for name in names:
        found = _NAME_DAY.match(name.strip())
        if found:
            day, month = (found.group(1), found.group(2)) if found.group(1) else (found.group(4), found.group(3))
            days[name] = (_MONTHS[month.lower()], int(day))
    return days


def preferred_names(days: Dict[str, Day]) -> Dict[Day, str]:
    """One name per day, the value the actions look up: "15 August" before "15 Aug"."""
    names: Dict[Day, str] = {}
    for name, day in sorted(days.items(), key=lambda item: (not _PLAIN.match(item[0]), len(item[0]), item[0])):
        names.setdefault(day, name)
    return names


def _year(value: Optional[str]) -> Optional[int]:
    if not value:
        return None
    number = int(value)
    return 2000 + number if number < 100 else number


def find_days(text: str, days: Iterable[Day], year: int) -> List[Tuple[int, int, Day, bool]]:
    """(start, end, day, other_year) for each mention of one of ``days``; ``other_year`` when the
    text gives a year that is not ``year``."""
    wanted = set(days)
    found: List[Tuple[int, int, Day, bool]] = []
    for form in _FORMS:
        for match in form.finditer(text):
            groups = match.groupdict()
            if "a" in groups:
                a, b = int(groups["a"]), int(groups["b"])
                candidates = {(b, a), (a, b)} if a > 12 or b > 12 else {(b, a)}  # day first by default
                candidates = {c for c in candidates if c in wanted}
                if len(candidates) != 1 or (groups["year"] is None and "." in match.group(0)):
                    continue  # ambiguous, or a decimal number such as 15.8
                day = candidates.pop()
            else:
                month = int(groups["month"]) if groups.get("month") else _MONTHS[groups["mname"].lower().rstrip(".")]
                day = (month, int(groups["day"]))
            if day in wanted:
                given = _year(groups.get("year"))
                found.append((match.start(), match.end(), day, given is not None and given != year))
    for match in _BARE_DAY.finditer(text):
        same_number = [d for d in wanted if d[1] == int(match.group("day"))]
        if len(same_number) == 1:
            found.append((match.start(), match.end(), same_number[0], False))
    for match in _APPROXIMATE.finditer(text):
        month = _MONTHS[match.group("mname").lower()]
        in_month = sorted(d for d in wanted if d[0] == month)
        if len(in_month) == 2:
            day = in_month[0] if match.group("part").lower().endswith(("mid", "middle of")) else in_month[-1]
            given = _year(match.group("year"))
            found.append((match.start(), match.end(), day, given is not None and given != year))
    found.sort()
    kept: List[Tuple[int, int, Day, bool]] = []
    for mention in found:  # the first and longest of overlapping mentions
        if kept and mention[0] < kept[-1][1]:
            if mention[1] - mention[0] > kept[-1][1] - kept[-1][0] and mention[0] == kept[-1][0]:
                kept[-1] = mention
            continue
        kept.append(mention)
    return kept


def asks_after(text: str, start: int) -> bool:
    """'since 15 August', 'after the 26th of August': a question about what followed the day."""
    return bool(_LATER.search(text[:start]))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ExplainerDates(GraphComponent):
    """Date entities in readers' formats, and date questions routed to the date's answer."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"year": 2021, "routed": list(_ROUTED)}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 days: Optional[Dict[str, Day]] = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._names = preferred_names(days or {})
        # The extractor's "15 August" in "15 August 2022" leaves the year out of the entity.
        self._other_year = re.compile(rf"\s*,?\s*(?!{int(config['year'])}\b)\d{{4}}\b")

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ExplainerDates":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        names = [str(e) for table in training_data.lookup_tables if table.get("name") == _ENTITY
                 for e in table.get("elements") or []]
        days = name_days(names)
        self._names = preferred_names(days)
        with self._storage.write_to(self._resource) as directory:
            (directory / _FILE).write_text(json.dumps(days, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "ExplainerDates":
        with model_storage.read_from(resource) as directory:
            days = json.loads((directory / _FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, {name: (d[0], d[1]) for name, d in days.items()})

    def _add_entities(self, message: Message, text: str) -> List[Tuple[int, int, Day, bool]]:
        mentions = find_days(text, self._names, int(self._config["year"]))
        entities = list(message.get(ENTITIES) or [])
        for start, end, day, other_year in mentions:
            if other_year or any(e.get("start", -1) < end and start < e.get("end", -1) for e in entities):
                continue
            entities.append({"entity": _ENTITY, "start": start, "end": end, "value": self._names[day],
                             "extractor": type(self).__name__})
        message.set(ENTITIES, sorted(entities, key=lambda e: e.get("start", 0)), add_to_output=True)
        return mentions

    def _explainer_date(self, message: Message, text: str, mentions: List[Tuple[int, int, Day, bool]]) -> bool:
        """The message names one of the explainer's dates, not what came after it nor another year."""
        if any(other_year or asks_after(text, start) for start, _, _, other_year in mentions):
            return False
        dates = [e for e in message.get(ENTITIES) or [] if e.get("entity") == _ENTITY]
        blocked = any(asks_after(text, int(e.get("start", 0))) or self._other_year.match(text[int(e.get("end", 0)):])
                      for e in dates)
        return bool(dates) and not blocked

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or not self._names:
                continue
            mentions = self._add_entities(message, text)
            intent = (message.get(INTENT) or {}).get("name")
            if intent in self._config["routed"] and self._explainer_date(message, text, mentions):
                message.set(DATE_KEY, {"routed_from": intent}, add_to_output=True)
                message.set(INTENT, {"name": "ask_entity", "confidence": 1.0}, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
