"""Channel settings, read once from ``ISK_*`` environment variables with working defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Tuple

from rasa.core.lock_store import LOCK_LIFETIME


@dataclass(frozen=True)
class ChannelSettings:
    """Limits and switches shared by the REST and socket.io channels."""

    # A message longer than this is answered politely and never reaches NLU: the featurizers'
    # cost grows fast with length (100 KB of text stalled stock Rasa for 20 s).
    max_message_chars: int
    # The webhook reads at most this many bytes of a body before answering 413.
    max_body_bytes: int
    # Sanic's limit for every other route (stock: 100 MB).
    app_max_body_bytes: int
    max_sender_chars: int
    # Seconds Rasa waits for the action server; must stay below the lock lifetime so a slow
    # action never outlives the conversation lock (which would drop the messages queued behind).
    action_timeout: float
    lock_lifetime: float
    # A new Rasa session after this many user turns keeps per-turn cost flat (channels/session.py).
    session_max_turns: int
    # Seconds each readiness probe may take.
    probe_timeout: float
    # Origins allowed to open the socket.io connection (the widget's page).
    cors_origins: Tuple[str, ...]
    # Debug switch: log the text of user messages (off: logs carry sender id and intent only).
    log_message_text: bool


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _origins() -> Tuple[str, ...]:
    raw = os.environ.get("ISK_CORS_ORIGINS", "").strip()
    if raw:
        return tuple(o.strip() for o in raw.split(",") if o.strip())
    port = os.environ.get("WIDGET_PORT", "8080")
    return (f"http://localhost:{port}", f"http://127.0.0.1:{port}")


def load_channel_settings() -> ChannelSettings:
    """Read the settings; raise ValueError when the action timeout would outlive the lock."""
    settings = ChannelSettings(
        max_message_chars=int(os.environ.get("ISK_MAX_MESSAGE_CHARS", "2000")),
        max_body_bytes=int(os.environ.get("ISK_MAX_BODY_BYTES", str(64 * 1024))),
        app_max_body_bytes=int(os.environ.get("ISK_APP_MAX_BODY_BYTES", str(1024 * 1024))),
        max_sender_chars=int(os.environ.get("ISK_MAX_SENDER_CHARS", "128")),
        action_timeout=float(os.environ.get("ISK_ACTION_TIMEOUT", "5")),
        lock_lifetime=float(LOCK_LIFETIME),
        session_max_turns=int(os.environ.get("ISK_SESSION_MAX_TURNS", "10")),
        probe_timeout=float(os.environ.get("ISK_PROBE_TIMEOUT", "2")),
        cors_origins=_origins(),
        log_message_text=_flag("ISK_LOG_MESSAGE_TEXT"),
    )
    if settings.action_timeout >= settings.lock_lifetime:
        raise ValueError(
            f"ISK_ACTION_TIMEOUT ({settings.action_timeout:g}s) must be below the lock lifetime "
            f"(TICKET_LOCK_LIFETIME, {settings.lock_lifetime:g}s): a slower action would lose "
            "its conversation lock and the messages queued behind it."
        )
    return settings
