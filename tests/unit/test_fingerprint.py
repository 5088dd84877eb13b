"""The explainer fingerprint finds nine-word runs and whole lines, and holds no readable text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from actions import fingerprint

SAMPLE = (
    "Heading of a made-up article?\n"
    "\n"
    "The committee met on a wet Tuesday to argue about the new bridge over the river.\n"
    "Nobody could agree who’d pay for it.\n"
)
REAL = Path(__file__).resolve().parents[2] / "content" / "explainer_fingerprint.yml"


@pytest.mark.parametrize(
    "text, copied",
    [
        ("They said the committee met on a wet Tuesday to argue, they said.", True),
        ("met on a wet Tuesday to argue about", False),  # eight words: not copying
        ("THE COMMITTEE, met on a wet tuesday -- to argue!", True),  # case and punctuation aside
        ("over the river nobody could agree who'd pay for", True),  # across a line break, ' == ’
        ("An answer written in the project's own words about a bridge.", False),
    ],
    ids=["nine-words", "eight-words", "case-punctuation", "apostrophes", "own-words"],
)
def test_copied_runs(text: str, copied: bool) -> None:
    assert bool(fingerprint.make(SAMPLE).copied_runs(text)) is copied


def test_lines_match_whole_lines_only() -> None:
    made = fingerprint.make(SAMPLE)
    assert made.has_line("Heading of a made-up article?")
    assert made.has_line("heading of a made up article")
    assert not made.has_line("Heading of a made-up")
    assert not made.has_line("")


def test_round_trip_and_no_text_kept(tmp_path: Path) -> None:
    path = tmp_path / "fp.yml"
    made = fingerprint.make(SAMPLE)
    fingerprint.dump(made, path)
    assert fingerprint.load(path) == made
    body = path.read_text(encoding="utf-8")
    assert "committee" not in body and "bridge" not in body


def test_broken_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "fp.yml"
    path.write_text("runs: [unclosed\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(str(path))):
        fingerprint.load(path)
    with pytest.raises(ValueError, match="not a readable explainer fingerprint"):
        fingerprint.load(tmp_path / "missing.yml")


def test_committed_fingerprint_is_only_digests() -> None:
    real = fingerprint.load(REAL)
    assert real.run_words == fingerprint.RUN_WORDS
    assert len(real.runs) > 500 and len(real.lines) > 20
    for value in real.runs | real.lines:
        assert re.fullmatch(r"[0-9a-f]{16}", value)
