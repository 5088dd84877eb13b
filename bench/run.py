"""`make bench`: this assistant against Rasa's default config, trained on the same data.

For each system, one after the other on this machine: training time from scratch, time from
process start to first answer, resident memory of both servers, held-out NLU accuracy, and
REST webhook latency and throughput with 1, 8 and 32 concurrent conversations (real action
server; every reply and every tracker checked). Prints a table with ratios, writes
reports/bench/results.json, results.md and latency.png, and refreshes the table in README.md.
Usage: python -m bench.run [--retrain-peer] [--turns N] [--peer-credentials FILE] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any, Dict, List

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import load as bench_load  # noqa: E402
from bench import report as bench_report  # noqa: E402
from bench import train as bench_train  # noqa: E402
from bench.cost import SERVER_ENV, CpuProbe, Profile  # noqa: E402
from tests.support.servers import MODEL, Server, start_action_server, start_rasa_server  # noqa: E402

OUT = Path(os.environ.get("ISK_BENCH_OUT", str(ROOT / "reports" / "bench")))
PEER_CONFIG = ROOT / "bench" / "peer_config.yml"
# rasa init's credentials.yml: the stock REST channel. endpoints.yml (action server, tracker
# and lock store) is the project's for both, so only config and channel differ.
PEER_CREDENTIALS = ROOT / "bench" / "peer_credentials.yml"
README = ROOT / "README.md"  # its table between <!-- bench:start --> and <!-- bench:end -->
LEVELS = [1, 8, 32]
LATE_TURN = 200
PROFILE_CONVERSATIONS, PROFILE_TURNS = 8, 20  # an extra load under py-spy, outside the figures
START_TIMEOUT_S = 300.0


def rss_mb(server: Server) -> float:
    """Resident memory of a server process and its children, in MB."""
    proc = psutil.Process(server.process.pid)
    return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)]) / 1e6


def log_errors(server: Server) -> int:
    """ERROR lines a server logged: a failed action is swallowed by Rasa but logged."""
    try:
        return sum(" ERROR " in line for line in server.log_path.read_text(errors="replace").splitlines())
    except OSError:
        return -1


def first_answer(url: str, started: float, server: Server) -> float:
    """Seconds from ``started`` until the webhook gives a non-empty reply (polled, with a deadline)."""
    body = json.dumps({"sender": f"bench-probe-{secrets.token_hex(4)}", "message": "hi there"}).encode()
    deadline = started + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}")
        request = urllib.request.Request(f"{url}/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                if response.status == 200 and bench_load.reply_problem(json.loads(response.read())) is None:
                    return time.monotonic() - started
        except (urllib.error.URLError, OSError, ValueError):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{server.name} gave no answer within {START_TIMEOUT_S:.0f}s:\n{server.log_tail()}")


def measure_serving(
    name: str, model: Path, credentials: Path, mix: bench_load.Mix, turns: int,
    levels: List[int] = LEVELS, late_turn: int = LATE_TURN,
) -> Dict[str, Any]:
    """Start a fresh action server and Rasa server with ``model``, measure, stop both."""
    token = secrets.token_hex(16)  # hex: a leading "-" would read as a CLI flag
    actions = start_action_server(name=f"bench-{name}-actions", **SERVER_ENV)
    rasa = None
    try:
        actions.wait_ready()
        action_port = actions.port
        started = time.monotonic()
        rasa = start_rasa_server(action_port=action_port, name=f"bench-{name}-rasa", model=model,
                                 credentials=str(credentials), extra_args=["--enable-api", "--auth-token", token],
                                 **SERVER_ENV)
        figures: Dict[str, Any] = {"first_answer_s": first_answer(rasa.url, started, rasa),
                                   "load_average_before": os.getloadavg()[0]}
        figures["rss_rasa_mb"], figures["rss_actions_mb"] = rss_mb(rasa), rss_mb(actions)
        figures["load"] = {}
        probe = CpuProbe(rasa.process.pid)
        for level in levels:
            if level == 1:
                print(f"     1 conversation at a time: {bench_load.late_window(mix.cycle, late_turn)[-1]} turns,"
                      f" then turns 2-{mix.cycle + 1} of a fresh one alternating with its late turns ...", flush=True)
                result = asyncio.run(bench_load.run_long(rasa.url, token, mix, late_turn, cpu_probe=probe))
                figures["growth"] = bench_load.turn_growth(result, mix.cycle, late_turn)
            else:
                print(f"    {level:>2} conversations x {turns} turns at once ...", flush=True)
                result = asyncio.run(bench_load.run_load(rasa.url, token, mix, level, turns, cpu_probe=probe))
            summary = bench_load.summarise(result)
            summary["all_errors"] = summary["errors"] + summary["tracker_error_count"]
            figures["load"][str(level)] = summary
            print(f"       p50 {summary['p50_ms']:.1f} ms  p95 {summary['p95_ms']:.1f} ms  p99 {summary['p99_ms']:.1f}"
                  f" ms  {summary['throughput_rps']:.1f} msg/s  server CPU {summary['cpu_ms_per_turn']:.1f} ms/turn"
                  f"  errors {summary['all_errors']}", flush=True)
            for problem in summary["error_examples"] + summary["tracker_errors"]:
                print(f"       ! {problem}")
            if level == 1:
                growth = figures["growth"]
                print(f"       turns {growth['late_turns'][0]}-{growth['late_turns'][1]}: {growth['late_p50_ms']:.1f}"
                      f" ms vs turns 2-{growth['early_turns'][1]}: {growth['early_p50_ms']:.1f} ms"
                      f" (x{growth['ratio']:.2f})", flush=True)
        figures["rss_rasa_after_mb"] = rss_mb(rasa)
        phases = [figures["load"][str(level)] for level in levels]
        figures["cpu_ms_per_turn"] = (sum((p["cpu_ms_per_turn"] or 0.0) * (p["messages"] - p["errors"]) for p in phases)
                                      / max(1, sum(p["messages"] - p["errors"] for p in phases)))
        print(f"       server CPU over all phases: {figures['cpu_ms_per_turn']:.1f} ms per turn", flush=True)
        print(f"    {PROFILE_CONVERSATIONS} conversations x {PROFILE_TURNS} turns under py-spy (not in the"
              " figures above) ...", flush=True)
        with Profile(rasa.process.pid, OUT / "logs" / f"profile-{name}.txt") as profile:
            asyncio.run(bench_load.run_load(rasa.url, token, mix, PROFILE_CONVERSATIONS, PROFILE_TURNS, offset=3))
        figures["profile"] = profile.top()
        if profile.problem:
            print(f"       ! {profile.problem}", flush=True)
        print("    held-out set through /model/parse (the project's pass marks) ...", flush=True)
        served = bench_train.served_pass_marks(rasa.url, token)
        if served:
            figures["passmarks"] = served
            print(f"       intent accuracy {served['intent_accuracy']:.3f} (nlu_fallback = miss)"
                  f"  entity F1 {served['entity_f1']:.3f}", flush=True)
        figures["log_errors"] = log_errors(rasa) + log_errors(actions)
        return figures
    finally:
        if rasa is not None:
            rasa.stop()
        actions.stop()


def machine() -> Dict[str, Any]:
    cpu = platform.processor() or "unknown CPU"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gb": psutil.virtual_memory().total / 2**30,
            "python": platform.python_version()}


def quick_check(mix: bench_load.Mix, turns: int) -> int:
    """The serving half of the bench on the trained model, small: proves the bench runs.

    Ours only (no training, no peer), 1 and 8 conversations; nothing in README.md changes.
    """
    out = OUT / "quick"
    out.mkdir(parents=True, exist_ok=True)
    levels = [1, 8]
    results: Dict[str, Any] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
        "rasa_version": version("rasa"), "concurrency_levels": levels, "systems": {"ours": {}, "peer": {}},
        "peer_train_note": "; quick check: ours only, trained model, no peer",
        "credentials": {"ours": "credentials.yml", "peer": "-"},
    }
    print(f"==> quick check: {MODEL.relative_to(ROOT)}, 1 and 8 conversations x {turns} turns", flush=True)
    results["systems"]["ours"].update(
        measure_serving("ours", MODEL, ROOT / "credentials.yml", mix, turns, levels=levels, late_turn=mix.cycle + 2)
    )
    bench_report.print_table(results)
    bench_report.write_json(results, out / "results.json")
    (out / "results.md").write_text(bench_report.markdown_table(results) + "\n", encoding="utf-8")
    print(f"\n==> {out / 'results.json'}, {out / 'results.md'} (README.md untouched)")
    return 0


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrain-peer", action="store_true", help="ignore the cached peer model")
    parser.add_argument("--turns", type=int, default=50, help="turns per conversation at 8 and 32 (>= 50)")
    parser.add_argument("--peer-credentials", type=Path, default=PEER_CREDENTIALS,
                        help="the peer's channels (credentials.yml: same channel as ours, config-only comparison)")
    parser.add_argument("--quick", action="store_true",
                        help="check the bench itself in a few minutes: ours only, no training, 1 and 8 conversations"
                             " x --turns (default 6 here), README untouched (reports/bench/quick/)")
    args = parser.parse_args(argv)
    mix = bench_load.load_mix()
    print(f"==> every server runs with {' '.join(f'{k}={v}' for k, v in SERVER_ENV.items())}: the bench"
          " measures Rasa, not the channels' rate limits", flush=True)
    if args.quick:
        return quick_check(mix, args.turns if "--turns" in argv else 6)
    OUT.mkdir(parents=True, exist_ok=True)
    logs = OUT / "logs"
    began = time.monotonic()
    results: Dict[str, Any] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
        "rasa_version": version("rasa"), "concurrency_levels": LEVELS, "systems": {"ours": {}, "peer": {}},
    }
    with tempfile.TemporaryDirectory(prefix="isk-bench-") as tmp:
        work = Path(tmp)
        print("==> training ours from scratch (config.yml, --force, empty cache)", flush=True)
        ours = results["systems"]["ours"]
        ours["train_s"] = bench_train.train(ROOT / "config.yml", work, "ours", logs / "train-ours.log", keep_cache=True)
        print(f"    {ours['train_s']:.1f} s", flush=True)
        print("==> make train twice with unchanged inputs (scripts/train_if_changed.sh)", flush=True)
        results["no_retrain"] = bench_train.no_retrain_check(work, work / ".cache-ours", logs / "train-if-changed.log")
        print(f"    {results['no_retrain']['note']}", flush=True)
        peer = bench_train.peer_model(PEER_CONFIG, OUT / "models", logs / "train-peer.log", args.retrain_peer)
        results["systems"]["peer"]["train_s"] = peer["train_s"]
        results["peer_train_note"] = (f"; peer training time measured {peer['trained_at']}, model cached"
                                      if peer["cached"] else "")
        print(f"==> peer model {peer['model'].name}: trained in {peer['train_s']:.1f} s"
              f"{' (cached, measured ' + peer['trained_at'] + ')' if peer['cached'] else ''}", flush=True)
        models = {"ours": work / "ours.tar.gz", "peer": peer["model"]}
        credentials = {"ours": ROOT / "credentials.yml", "peer": args.peer_credentials.resolve()}
        results["credentials"] = {k: str(v.relative_to(ROOT)) if v.is_relative_to(ROOT) else str(v)
                                  for k, v in credentials.items()}
        for name, model in models.items():
            print(f"==> {name}: held-out NLU evaluation", flush=True)
            nlu = bench_train.evaluate_nlu(model, work / f"nlu-{name}", logs / f"nlu-{name}.log")
            if nlu:
                results["systems"][name]["nlu"] = nlu
                print(f"    accuracy {nlu['accuracy']:.3f}  macro-F1 {nlu['macro_f1']:.3f}", flush=True)
        for name, model in models.items():
            print(f"==> {name}: serving through the REST webhook with the real action server", flush=True)
            results["systems"][name].update(measure_serving(name, model, credentials[name], mix, max(args.turns, 50)))
    results["bench_s"] = time.monotonic() - began
    bench_report.print_table(results)
    bench_report.write_json(results, OUT / "results.json")
    bench_report.plot(results, OUT / "latency.png")
    (OUT / "results.md").write_text(bench_report.markdown_table(results) + "\n", encoding="utf-8")
    updated = ["README.md"] if bench_report.update_doc(results, README) else []
    print(f"\n==> {OUT / 'results.json'}, {OUT / 'latency.png'}, {OUT / 'results.md'}"
          f"{'; table refreshed in ' + ', '.join(updated) if updated else ''} ({results['bench_s']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
