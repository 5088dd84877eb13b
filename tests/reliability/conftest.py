"""One stack of real servers for the reliability suites, which stop, pause and restart them.

The session's shared servers (tests/conftest.py) must stay healthy for the other suites, so
these tests get their own action server and Rasa server, started once for the whole
reliability run, configured like ``make run`` but with short fault timings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterator

import pytest

from tests.support.private_services import PrivateServer, start_postgres, start_redis
from tests.support.servers import LOG_DIR, Server, free_port, start_action_server, start_rasa_server

WIDGET_ORIGIN = "http://localhost:18080"
# Short fault timings: Rasa gives up on the action server after 2 s, well inside a 6 s lock.
FAULT_ENV = {
    "ISK_ACTION_TIMEOUT": "2",
    "TICKET_LOCK_LIFETIME": "6",
    "ISK_CORS_ORIGINS": WIDGET_ORIGIN,
    "PYTHONUNBUFFERED": "1",
}


@dataclass
class Stack:
    """An action server and a Rasa server that tests may stop and start again on the same ports."""

    action_port: int
    rasa_port: int
    tracker_env: Dict[str, str]
    actions: Server = field(init=False)
    rasa: Server = field(init=False)

    @property
    def url(self) -> str:
        return self.rasa.url

    @property
    def webhook(self) -> str:
        return f"{self.rasa.url}/webhooks/rest/webhook"

    @property
    def ready_url(self) -> str:
        return f"{self.rasa.url}/webhooks/rest/ready"

    def start_actions(self) -> None:
        self.actions = start_action_server(port=self.action_port, name="rel-actions", PYTHONUNBUFFERED="1")
        self.actions.wait_ready()

    def start_rasa(self) -> None:
        # As make run starts it: no --cors (the socket.io channel admits the widget's origin).
        self.rasa = start_rasa_server(
            action_port=self.action_port, port=self.rasa_port, name="rel-rasa", **FAULT_ENV, **self.tracker_env,
        )
        self.rasa.wait_ready()

    def stop(self) -> None:
        for server in (getattr(self, "rasa", None), getattr(self, "actions", None)):
            if server is not None:
                server.stop()


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    db = LOG_DIR / "rel-stack-tracker.db"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    db.unlink(missing_ok=True)
    tracker_env = dict(TRACKER_DIALECT="sqlite", TRACKER_HOST="", TRACKER_DB=str(db), TRACKER_USER="", TRACKER_PASSWORD="")
    stack = Stack(action_port=free_port(), rasa_port=free_port(), tracker_env=tracker_env)
    try:
        stack.start_actions()
        stack.start_rasa()
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def healthy(stack: Stack) -> Stack:
    """The stack with both servers running (a previous test may have stopped one)."""
    if stack.actions.process.poll() is not None:
        stack.start_actions()
    if stack.rasa.process.poll() is not None:
        stack.start_rasa()
    return stack


API_TOKEN = "rel-test-token"  # a test secret, like the ones operators put in RASA_API_TOKEN
JWT_SECRET = "rel-test-jwt-secret-of-at-least-32-bytes"


@dataclass
class Secured:
    """A Rasa server as deployed for scale: PostgreSQL tracker store, Redis lock store, the HTTP
    API on behind a token and a JWT secret, debug logging (the most text Rasa would ever log)."""

    rasa: Server
    postgres: PrivateServer
    redis: PrivateServer

    @property
    def ready_url(self) -> str:
        return f"{self.rasa.url}/webhooks/rest/ready"


@pytest.fixture(scope="session")
def secured(stack: Stack) -> Iterator[Secured]:
    postgres = start_postgres()
    redis = start_redis()
    rasa = None
    try:
        rasa = start_rasa_server(
            action_port=stack.action_port, name="rel-secured",
            extra_args=["--enable-api", "--auth-token", API_TOKEN, "--jwt-secret", JWT_SECRET, "--debug"],
            TRACKER_DIALECT="postgresql", TRACKER_HOST=f"127.0.0.1:{postgres.port}", TRACKER_DB="postgres",
            TRACKER_USER="postgres", TRACKER_PASSWORD="",
            LOCK_STORE_TYPE="stores.lock_store.AtomicRedisLockStore", LOCK_STORE_URL=f"redis://127.0.0.1:{redis.port}/0",
            **FAULT_ENV,
        )
        rasa.wait_ready()
        yield Secured(rasa=rasa, postgres=postgres, redis=redis)
    finally:
        if rasa is not None:
            rasa.stop()
        redis.remove()
        postgres.remove()
