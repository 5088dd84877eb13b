"""Real PostgreSQL and Redis, and two Rasa replicas sharing them, for the cluster suites.

scripts/services.sh finds (or starts) the machine's PostgreSQL and Redis. Each session gets
its own scratch database and its own conversation-id prefix in a dedicated Redis DB, and
removes both afterwards. Settings: ISK_TEST_POSTGRES_URL (an admin URL; the scratch database
is created next to it), ISK_TEST_REDIS_URL, TICKET_LOCK_LIFETIME.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Dict, Iterator, List
from urllib.parse import unquote, urlsplit

import pytest
import redis

from tests.cluster import tracker_db
from tests.support.servers import ROOT, Server, start_action_server, start_rasa_server

POSTGRES_ADMIN_URL = os.environ.get("ISK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("ISK_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
LOCK_STORE = "stores.lock_store.AtomicRedisLockStore"
# How long a replica killed mid-message keeps that conversation locked. The production
# profile's value (scripts/cluster.sh): a turn's queueing plus its run, which ISK_ACTION_TIMEOUT bounds.
TICKET_LOCK_LIFETIME = os.environ.get("TICKET_LOCK_LIFETIME", "15")


@dataclass
class Cluster:
    """Replicas sharing one tracker database and one lock store, and what they share."""

    replicas: List[Server]
    spare: Server  # a third replica, for the test that kills one
    database_url: str
    redis_url: str
    sender_prefix: str

    def sender(self, label: str) -> str:
        """A conversation id that cleanup will find."""
        return f"{self.sender_prefix}-{label}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def services() -> None:
    """PostgreSQL and Redis answer, started by the project's own script if they did not."""
    result = subprocess.run(
        [str(ROOT / "scripts" / "services.sh")], capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        pytest.fail(f"scripts/services.sh could not bring up PostgreSQL/Redis:\n{result.stdout}{result.stderr}")


@pytest.fixture(scope="session")
def sender_prefix(services: None) -> Iterator[str]:
    """This session's conversation-id prefix; its Redis lock keys are deleted at the end."""
    prefix = f"iskcluster{uuid.uuid4().hex[:8]}"
    yield prefix
    client = redis.StrictRedis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"*{prefix}*", count=500):
        client.delete(key)
    client.close()


@pytest.fixture(scope="session")
def database_url(services: None) -> Iterator[str]:
    """A scratch PostgreSQL database for the replicas' trackers, dropped afterwards."""
    with tracker_db.scratch_database(POSTGRES_ADMIN_URL) as url:
        yield url


def profile_env(database_url: str) -> Dict[str, str]:
    """The production profile's environment variables (README "Scaling out and deployment")."""
    parts = urlsplit(database_url)
    return {
        "TRACKER_DIALECT": "postgresql",
        "TRACKER_HOST": f"{parts.hostname}:{parts.port or 5432}",
        "TRACKER_DB": parts.path.lstrip("/"),
        "TRACKER_USER": unquote(parts.username or ""),
        "TRACKER_PASSWORD": unquote(parts.password or ""),
        # ISK_TEST_LOCK_STORE=in_memory shows what the shared lock prevents (tests fail).
        "LOCK_STORE_TYPE": os.environ.get("ISK_TEST_LOCK_STORE", LOCK_STORE),
        "LOCK_STORE_URL": REDIS_URL,
        "TICKET_LOCK_LIFETIME": TICKET_LOCK_LIFETIME,
    }


def start_replica(name: str, actions: Server, database_url: str) -> Server:
    """One more Rasa replica on the shared stores, not yet waited for."""
    action_port = actions.port
    return start_rasa_server(action_port=action_port, name=name, **profile_env(database_url))


@pytest.fixture(scope="session")
def cluster(database_url: str, sender_prefix: str) -> Iterator[Cluster]:
    """One action server and replicas A, B and a spare (for the kill test), started together."""
    actions = start_action_server(name="cluster-actions")
    servers = [actions] + [start_replica(f"replica-{n}", actions, database_url) for n in ("a", "b", "spare")]
    try:
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(lambda server: server.wait_ready(), servers))
        yield Cluster(servers[1:3], servers[3], database_url, REDIS_URL, sender_prefix)
    finally:
        with ThreadPoolExecutor(len(servers)) as pool:  # each takes seconds to shut down
            list(pool.map(lambda server: server.stop(), servers))
