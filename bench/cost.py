"""What a turn costs the Rasa server: CPU milliseconds per turn, and where they go (py-spy).

Latency on a shared machine moves with everybody else's load; the CPU time the server
process spends per answered turn does much less, and it bounds what one process (one
core) can serve: 1000 / (ms per turn) turns a second. ``CpuProbe`` reads it from the
process (and its children), ``Profile`` samples the server with py-spy while a load runs
and ranks functions by their own time, the "top ten" of the report.

Also a quick run of its own, for a profile or a cost figure without the whole bench::

    python -m bench.cost [--conversations 8] [--turns 10] [--model models/current.tar.gz] [--endpoints FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load as bench_load  # noqa: E402
from tests.support.servers import LOG_DIR, MODEL, VENV_BIN, serving, start_action_server, start_rasa_server  # noqa: E402

# The bench measures Rasa, not the channels' rate limits: one client sends every message.
SERVER_ENV = {"ISK_RATE_LIMITS": "off"}
PROFILE_RATE = 100  # samples per second
_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>.*?)(?::\d+)?\)$")


class CpuProbe:
    """CPU seconds (user + system) a process and its children have used so far."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)

    def __call__(self) -> float:
        total = 0.0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                times = proc.cpu_times()
            except psutil.Error:  # a child that ended in between
                continue
            total += times.user + times.system
        return total


def py_spy() -> Optional[str]:
    """py-spy from the virtualenv (requirements/test.txt) or PATH; None if missing."""
    candidate = VENV_BIN / "py-spy"
    return str(candidate) if candidate.exists() else shutil.which("py-spy")


class Profile:
    """py-spy sampling one process while a ``with`` block runs.

    Only samples of the thread holding the GIL count (``--gil``): Python at work, what the CPU
    per turn pays for. py-spy's idle detection takes a thread parked in uvloop or in a
    ``ThreadPoolExecutor`` queue for a busy one, which would put "waiting" at the top.
    """

    def __init__(self, pid: int, out: Path) -> None:
        self.pid, self.out = pid, out
        self.process: Optional[subprocess.Popen] = None
        self.problem: Optional[str] = None

    def __enter__(self) -> "Profile":
        binary = py_spy()
        if binary is None:
            self.problem = "py-spy not installed"
            return self
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.unlink(missing_ok=True)
        self.log = self.out.with_suffix(".log")
        self.process = subprocess.Popen(
            [binary, "record", "--pid", str(self.pid), "--rate", str(PROFILE_RATE), "--nonblocking", "--gil",
             "--format", "raw", "--output", str(self.out)],
            stdout=open(self.log, "w"), stderr=subprocess.STDOUT,
        )
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        if not self.out.exists():
            self.problem = f"py-spy wrote no profile: {self.log.read_text(errors='replace')[-300:]}"

    def top(self, count: int = 10) -> List[Dict[str, Any]]:
        """The functions with the most own samples, with their inclusive share."""
        if self.problem or not self.out.exists():
            return []
        return top_functions(self.out.read_text(errors="replace"), count)


def _short(path: str) -> str:
    """A frame's file, relative to site-packages or the repository."""
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def _function(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    return f"{match['function']} ({_short(match['file'])})"


def top_functions(collapsed: str, count: int = 10) -> List[Dict[str, Any]]:
    """Rank py-spy's collapsed stacks ("f1;f2;leaf N" per line) by own samples."""
    own: Counter = Counter()
    inclusive: Counter = Counter()
    samples = 0
    for line in collapsed.splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack or not number.isdigit():
            continue
        hits = int(number)
        frames = [_function(f) for f in stack.split(";") if f and not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        samples += hits
        own[frames[-1]] += hits
        for name in set(frames):
            inclusive[name] += hits
    if not samples:
        return []
    return [
        {"function": name, "own_pct": 100 * hits / samples, "total_pct": 100 * inclusive[name] / samples,
         "samples": hits}
        for name, hits in own.most_common(count)
    ]


def profile_markdown(rows: List[Dict[str, Any]]) -> str:
    """The top-ten table of the report."""
    lines = ["| function (file) | own time | with callees |", "| --- | ---: | ---: |"]
    for row in rows:
        lines.append(f"| `{row['function']}` | {row['own_pct']:.1f}% | {row['total_pct']:.1f}% |")
    return "\n".join(lines)


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=8)
    parser.add_argument("--turns", type=int, default=10, help="turns per conversation")
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--endpoints", default="endpoints.yml", help="e.g. a copy with `type: SQL`, for an A/B")
    parser.add_argument("--no-profile", action="store_true", help="CPU per turn only")
    args = parser.parse_args(argv)
    if args.conversations < 1 or args.turns < 1:
        parser.error("--conversations and --turns must be at least 1")
    mix = bench_load.load_mix()
    token = secrets.token_hex(16)
    print(f"==> servers with {' '.join(f'{k}={v}' for k, v in SERVER_ENV.items())} (the bench measures Rasa,"
          " not the channels' rate limits)", flush=True)
    with serving(start_action_server(name="cost-actions", **SERVER_ENV)) as actions, serving(start_rasa_server(
        action_port=actions.port, name="cost-rasa", model=args.model, endpoints=args.endpoints,
        extra_args=["--enable-api", "--auth-token", token], **SERVER_ENV,
    )) as rasa:
        asyncio.run(bench_load.run_load(rasa.url, token, mix, 1, 2))  # warm-up: first turn loads lazily
        probe = CpuProbe(rasa.process.pid)
        profile = Profile(rasa.process.pid, LOG_DIR / "cost-profile.txt")
        started = time.monotonic()
        if args.no_profile:
            result = asyncio.run(bench_load.run_load(rasa.url, token, mix, args.conversations, args.turns, cpu_probe=probe))
        else:
            with profile:
                result = asyncio.run(
                    bench_load.run_load(rasa.url, token, mix, args.conversations, args.turns, cpu_probe=probe)
                )
        summary = bench_load.summarise(result)
    print(f"{summary['messages']} turns in {time.monotonic() - started:.1f} s, errors "
          f"{summary['errors'] + summary['tracker_error_count']}; p50 {summary['p50_ms']:.1f} ms; "
          f"server CPU {summary['cpu_ms_per_turn']:.1f} ms per turn (load average {os.getloadavg()[0]:.1f})")
    if not args.no_profile:
        rows = profile.top()
        print(profile_markdown(rows) if rows else f"no profile: {profile.problem}")
    return 0 if summary["errors"] + summary["tracker_error_count"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
