"""`make prune`: delete conversations idle for ISK_RETENTION_DAYS (30) from the tracker store.

Reads the tracker store from endpoints.yml with the same TRACKER_* variables as Rasa (the
Makefile's defaults when unset: the SQLite file models/tracker.db), prints how many
conversations and events it deleted, and exits 0; 2 for a bad setting, 1 when the database
cannot be reached. The reasons are in stores/retention.py and README "Retention".

Usage: prune.py [--days N] [--dry-run] [--endpoints endpoints.yml]
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
warnings.filterwarnings("ignore", category=DeprecationWarning)  # Rasa's imports, not ours
# endpoints.yml names these; the Makefile's defaults, so cron can call this script directly.
for name, default in {
    "TRACKER_DIALECT": "sqlite", "TRACKER_HOST": "", "TRACKER_DB": str(ROOT / "models" / "tracker.db"),
    "TRACKER_USER": "", "TRACKER_PASSWORD": "",
}.items():
    os.environ.setdefault(name, default)

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.exc import SQLAlchemyError  # noqa: E402

from stores.retention import check_days, missing_sqlite_file, prune_conversations, retention_days_from_env, tracker_store_url  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)  # SQLAlchemy resets its own filter on import


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", help="retention in days (default: ISK_RETENTION_DAYS, or 30)")
    parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
    parser.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.yml")
    parser.add_argument(
        "--every", type=float, metavar="SECONDS",
        help="keep running: wait SECONDS, prune, repeat (a failed round is reported, not fatal)",
    )
    args = parser.parse_args(argv)
    if args.every is not None and not args.every > 0:
        parser.error("--every must be a positive number of seconds")
    try:
        days = check_days(args.days) if args.days is not None else retention_days_from_env()
        url = tracker_store_url(args.endpoints)
    except ValueError as error:
        print(f"prune: {error}", file=sys.stderr)
        return 2
    if args.every is None:
        return prune_once(url, days, args.dry_run)
    try:
        while True:
            time.sleep(args.every)  # a schedule, not synchronisation
            prune_once(url, days, args.dry_run)
    except KeyboardInterrupt:
        return 0


def prune_once(url: Any, days: float, dry_run: bool) -> int:
    """One prune, reported on stdout (stderr and 1 when the database fails)."""
    shown = url if isinstance(url, str) and "@" not in url else sa.engine.make_url(url).render_as_string(hide_password=True)
    missing = missing_sqlite_file(url)
    if missing:
        print(f"prune: no tracker database at {missing}: nothing to prune")
        return 0
    cutoff = datetime.now(timezone.utc) - timedelta(days=days)
    engine = sa.create_engine(url, pool_pre_ping=True)
    try:
        result = prune_conversations(engine, days, dry_run=dry_run)
    except SQLAlchemyError as error:
        print(f"prune: cannot prune {shown}: {type(error).__name__}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    verb = "would delete" if dry_run else "deleted"
    print(
        f"prune: {verb} {result.conversations} conversations ({result.events} events) idle for more than "
        f"{days:g} days (newest event before {cutoff:%Y-%m-%d %H:%M} UTC) from {shown}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stopped by make cluster's Ctrl-C
    sys.exit(main())
