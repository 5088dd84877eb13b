"""Recognise what a REST reply is: an answer, a refusal, a language note, a menu, ...

The marks are read from the project itself (the content store's messages, domain.yml's
responses, the channels' own replies), so rewording a message in the store does not break
the scorer. Language notes are matched against the store's translations when it has them
(any mapping under a key containing "language" from language codes to texts), else
recognised by script and common words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
ATTRIBUTION = "attribution"

# content/source.yml message key -> reply kind
STORE_MESSAGES = {
    "out_of_scope": "out_of_scope",
    "after_date": "after_date",
    "fallback": "rephrase",
    "ask_affirmation": "did_you_mean",
    "something_else": "something_else",
    "capabilities": "capabilities",
    "source_answer": "source",
    "no_more": "no_more",
    "more_prefix": "more",
    "no_topic_yet": "no_topic_yet",
    "entity_not_covered": "not_mentioned",
}
# domain.yml response -> reply kind
DOMAIN_RESPONSES = {
    "utter_refuse": "refused",
    "utter_greet": "greet",
    "utter_goodbye": "goodbye",
    "utter_thank": "thank",
    "utter_bot_challenge": "bot",
}
# channels/replies.py key -> reply kind (a channel reply is never a good answer)
CHANNEL_REPLIES = {"empty": "channel_empty", "too_long": "channel_too_long",
                   "trouble": "trouble", "unreadable": "channel_unreadable"}
MIN_PREFIX = 15


def normalise(text: str) -> str:
    """Case-folded, NFC, single-spaced: the form every comparison uses."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def template_prefix(template: str) -> str:
    """The fixed opening of a message template: up to the first placeholder, at most the
    first sentence (extended while shorter than MIN_PREFIX characters)."""
    fixed = normalise(template.split("{", 1)[0])
    for match in re.finditer(r"[.?!:](\s|$)", fixed):
        if match.end() >= MIN_PREFIX:
            return fixed[: match.start() + 1]
    return fixed


@dataclass(frozen=True)
class Markers:
    """Openings that identify each kind of bot message."""

    prefixes: Tuple[Tuple[str, str], ...]
    source_line: str
    notes: Mapping[str, Tuple[str, ...]] = field(default_factory=dict)

    def kind_of(self, text: str) -> Optional[str]:
        """The kind whose opening ``text`` starts with (longest opening wins)."""
        norm = normalise(text)
        best: Optional[Tuple[int, str]] = None
        for prefix, kind in self.prefixes:
            if prefix and norm.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), kind)
        return best[1] if best else None

    def note_language(self, text: str) -> Optional[str]:
        """The language of a note from the store's translations, if it is one of them."""
        norm = normalise(text)
        for lang, prefixes in self.notes.items():
            if any(p and norm.startswith(p) for p in prefixes):
                return lang
        return None


def _find_language_notes(data: Any) -> Dict[str, List[str]]:
    """Mappings under a key containing "language" whose keys look like language codes."""
    found: Dict[str, List[str]] = {}
    if isinstance(data, Mapping):
        for key, value in data.items():
            if isinstance(key, str) and "language" in key.lower() and isinstance(value, Mapping):
                for code, text in value.items():
                    if isinstance(text, Mapping):
                        text = text.get("text") or text.get("note")
                    if isinstance(code, str) and re.fullmatch(r"[a-z]{2}(-[a-zA-Z]+)?", code) and isinstance(text, str):
                        found.setdefault(code.split("-")[0], []).append(text)
            for lang, texts in _find_language_notes(value).items():
                found.setdefault(lang, []).extend(texts)
    elif isinstance(data, list):
        for item in data:
            for lang, texts in _find_language_notes(item).items():
                found.setdefault(lang, []).extend(texts)
    return found


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_markers(root: Path = ROOT) -> Markers:
    """The markers of the project at ``root``, from its content store, domain and channels."""
    source = _yaml(root / "content" / "source.yml")
    messages = source.get("messages") or {}
    prefixes: List[Tuple[str, str]] = []
    for key, kind in STORE_MESSAGES.items():
        if isinstance(messages.get(key), str):
            prefixes.append((template_prefix(messages[key]), kind))
    responses = (_yaml(root / "domain.yml") or {}).get("responses") or {}
    for key, kind in DOMAIN_RESPONSES.items():
        for variant in responses.get(key) or []:
            if isinstance(variant, Mapping) and isinstance(variant.get("text"), str):
                prefixes.append((template_prefix(variant["text"]), kind))
    from channels.replies import REPLIES  # the channels' own texts; a light module

    for key, kind in CHANNEL_REPLIES.items():
        if key in REPLIES:
            prefixes.append((template_prefix(REPLIES[key]), kind))
    notes: Dict[str, List[str]] = {}
    for path in sorted((root / "content").rglob("*.yml")):
        for lang, texts in _find_language_notes(_yaml(path)).items():
            notes.setdefault(lang, []).extend(texts)
    source_line = template_prefix(source["source"]["attribution"])
    return Markers(
        prefixes=tuple(prefixes),
        source_line=source_line,
        notes={lang: tuple(template_prefix(t) for t in texts) for lang, texts in notes.items()},
    )


