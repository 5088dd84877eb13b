"""Identify each message's language offline and add it to the parse data.

The actions need to know that a question is in Dari or French to answer with a note in that
language instead of an unrelated English answer. This component adds
``{"code": "fa", "confidence": 0.99, "method": "classifier"}`` under ``language`` in the parse
data, which the action server reads from ``tracker.latest_message``.

py3langid ships its model (chosen over lingua by measurement: it covers Pashto, which lingua
lacks, and was right on all 176 short questions in eight languages). Short English messages are
where a character-n-gram identifier fails ("ISKP", "Herat", "ok", "👍"), so names from the
lookup tables, acronyms, emoji, digits and punctuation are removed first; too few letters
left, or an unsure guess, keeps the default language (English).
"""

from __future__ import annotations

import hashlib
import json
import lzma
import pickle
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Text, Tuple

import numpy as np

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import InvalidConfigException, RasaException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

LANGUAGE = "language"
# py3langid 0.2.2's model (an lzma pickle: hashed before it is unpickled).
PY3LANGID_MODEL_SHA256 = "8c99809ff6de3d129e447306d30ceae4713735230dced7e8d4d46df89e6968ce"
_FILE = "names.json"
# IS-K's own names and other acronyms: "IS-K", "ISKP", "ISIS-K", "IS-KP", "US", "UN".
_ACRONYM = re.compile(r"(?<!\w)(?:[A-Z]{2,}(?:-[A-Z]{1,3})?|[A-Za-z]{1,4}-[A-Z]{1,3})(?!\w)")
_LETTER = re.compile(r"[^\W\d_]")


class LanguageModelMismatch(RasaException):
    """py3langid's model file is missing or is not the file that was measured."""


def _is_latin(char: str) -> bool:
    return char.isascii() or "\u00c0" <= char <= "\u024f"


# Letters and marks that only one of the configured languages writes. The n-gram model that
# py3langid 0.2.2 ships (the last release for numpy 1.x) reads most Pashto as Persian; the
# alphabets tell them apart: checked in this order, the first language with a mark wins.
ORTHOGRAPHY: Tuple[Tuple[str, str], ...] = (
    ("ps", "ټډړږښګڼځڅېۍ"),
    ("ur", "ٹڈڑںےھہۂۓ"),
    ("ar", "يكةىأإ"),   # Arabic letter forms; Persian, Urdu and Pashto write ی and ک
    ("fa", "پچژگیک"),
    ("es", "¿¡ñ"),
    ("de", "ßäöü"),
    ("fr", "çœêèëîôûù"),
)


def orthography_hint(text: str, languages: Iterable[str]) -> Optional[str]:
    """The first configured language whose own letters appear in ``text``, if any."""
    allowed = set(languages)
    for code, marks in ORTHOGRAPHY:
        if code in allowed and any(mark in text for mark in marks):
            if code == "ar" and any(mark in text for mark in "پچژگیک"):
                # An Arabic form beside Persian letters: Pashto writes final ي beside ی
                # ("کوي"); otherwise a loanword in Persian.
                return "ps" if "ي" in text and "ps" in allowed else ("fa" if "fa" in allowed else None)
            return code
    return None


class Identifier:
    """py3langid restricted to the languages the assistant handles, plus the short-text rules."""

    def __init__(self, languages: Iterable[str], default: str, min_letters: int, min_confidence: float,
                 names: Iterable[str] = (), model_sha256: str = PY3LANGID_MODEL_SHA256) -> None:
        from py3langid.langid import LanguageIdentifier as Py3LangId

        self.languages = list(languages)
        self.default = default
        self.min_letters = min_letters
        self.min_confidence = min_confidence
        self._names = _names_pattern(names)
        arrays = _load_model(model_sha256)
        self._model = Py3LangId(*arrays, norm_probs=True)
        # The same arrays over all 97 languages: among only eight, gibberish finds a confident
        # language ("qwxz blorf zzzt" is German at 0.96; among all it is Hungarian at 0.62).
        self._open = Py3LangId(*arrays, norm_probs=True)
        unknown = set(self.languages) - set(self._model.nb_classes)
        if unknown:
            raise InvalidConfigException(f"LanguageIdentifier: py3langid does not know {sorted(unknown)}")
        self._model.set_languages(self.languages)

    def strip(self, text: str) -> str:
        """The text without acronyms and known names, which carry no language."""
        text = _ACRONYM.sub(" ", text)
        return self._names.sub(" ", text) if self._names else text

    def identify(self, text: str) -> Dict[str, Any]:
        """``{"code", "confidence", "method"}`` for one message; never raises on odd input."""
        stripped = self.strip(text or "")
        letters = _LETTER.findall(stripped)
        latin = sum(_is_latin(c) for c in letters)
        if latin >= len(letters) - latin and latin < self.min_letters:
            return {"code": self.default, "confidence": 1.0, "method": "too_short"}
        hint = orthography_hint(stripped.lower(), self.languages)
        if hint is not None and hint != self.default:
            return {"code": hint, "confidence": 1.0, "method": "orthography"}
        code, confidence = self._model.classify(stripped)
        confidence = float(confidence)
        if latin < len(letters) - latin:  # mostly another script: the script alone rules out English
            return {"code": code, "confidence": round(confidence, 4), "method": "classifier"}
        if code != self.default and confidence < self.min_confidence:
            return {"code": self.default, "confidence": round(1.0 - confidence, 4), "method": "unsure"}
        if code != self.default and code not in [lang for lang, _ in self._open.rank(stripped)[:2]]:
            # A Latin-script guess that is not among the full model's best two is not a language
            # (short German often ranks just behind Afrikaans or Nynorsk; gibberish lower).
            return {"code": self.default, "confidence": round(1.0 - confidence, 4), "method": "unconfirmed"}
        return {"code": code, "confidence": round(confidence, 4), "method": "classifier"}


