"""Fingerprints of the explainer's wording, so copy checks need no copy of the article.

The repository may not hold the explainer's text (content rules), yet the tests must prove
that answers are in the project's own words and cite real section headings. It holds instead
the hashes of every run of nine consecutive words and of every line, made from a local copy by
``scripts/fingerprint_explainer.py``. A text shares a nine-word run with the explainer exactly
when one of its runs hashes into the set (a 64-bit digest: collisions are negligible).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, List

import yaml

RUN_WORDS = 9  # consecutive words shared with the explainer that count as copying
_WORD = re.compile(r"[\w']+")


def words(text: str) -> List[str]:
    """Lower-case words; typographic apostrophes count as plain ones so "can’t" == "can't"."""
    return _WORD.findall(text.replace("\u2019", "'").replace("\u2018", "'").lower())


def word_runs(text: str, size: int = RUN_WORDS) -> List[str]:
    """Every run of ``size`` consecutive words, joined by single spaces."""
    found = words(text)
    return [" ".join(found[i:i + size]) for i in range(len(found) - size + 1)]


def digest(normalised: str) -> str:
    """The stored form of a run or line: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:16]


def _line_key(line: str) -> str:
    return " ".join(words(line))


@dataclass(frozen=True)
class Fingerprint:
    """Digests of an explainer's word runs and lines; holds nothing readable of the text."""

    text_sha256: str
    run_words: int
    runs: FrozenSet[str]
    lines: FrozenSet[str]

    def copied_runs(self, text: str) -> List[str]:
        """The runs of ``text`` that the explainer also contains, in order."""
        return [run for run in word_runs(text, self.run_words) if digest(run) in self.runs]

    def has_line(self, line: str) -> bool:
        """Whether ``line`` (case and punctuation aside) is a whole line of the explainer."""
        key = _line_key(line)
        return bool(key) and digest(key) in self.lines


def make(text: str) -> Fingerprint:
    """Fingerprint an explainer's text."""
    return Fingerprint(
        text_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        run_words=RUN_WORDS,
        runs=frozenset(digest(run) for run in word_runs(text)),
        lines=frozenset(digest(key) for key in map(_line_key, text.splitlines()) if key),
    )


def dump(fingerprint: Fingerprint, path: Path) -> None:
    """Write the fingerprint as YAML, sorted so a regenerated file diffs cleanly."""
    doc = {
        "text_sha256": fingerprint.text_sha256,
        "run_words": fingerprint.run_words,
        "digest": "sha256, first 16 hex digits",
        "lines": sorted(fingerprint.lines),
        "runs": sorted(fingerprint.runs),
    }
    header = (
        "# Hashes of the explainer's lines and nine-word runs: what the copy checks need, with no\n"
        "# text of the article. Regenerate from a local copy: scripts/fingerprint_explainer.py PATH\n"
    )
    path.write_text(header + yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")


def load(path: Path) -> Fingerprint:
    """Read a fingerprint file; raise ValueError naming the file when it is missing or broken."""
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return Fingerprint(
            text_sha256=str(doc["text_sha256"]),
            run_words=int(doc["run_words"]),
            runs=frozenset(str(d) for d in doc["runs"]),
            lines=frozenset(str(d) for d in doc["lines"]),
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path}: not a readable explainer fingerprint ({error})") from None