# ---- language of a note, without a model: script, letters, common words ----
PASHTO_LETTERS = set("ټډړږښګڼېۍځڅ")
URDU_LETTERS = set("ٹڈڑںےھہ")
PERSIAN_LETTERS = set("پچژگکی")
STOPWORDS = {
    "en": {"the", "and", "is", "are", "i", "you", "only", "in", "english", "to", "of", "it", "that",
           "this", "can", "answer", "questions", "about", "what", "please", "my", "your", "here"},
    "fr": {"le", "la", "les", "des", "est", "et", "je", "vous", "que", "qui", "pour", "pas", "une", "un",
           "dans", "sur", "ne", "en", "anglais", "réponds", "uniquement", "seulement", "votre", "à", "sont",
           "du", "au", "aux", "ce", "mes", "réponses"},
    "es": {"el", "la", "los", "las", "es", "y", "yo", "usted", "que", "para", "no", "una", "un", "solo",
           "sólo", "en", "inglés", "respondo", "preguntas", "su", "con", "sobre", "del", "al", "mis",
           "respuestas", "puedo"},
    "de": {"der", "die", "das", "und", "ist", "ich", "nur", "auf", "englisch", "sie", "nicht", "eine",
           "ein", "antworte", "fragen", "ihre", "zu", "mit", "über", "kann", "meine", "antworten", "hier"},
}
LETTER_HINTS = {"es": set("ñ¿¡"), "de": set("ßäöü"), "fr": set("çœèêàùâî")}


def detect_language(text: str) -> Optional[str]:
    """ISO 639-1 code of a short bot message, or None when it cannot be told."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    arabic = [c for c in letters if "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f"]
    if len(arabic) >= 0.3 * len(letters):
        chars = set(arabic)
        if chars & PASHTO_LETTERS:
            return "ps"
        if chars & URDU_LETTERS:
            return "ur"
        if chars & PERSIAN_LETTERS:
            return "fa"
        return "ar"
    words = re.findall(r"[^\W\d_]+", text.casefold())
    scores = {lang: sum(w in vocab for w in words) for lang, vocab in STOPWORDS.items()}
    lowered = text.casefold()
    for lang, hints in LETTER_HINTS.items():
        scores[lang] += 2 * sum(c in hints for c in set(lowered))
    best = max(scores, key=lambda lang: (scores[lang], lang == "en"))
    return best if scores[best] >= 2 else None


@dataclass(frozen=True)
class Message:
    """One message of a reply, classified."""

    kind: str  # a marker kind, "answer_text", "language_note", "text" or "custom"
    text: str = ""
    lang: Optional[str] = None
    buttons: int = 0
    custom: Optional[Mapping[str, Any]] = None


@dataclass(frozen=True)
class ReplyView:
    """A whole REST reply (every message the bot sent for one user turn), classified."""

    messages: Tuple[Message, ...]
    error: Optional[str] = None

    @property
    def texts(self) -> List[str]:
        return [m.text for m in self.messages if m.text]

    @property
    def kinds(self) -> List[str]:
        return [m.kind for m in self.messages if m.kind != "custom"]

    @property
    def attributions(self) -> List[Mapping[str, Any]]:
        return [m.custom for m in self.messages
                if m.custom is not None and m.custom.get("type") == ATTRIBUTION]

    @property
    def topics(self) -> List[str]:
        return [str(a.get("topic")) for a in self.attributions]

    @property
    def button_sets(self) -> int:
        return sum(1 for m in self.messages if m.buttons)

    @property
    def note_languages(self) -> List[str]:
        return [m.lang for m in self.messages if m.kind == "language_note" and m.lang]

    def summary(self) -> Dict[str, Any]:
        """What the report keeps of a reply: kinds, topics, texts."""
        return {"kinds": self.kinds, "topics": self.topics, "notes": self.note_languages,
                "button_sets": self.button_sets, "texts": self.texts, **({"error": self.error} if self.error else {})}


def classify_text(markers: Markers, text: str) -> Tuple[str, Optional[str]]:
    """The kind of one text message, and the language of a note."""
    kind = markers.kind_of(text)
    if kind is not None:
        return kind, None
    if markers.source_line and markers.source_line in normalise(text):
        return "answer_text", None
    lang = markers.note_language(text)
    if lang is None:
        detected = detect_language(text)
        lang = detected if detected not in (None, "en") else None
    return ("language_note", lang) if lang else ("text", None)


def classify(markers: Markers, raw: Sequence[Mapping[str, Any]]) -> ReplyView:
    """Classify the JSON list the REST webhook answered."""
    messages: List[Message] = []
    for item in raw:
        if not isinstance(item, Mapping):
            return ReplyView(tuple(messages), error=f"not a message: {item!r}")
        buttons = item.get("buttons") or []
        custom = item.get("custom")
        if isinstance(item.get("text"), str):
            kind, lang = classify_text(markers, item["text"])
            messages.append(Message(kind=kind, text=item["text"], lang=lang, buttons=len(buttons)))
        elif buttons:
            messages.append(Message(kind="text", buttons=len(buttons)))
        if isinstance(custom, Mapping):
            messages.append(Message(kind="custom", custom=custom))
    return ReplyView(tuple(messages))


def reply_from_messages(markers: Markers, raw: Iterable[Mapping[str, Any]]) -> ReplyView:
    """Convenience for tests: classify hand-made replies."""
    return classify(markers, list(raw))
