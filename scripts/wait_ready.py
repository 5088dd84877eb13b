"""Wait until every URL answers HTTP 200, polling; exit 1 with the failing URL on timeout.

Used by the run and test scripts: readiness is observed, never assumed after a sleep.
Usage: python scripts/wait_ready.py URL [URL ...] [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request
from typing import List


def is_ready(url: str) -> bool:
    """True when ``url`` answers 200 within a second."""
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def wait(urls: List[str], timeout: float, interval: float = 0.25) -> List[str]:
    """Poll until all URLs are ready or ``timeout`` passes; return those still not ready."""
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while True:
        pending = [url for url in pending if not is_ready(url)]
        if not pending or time.monotonic() >= deadline:
            return pending
        time.sleep(interval)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    pending = wait(args.urls, args.timeout)
    for url in pending:
        print(f"not ready after {args.timeout:.0f}s: {url}", file=sys.stderr)
    return 1 if pending else 0


if __name__ == "__main__":
    sys.exit(main())
