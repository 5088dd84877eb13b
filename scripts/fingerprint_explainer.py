#!/usr/bin/env python3
"""Regenerate content/explainer_fingerprint.yml from a local copy of the explainer.

Usage: scripts/fingerprint_explainer.py PATH/TO/explainer.txt [--out FILE]
The copy itself is never committed; only the hashes are.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actions.fingerprint import dump, make  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("explainer", type=Path, help="a local copy of the explainer's text")
    parser.add_argument("--out", type=Path, default=ROOT / "content" / "explainer_fingerprint.yml")
    args = parser.parse_args()
    try:
        text = args.explainer.read_text(encoding="utf-8")
    except OSError as error:
        print(f"cannot read {args.explainer}: {error}", file=sys.stderr)
        return 2
    fingerprint = make(text)
    dump(fingerprint, args.out)
    print(f"wrote {args.out}: {len(fingerprint.runs)} runs, {len(fingerprint.lines)} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
