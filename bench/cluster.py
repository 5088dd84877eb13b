"""`make bench-cluster`: two Rasa replicas against one, on the shared PostgreSQL and Redis.

Both layouts use every core of this machine (same total cores) and the same stores; only
the number of replicas differs. Each runs the bench's question mix as concurrent
conversations whose turns alternate between replicas (a balancer without stickiness), then
bursts of five simultaneous messages to one conversation spread over the replicas. Every
conversation is then read back from PostgreSQL: no message lost, none stored twice, every
turn complete. PostgreSQL and Redis CPU and operations per turn give the capacity estimate
in README "Scaling out and deployment". The stock RedisLockStore runs the bursts too.
Writes reports/bench/cluster.json. Usage: python -m bench.cluster [--conversations N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
import psutil
import psycopg2
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load as bench_load  # noqa: E402
from bench.cost import SERVER_ENV  # noqa: E402
from tests.cluster import tracker_db  # noqa: E402
from tests.cluster.conftest import LOCK_STORE, POSTGRES_ADMIN_URL, REDIS_URL, profile_env  # noqa: E402
from tests.support.servers import Server, start_action_server, start_rasa_server  # noqa: E402

OUT = Path(os.environ.get("ISK_BENCH_OUT", str(ROOT / "reports" / "bench"))) / "cluster.json"
# (label, replicas, lock store endpoint type, lock store url, run the load phase)
LAYOUTS = [
    ("1 replica", 1, LOCK_STORE, REDIS_URL, True),
    ("2 replicas", 2, LOCK_STORE, REDIS_URL, True),
    ("2 replicas, stock RedisLockStore", 2, "redis", "127.0.0.1", False),
]


async def post(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> Tuple[float, Optional[str]]:
    """One message; (latency, why it failed or None)."""
    started = time.perf_counter()
    try:
        async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as response:
            body = await response.json(content_type=None)
            error = f"HTTP {response.status}" if response.status != 200 else bench_load.reply_problem(body)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    return time.perf_counter() - started, error


async def load(urls: List[str], senders: List[str], scripts: List[List[str]]) -> Tuple[float, List[float], List[str]]:
    """Each conversation sends its turns in order, turn i to replica (conversation + i) mod n."""
    latencies: List[float] = []
    errors: List[str] = []

    async def converse(number: int) -> None:
        for index, text in enumerate(scripts[number]):
            seconds, error = await post(session, urls[(number + index) % len(urls)], senders[number], text)
            latencies.append(seconds)
            if error:
                errors.append(f"{senders[number]} turn {index + 1}: {error}")

    timeout = aiohttp.ClientTimeout(total=bench_load.REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=len(senders) + 4)) as session:
        started = time.perf_counter()
        await asyncio.gather(*(converse(n) for n in range(len(senders))))
        return time.perf_counter() - started, latencies, errors


async def bursts(urls: List[str], senders: List[str], opening: str, messages: List[str]) -> Tuple[List[float], List[str]]:
    """Per conversation: an opening, then all ``messages`` at once, spread over the replicas."""
    walls: List[float] = []
    errors: List[str] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=bench_load.REQUEST_TIMEOUT_S)) as session:
        for sender in senders:
            await post(session, urls[0], sender, opening)
            started = time.perf_counter()
            results = await asyncio.gather(*(post(session, urls[i % len(urls)], sender, m) for i, m in enumerate(messages)))
            walls.append(time.perf_counter() - started)
            errors += [f"{sender}: {error}" for _, error in results if error]
    return walls, errors


def stored_problems(database_url: str, expected: Dict[str, List[str]], ordered: bool) -> Dict[str, Any]:
    """Lost, extra and duplicated events per conversation, read from PostgreSQL."""
    lost = extra = 0
    problems: List[str] = []
    for sender, sent in expected.items():
        stored = tracker_db.events(database_url, sender)
        said = tracker_db.user_texts(stored)
        same = said == sent if ordered else sorted(said) == sorted(sent)
        if not same:
            lost += max(0, len(sent) - len(said))
            extra += max(0, len(said) - len(sent))
            problems.append(f"{sender}: stored {len(said)} messages of {len(sent)}")
        problems += [f"{sender}: {p}" for p in tracker_db.turn_problems(stored) + tracker_db.duplicates(stored)]
    return {"lost_messages": lost, "extra_messages": extra, "problems": len(problems), "examples": problems[:5]}


class CpuMeter:
    """CPU seconds used by named processes between start() and stop() (PostgreSQL, Redis, Rasa)."""

    def __init__(self, groups: Dict[str, Any]) -> None:
        self.groups = groups  # name -> list of pids or a process-name match

    def _pids(self, group: Any) -> List[int]:
        if isinstance(group, list):
            return group
        return [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] and p.info["name"].startswith(group)]

    def _read(self) -> Dict[str, Dict[int, float]]:
        seconds: Dict[str, Dict[int, float]] = {}
        for name, group in self.groups.items():
            seconds[name] = {}
            for pid in self._pids(group):
                try:
                    times = psutil.Process(pid).cpu_times()
                    seconds[name][pid] = times.user + times.system
                except psutil.Error:
                    pass
        return seconds

    def start(self) -> None:
        self.before = self._read()

    def stop(self) -> Dict[str, float]:
        after = self._read()
        return {name: sum(t - self.before[name].get(pid, 0.0) for pid, t in after[name].items()) for name in after}


def database_stats(database_url: str) -> Tuple[int, int, int]:
    """(transactions committed, rows inserted, open connections besides ours) in the bench database."""
    name = database_url.rsplit("/", 1)[1]
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT xact_commit, tup_inserted FROM pg_stat_database WHERE datname = %s", (name,))
        commits, inserted = cursor.fetchone()
        cursor.execute("SELECT count(*) - 1 FROM pg_stat_activity WHERE datname = %s", (name,))
        (connections,) = cursor.fetchone()
    connection.close()
    return commits, inserted, connections


def measure_layout(layout: tuple, actions: Server, database_url: str, args: argparse.Namespace) -> Dict[str, Any]:
    """Start the layout's replicas, run load and bursts, check PostgreSQL, stop them."""
    label, count, lock_type, lock_url, with_load = layout
    env = {**profile_env(database_url), "LOCK_STORE_TYPE": lock_type, "LOCK_STORE_URL": lock_url, **SERVER_ENV}
    action_port = actions.port
    replicas = [start_rasa_server(action_port, name=f"bench-cluster-{count}-{i}", **env) for i in range(count)]
    run = uuid.uuid4().hex[:6]
    result: Dict[str, Any] = {"layout": label, "replicas": count, "lock_store": lock_type}
    try:
        with ThreadPoolExecutor(count) as pool:
            list(pool.map(lambda server: server.wait_ready(300), replicas))
        urls = [server.url for server in replicas]
        mix = bench_load.load_mix()
        for url in urls:  # warm-up: first-turn costs (model caches, pools) stay out of the numbers
            asyncio.run(load([url], [f"iskbench-{run}-warm"], [mix.turns(0, 4)]))
        if with_load:
            senders = [f"iskbench-{run}-load-{i}" for i in range(args.conversations)]
            scripts = [mix.turns(i, args.turns) for i in range(args.conversations)]
            meter = CpuMeter({"rasa": [s.process.pid for s in replicas], "actions": [actions.process.pid],
                              "postgres": "postgres", "redis": "redis-server", "load client": [os.getpid()]})
            psutil.cpu_percent()  # starts the machine-wide busy counter
            commits0, rows0, _ = database_stats(database_url)
            redis_ops0 = redis.StrictRedis.from_url(REDIS_URL).info("stats")["total_commands_processed"]
            meter.start()
            wall, latencies, errors = asyncio.run(load(urls, senders, scripts))
            cpu = meter.stop()
            machine_busy, load_average = psutil.cpu_percent(), os.getloadavg()[0]
            turns = len(latencies)
            commits1, rows1, connections = database_stats(database_url)
            redis_ops1 = redis.StrictRedis.from_url(REDIS_URL).info("stats")["total_commands_processed"]
            result["load"] = {
                "conversations": args.conversations, "turns": turns, "errors": len(errors), "error_examples": errors[:3],
                "throughput_rps": turns / wall, "p50_ms": bench_load.percentile(latencies, 50) * 1000,
                "p95_ms": bench_load.percentile(latencies, 95) * 1000, "wall_s": wall,
                "cpu_ms_per_turn": {name: 1000 * seconds / turns for name, seconds in cpu.items()},
                # Other people's work on the machine competes too: how busy all cores were.
                "machine_cpu_busy_percent": machine_busy, "load_average_1min": load_average,
                "postgres_commits_per_turn": (commits1 - commits0) / turns,
                "postgres_rows_per_turn": (rows1 - rows0) / turns,
                "redis_commands_per_turn": (redis_ops1 - redis_ops0) / turns,
                "postgres_connections": connections,
                "stored": stored_problems(database_url, dict(zip(senders, scripts)), ordered=True),
            }
        messages = ["how many fighters does ISKP have", "what about Herat?", "who is the leader of IS-K?",
                    "what happened at Pul-e-Charki prison?", "are they connected to the Taliban?"]
        senders = [f"iskbench-{run}-burst-{i}" for i in range(args.bursts)]
        walls, errors = asyncio.run(bursts(urls, senders, mix.opening, messages))
        result["bursts"] = {
            "bursts": len(walls), "median_s": statistics.median(walls), "max_s": max(walls), "errors": len(errors),
            "stored": stored_problems(database_url, {s: [mix.opening, *messages] for s in senders}, ordered=False),
        }
    finally:
        for server in replicas:
            server.stop()
    return result


