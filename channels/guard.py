"""Check and clean what a client sends before Rasa sees it: pure functions, no I/O.

Every problem becomes an :class:`InputError` with an HTTP status and a machine-readable
code, so both channels answer bad input the same way; text that is merely odd (control
characters, lone surrogates, a typed ``/restart``) is cleaned into plain text instead.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, Iterable, Optional

from rasa.shared.core.constants import DEFAULT_INTENTS

from channels.rating_payload import is_rating_payload

# "/intent" exactly, as the bot's own buttons send it: no entities, no confidence suffix.
_PAYLOAD = re.compile(r"^/([A-Za-z0-9_]+)$")
# Control characters (Unicode "Cc") that stay: everything else of that class becomes a space.
# Format characters ("Cf") all stay: Pashto and Persian spelling needs the zero-width
# (non-)joiners, and right-to-left text its direction marks.
_KEPT_CONTROLS = {"\t", "\n"}
# Conversation ids: safe in a log line, a URL and a SQL row (no newline, bidi override, zero width).
_SENDER = re.compile(r"[A-Za-z0-9_.:-]+")
# Widget (socket.io) conversation ids start with this; a REST caller may not use it.
WIDGET_SENDER_PREFIX = "web:"
# Metadata keys the project reads (bench/load.py orders turns by "bench_turn"); every
# other key is dropped before Rasa stores the message and sends it to the action server.
METADATA_KEYS: FrozenSet[str] = frozenset({"bench_turn"})
METADATA_MAX_CHARS = 256
_METADATA_MAX_STRING = 64
_METADATA_MAX_INT = 2**53  # exact in every JSON reader


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
        body = json.loads(decoded, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise InputError(400, "invalid_json", "The request body is nested too deeply.") from None
    except ValueError as error:  # JSONDecodeError, an integer over Python's 4,300 digits, NaN
        raise InputError(400, "invalid_json", f"The request body is not valid JSON ({_reason(error)}).") from None
    if not isinstance(body, dict):
        raise InputError(
            400, "not_an_object", 'The request body must be a JSON object like {"sender": ..., "message": ...}.'
        )
    return body


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (RFC 8259), though Python's reader accepts them."""
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(literal: str) -> float:
    """A float literal that overflows (1e999) would become infinity: refuse it instead."""
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError("a number too large for a float")
    return value


def _reason(error: ValueError) -> str:
    """A short, safe reason: the parser's message without echoing the body."""
    if isinstance(error, json.JSONDecodeError):
        return f"{error.msg} at character {error.pos}"
    text = str(error)
    if "digits" in text:
        return "an integer with too many digits"
    return text[:80]


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
    if not _SENDER.fullmatch(value):
        raise InputError(
            400, "invalid_sender", "'sender' may contain only letters, digits and the characters - _ . :"
        )
    return value


def check_rest_sender(value: Any, max_chars: int) -> str:
    """A REST conversation id: as :func:`check_sender`, and never a widget's (``web:...``).

    A REST caller who learnt a widget conversation's id could otherwise continue it.
    """
    sender = check_sender(value, max_chars)
    if sender.lower().startswith(WIDGET_SENDER_PREFIX):
        raise InputError(
            400, "reserved_sender", f"Sender ids starting with '{WIDGET_SENDER_PREFIX}' belong to the chat widget."
        )
    return sender


def _metadata_value(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return abs(value) <= _METADATA_MAX_INT
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and len(value) <= _METADATA_MAX_STRING and clean_text(value) == value


def filter_metadata(
    value: Any, keys: FrozenSet[str] = METADATA_KEYS, max_chars: int = METADATA_MAX_CHARS
) -> Optional[Dict[str, Any]]:
    """The part of a message's ``metadata`` worth storing: known keys with short scalar values.

    Rasa stores metadata with the message and sends it to the action server on every turn,
    so anything else (up to the whole body's size of any JSON) is dropped, never refused:
    None when nothing is left, or when what is left is over ``max_chars`` as JSON.
    """
    if not isinstance(value, dict):
        return None
    kept = {k: v for k, v in value.items() if k in keys and _metadata_value(v)}
    if not kept or len(json.dumps(kept)) > max_chars:
        return None
    return kept


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


def _ignorable(char: str) -> bool:
    """Spaces of any kind and invisible format characters (zero width, bidi marks)."""
    return char.isspace() or unicodedata.category(char) in {"Zs", "Zl", "Zp", "Cf"}


def strip_command_prefix(text: str) -> str:
    """Drop a leading run of slashes, spaces and invisible characters, as long as it holds a slash.

    Stripping one slash is not enough: "/ /restart" or "/\u00a0/restart" would still reach
    Rasa as "/restart". Text that does not start that way is returned unchanged.
    """
    end = 0
    while end < len(text) and (text[end] == "/" or _ignorable(text[end])):
        end += 1
    return text[end:] if "/" in text[:end] else text


def plan_turn(raw_text: str, payloads: FrozenSet[str], max_chars: int) -> Turn:
    """Decide how to handle a message's text.

    Too long or empty text is answered without Rasa. A whitelisted button payload passes
    unchanged; any other leading run of slashes (and the spaces between them) is dropped so
    NLU reads the rest as plain words: no built-in intent can be typed, and no slot can be
    set from JSON typed after an intent name.
    """
    if len(raw_text) > max_chars:
        return Turn(reply="too_long")
    text = clean_text(raw_text)
    if not text:
        return Turn(reply="empty")
    if (text in payloads and _PAYLOAD.match(text)) or is_rating_payload(text, payloads):
        return Turn(text=text)
    text = strip_command_prefix(text).strip()
    if not text:
        return Turn(reply="empty")
    return Turn(text=text)
