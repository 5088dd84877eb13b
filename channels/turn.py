"""One user turn through Rasa, shared by both channels: never silent, never leaking text.

Rasa swallows a failed custom action (action server down, slow, erroring) and a lock-store
error ends the request: either way the user gets nothing. A turn here that produced no
bot message is a fault, answered with the channel's "trouble answering" text, whatever
caused it and without any explainer fact in the channel. Each turn is logged with its
sender id and intent only.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional

import rasa.core.actions.action
from rasa.core.channels.channel import UserMessage

from channels import logfilter, speedups
from channels.session import install_turn_limit
from channels.settings import ChannelSettings
from channels.widget_session import short_hash

logger = logging.getLogger(__name__)


@dataclass
class TurnNote:
    """What the turn's NLU decided, noted by the wrapped ``parse_message``."""

    intent: Optional[str] = None


_NOTE_ATTR = "_isk_turn_notes"


class NoteHolder:
    """The current turn's note, per asyncio task (a context variable)."""

    def __init__(self) -> None:
        self._var: "contextvars.ContextVar[Optional[TurnNote]]" = contextvars.ContextVar(
            "isk_turn_note", default=None
        )

    def current(self) -> Optional[TurnNote]:
        return self._var.get()

    def start(self) -> Any:
        return self._var.set(TurnNote())

    def reset(self, token: Any) -> None:
        self._var.reset(token)


def apply_action_timeout(seconds: float) -> None:
    """Make Rasa wait ``seconds`` for the action server instead of its hard-coded 300 s.

    ``RemoteAction.run`` reads the module constant ``DEFAULT_REQUEST_TIMEOUT`` at call time
    and endpoints.yml cannot change it; 300 s is far longer than the 60 s conversation lock,
    so a slow action would lose its lock and the messages queued behind it.
    """
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = seconds  # type: ignore[attr-defined]


def configure_process(settings: ChannelSettings) -> None:
    """The process-wide parts of the hardening: action timeout, session policy, log redaction."""
    apply_action_timeout(settings.action_timeout)
    speedups.install()
    install_turn_limit(settings.session_max_turns)
    logfilter.install(settings.log_message_text)
    # Follow Rasa's own level (--debug, LOG_LEVEL): the root logger's level is changed by
    # libraries Rasa imports later (TensorFlow), which would silence the turn log.
    logging.getLogger("channels").setLevel(logging.getLogger("rasa").getEffectiveLevel())


def watch_intents(agent: Any, note_holder: NoteHolder) -> None:
    """Wrap the agent's ``parse_message`` once so each turn can log its intent."""
    processor = getattr(agent, "processor", None)
    if processor is None or getattr(processor, _NOTE_ATTR, False):
        return
    original = processor.parse_message

    async def parse_message(message: UserMessage, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        data = await original(message, *args, **kwargs)
        note = note_holder.current()
        if note is not None:
            note.intent = (data.get("intent") or {}).get("name")
        return data

    processor.parse_message = parse_message
    setattr(processor, _NOTE_ATTR, True)


NOTES = NoteHolder()


async def run_turn(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    message: UserMessage,
    agent: Optional[Any],
    sent_count: Callable[[], int],
    log_text: bool = False,
) -> bool:
    """Hand ``message`` to Rasa; True when Rasa answered, False on a fault (nothing sent).

    Exceptions (lock store or tracker store unreachable) are logged by type and count as
    a fault; the caller then sends the trouble message.
    """
    if agent is not None:
        watch_intents(agent, NOTES)
    note_token = NOTES.start()
    text_token = logfilter.set_current_text(message.text or "")
    started = time.monotonic()
    failure = ""
    try:
        await on_new_message(message)
    except asyncio.CancelledError:
        raise
    except Exception as error:  # noqa: BLE001 - any fault becomes a "trouble" reply
        failure = type(error).__name__
        logger.error("turn.failed conv=%s error=%s", short_hash(message.sender_id), failure)
    finally:
        note = NOTES.current()
        intent = note.intent if note else None
        NOTES.reset(note_token)
        logfilter.reset_current_text(text_token)
    answered = sent_count() > 0
    logger.info(
        "turn conv=%s intent=%s answered=%s ms=%d%s",
        short_hash(message.sender_id), intent, answered, (time.monotonic() - started) * 1000,
        f" error={failure}" if failure else "",
    )
    if log_text:  # the documented debug switch ISK_LOG_MESSAGE_TEXT
        logger.info("turn.text conv=%s text=%r", short_hash(message.sender_id), message.text)
    return answered
