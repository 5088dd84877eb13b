"""Real conversations with a running bot, stored in a real tracker store, then `make review`.

One Rasa server per tracker store (its own SQLite file; its own PostgreSQL database next to
ISK_TEST_POSTGRES_URL), both on the session's action server. Each holds the same scripted
conversations over REST, and the review is written from what the store kept.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List
from urllib.parse import urlsplit

import pytest

from newsroom.report import write_review
from newsroom.tracker_events import StoreSettings
from tests.cluster.tracker_db import scratch_database
from tests.support.rest import RestChat, buttons
from tests.support.servers import LOG_DIR, Server, serving, start_rasa_server

POSTGRES_ADMIN = os.environ.get("ISK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
EMAIL = "reader.name@example.com"


@dataclass
class Transcript:
    """What the scripted readers did, for the tests to compare with the review."""

    senders: List[str] = field(default_factory=list)
    messages: int = 0
    clicked: List[Dict[str, str]] = field(default_factory=list)
    chosen: Dict[str, str] = field(default_factory=dict)


def hold_conversations(url: str) -> Transcript:
    """Answered, follow-up, button click, out of scope, refused, unsure, a name not mentioned."""
    transcript = Transcript()

    def chat() -> RestChat:
        conversation = RestChat(url)
        transcript.senders.append(conversation.sender)
        return conversation

    def send(conversation: RestChat, text: str) -> List[Dict[str, Any]]:
        transcript.messages += 1
        return conversation.send(text)

    reader = chat()
    send(reader, "where are they based?")
    more = send(reader, "tell me more")
    button = buttons(more)[0]
    transcript.clicked.append(button)
    send(reader, button["payload"])

    weather = chat()
    send(weather, "what's the weather in Paris")
    send(weather, "what's the weather in London")

    send(chat(), "how do I join them")

    unsure = chat()
    offered = buttons(send(unsure, "who?"))
    assert offered[-1]["payload"] == "/something_else", offered
    transcript.chosen = offered[0]
    transcript.clicked.append(offered[0])
    send(unsure, offered[0]["payload"])

    send(chat(), "has it attacked Kandahar?")
    send(chat(), f"write to me at {EMAIL} about the weather in Rome")
    return transcript


@dataclass
class Reviewed:
    """A tracker store with the scripted conversations in it, and the review written from it."""

    dialect: str
    settings: StoreSettings
    transcript: Transcript
    out: Path
    review: Dict[str, Any]


def _postgres_settings(database_url: str) -> StoreSettings:
    parts = urlsplit(database_url)
    return StoreSettings("postgresql", f"{parts.hostname}:{parts.port or 5432}", parts.path.lstrip("/"),
                         parts.username or "postgres", parts.password or "")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def reviewed(request: pytest.FixtureRequest, action_server: Server, tmp_path_factory: pytest.TempPathFactory
             ) -> Iterator[Reviewed]:
    dialect = request.param
    with scratch_database(POSTGRES_ADMIN) if dialect == "postgresql" else _no_database() as database_url:
        if dialect == "postgresql":
            settings = _postgres_settings(database_url)
        else:
            path = LOG_DIR / f"review-{os.getpid()}-tracker.db"
            path.unlink(missing_ok=True)
            settings = StoreSettings("sqlite", "", str(path))
        env = dict(TRACKER_DIALECT=settings.dialect, TRACKER_HOST=settings.host, TRACKER_DB=settings.db,
                   TRACKER_USER=settings.username, TRACKER_PASSWORD=settings.password)
        with serving(start_rasa_server(action_port=action_server.port, name=f"rasa-review-{dialect}", **env)) as rasa:
            transcript = hold_conversations(rasa.url)
        out = tmp_path_factory.mktemp(f"review-{dialect}")
        yield Reviewed(dialect, settings, transcript, out, write_review(settings, out_dir=out))


class _no_database:
    """A stand-in context for the SQLite case (it needs no database server)."""

    def __enter__(self) -> str:
        return ""

    def __exit__(self, *exc: object) -> None:
        return None