def _names_pattern(names: Iterable[str]) -> Optional["re.Pattern[str]"]:
    ordered = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
    if not ordered:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in ordered) + r")(?!\w)", re.IGNORECASE)


def model_file() -> Path:
    import py3langid.langid as langid

    return Path(langid.__file__).resolve().parent / langid.MODEL_FILE


_MODELS: Dict[str, Tuple[Any, ...]] = {}


def _load_model(sha256: str) -> Tuple[Any, ...]:
    """py3langid's model arrays, after checking the file's hash (it is a pickle)."""
    if sha256 not in _MODELS:
        path = model_file()
        if not path.is_file():
            raise LanguageModelMismatch(f"py3langid model file not found: {path}")
        raw = path.read_bytes()
        actual = hashlib.sha256(raw).hexdigest()
        if actual != sha256:
            raise LanguageModelMismatch(
                f"py3langid model file {path} has SHA-256 {actual}, expected {sha256}: reinstall "
                f"the pinned py3langid (requirements/runtime.txt)")
        # As py3langid's own LanguageIdentifier.from_pickled_model reads it.
        nb_ptc, nb_pc, nb_classes, tk_nextmove, tk_output = pickle.loads(lzma.decompress(raw))
        nb_numfeats = len(nb_ptc) // len(nb_pc)
        nb_pc = np.array(nb_pc)
        nb_ptc = np.array(nb_ptc).reshape(nb_numfeats, len(nb_pc))
        _MODELS[sha256] = (nb_ptc, nb_pc, nb_numfeats, nb_classes, tk_nextmove, tk_output)
    return _MODELS[sha256]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LanguageIdentifier(GraphComponent):
    """Sets ``language`` on every message; learns the names to ignore from the lookup tables."""

    @staticmethod
    def required_packages() -> List[Text]:
        return ["py3langid"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "languages": ["en", "fa", "ps", "ur", "ar", "fr", "es", "de"],
            "default": "en",
            # Latin letters left after names and acronyms are removed, below which: default.
            "min_letters": 8,
            # A Latin-script guess other than the default below this confidence: default.
            "min_confidence": 0.8,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 names: Iterable[str]) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._validate(config)
        self._names = sorted(set(names))
        self.identifier = Identifier(config["languages"], config["default"], int(config["min_letters"]),
                                     float(config["min_confidence"]), self._names)

    @staticmethod
    def _validate(config: Dict[Text, Any]) -> None:
        languages = config.get("languages")
        if not isinstance(languages, list) or not languages or not all(isinstance(x, str) for x in languages):
            raise InvalidConfigException("LanguageIdentifier: `languages` must be a non-empty list of codes")
        if config.get("default") not in languages:
            raise InvalidConfigException("LanguageIdentifier: `default` must be one of `languages`")
        if not 0.0 <= float(config.get("min_confidence", -1)) <= 1.0:
            raise InvalidConfigException("LanguageIdentifier: `min_confidence` must be between 0 and 1")

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LanguageIdentifier":
        return cls(config, model_storage, resource, ())

    def train(self, training_data: TrainingData) -> Resource:
        names = [str(e) for table in training_data.lookup_tables for e in table.get("elements") or []]
        self._names = sorted(set(names))
        with self._storage.write_to(self._resource) as directory:
            (directory / _FILE).write_text(json.dumps(self._names, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LanguageIdentifier":
        with model_storage.read_from(resource) as directory:
            names = json.loads((directory / _FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, names)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                message.set(LANGUAGE, self.identifier.identify(text), add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
