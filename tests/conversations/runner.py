"""Play the cases to a running bot's REST webhook and write the JSON report.

Each case gets a fresh sender id, so no case sees another's context. Turns of one case are
sent one after another; cases run on a few threads (``concurrency``).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from tests.conversations.cases import Case
from tests.conversations.replies import Markers, ReplyView, classify
from tests.conversations.scoring import CaseResult, TurnResult, check_turn, summarise

WEBHOOK = "/webhooks/rest/webhook"


class ServerUnavailable(RuntimeError):
    """The bot's REST server did not answer at all."""


def post_message(base_url: str, sender: str, message: str, timeout: float) -> Any:
    """One turn over the REST webhook: the decoded JSON reply, or an error string."""
    body = json.dumps({"sender": sender, "message": message}).encode("utf-8")
    request = urllib.request.Request(base_url.rstrip("/") + WEBHOOK, data=body,
                                     headers={"content-type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}: {error.read()[:200].decode('utf-8', 'replace')}"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        return f"no reply: {error}"


def check_server(base_url: str, timeout: float = 5.0) -> None:
    """Fail fast, with the address, when nothing listens there."""
    try:
        with urllib.request.urlopen(base_url.rstrip("/") + "/", timeout=timeout):
            return
    except urllib.error.HTTPError:
        return  # something answered
    except (urllib.error.URLError, OSError) as error:
        raise ServerUnavailable(f"no Rasa server at {base_url}: {error}") from error


def play_case(case: Case, base_url: str, markers: Markers, run_id: str, timeout: float) -> CaseResult:
    """All turns of one case under one fresh sender id."""
    result = CaseResult(case=case)
    sender = f"conv-{run_id}-{case.id}"
    for turn in case.turns:
        raw = post_message(base_url, sender, turn.user, timeout)
        if isinstance(raw, str):
            view = ReplyView((), error=raw)
        elif not isinstance(raw, list):
            view = ReplyView((), error=f"reply is not a list: {raw!r}"[:200])
        else:
            view = classify(markers, raw)
        result.turns.append(TurnResult(turn.user, turn.expect, view, check_turn(turn.expect, view)))
    return result


def play_all(cases: Sequence[Case], base_url: str, markers: Markers, concurrency: int = 2,
             timeout: float = 30.0) -> List[CaseResult]:
    """Every case, results in the cases' order."""
    run_id = uuid.uuid4().hex[:8]
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(pool.map(lambda c: play_case(c, base_url, markers, run_id, timeout), cases))


def build_report(results: Sequence[CaseResult], base_url: str, seconds: float,
                 label: Optional[str] = None) -> Dict[str, Any]:
    """Summary plus every case's turns, replies and failures."""
    return {
        "measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "bot": base_url,
        "label": label,
        "seconds": round(seconds, 1),
        **summarise(results),
        "cases": [r.as_dict() for r in results],
    }


def write_report(report: Dict[str, Any], path: Path) -> Path:
    """The JSON report, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def run(cases: Sequence[Case], base_url: str, markers: Markers, concurrency: int, timeout: float,
        label: Optional[str] = None) -> Dict[str, Any]:
    """Check the server, play everything, return the report."""
    check_server(base_url)
    started = time.monotonic()
    results = play_all(cases, base_url, markers, concurrency, timeout)
    return build_report(results, base_url, time.monotonic() - started, label)
