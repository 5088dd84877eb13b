"""The bench's load client: concurrent conversations through Rasa's REST webhook.

Each simulated reader is its own conversation (sender id) that sends its turns one after
the other, as a person would, while the others do the same. Every reply is checked (one
JSON list per message, none empty), and afterwards every conversation's tracker is read
through Rasa's HTTP API to prove that it holds exactly that reader's messages, in order.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parents[1]
QUESTION_MIX = ROOT / "bench" / "questions.yml"
REQUEST_TIMEOUT_S = 60.0


def _fault_texts() -> frozenset:
    """The hardened channel's "trouble answering" text: a reply, but a failed turn."""
    try:
        sys.path.insert(0, str(ROOT))
        from channels.replies import REPLIES
    except ImportError:
        return frozenset()
    return frozenset({REPLIES["trouble"]})


FAULT_TEXTS = _fault_texts()


@dataclass(frozen=True)
class Mix:
    """The opening line and the exchanges (a question and its follow-ups) readers ask."""

    opening: str
    exchanges: List[List[str]]

    @property
    def cycle(self) -> int:
        """Turns in one pass over every exchange."""
        return sum(len(exchange) for exchange in self.exchanges)

    def turns(self, conversation: int, count: int) -> List[str]:
        """``count`` turns for one conversation: the opening, then exchanges from its offset."""
        if count < 1:
            raise ValueError("a conversation needs at least one turn")
        flat: List[str] = []
        start = conversation % len(self.exchanges)
        while len(flat) < count - 1:
            for i in range(len(self.exchanges)):
                flat.extend(self.exchanges[(start + i) % len(self.exchanges)])
        return [self.opening, *flat[: count - 1]]


def load_mix(path: Path = QUESTION_MIX) -> Mix:
    """Read the question mix; a malformed file is a clear error naming it."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        mix = Mix(opening=str(data["opening"]), exchanges=[[str(t) for t in e] for e in data["exchanges"]])
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise ValueError(f"{path}: not a question mix ({error})") from error
    if not mix.exchanges or not all(mix.exchanges):
        raise ValueError(f"{path}: every exchange needs at least one question")
    return mix


@dataclass
class Turn:
    """One message sent and what came back."""

    conversation: int
    index: int
    latency_s: float
    error: Optional[str] = None


@dataclass
class LoadResult:
    """Everything one load phase measured."""

    concurrency: int
    turns_per_conversation: int
    wall_s: float
    turns: List[Turn] = field(default_factory=list)
    tracker_errors: List[str] = field(default_factory=list)
    server_cpu_s: Optional[float] = None  # the server's CPU time over the turns (cpu_probe)

    @property
    def errors(self) -> List[str]:
        return [f"conv {t.conversation} turn {t.index}: {t.error}" for t in self.turns if t.error]

    @property
    def latencies_s(self) -> List[float]:
        return [t.latency_s for t in self.turns if not t.error]

    @property
    def throughput(self) -> float:
        """Answered messages per second over the phase's wall time."""
        return len(self.latencies_s) / self.wall_s if self.wall_s > 0 else 0.0


def reply_problem(body: Any) -> Optional[str]:
    """Why a webhook reply is not one non-empty reply set, or None when it is."""
    if not isinstance(body, list):
        return f"reply is not a list: {str(body)[:80]}"
    if not body:
        return "empty reply"
    for message in body:
        if not isinstance(message, dict) or not (message.get("text") or message.get("custom") or message.get("image")):
            return f"empty message in reply: {str(message)[:80]}"
        if message.get("text") in FAULT_TEXTS:
            return "the channel's fault reply (the turn failed inside Rasa)"
    return None


