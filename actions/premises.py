"""Yes/no questions whose premise can be checked against content/premises.yml.

Why: "Was IS-K founded in 2012?" must get the correction before the topic's
answer; the facts and wording live in the content store, not in Python.
"""
import re
from dataclasses import dataclass, replace
from pathlib import Path
from functools import lru_cache
from typing import Any, Dict, List, Mapping, Optional, Sequence

import yaml

from actions.answers import Reply, attributed
from actions.content_store import ContentStore

PREMISES_FILE = Path(__file__).resolve().parent.parent / "content" / "premises.yml"
# A name question's claim is checked against the best-ranked topic from this confidence on:
# "they're based in Kandahar, right?" ranks the base at 0.24 behind the name question.
RANKED_TOPIC_MIN = 0.1
_YES_NO_START = re.compile(
    r"^\s*(is|are|was|were|do|does|did|has|have|had|can|could|is it true|true that)\b", re.I
)
# Tag questions and reported premises are yes/no questions too: "..., right?", "wasn't it?",
# "is that correct?", "am I right that ...", "I heard ...", "Weren't they ...?".
_YES_NO_TAG = re.compile(
    r"\b(right|correct|true)\s*\??\s*$"
    r"|\b(is|was|are|were|do|does|did|has|have|had)(n't|nt)\s+(it|they|he|she|there|that|we|you)\s*\??\s*$"
    r"|^\s*(is|was|are|were|do|does|did|has|have|had)(n't|nt)\b"
    r"|\b(is|was) (that|this|it) (right|true|correct|so)\b"
    r"|\bam i (right|correct|wrong)\b|^\s*(so\s+)?i (heard|read|thought)\b"
    r"|^\s*(so|and|but|then)\b(?!\s+(what|which|who|whom|whose|when|where|why|how)\b)[^?]*\?\s*$",
    re.I,
)
# Words that narrow or compare ("only Afghans", "the same ambitions", "exactly how many"): a
# matching name or pattern no longer proves the premise, so such a question gets no "Yes"
# unless a check contradicts it ("No" still wins).
_LIMITERS = re.compile(
    r"\b(only|just|solely|exclusively|never|mostly|mainly|exactly|whatsoever|at all|the same|same as"
    r"|rather than|instead of|as well as|more than|less than|fewer than|too (extreme|hardline|radical|moderate|soft))\b",
    re.I,
)
_NUMBER_WORDS = re.compile(
    r"\b(two|three|four|five|six|seven|eight|nine|ten|dozen|hundreds?|thousands?|millions?)\b", re.I
)
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_NUMBER = re.compile(r"\b(\d{1,3}(?:,\d{3})+|\d+)(\s*(?:k|m|million)\b)?", re.I)
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december")
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTHS})\b", re.I)
_MONTH_DAY = re.compile(rf"\b({_MONTHS})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b", re.I)
KINDS = {"year", "number", "place", "name", "date", "claim"}


@dataclass(frozen=True)
class Verdict:
    """The sentence to say first and whether the premise held."""

    holds: bool
    text: str


