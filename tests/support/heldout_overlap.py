"""Find training examples that repeat a held-out text, so held-out scores measure generalisation.

A held-out set only measures what the model does with phrasings it has not seen. Blind writers
of training data and of held-out cases do coincide on short, natural questions ("who do they
recruit?"), and a coincidence inflates the score as much as a copy would. So the rule is
mechanical: no training example may equal a held-out text, or share 80% or more of its words
(Jaccard), once entity markup, punctuation and case are removed. The one exception is small talk
of one or two words ("hi", "thanks", "bye"): a closed class that every writer shares and
that is not what the held-out sets measure.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Iterable, List, Tuple

import yaml
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.loading import load_data

from components.safety_data import SAFETY_LABEL, data_files, read_examples
from tests.conversations.cases import load_cases

ROOT = Path(__file__).resolve().parents[2]
TRAINING_NLU = ROOT / "data" / "nlu"
TRAINING_SAFETY = ROOT / "data" / "safety"
HELDOUT_NLU = ROOT / "tests" / "nlu_heldout.yml"
HELDOUT_SAFETY = ROOT / "tests" / "safety_heldout.yml"
JACCARD_LIMIT = 0.8
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny"})
SMALL_TALK_MAX_WORDS = 2

_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_NOT_WORD = re.compile(r"[^\w\s'-]")


@dataclass(frozen=True)
class Text:
    """One example or case text and where it comes from (file and intent, label or case id)."""

    where: str
    label: str
    text: str

    @property
    def words(self) -> FrozenSet[str]:
        """The normalised words: what the comparison looks at."""
        return frozenset(normalise(self.text).split())


def normalise(text: str) -> str:
    """Entity markup reduced to its words, Unicode compatibility forms, lower case, no punctuation."""
    text = unicodedata.normalize("NFKC", _MARKUP.sub(r"\1", text)).lower()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def _nlu_examples(path: Path) -> List[Tuple[str, str]]:
    """(intent, text) of a Rasa NLU file's intent examples, read by Rasa (entity markup removed)."""
    return [(m.get(INTENT), m.get(TEXT)) for m in load_data(str(path)).intent_examples]


def training_texts() -> List[Text]:
    """Every intent example of data/nlu and every safety example of data/safety."""
    out: List[Text] = []
    for path in sorted(TRAINING_NLU.glob("*.yml")):
        out += [Text(f"data/nlu/{path.name}", intent, text) for intent, text in _nlu_examples(path)]
    for path in data_files(TRAINING_SAFETY):
        out += [Text(f"data/safety/{path.name}", m.get(SAFETY_LABEL), m.get(TEXT)) for m in read_examples(path)]
    return out


def heldout_texts() -> List[Text]:
    """Every user turn of the conversation set, and the old NLU and safety held-out sets."""
    out = [
        Text(f"tests/conversations/{case.category}", case.id, turn.user)
        for case in load_cases()
        for turn in case.turns
    ]
    out += [Text("tests/nlu_heldout.yml", i, t) for i, t in _nlu_examples(HELDOUT_NLU)]
    safety = yaml.safe_load(HELDOUT_SAFETY.read_text(encoding="utf-8"))
    out += [Text("tests/safety_heldout.yml", k, t) for k in ("harmful", "benign") for t in safety[k]]
    return out


def exempt(example: Text) -> bool:
    """Short small talk may coincide: there are only so many ways to say hello."""
    return example.label in SMALL_TALK and len(example.words) <= SMALL_TALK_MAX_WORDS


def overlaps(
    training: Iterable[Text], heldout: Iterable[Text], limit: float = JACCARD_LIMIT
) -> List[Tuple[Text, Text]]:
    """(training example, held-out text) pairs that are equal or share ``limit`` of their words."""
    held = [(h, h.words, normalise(h.text)) for h in heldout]
    found: List[Tuple[Text, Text]] = []
    for example in training:
        if exempt(example):
            continue
        words, flat = example.words, normalise(example.text)
        for other, other_words, other_flat in held:
            union = words | other_words
            if flat == other_flat or (union and len(words & other_words) / len(union) >= limit):
                found.append((example, other))
                break
    return found