async def _send(session: aiohttp.ClientSession, url: str, sender: str, number: int, index: int, text: str) -> Turn:
    """Post one message and time it until its reply set has arrived and been checked."""
    payload = {"sender": sender, "message": text, "metadata": {"bench_turn": index}}
    started = time.perf_counter()
    error: Optional[str] = None
    try:
        async with session.post(url, json=payload) as response:
            body = await response.json(content_type=None)
            error = f"HTTP {response.status}" if response.status != 200 else reply_problem(body)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    return Turn(number, index, time.perf_counter() - started, error)


async def _converse(
    session: aiohttp.ClientSession, url: str, sender: str, number: int, texts: List[str], turns: List[Turn]
) -> None:
    """Send one conversation's turns in order, each after the previous reply arrived."""
    for index, text in enumerate(texts, start=1):
        turns.append(await _send(session, url, sender, number, index, text))


async def _tracker_problem(
    session: aiohttp.ClientSession, base_url: str, token: str, sender: str, texts: List[str]
) -> Optional[str]:
    """Why a conversation's tracker does not hold exactly its own messages in order."""
    url = f"{base_url}/conversations/{sender}/tracker"
    try:
        async with session.get(url, params={"token": token}) as response:
            if response.status != 200:
                return f"{sender}: tracker HTTP {response.status}"
            tracker = await response.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        return f"{sender}: tracker unreadable ({type(exc).__name__}: {exc})"
    users = [e for e in tracker.get("events", []) if e.get("event") == "user"]
    got = [e.get("text") for e in users]
    if got != texts:
        first = next((i for i, (a, b) in enumerate(zip(got, texts)) if a != b), min(len(got), len(texts)))
        return (f"{sender}: tracker has {len(got)} user messages, sent {len(texts)};"
                f" first difference at turn {first + 1}")
    order = [(e.get("metadata") or {}).get("bench_turn") for e in users]
    if any(o is not None for o in order) and order != list(range(1, len(texts) + 1)):
        return f"{sender}: tracker messages out of order: {order[:10]}..."
    return None


def _client(concurrency: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
                                 connector=aiohttp.TCPConnector(limit=concurrency + 4))


async def _check_trackers(
    session: aiohttp.ClientSession, base_url: str, token: str, senders: List[str], scripts: List[List[str]]
) -> List[str]:
    problems = [await _tracker_problem(session, base_url, token, s, t) for s, t in zip(senders, scripts)]
    return [p for p in problems if p]


async def run_load(
    base_url: str, token: str, mix: Mix, concurrency: int, turns_per_conversation: int, offset: int = 0,
    cpu_probe: Optional[Callable[[], float]] = None,
) -> LoadResult:
    """``concurrency`` conversations of ``turns_per_conversation`` turns at once, then check trackers.

    ``cpu_probe`` (the server's CPU seconds so far) is read just before the first turn and
    just after the last, so the tracker checks afterwards do not count.
    """
    run_id = uuid.uuid4().hex[:8]
    senders = [f"bench-{run_id}-c{concurrency}-{i}" for i in range(concurrency)]
    scripts = [mix.turns(offset + i, turns_per_conversation) for i in range(concurrency)]
    url = f"{base_url}/webhooks/rest/webhook"
    result = LoadResult(concurrency, turns_per_conversation, 0.0)
    async with _client(concurrency) as session:
        cpu_before = cpu_probe() if cpu_probe else None
        started = time.perf_counter()
        await asyncio.gather(
            *(_converse(session, url, s, i, texts, result.turns) for i, (s, texts) in enumerate(zip(senders, scripts)))
        )
        result.wall_s = time.perf_counter() - started
        if cpu_probe and cpu_before is not None:
            result.server_cpu_s = cpu_probe() - cpu_before
        result.tracker_errors = await _check_trackers(session, base_url, token, senders, scripts)
    return result