@lru_cache(maxsize=4)
def load_premises(path: Path = PREMISES_FILE) -> Dict[str, List[dict]]:
    """Read and validate the checks, so a broken file fails at store load."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for topic, checks in data.items():
        for check in checks:
            if check.get("kind") not in KINDS:
                raise ValueError(f"premises.yml {topic}: unknown kind {check.get('kind')}")
            if check["kind"] == "claim":
                _check_claim(topic, check)
            elif "confirm" not in check or "{asked}" not in check.get("correct", ""):
                raise ValueError(f"premises.yml {topic}: needs confirm and correct with {{asked}}")
    return data


def _check_claim(topic: str, check: dict) -> None:
    """A claim needs patterns that compile and the sentence for each side it has patterns for."""
    for side, sentence in (("holds", "confirm"), ("contradicts", "correct")):
        patterns = check.get(side) or []
        if patterns and not isinstance(check.get(sentence), str):
            raise ValueError(f"premises.yml {topic}: a claim with {side} needs {sentence}")
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"premises.yml {topic}: bad pattern {pattern!r}: {error}") from error
    if not (check.get("holds") or check.get("contradicts")):
        raise ValueError(f"premises.yml {topic}: a claim needs holds or contradicts patterns")


def _numbers(text: str) -> List[int]:
    """Numbers in the text other than years ('20k' counts as 20,000)."""
    found = []
    for match in _NUMBER.finditer(text):
        value = int(match.group(1).replace(",", ""))
        if match.group(2):
            value *= 1000 if match.group(2).strip().lower() == "k" else 1_000_000
        if not _YEAR.fullmatch(match.group(1)):
            found.append(value)
    return found


def _dates(text: str) -> List[str]:
    """Day-month dates in the text as "26 august", in order ("26th of August", "August 26")."""
    found = [(m.start(), f"{int(m.group(1))} {m.group(2).lower()}") for m in _DAY_MONTH.finditer(text)]
    found += [(m.start(), f"{int(m.group(2))} {m.group(1).lower()}") for m in _MONTH_DAY.finditer(text)]
    return [date for _, date in sorted(found)]


def _mentions(lowered: str, name: str) -> bool:
    """Whether the lower-cased text names ``name`` as a whole word ("is-k" not inside "isis-k")."""
    return re.search(rf"(?<![\w-]){re.escape(name.lower())}(?![\w-])", lowered) is not None


def _shown(name: str) -> str:
    """How a name from the file reads in a sentence: as written, or title-cased if all lower."""
    return name.title() if name == name.lower() else name


def _judge(check: dict, text: str) -> Optional[Verdict]:
    """One check against the text; None when the text has nothing it can check."""
    lowered = text.lower()
    if check["kind"] == "year":
        years = [int(y) for y in _YEAR.findall(text)]
        if not years:
            return None
        year = years[0]
        if year in check["holds"]:
            return Verdict(True, check["confirm"])
        return Verdict(False, check["correct"].format(asked=str(year)))
    if check["kind"] == "number":
        numbers = _numbers(text)
        if not numbers:
            return None
        value = numbers[0]
        if check["low"] <= value <= check["high"]:
            return Verdict(True, check["confirm"])
        return Verdict(False, check["correct"].format(asked=f"{value:,}"))
    if check["kind"] == "claim":
        # contradictions first: "are they allies of the Taliban" names a wrong premise
        if any(re.search(p, lowered) for p in check.get("contradicts") or []):
            return Verdict(False, check["correct"])
        if any(re.search(p, lowered) for p in check.get("holds") or []):
            return Verdict(True, check["confirm"])
        return None
    if check["kind"] == "date":
        dates = _dates(text)
        if not dates:
            return None
        if dates[0] in check["holds"]:
            return Verdict(True, check["confirm"])
        day, month = dates[0].split()
        return Verdict(False, check["correct"].format(asked=f"{day} {month.title()}"))
    # place or name: a wrong one named beside a right one ("Herat and Kandahar") is a "No"
    wrong = next((name for name in check.get("others", []) if _mentions(lowered, name)), None)
    if wrong:
        return Verdict(False, check["correct"].format(asked=_shown(wrong)))
    if any(_mentions(lowered, name) for name in check["holds"]):
        return Verdict(True, check["confirm"])
    return None


# "before or after ...?", "Kabul or Nangarhar?": a choice, not a premise to confirm or deny.
_ALTERNATIVE = re.compile(r"\b\w+ or (?!not\b|no\b)\w+", re.I)


def is_yes_no(text: str) -> bool:
    """A yes/no question: it starts like one, or ends with a tag ("..., right?"), and offers no choice."""
    if _ALTERNATIVE.search(text):
        return False
    return bool(_YES_NO_START.search(text) or _YES_NO_TAG.search(text))


def _unchecked_number(text: str, checks: List[dict]) -> bool:
    """The text states a quantity ("2,000 members", "three provinces") no check of it reads."""
    if any(check["kind"] == "number" for check in checks):
        return False
    undated = _MONTH_DAY.sub(" ", _DAY_MONTH.sub(" ", text))  # "15 August" is a date, not a quantity
    return bool(_numbers(undated) or _NUMBER_WORDS.search(undated))


def named_entities(store: ContentStore, text: str) -> List[Sequence[str]]:
    """The names of each store entity the text mentions (any of its names, whole words)."""
    lowered = text.lower()
    return [entity.names for entity in store.list_entities()
            if any(_mentions(lowered, name) for name in entity.names)]


_NAME_FILLER = frozenset({"the", "of", "and", "in", "al", "dr", "province", "city"})


def _covers(sentence: str, named: Sequence[Sequence[str]]) -> bool:
    """Whether the confirming sentence names every entity the question names.

    A word of any of an entity's names counts ("US forces" is covered by "US and Afghan
    security forces"), fillers such as "the" or "province" aside.
    """
    lowered = sentence.lower()
    return all(
        any(_mentions(lowered, word) for name in names for word in name.lower().split()
            if word not in _NAME_FILLER)
        for names in named
    )


def check_premise(
    text: str, topic_id: str, premises: Optional[Dict[str, List[dict]]] = None,
    store: Optional[ContentStore] = None,
) -> Optional[Verdict]:
    """The Yes/No sentence for a yes/no question with a checkable premise, else None.

    With a ``store``, a "Yes" whose sentence leaves out an entity the question names
    ("emptied by US forces?") does not confirm that part, so it is not given. The entities
    are looked up only for a "Yes" that is left, not on every answered turn.
    """
    if not is_yes_no(text):
        return None
    checks = (premises if premises is not None else load_premises()).get(topic_id, [])
    verdicts = [v for v in (_judge(check, text) for check in checks) if v is not None]
    # One wrong part makes the premise wrong: a right name with a wrong number is a "No".
    wrong = next((v for v in verdicts if not v.holds), None)
    if wrong is not None:
        return wrong
    if not verdicts or _LIMITERS.search(text) or _unchecked_number(text, checks):
        return None  # a part the checks cannot see could be wrong: no "Yes"
    named = named_entities(store, text) if store is not None else []
    return next((v for v in verdicts if _covers(v.text, named)), None)


def question_text(parse_data: Mapping[str, Any]) -> str:
    """The question without its greeting or thanks (components/wrappers.py), else the text."""
    return str((parse_data.get("wrapper") or {}).get("text") or parse_data.get("text") or "")


def premise_first(store: ContentStore, text: str, reply: Reply, intent: Optional[str] = None,
                  ranking: Sequence[Mapping[str, Any]] = ()) -> Reply:
    """Put the Yes/No premise sentence before the reply, in the same message.

    The topic checked is the one ``intent`` asks about, which a "not mentioned" reply about a
    name lacks ("Are they based in Kandahar?" gets the base's "No:"), else the reply's own,
    else, for a name question that no topic answers ("they're based in Kandahar, right?"),
    the best topic of the intent ``ranking`` at ``RANKED_TOPIC_MIN`` or more.
    """
    asked = store.topic_for_intent(intent) if intent else None
    topic = asked.id if asked else reply.topic_id or ranked_topic(store, ranking)
    verdict = check_premise(text, topic, store=store) if topic else None
    if verdict is None:
        return reply
    checked = replace(reply, text=f"{verdict.text}\n\n{reply.text}")
    source = store.get_topic(topic)
    return attributed(store, checked, source) if source is not None else checked


def ranked_topic(store: ContentStore, ranking: Sequence[Mapping[str, Any]]) -> Optional[str]:
    """The id of the best-ranked topic intent, when it scores at least RANKED_TOPIC_MIN."""
    for candidate in ranking:
        found = store.topic_for_intent(str(candidate.get("name")))
        if found is not None:
            return found.id if (candidate.get("confidence") or 0.0) >= RANKED_TOPIC_MIN else None
    return None


def premise_topic(store: ContentStore, text: str, ranking: Sequence[Mapping[str, Any]],
                  min_confidence: float) -> Optional[str]:
    """On an unsure turn, the best-ranked candidate topic whose checks settle the question's premise.

    "is it true they had 20,000 fighters?" may rank the size too low to answer outright, but
    only a topic whose own checks read the premise (a number of fighters, a wrong city) can
    give the "No:"; that candidate is what the reader meant, so it is answered instead of
    offering buttons. Candidates are those "Did you mean" would offer (``min_confidence``).
    """
    if not is_yes_no(text):
        return None
    for candidate in ranking:
        topic = store.topic_for_intent(str(candidate.get("name")))
        if topic is None or (candidate.get("confidence") or 0.0) < min_confidence:
            continue
        if check_premise(text, topic.id, store=store) is not None:
            return topic.id
    return None
