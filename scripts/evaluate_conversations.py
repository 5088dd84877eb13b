"""`make evaluate`'s conversation step: the held-out conversation set on the project and the peer.

Scores tests/conversations/ over the REST webhook on the project's model and on Rasa's default
pipeline (the bench's peer: bench/peer_config.yml, same domain, data and actions, Rasa's stock
REST channel), each served on free ports with ISK_RATE_LIMITS=off and stopped afterwards, also
on error. The peer's model comes from the bench's cache (keyed by a hash of its inputs), so it
trains only when the config, domain, data or Rasa changed. The old held-out NLU set's intent
accuracy is reported beside. Writes conversations.md, conversations.json, conversations.png and
each system's full report (conversations-ours.json, conversations-peer.json) to --out.
Usage: python scripts/evaluate_conversations.py --model MODEL [--out reports/evaluation]
       [--peer-models DIR | --peer-model FILE | --skip-peer] [--concurrency 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import train as bench_train  # noqa: E402
from tests.conversations import comparison  # noqa: E402
from tests.conversations.cases import load_cases  # noqa: E402
from tests.conversations.replies import load_markers  # noqa: E402
from tests.conversations.runner import run, write_report  # noqa: E402
from tests.support.servers import serving, start_action_server, start_rasa_server  # noqa: E402

PEER_CONFIG = ROOT / "bench" / "peer_config.yml"
PEER_CREDENTIALS = ROOT / "bench" / "peer_credentials.yml"
# The bench's own cache (bench/run.py keeps the peer in $ISK_BENCH_OUT/models), so `make bench`
# and `make evaluate` share one trained peer.
PEER_MODELS = Path(os.environ.get("ISK_PEER_MODELS", str(Path(os.environ.get(
    "ISK_BENCH_OUT", str(ROOT / "reports" / "bench"))) / "models")))
START_TIMEOUT_S = 300.0


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="the project's trained model")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "evaluation")
    parser.add_argument("--peer-models", type=Path, default=PEER_MODELS, help="the peer model cache folder")
    parser.add_argument("--concurrency", type=int, default=3, help="cases played at once (default 3)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per turn (default 60)")
    parser.add_argument("--peer-model", type=Path, help="score this peer model instead of the cached one")
    parser.add_argument("--skip-peer", action="store_true", help="score the project alone")
    return parser.parse_args(argv)


def commit() -> str:
    """The checked-out commit, with '+changes' when the tree differs from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def score(name: str, model: Path, credentials: Path, action_port: int, args: argparse.Namespace) -> Dict[str, Any]:
    """One Rasa server for ``model`` on a free port, the whole set played to it, the server stopped."""
    server = start_rasa_server(action_port=action_port, name=f"evaluate-{name}", model=model,
                               credentials=str(credentials))
    with serving(server, START_TIMEOUT_S):
        return run(load_cases(), server.url, load_markers(ROOT), args.concurrency, args.timeout, label=name)


def nlu_accuracy(name: str, model: Path, out: Path) -> Optional[Dict[str, Any]]:
    """The old held-out NLU set on ``model``: evaluate.sh's report for the project when present."""
    report = out / "nlu" / "intent_report.json"
    if name == "ours" and report.exists():
        data = json.loads(report.read_text(encoding="utf-8"))
        return {"accuracy": data["accuracy"], "macro_f1": data["macro avg"]["f1-score"],
                "examples": data["macro avg"]["support"]}
    return bench_train.evaluate_nlu(model, out / f"nlu-{name}", out / "logs" / f"nlu-{name}.log")


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    steps: Dict[str, float] = {}
    began = time.monotonic()
    models: Dict[str, Path] = {"ours": args.model.resolve()}
    credentials = {"ours": ROOT / "credentials.yml", "peer": PEER_CREDENTIALS}
    peer_note = "not scored (--skip-peer)"
    if args.peer_model and not args.skip_peer:
        models["peer"] = args.peer_model.resolve()
        peer_note = f"{args.peer_model.name} (given with --peer-model)"
    elif not args.skip_peer:
        started = time.monotonic()
        peer = bench_train.peer_model(PEER_CONFIG, args.peer_models, out / "logs" / "train-peer.log")
        steps["peer model"] = time.monotonic() - started
        models["peer"] = peer["model"]
        peer_note = (f"{peer['model'].name}, trained in {peer['train_s']:.0f} s "
                     f"({'cached, trained ' + peer['trained_at'] if peer['cached'] else 'trained now'})")
        print(f"==> peer model {peer_note}", flush=True)
    summaries: Dict[str, Dict[str, Any]] = {}
    with serving(start_action_server(name="evaluate-actions"), START_TIMEOUT_S) as actions:
        for name, model in models.items():
            print(f"==> {name}: the conversation set over REST ({model.name})", flush=True)
            started = time.monotonic()
            report = score(name, model, credentials[name], actions.port, args)
            steps[f"{name} conversations"] = time.monotonic() - started
            write_report(report, out / f"conversations-{name}.json")
            summaries[name] = report
    nlu: Dict[str, Any] = {}
    for name, model in models.items():
        started = time.monotonic()
        nlu[name] = nlu_accuracy(name, model, out)
        steps[f"{name} old held-out NLU"] = time.monotonic() - started
    meta = {"measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit(),
            "models": {k: str(v) for k, v in models.items()}, "peer": peer_note,
            "old_heldout_pass_mark": bench_train.PASS_INTENT_ACCURACY, "step_seconds": steps}
    comparison.write_json(comparison.comparison_json(summaries, nlu, meta), out / "conversations.json")
    comparison.plot(summaries, out / "conversations.png")
    table = comparison.markdown_table(summaries, nlu)
    (out / "conversations.md").write_text(
        f"# Held-out conversations: project vs Rasa's default pipeline\n\n"
        f"Measured {meta['measured_at']} at commit {meta['commit']}; peer: {peer_note}.\n"
        f"Cases pass when every turn's reply matches (tests/conversations/README.md); the old held-out\n"
        f"NLU set's pass mark is {100 * bench_train.PASS_INTENT_ACCURACY:.0f}% intent accuracy.\n\n"
        f"{table}\n\n![scores by category](conversations.png)\n", encoding="utf-8")
    print(comparison.text_table(summaries, nlu))
    for step, seconds in steps.items():
        print(f"    {step}: {seconds:.0f} s")
    print(f"==> {out / 'conversations.md'}, conversations.json, conversations.png"
          f" ({time.monotonic() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
