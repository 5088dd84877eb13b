"""Readiness fails when the tracker store or the lock store is really down, and recovers.

Stock Rasa keeps ``GET /`` at 200 while its lock store is unreachable and answers every
message with ``[]``. Here ``GET /webhooks/rest/ready`` names the broken store (503), the user
gets a "trouble" reply, and both come back when the store does.
"""

from __future__ import annotations

import time
import uuid

import requests

from tests.reliability.conftest import Secured, Stack
from tests.support.rest import RestChat

TROUBLE = "having trouble answering"
SIZE_ANSWER = "3,000"
SIZE_SECTION = "How many members does IS-K have?"


def wait_for_check(secured: Secured, name: str, healthy: bool, timeout: float = 30.0) -> dict:
    """Poll readiness until check ``name`` is (or is not) "ok"; return the body."""
    deadline = time.monotonic() + timeout
    body: dict = {}
    while time.monotonic() < deadline:
        response = requests.get(secured.ready_url, timeout=10)
        body = response.json()
        if (body["checks"][name] == "ok") is healthy:
            assert response.status_code == (200 if body["ready"] else 503)
            return body
        time.sleep(0.2)
    raise AssertionError(f"{name} never became {'ok' if healthy else 'failing'}: {body}")


def test_ready_with_postgres_and_redis(healthy: Stack, secured: Secured) -> None:
    body = wait_for_check(secured, "tracker_store", healthy=True)
    assert body["ready"] is True, body
    chat = RestChat(secured.rasa.url)
    assert SIZE_ANSWER in chat.ask("how big is IS-K?")


def test_lock_store_down_fails_readiness_and_messages_get_trouble(healthy: Stack, secured: Secured) -> None:
    chat = RestChat(secured.rasa.url, f"lock-{uuid.uuid4().hex}")
    assert SIZE_ANSWER in chat.ask("how big is IS-K?")
    secured.redis.stop()
    try:
        body = wait_for_check(secured, "lock_store", healthy=False)
        assert body["ready"] is False and body["checks"]["tracker_store"] == "ok"
        assert requests.get(secured.rasa.url, timeout=10).status_code == 200, "liveness stays up"
        assert TROUBLE in chat.ask("tell me more"), "never a silent []"
    finally:
        secured.redis.start()
    wait_for_check(secured, "lock_store", healthy=True)
    assert SIZE_SECTION in chat.ask("tell me more"), "the conversation goes on once Redis is back"


def test_tracker_store_down_fails_readiness_then_recovers(healthy: Stack, secured: Secured) -> None:
    chat = RestChat(secured.rasa.url, f"pg-{uuid.uuid4().hex}")
    assert SIZE_ANSWER in chat.ask("how big is IS-K?")
    secured.postgres.stop()
    try:
        body = wait_for_check(secured, "tracker_store", healthy=False)
        assert body["ready"] is False and body["checks"]["lock_store"] == "ok"
        assert chat.send("tell me more"), "the user is answered, not left in silence"
    finally:
        secured.postgres.start()
    wait_for_check(secured, "tracker_store", healthy=True)
    assert SIZE_ANSWER in RestChat(secured.rasa.url).ask("how big is IS-K?")
