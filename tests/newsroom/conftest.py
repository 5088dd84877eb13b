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
from tests.support.rest import RestChat, buttons, custom
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
    rated: Dict[str, Dict[str, int]] = field(default_factory=dict)  # topic -> {"helpful": n, "not_helpful": n}
    rating_turns: int = 0
    unsure: str = ""  # the vague message that got "Did you mean"


def hold_conversations(url: str, unsure_message: str) -> Transcript:
    """Answered, rated, follow-up, button click, out of scope, refused, unsure, a name not mentioned."""
    transcript = Transcript(unsure=unsure_message)

    def chat() -> RestChat:
        conversation = RestChat(url)
        transcript.senders.append(conversation.sender)
        return conversation

    def send(conversation: RestChat, text: str) -> List[Dict[str, Any]]:
        transcript.messages += 1
        return conversation.send(text)

    def rate(conversation: RestChat, answer: List[Dict[str, Any]], verdict: str) -> None:
        """Press the answer's rating button for ``verdict``, as the widget does."""
        block = custom(answer)[0]
        button = next(b for b in block["rating"]["buttons"] if b["rating"] == verdict)
        transcript.rating_turns += 1
        reply = send(conversation, button["payload"])
        assert reply and reply[0]["text"] == block["rating"]["thanks"], reply
        counts = transcript.rated.setdefault(block["topic"], {"helpful": 0, "not_helpful": 0})
        counts[verdict] += 1

    reader = chat()
    rate(reader, send(reader, "where are they based?"), "helpful")
    more = send(reader, "tell me more")  # the rating left the topic alone: this is a follow-up on it
    button = buttons(more)[0]
    transcript.clicked.append(button)
    send(reader, button["payload"])

    weather = chat()
    send(weather, "what's the weather in Paris")
    send(weather, "what's the weather in London")

    send(chat(), "how do I join them")

    unsure = chat()
    offered = buttons(send(unsure, unsure_message))
    assert offered[-1]["payload"] == "/something_else", offered
    transcript.chosen = offered[0]
    transcript.clicked.append(offered[0])
    rate(unsure, send(unsure, offered[0]["payload"]), "not_helpful")
    # A typed rating of a topic the store does not have is answered, and kept nowhere.
    transcript.rating_turns += 1
    send(unsure, '/rate_answer{"rating": "helpful", "rated_topic": "no_such_topic"}')

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
def reviewed(request: pytest.FixtureRequest, action_server: Server, unsure_message: str,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Reviewed]:
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
            transcript = hold_conversations(rasa.url, unsure_message)
        out = tmp_path_factory.mktemp(f"review-{dialect}")
        yield Reviewed(dialect, settings, transcript, out, write_review(settings, out_dir=out))


class _no_database:
    """A stand-in context for the SQLite case (it needs no database server)."""

    def __enter__(self) -> str:
        return ""

    def __exit__(self, *exc: object) -> None:
        return None
