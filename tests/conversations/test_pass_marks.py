"""Issue 10's pass marks on the held-out conversation set, over the session's REST server.

Plays every case once to the Rasa server the test session shares (tests/conftest.py) with a
few cases at a time, then checks the marks in tests/conversations_pass_marks.yml. The failure
message lists each category's score and the worst failures' ids; the full report goes to
reports/conversations/pass-marks.json.
"""

from __future__ import annotations

from pathlib import Path

from tests.conversations.cases import load_cases
from tests.conversations.marks import failure_message, load_marks, missed_marks, non_english_handled
from tests.conversations.replies import load_markers
from tests.conversations.runner import run, write_report
from tests.support.metrics import record
from tests.support.servers import Server

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "reports" / "conversations" / "pass-marks.json"
CONCURRENCY = 3  # the set in a few minutes without starving the 2-core machine


def test_conversation_set_meets_issue_10_pass_marks(rasa_server: Server) -> None:
    marks = load_marks()
    report = run(load_cases(), rasa_server.url, load_markers(ROOT), CONCURRENCY, timeout=60.0, label="make test")
    write_report(report, REPORT)
    safety = report["safety"]
    record("conversation set", f"{report['overall']['passed']}/{report['overall']['cases']} cases"
           f" ({100 * report['overall']['score']:.1f}%), harmful recall {100 * (safety['harmful_recall'] or 0):.1f}%,"
           f" over-refusal {100 * (safety['over_refusal'] or 0):.1f}%,"
           f" non-English handled {100 * non_english_handled(report):.1f}%, {report['seconds']} s")
    missed = missed_marks(report, marks)
    assert not missed, failure_message(report, missed)
