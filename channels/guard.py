"""Check and clean what a client sends before Rasa sees it: pure functions, no I/O.

Every problem becomes an :class:`InputError` with an HTTP status and a machine-readable
code, so both channels answer bad input the same way; text that is merely odd (control
characters, lone surrogates, a typed ``/restart``) is cleaned into plain text instead.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Iterable, Optional

from rasa.shared.core.constants import DEFAULT_INTENTS

# "/intent" exactly, as the bot's own buttons send it: no entities, no confidence suffix.
_PAYLOAD = re.compile(r"^/([A-Za-z0-9_]+)$")
# Control characters (Unicode "Cc") that stay: everything else of that class becomes a space.
# Format characters ("Cf") all stay: Pashto and Persian spelling needs the zero-width
# (non-)joiners, and right-to-left text its direction marks.
_KEPT_CONTROLS = {"\t", "\n"}


class InputError(ValueError):
    """A request that cannot be answered: HTTP status, error code and a human explanation."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail

    def as_json(self) -> Dict[str, str]:
        return {"error": self.code, "detail": self.detail}


@dataclass(frozen=True)
class Turn:
    """What to do with one message: pass ``text`` to Rasa, or answer ``reply`` directly."""

    text: str = ""
    reply: Optional[str] = None  # a key of channels.replies.REPLIES


def parse_body(raw: bytes) -> Dict[str, Any]:
    """Decode a webhook body: strict UTF-8, valid JSON, a JSON object."""
    if not raw.strip():
        raise InputError(400, "empty_body", "The request body is empty; send a JSON object.")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(400, "invalid_utf8", "The request body is not valid UTF-8.") from None
    try:
        body = json.loads(decoded)
    except (json.JSONDecodeError, RecursionError):
        raise InputError(400, "invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise InputError(
            400, "not_an_object", 'The request body must be a JSON object like {"sender": ..., "message": ...}.'
        )
    return body


def clean_text(text: str) -> str:
    """Plain, storable text: no control characters, NUL bytes or lone surrogates.

    Emoji, every script and right-to-left marks stay; control characters become spaces
    so words do not run together; runs of spaces collapse and the ends are trimmed.
    """
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs":  # a lone surrogate: cannot be stored as UTF-8
            continue
        if category == "Cc" and char not in _KEPT_CONTROLS:
            kept.append(" ")
            continue
        kept.append(char)
    return re.sub(r"[ \t]+", " ", "".join(kept)).strip()


def check_sender(value: Any, max_chars: int) -> str:
    """A conversation id: required (no shared "default" conversation), short, printable."""
    if value is None:
        raise InputError(400, "missing_sender", "Send a 'sender': a string that names the conversation.")
    if not isinstance(value, str):
        raise InputError(400, "invalid_sender", "'sender' must be a string.")
    if not value.strip():
        raise InputError(400, "invalid_sender", "'sender' must not be empty.")
    if len(value) > max_chars:
        raise InputError(400, "invalid_sender", f"'sender' must be at most {max_chars} characters.")
    if clean_text(value) != value:
        raise InputError(
            400, "invalid_sender", "'sender' must not contain control characters or surrounding spaces."
        )
    return value


def check_message(value: Any) -> str:
    """The user's text: required and a string (stock Rasa answers anything else with ``[]``)."""
    if value is None:
        raise InputError(400, "missing_message", "Send a 'message': the user's text as a string.")
    if not isinstance(value, str):
        raise InputError(400, "invalid_message", "'message' must be a string.")
    return value


def button_payloads(intents: Iterable[str]) -> FrozenSet[str]:
    """The "/intent" payloads the bot's buttons may send: the domain's own intents.

    Rasa's built-in intents (restart, session_start, back, ...) are excluded: a user must
    not be able to reset or replay a conversation by typing them.
    """
    return frozenset(f"/{i}" for i in intents if i not in DEFAULT_INTENTS)


def plan_turn(raw_text: str, payloads: FrozenSet[str], max_chars: int) -> Turn:
    """Decide how to handle a message's text.

    Too long or empty text is answered without Rasa. A whitelisted button payload passes
    unchanged; any other leading slash is dropped so NLU reads the rest as plain words
    and no slot can be set from JSON typed after an intent name.
    """
    if len(raw_text) > max_chars:
        return Turn(reply="too_long")
    text = clean_text(raw_text)
    if not text:
        return Turn(reply="empty")
    if text.startswith("/"):
        if text in payloads and _PAYLOAD.match(text):
            return Turn(text=text)
        text = text.lstrip("/").strip()
        if not text:
            return Turn(reply="empty")
    return Turn(text=text)
