"""`make prune` on real SQLite and PostgreSQL tracker stores, with old and new conversations.

Conversations are written by Rasa's own ``SQLTrackerStore`` (the rows Rasa stores), with event
timestamps set in the past; the prune script runs as ``make prune`` runs it, configured only
by the ``TRACKER_*`` variables endpoints.yml reads. PostgreSQL gets a database of the test's
own next to ``ISK_TEST_POSTGRES_URL``, dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from tests.cluster.tracker_db import scratch_database
from tests.support.servers import ROOT, base_env, free_port

PRUNE = ROOT / "scripts" / "prune.py"
POSTGRES_ADMIN_URL = os.environ.get("ISK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DAY = 86400.0
# Conversation -> age in days of each of its turns (newest last). Retention: 30 days.
CONVERSATIONS: Dict[str, List[float]] = {
    "old-90": [92, 91, 90],
    "old-31": [31],
    "new": [0.01],
    "edge-29": [29.5, 29],
    "old-but-back-today": [60, 59, 0.5],
}
STALE = {"old-90", "old-31"}


def turn_events(age_days: float, now: float) -> list:
    start = now - age_days * DAY
    return [
        UserUttered("how big is IS-K?", {"name": "ask_size", "confidence": 0.9}, timestamp=start),
        ActionExecuted("action_answer_topic", timestamp=start + 0.1),
        SlotSet("topic", "size", timestamp=start + 0.2),
        BotUttered("About 3,000 fighters at its height.", timestamp=start + 0.3),
        ActionExecuted("action_listen", timestamp=start + 0.4),
    ]


def write_conversations(store: SQLTrackerStore) -> Dict[str, int]:
    """Store every conversation of CONVERSATIONS; return each one's number of events."""
    now = time.time()
    counts = {}
    for sender, ages in CONVERSATIONS.items():
        events = [event for age in ages for event in turn_events(age, now)]
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
        counts[sender] = len(events)
    return counts


def stored_counts(url: str) -> Dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id")).fetchall()
    finally:
        engine.dispose()
    return {sender: count for sender, count in rows}


def prune(tracker_env: Dict[str, str], *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(PRUNE), *args], cwd=ROOT, env=base_env(**tracker_env, **env),
        capture_output=True, text=True, timeout=120,
    )


def deleted(output: str) -> tuple:
    match = re.search(r"(?:deleted|would delete) (\d+) conversations \((\d+) events\)", output)
    assert match, output
    return int(match.group(1)), int(match.group(2))


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict]:
    """A tracker store holding CONVERSATIONS: its TRACKER_* variables, URL and event counts."""
    if request.param == "sqlite":
        path = tmp_path / "tracker.db"
        env = dict(TRACKER_DIALECT="sqlite", TRACKER_HOST="", TRACKER_DB=str(path), TRACKER_USER="", TRACKER_PASSWORD="")
        store = SQLTrackerStore(dialect="sqlite", db=str(path))
        try:
            yield {"env": env, "url": f"sqlite:///{path}", "counts": write_conversations(store)}
        finally:
            store.engine.dispose()
        return
    with scratch_database(POSTGRES_ADMIN_URL) as url:
        parts = sa.engine.make_url(url)
        env = dict(
            TRACKER_DIALECT="postgresql", TRACKER_HOST=f"{parts.host}:{parts.port or 5432}", TRACKER_DB=parts.database,
            TRACKER_USER=parts.username or "", TRACKER_PASSWORD=parts.password or "",
        )
        store = SQLTrackerStore(
            dialect="postgresql", host=parts.host, port=parts.port, db=parts.database,
            username=parts.username, password=parts.password,
        )
        try:
            yield {"env": env, "url": url, "counts": write_conversations(store)}
        finally:
            store.engine.dispose()


def test_prune_deletes_only_conversations_idle_for_longer_than_the_retention(tracker: dict) -> None:
    result = prune(tracker["env"], ISK_RETENTION_DAYS="30")
    assert result.returncode == 0, result.stderr
    expected_events = sum(tracker["counts"][sender] for sender in STALE)
    assert deleted(result.stdout) == (len(STALE), expected_events)
    kept = {sender: count for sender, count in tracker["counts"].items() if sender not in STALE}
    assert stored_counts(tracker["url"]) == kept, "the others keep every event, old turns included"
    # Nothing is left to delete, and Rasa still reads the conversations that stayed.
    assert deleted(prune(tracker["env"], ISK_RETENTION_DAYS="30").stdout) == (0, 0)


