"""Two Rasa replicas on one Redis (``ISK_RATE_LIMIT_STORAGE``) share every rate limit.

A client that spreads its messages over the replicas behind a load balancer gets no more than
it would from one. The replicas use the machine's Redis on a database of the tests' own
(``ISK_TEST_LIMITS_REDIS_URL``, default DB 12), emptied before and after.
"""

from __future__ import annotations

import itertools
import os
import uuid
from contextlib import ExitStack
from typing import Iterator, List

import pytest
import redis
import requests

from tests.reliability.conftest import Stack
from tests.support.servers import Server, serving, start_rasa_server

REDIS_URL = os.environ.get("ISK_TEST_LIMITS_REDIS_URL", "redis://127.0.0.1:6379/12")
NEW_CONVERSATIONS_PER_MINUTE = 4
# Small windows, so a count kept per replica (twice the allowance) cannot pass for a shared one.
MESSAGES_PER_MINUTE = 5


@pytest.fixture(scope="module")
def replicas(stack: Stack) -> Iterator[List[Server]]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.fail(f"Redis at {REDIS_URL} is not reachable: {error}")
    client.flushdb()
    if stack.actions.process.poll() is not None:  # a fault test stopped it
        stack.start_actions()
    env = dict(
        ISK_RATE_LIMITS="on", ISK_TRUSTED_PROXIES="127.0.0.1", ISK_RATE_LIMIT_STORAGE=REDIS_URL,
        ISK_RATE_LIMIT_CONVERSATION=f"{MESSAGES_PER_MINUTE}/minute",
        ISK_RATE_LIMIT_NEW_CONVERSATIONS=f"{NEW_CONVERSATIONS_PER_MINUTE}/minute",
    )
    try:
        with ExitStack() as servers:
            started = [start_rasa_server(action_port=stack.action_port, name=f"rel-limited-{i}", **env) for i in (1, 2)]
            yield [servers.enter_context(serving(server)) for server in started]
    finally:
        client.flushdb()


def post(server: Server, sender: str, address: str, text: str = "how big is IS-K?") -> requests.Response:
    return requests.post(
        f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
        headers={"X-Forwarded-For": address}, timeout=60,
    )


def test_a_conversation_spread_over_replicas_is_counted_once(replicas: List[Server]) -> None:
    sender, address = f"rr-{uuid.uuid4().hex[:12]}", "10.200.0.1"
    rounds = itertools.islice(itertools.cycle(replicas), 2 * MESSAGES_PER_MINUTE + 2)
    statuses = [post(server, sender, address).status_code for server in rounds]
    assert statuses == [200] * MESSAGES_PER_MINUTE + [429] * (MESSAGES_PER_MINUTE + 2), statuses


def test_new_conversations_are_counted_across_replicas(replicas: List[Server]) -> None:
    address = "10.200.0.2"
    statuses = [
        post(server, f"rr-{uuid.uuid4().hex[:12]}", address, "hi").status_code
        for server in itertools.islice(itertools.cycle(replicas), NEW_CONVERSATIONS_PER_MINUTE + 2)
    ]
    assert statuses == [200] * NEW_CONVERSATIONS_PER_MINUTE + [429, 429], statuses
