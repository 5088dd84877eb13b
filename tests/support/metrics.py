"""Numbers a test measured, printed at the end of the pytest run (see tests/conftest.py)."""

from __future__ import annotations

from typing import List, Tuple

RECORDED: List[Tuple[str, str]] = []


def record(name: str, value: str) -> None:
    """Keep a measured figure for the closing summary."""
    RECORDED.append((name, value))
