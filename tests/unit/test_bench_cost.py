"""The bench's cost figures: py-spy's collapsed stacks ranked, CPU per turn from a real process."""

from __future__ import annotations

import os
import time

from bench.cost import CpuProbe, profile_markdown, top_functions

COLLAPSED = """\
process 1:"rasa run";thread (0x1);run (asyncio/base_events.py:600);handle (rasa/core/processor.py:157);loads (json/__init__.py:346) 30
process 1:"rasa run";thread (0x1);run (asyncio/base_events.py:600);handle (rasa/core/processor.py:160);validate (/x/site-packages/jsonschema/validators.py:1) 60
process 1:"rasa run";thread (0x1);run (asyncio/base_events.py:600) 10
not a stack line
"""


def test_functions_ranked_by_own_samples_with_inclusive_share() -> None:
    rows = top_functions(COLLAPSED, count=2)
    assert [r["function"] for r in rows] == ["validate (jsonschema/validators.py)", "loads (json/__init__.py)"]
    assert rows[0]["own_pct"] == 60.0 and rows[1]["own_pct"] == 30.0
    handle = top_functions(COLLAPSED, count=10)
    assert next(r for r in handle if r["function"].startswith("run "))["total_pct"] == 100.0
    assert "| `validate (jsonschema/validators.py)` | 60.0% | 60.0% |" in profile_markdown(rows)


def test_cpu_probe_counts_this_process_busy_time() -> None:
    probe = CpuProbe(os.getpid())
    before = probe()
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:  # burn 0.2 s of CPU
        pass
    # /proc counts CPU in clock ticks (10 ms): each reading can be up to a tick short
    assert probe() - before >= 0.2 - 2 * 0.01 - 1e-9
