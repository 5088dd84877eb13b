"""Score the held-out conversation set (tests/conversations/) against a running bot over REST.

Usage: .venv/bin/python scripts/score_conversations.py [--url http://localhost:5005]
       [--category paraphrase ...] [--id para-001 ...] [--concurrency 2] [--out FILE]
Prints per-category and overall scores and writes a JSON report (default
reports/conversations/conversations-<UTC time>.json). Exit 0 once scored, whatever the
score; 2 when the cases cannot be read or no server answers.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conversations.cases import CASES_DIR, CaseFileError, load_cases  # noqa: E402
from tests.conversations.replies import load_markers  # noqa: E402
from tests.conversations.runner import ServerUnavailable, run, write_report  # noqa: E402
from tests.conversations.scoring import format_table  # noqa: E402


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    port = os.environ.get("RASA_PORT", "5005")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("ISK_BOT_URL", f"http://localhost:{port}"),
                        help="the Rasa server (default $ISK_BOT_URL or http://localhost:$RASA_PORT)")
    parser.add_argument("--cases", type=Path, default=CASES_DIR, help="folder of *.yml case files")
    parser.add_argument("--category", action="append", help="score only this category (repeatable)")
    parser.add_argument("--id", action="append", dest="ids", help="score only this case id (repeatable)")
    parser.add_argument("--concurrency", type=int, default=2, help="cases played at once (default 2)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per turn (default 30)")
    parser.add_argument("--label", help="a name for this run in the report (e.g. the model)")
    parser.add_argument("--out", type=Path, help="the JSON report's path")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        cases = load_cases(args.cases, args.category)
    except CaseFileError as error:
        print(f"case error: {error}", file=sys.stderr)
        return 2
    if args.ids:
        cases = [c for c in cases if c.id in set(args.ids)]
        if not cases:
            print(f"no case with id {args.ids}", file=sys.stderr)
            return 2
    try:
        report = run(cases, args.url, load_markers(ROOT), args.concurrency, args.timeout, args.label)
    except ServerUnavailable as error:
        print(error, file=sys.stderr)
        return 2
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or ROOT / "reports" / "conversations" / f"conversations-{stamp}.json"
    print(format_table(report))
    print(f"report: {write_report(report, out)} ({report['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
