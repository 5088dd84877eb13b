#!/usr/bin/env python
"""`make check-content`: walk every suggestion button through the assistant (newsroom/content_check.py).

Without --url it starts its own action server (serving --content) and Rasa server on free
ports and stops them afterwards. Exits 1 on any problem, each printed with what to fix, and
draws reports/content/map.png either way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from actions.content_store import DEFAULT_CONTENT_DIR  # noqa: E402
from newsroom import content_map  # noqa: E402
from newsroom.assistant import AssistantError, assistant  # noqa: E402
from newsroom.content_check import run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running Rasa server serving --content (default: start one)")
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR, help="the content store to check")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "content", help="where map.png goes")
    args = parser.parse_args()
    try:
        with assistant(args.url, args.content.resolve(), ROOT / "reports" / "logs") as url:
            result = run(url, args.content.resolve())
    except (AssistantError, requests.RequestException) as error:
        print(f"check-content: cannot talk to the assistant: {error}", file=sys.stderr)
        return 2
    if result.topics:
        print(f"check-content: map -> {content_map.draw(result, args.out / 'map.png')}")
    for problem in result.problems:
        print(f"check-content: FAIL {problem}")
    print(f"check-content: {len(result.edges)} buttons walked, {len(result.reached)} of {len(result.topics)} "
          f"topics reached, {len(result.problems)} problem(s)")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
