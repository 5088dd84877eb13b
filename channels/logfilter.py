"""Keep user message text out of the logs unless ``ISK_LOG_MESSAGE_TEXT`` is set.

Rasa logs the text at several places (structlog events such as ``processor.message.parse``,
errors of the stock REST channel, exceptions that quote the tracker). Rather than chase each
one, a log-record factory redacts the text of the message being handled (a context variable
the channels set per turn) from every record, and the known text-bearing keys of Rasa's JSON
log lines. Sender ids and intents stay: they are what an operator needs to follow a turn.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from typing import Any, Optional, Pattern

REDACTED = "[text redacted]"
# Keys of Rasa's structlog events that carry user text (rasa/utils/log_utils.py _anonymizer).
_TEXT_KEYS = re.compile(
    r'"(text|user_text|parse_data_text|message|user_message|tracker_latest_message|token_text)"'
    r':\s*"(?:[^"\\]|\\.)*"'
)

_current_text: contextvars.ContextVar[Optional[Pattern[str]]] = contextvars.ContextVar(
    "isk_current_text", default=None
)
_installed = False


def _pattern_for(text: str) -> Optional[Pattern[str]]:
    forms = {text, json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1], repr(text)[1:-1]}
    forms = {f for f in forms if f.strip()}
    if not forms:
        return None
    alternatives = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
    # Word boundaries keep "hi" from being cut out of "this".
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


def set_current_text(text: str) -> contextvars.Token:
    """Mark ``text`` as the message being handled by this task; returns a reset token."""
    return _current_text.set(_pattern_for(text))


def reset_current_text(token: contextvars.Token) -> None:
    _current_text.reset(token)


def redact(message: str) -> str:
    """``message`` without the current user text or Rasa's text-bearing JSON fields."""
    pattern = _current_text.get()
    if pattern is not None:
        message = pattern.sub(REDACTED, message)
    return _TEXT_KEYS.sub(lambda m: f'"{m.group(1)}": "{REDACTED}"', message)


def install(log_message_text: bool) -> None:
    """Redact every log record from now on, unless the debug switch says to keep text."""
    global _installed
    if _installed or log_message_text:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            original = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not ours
            return record
        cleaned = redact(original)
        if cleaned != original:
            record.msg, record.args = cleaned, ()
        if record.exc_info and _current_text.get() is not None:
            # Formatters reuse exc_text when set: pre-render the traceback, redacted.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