def test_the_retention_setting_moves_the_cut_off(tracker: dict) -> None:
    result = prune(tracker["env"], "--days", "1", ISK_RETENTION_DAYS="30")  # --days wins
    assert deleted(result.stdout)[0] == 3  # old-90, old-31, edge-29
    assert set(stored_counts(tracker["url"])) == {"new", "old-but-back-today"}


def test_a_dry_run_counts_and_deletes_nothing(tracker: dict) -> None:
    result = prune(tracker["env"], "--dry-run")  # default retention: 30 days
    assert result.returncode == 0, result.stderr
    assert "would delete" in result.stdout and "idle for more than 30 days" in result.stdout
    assert deleted(result.stdout)[0] == len(STALE)
    assert stored_counts(tracker["url"]) == tracker["counts"]


def test_the_remaining_conversations_still_load_in_rasa(tracker: dict) -> None:
    prune(tracker["env"])
    url = sa.engine.make_url(tracker["url"])
    store = SQLTrackerStore(
        dialect=url.get_backend_name(), host=url.host, port=url.port, db=url.database,
        username=url.username, password=url.password,
    )
    try:
        assert asyncio.run(store.retrieve("old-90")) is None
        back = asyncio.run(store.retrieve_full_tracker("old-but-back-today"))
        assert back is not None and len(back.events) == tracker["counts"]["old-but-back-today"]
    finally:
        store.engine.dispose()


@pytest.mark.parametrize("days", ["0", "-5", "soon", "inf", ""], ids=["zero", "negative", "word", "inf", "empty"])
def test_a_bad_retention_is_refused_before_anything_is_deleted(tmp_path: Path, days: str) -> None:
    env = dict(TRACKER_DIALECT="sqlite", TRACKER_HOST="", TRACKER_DB=str(tmp_path / "t.db"), TRACKER_USER="", TRACKER_PASSWORD="")
    result = prune(env, ISK_RETENTION_DAYS=days)
    assert result.returncode == 2
    assert "the retention must be a positive number of days (ISK_RETENTION_DAYS)" in result.stderr


def test_a_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "never.db"
    env = dict(TRACKER_DIALECT="sqlite", TRACKER_HOST="", TRACKER_DB=str(path), TRACKER_USER="", TRACKER_PASSWORD="")
    result = prune(env)
    assert result.returncode == 0 and "nothing to prune" in result.stdout
    assert not path.exists()


def test_an_unreachable_database_is_a_clear_error_without_the_password() -> None:
    env = dict(
        TRACKER_DIALECT="postgresql", TRACKER_HOST=f"127.0.0.1:{free_port()}", TRACKER_DB="isk",
        TRACKER_USER="rasa", TRACKER_PASSWORD="s3cret-value",
    )
    result = prune(env)
    assert result.returncode == 1
    assert "prune: cannot prune postgresql://rasa:***@127.0.0.1:" in result.stderr
    assert "s3cret-value" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_a_store_that_is_not_sql_is_named(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: redis\n  url: localhost\n")
    result = prune({}, "--endpoints", str(endpoints))
    assert result.returncode == 2
    assert "tracker_store type 'redis' is not an SQL store" in result.stderr


def test_the_production_profile_keeps_pruning_while_it_runs(tmp_path: Path) -> None:
    """``prune.py --every`` (what scripts/cluster.sh runs beside the replicas) prunes each period."""
    path = tmp_path / "tracker.db"
    env = dict(TRACKER_DIALECT="sqlite", TRACKER_HOST="", TRACKER_DB=str(path), TRACKER_USER="", TRACKER_PASSWORD="")
    store = SQLTrackerStore(dialect="sqlite", db=str(path))
    write_conversations(store)
    store.engine.dispose()
    process = subprocess.Popen(
        [sys.executable, str(PRUNE), "--every", "0.5"], cwd=ROOT, env=base_env(**env),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while set(stored_counts(f"sqlite:///{path}")) & STALE:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the stale conversations were never pruned"
            time.sleep(0.1)  # pacing the poll
        assert process.poll() is None, "it keeps running after a round"
    finally:
        process.terminate()
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "deleted 2 conversations" in out
