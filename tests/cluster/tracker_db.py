"""Read conversations straight from the PostgreSQL tracker store the replicas share.

The tests judge what Rasa *stored*, not what a replica answers about itself: the events
table is the single source of truth every replica reads.
"""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional
from urllib.parse import urlsplit, urlunsplit

import psycopg2


@dataclass(frozen=True)
class StoredEvent:
    """One row of Rasa's ``events`` table."""

    id: int
    type_name: str
    action_name: Optional[str]
    data: Dict[str, Any]

    @property
    def text(self) -> Optional[str]:
        return self.data.get("text")


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` instead of its own."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def scratch_database(admin_url: str) -> Iterator[str]:
    """Create an empty database for one test session, yield its URL, drop it afterwards."""
    name = f"isk_test_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield with_database(admin_url, name)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def events(url: str, sender_id: str) -> List[StoredEvent]:
    """Every stored event of one conversation, in insertion (id) order."""
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, type_name, action_name, data FROM events WHERE sender_id = %s ORDER BY id",
            (sender_id,),
        )
        rows = cursor.fetchall()
    connection.close()
    return [StoredEvent(row[0], row[1], row[2], json.loads(row[3])) for row in rows]


def user_texts(stored: List[StoredEvent]) -> List[str]:
    """What the user said, in stored order."""
    return [e.text or "" for e in stored if e.type_name == "user"]


def turns(stored: List[StoredEvent]) -> List[List[StoredEvent]]:
    """Split a conversation into turns: each starts at a user message.

    Session starts (before the first user message, and each rollover that the session
    policy starts between turns) are left out: they carry their own ``action_listen``.
    """
    result: List[List[StoredEvent]] = []
    in_turn = False
    for event in stored:
        if event.type_name == "user":
            result.append([event])
            in_turn = True
        elif event.type_name == "action" and event.action_name == "action_session_start":
            in_turn = False
        elif in_turn:
            result[-1].append(event)
    return result


def turn_problems(stored: List[StoredEvent]) -> List[str]:
    """Why the stored turns are not 'one user message, its bot reply, then listen' each.

    Two replicas processing one conversation at once would leave two user messages
    back to back, or a turn whose reply or closing ``action_listen`` is missing.
    """
    problems = []
    for number, turn in enumerate(turns(stored), start=1):
        said = turn[0].text
        if not any(e.type_name == "bot" for e in turn):
            problems.append(f"turn {number} ({said!r}) has no bot reply")
        actions = [e.action_name for e in turn if e.type_name == "action"]
        if not actions or actions[-1] != "action_listen":
            problems.append(f"turn {number} ({said!r}) does not end listening: {actions}")
        if actions.count("action_listen") != 1:
            problems.append(f"turn {number} ({said!r}) listens {actions.count('action_listen')} times")
    return problems


def duplicates(stored: List[StoredEvent]) -> List[str]:
    """Events stored more than once: identical data, timestamp included (Rasa stamps each once)."""
    counts: Dict[str, int] = {}
    for event in stored:
        key = json.dumps(event.data, sort_keys=True)
        counts[key] = counts.get(key, 0) + 1
    return [f"x{count}: {key[:120]}" for key, count in counts.items() if count > 1]