def lock_level_wait(runs: int = 5) -> Dict[str, float]:
    """Five messages x 0.2 s on one conversation, straight on the lock stores: medians."""
    from tests.cluster.test_lock_store import five_quick_messages, make_store

    medians = {}
    for kind in ("stock", "atomic"):
        walls = [asyncio.run(five_quick_messages([make_store(kind), make_store(kind)], f"iskbench-wait-{uuid.uuid4().hex}"))
                 for _ in range(runs)]
        medians[f"{kind}_median_s"] = statistics.median(walls)
    return medians


def print_table(results: List[Dict[str, Any]], wait: Dict[str, float]) -> None:
    print(f"\n{'layout':36} {'msg/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'lost':>5} {'dup/bad':>7} {'burst s':>8}")
    for r in results:
        load_ = r.get("load")
        cells = " ".join(f"{'-':>{w}}" for w in (7, 7, 7, 5, 7))
        if load_:
            cells = (f"{load_['throughput_rps']:7.1f} {load_['p50_ms']:7.0f} {load_['p95_ms']:7.0f} "
                     f"{load_['stored']['lost_messages']:5d} {load_['stored']['problems']:7d}")
        print(f"{r['layout']:36} {cells} {r['bursts']['median_s']:8.2f}  (bursts: {r['bursts']['errors']} errors, "
              f"{r['bursts']['stored']['lost_messages']} lost, {r['bursts']['stored']['problems']} bad)")
        if load_:
            cpu = load_["cpu_ms_per_turn"]
            print(f"{'':36} machine {load_['machine_cpu_busy_percent']:.0f}% busy (load {load_['load_average_1min']:.1f}); "
                  f"CPU per turn: actions {cpu['actions']:.1f} ms, load client {cpu['load client']:.1f} ms")
            print(f"{'':36} per turn: Rasa {cpu['rasa']:.1f} ms, PostgreSQL {cpu['postgres']:.1f} ms CPU "
                  f"({load_['postgres_commits_per_turn']:.1f} commits, {load_['postgres_rows_per_turn']:.1f} rows, "
                  f"{load_['postgres_connections']} connections), "
                  f"Redis {cpu['redis']:.2f} ms CPU ({load_['redis_commands_per_turn']:.1f} commands)")
    print(f"lock store alone, 5 messages x 0.2 s: stock {wait['stock_median_s']:.2f} s, "
          f"atomic {wait['atomic_median_s']:.2f} s (median)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=16)
    parser.add_argument("--turns", type=int, default=12)
    parser.add_argument("--bursts", type=int, default=5)
    args = parser.parse_args()
    if min(args.conversations, args.turns, args.bursts) < 1:
        parser.error("--conversations, --turns and --bursts must be at least 1")
    subprocess.run([str(ROOT / "scripts" / "services.sh")], check=True)
    print(f"==> every server runs with {' '.join(f'{k}={v}' for k, v in SERVER_ENV.items())}: the bench"
          " measures Rasa, not the channels' rate limits", flush=True)
    results = []
    with tracker_db.scratch_database(POSTGRES_ADMIN_URL) as database_url:
        actions = start_action_server(name="bench-cluster-actions", **SERVER_ENV)
        try:
            actions.wait_ready()
            for layout in LAYOUTS:
                print(f"==> {layout[0]}", flush=True)
                results.append(measure_layout(layout, actions, database_url, args))
        finally:
            actions.stop()
    wait = lock_level_wait()
    print_table(results, wait)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    report = {"cpus": os.cpu_count(), "layouts": results, "lock_wait_5x0.2s": wait}
    OUT.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"==> wrote {OUT.relative_to(ROOT)}")
    bad = [r for r in results if r.get("load") and (r["load"]["errors"] or r["load"]["stored"]["problems"])]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
