"""The REST webhook's rate limits, on a real Rasa server of their own with the limits on.

The reliability stack runs with ``ISK_RATE_LIMITS=off`` (its suites flood on purpose); this
server turns them on, trusts 127.0.0.1 as a proxy so each test speaks from its own
``X-Forwarded-For`` address, and keeps its conversations in a SQLite file the tests read.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator, List, Tuple

import pytest
import requests

from tests.reliability.conftest import Stack
from tests.support.metrics import record
from tests.support.rest import texts
from tests.support.servers import LOG_DIR, Server, serving, start_rasa_server

SIZE_ANSWER = "3,000"  # content/topics/size.yml
NEW_CONVERSATIONS_PER_MINUTE = 5
MESSAGES_PER_ADDRESS_PER_MINUTE = 30
TRACKER_DB = LOG_DIR / "rel-limited-tracker.db"


@pytest.fixture(scope="module")
def limited(stack: Stack) -> Iterator[Server]:
    if stack.actions.process.poll() is not None:  # a fault test stopped it
        stack.start_actions()
    TRACKER_DB.parent.mkdir(parents=True, exist_ok=True)
    TRACKER_DB.unlink(missing_ok=True)
    server = start_rasa_server(
        # Rasa's own lock lifetime (60 s), not the stack's short fault timings: the admitted burst
        # queues on the conversation lock, which Rasa polls once a second.
        action_port=stack.action_port, name="rel-limited",
        TRACKER_DIALECT="sqlite", TRACKER_HOST="", TRACKER_DB=str(TRACKER_DB), TRACKER_USER="", TRACKER_PASSWORD="",
        ISK_RATE_LIMITS="on", ISK_TRUSTED_PROXIES="127.0.0.1", ISK_RATE_LIMIT_STORAGE="memory://",
        ISK_RATE_LIMIT_CONVERSATION="11/second;20/10 seconds;70/minute",
        ISK_RATE_LIMIT_ADDRESS=f"{MESSAGES_PER_ADDRESS_PER_MINUTE}/minute",
        ISK_RATE_LIMIT_NEW_CONVERSATIONS=f"{NEW_CONVERSATIONS_PER_MINUTE}/minute",
    )
    with serving(server) as ready:
        yield ready


class Reader:
    """One conversation from one client address (as a trusted proxy forwards it)."""

    def __init__(self, server: Server, address: str, sender: str = "") -> None:
        self.url = f"{server.url}/webhooks/rest/webhook"
        self.address = address
        self.sender = sender or f"rl-{uuid.uuid4().hex[:12]}"

    def post(self, text: str) -> requests.Response:
        return requests.post(
            self.url, json={"sender": self.sender, "message": text},
            headers={"X-Forwarded-For": self.address}, timeout=60,
        )


def address() -> str:
    """A client address of the test's own, so no test spends another's allowance."""
    value = uuid.uuid4().int
    return f"10.{value % 250}.{(value >> 8) % 250}.{(value >> 16) % 250 + 1}"


def stored_user_texts(sender: str) -> List[str]:
    with sqlite3.connect(TRACKER_DB) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data).get("text") or "" for (data,) in rows]


def assert_refused(response: requests.Response) -> int:
    """A 429 that says how long to wait, in the header and in the JSON body."""
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "rate_limited" and body["detail"]
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 60 and body["retry_after"] == wait
    return wait


def timed(reader: Reader, text: str) -> Tuple[float, requests.Response]:
    started = time.monotonic()
    response = reader.post(text)
    return time.monotonic() - started, response


def test_a_flood_on_one_conversation_is_throttled_and_another_reader_is_not_slowed(limited: Server) -> None:
    flooder = Reader(limited, address())
    other = Reader(limited, address())
    with ThreadPoolExecutor(max_workers=12) as pool:
        flood = [pool.submit(flooder.post, "how big is IS-K?") for _ in range(60)]
        # The other reader asks while the flood is being answered and refused.
        latency, answer = timed(other, "how big is IS-K?")
        responses = [future.result() for future in flood]
    assert answer.status_code == 200 and SIZE_ANSWER in texts(answer.json())
    assert latency < 1.0, f"the other reader waited {latency:.2f}s"
    statuses = [response.status_code for response in responses]
    admitted = statuses.count(200)
    assert statuses.count(429) + admitted == 60
    assert 1 <= admitted <= 20, statuses  # the burst, then nothing faster than the windows allow
    for response in responses:
        if response.status_code == 429:
            assert_refused(response)
    assert len(stored_user_texts(flooder.sender)) == admitted
    record("rate limits: 60 quick messages to one conversation", f"{admitted} answered, {60 - admitted} refused (429)")
    record("rate limits: another reader's answer during the flood", f"{latency * 1000:.0f} ms (busy machine)")


def test_a_refused_message_leaves_nothing_in_the_tracker(limited: Server) -> None:
    reader = Reader(limited, address())
    admitted = 0
    marker = f"zebra{uuid.uuid4().hex[:8]}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        response = reader.post(f"how big is IS-K {marker}?")
        if response.status_code == 429:
            break
        assert response.status_code == 200, response.text
        admitted += 1
    else:
        pytest.fail("never throttled")
    refused = f"refused-{uuid.uuid4().hex}"
    assert_refused(reader.post(refused))
    stored = stored_user_texts(reader.sender)
    assert len(stored) == admitted and not any(refused in text for text in stored)


def test_new_conversations_per_address_are_limited(limited: Server) -> None:
    client = address()
    for _ in range(NEW_CONVERSATIONS_PER_MINUTE):
        assert Reader(limited, client).post("hi").status_code == 200
    refused = Reader(limited, client)
    assert_refused(refused.post("hi"))
    assert stored_user_texts(refused.sender) == []
    # Another address still opens conversations.
    assert Reader(limited, address()).post("hi").status_code == 200


def test_messages_per_address_span_its_conversations(limited: Server) -> None:
    client = address()
    readers = [Reader(limited, client) for _ in range(3)]
    for reader in readers:
        for _ in range(MESSAGES_PER_ADDRESS_PER_MINUTE // 3):
            assert reader.post("how big is IS-K?").status_code == 200
    assert_refused(Reader(limited, client).post("how big is IS-K?"))
    assert_refused(readers[0].post("how big is IS-K?"))


def test_forwarded_hops_written_by_the_client_are_not_trusted(limited: Server) -> None:
    """Only the hop the trusted proxy appended counts: prepending fake hops buys nothing."""
    client = address()
    for _ in range(NEW_CONVERSATIONS_PER_MINUTE):
        assert Reader(limited, client).post("hi").status_code == 200
    spoofer = Reader(limited, f"{address()}, {client}")
    assert_refused(spoofer.post("hi"))
