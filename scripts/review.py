#!/usr/bin/env python
"""`make review`: the newsroom's report on what readers asked (newsroom/report.py).

Reads the tracker store named by TRACKER_* (as endpoints.yml does) and writes
reports/review/index.html, review.json and candidates.yml.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions.content_store import DEFAULT_CONTENT_DIR, ContentError  # noqa: E402
from newsroom.report import DEFAULT_OUT, write_review  # noqa: E402
from newsroom.review import Period  # noqa: E402
from newsroom.tracker_events import StoreSettings, TrackerStoreError  # noqa: E402


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--since", type=_day, help="first day to include, YYYY-MM-DD (UTC)")
    parser.add_argument("--until", type=_day, help="last day to include, YYYY-MM-DD (UTC)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default reports/review)")
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR, help="the content store")
    args = parser.parse_args()
    if args.since and args.until and args.since > args.until:
        parser.error(f"--since {args.since} is after --until {args.until}")
    try:
        review = write_review(StoreSettings.from_environment(), Period(args.since, args.until), args.out, args.content)
    except (TrackerStoreError, ContentError) as error:
        print(f"review: {error}", file=sys.stderr)
        return 1
    if review["empty"]:
        print(f"review: {review['message']} Wrote {args.out / 'index.html'}")
    else:
        totals = review["totals"]
        print(f"review: {totals['conversations']} conversations, {totals['messages']} messages, "
              f"{len(review['unanswered'])} groups of unanswered questions -> {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
