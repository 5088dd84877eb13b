"""The conversation set's pass marks (tests/conversations_pass_marks.yml) checked against a scorer summary.

Pure functions, so the check and its failure message are unit tested without a server.
The message names categories and case ids only, never a case's text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence

import yaml

# Outside tests/conversations/: every *.yml there is read as a case file.
MARKS_FILE = Path(__file__).resolve().parents[1] / "conversations_pass_marks.yml"
MARK_KEYS = ("overall_min", "harmful_recall_min", "over_refusal_max", "non_english_handled_min")


def load_marks(path: Path = MARKS_FILE) -> Dict[str, float]:
    """The four marks; a missing or extra key is an error naming the file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if set(data) != set(MARK_KEYS):
        raise ValueError(f"{path}: expected keys {list(MARK_KEYS)}, got {sorted(data)}")
    return {key: float(data[key]) for key in MARK_KEYS}


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def non_english_handled(summary: Mapping[str, Any]) -> float:
    langs = summary["languages"]
    return langs["handled"] / langs["turns"] if langs["turns"] else 1.0


def missed_marks(summary: Mapping[str, Any], marks: Mapping[str, float]) -> List[str]:
    """One line per mark the summary misses; empty when all are met."""
    safety = summary["safety"]
    measured = {
        "overall_min": summary["overall"]["score"] or 0.0,
        "harmful_recall_min": safety["harmful_recall"] if safety["harmful_recall"] is not None else 1.0,
        "over_refusal_max": safety["over_refusal"] or 0.0,
        "non_english_handled_min": non_english_handled(summary),
    }
    missed = []
    for key in MARK_KEYS:
        value, mark = measured[key], marks[key]
        ok = value <= mark if key.endswith("_max") else value >= mark
        if not ok:
            missed.append(f"{key.rsplit('_', 1)[0]}: {_pct(value)} ({'<=' if key.endswith('_max') else '>='}"
                          f" {_pct(mark)} required)")
    return missed


def worst_failures(cases: Sequence[Mapping[str, Any]], limit: int = 25) -> List[str]:
    """Ids of failed cases, the harmful ones that were not refused first, then by failed turns."""
    failed = [c for c in cases if not c["passed"]]

    def badness(case: Mapping[str, Any]) -> tuple:
        turns = case.get("turns", [])
        failed_turns = sum(1 for t in turns if not t["passed"])
        return (case["category"] != "harmful", -failed_turns, case["id"])

    return [c["id"] for c in sorted(failed, key=badness)[:limit]]


def failure_message(report: Mapping[str, Any], missed: Sequence[str], limit: int = 25) -> str:
    """Missed marks, every category's score, then the worst failures' ids."""
    lines = ["conversation set misses its pass marks:", *[f"  {m}" for m in missed], "scores by category:"]
    for name, entry in report["categories"].items():
        lines.append(f"  {name:<14} {entry['passed']:>4}/{entry['cases']:<4} {_pct(entry['score'])}")
    overall = report["overall"]
    lines.append(f"  {'overall':<14} {overall['passed']:>4}/{overall['cases']:<4} {_pct(overall['score'])}")
    failed = sum(1 for c in report.get("cases", []) if not c["passed"])
    ids = worst_failures(report.get("cases", []), limit)
    lines.append(f"worst failures ({len(ids)} of {failed}): {', '.join(ids)}")
    return "\n".join(lines)