def late_window(cycle: int, late_turn: int) -> range:
    """The turns of the mix's cycle that holds ``late_turn``: the same questions as turns 2..cycle+1."""
    first = 2 + ((late_turn - 2) // cycle) * cycle
    return range(first, first + cycle)


async def run_long(
    base_url: str, token: str, mix: Mix, late_turn: int = 200, cpu_probe: Optional[Callable[[], float]] = None
) -> LoadResult:
    """One conversation at a time: a long one, then it and a fresh one taking turns.

    The long conversation (0) first talks alone up to the window that holds ``late_turn``.
    Then a fresh conversation (1) asks turns 1..cycle+1 while the long one asks the same
    questions at its late turns, one message each in alternation, so both windows see the
    same machine load: their latency ratio is what a long history costs.
    """
    window = late_window(mix.cycle, late_turn)
    run_id = uuid.uuid4().hex[:8]
    senders = [f"bench-{run_id}-long", f"bench-{run_id}-fresh"]
    scripts = [mix.turns(0, window[-1]), mix.turns(0, mix.cycle + 1)]
    url = f"{base_url}/webhooks/rest/webhook"
    result = LoadResult(1, len(scripts[0]), 0.0)
    async with _client(1) as session:
        cpu_before = cpu_probe() if cpu_probe else None
        started = time.perf_counter()
        for index in range(1, window[0]):
            result.turns.append(await _send(session, url, senders[0], 0, index, scripts[0][index - 1]))
        result.turns.append(await _send(session, url, senders[1], 1, 1, scripts[1][0]))
        for early, late in zip(range(2, mix.cycle + 2), window):
            result.turns.append(await _send(session, url, senders[1], 1, early, scripts[1][early - 1]))
            result.turns.append(await _send(session, url, senders[0], 0, late, scripts[0][late - 1]))
        result.wall_s = time.perf_counter() - started
        if cpu_probe and cpu_before is not None:
            result.server_cpu_s = cpu_probe() - cpu_before
        result.tracker_errors = await _check_trackers(session, base_url, token, senders, scripts)
    return result


def percentile(values: List[float], q: float) -> float:
    """The q-th percentile (0-100) by linear interpolation; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(result: LoadResult) -> Dict[str, Any]:
    """The figures the report prints for one phase (latencies in milliseconds)."""
    lat = result.latencies_s
    return {
        "concurrency": result.concurrency,
        "turns_per_conversation": result.turns_per_conversation,
        "messages": len(result.turns),
        "errors": len(result.errors),
        "error_examples": result.errors[:5],
        "tracker_errors": result.tracker_errors[:5],
        "tracker_error_count": len(result.tracker_errors),
        "p50_ms": percentile(lat, 50) * 1000,
        "p95_ms": percentile(lat, 95) * 1000,
        "p99_ms": percentile(lat, 99) * 1000,
        "throughput_rps": result.throughput,
        "wall_s": result.wall_s,
        # Server CPU per answered turn: what bounds throughput once the server's core is busy.
        "cpu_ms_per_turn": (result.server_cpu_s * 1000 / len(lat)
                            if result.server_cpu_s is not None and lat else None),
    }


def turn_growth(result: LoadResult, cycle: int, late_turn: int = 200) -> Dict[str, Any]:
    """Median latency of the long conversation's late window against the fresh one's turns 2..cycle+1."""
    window = late_window(cycle, late_turn)
    long_turns = {t.index: t.latency_s for t in result.turns if t.conversation == 0 and not t.error}
    fresh = [t.latency_s for t in result.turns if t.conversation == 1 and t.index >= 2 and not t.error]
    late = [long_turns[i] for i in window if i in long_turns]
    early_ms, late_ms = percentile(fresh, 50) * 1000, percentile(late, 50) * 1000
    return {
        "early_turns": [2, cycle + 1],
        "late_turns": [window[0], window[-1]],
        "early_p50_ms": early_ms,
        "late_p50_ms": late_ms,
        "ratio": late_ms / early_ms if early_ms else float("nan"),
        "series_ms": [round(long_turns[i] * 1000, 2) for i in sorted(long_turns)],
    }
