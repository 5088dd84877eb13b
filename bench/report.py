"""Turn the bench's measurements into a table, a JSON file, a plot and the docs' table.

The figures of both systems sit side by side with the ratio ours/peer, and the issue's
targets are checked from the same numbers, so the printout says plainly what passed.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from bench.cost import profile_markdown
from bench.train import PASS_ENTITY_F1, PASS_INTENT_ACCURACY

Results = Dict[str, Any]
MARK_START = "<!-- bench:start -->"
MARK_END = "<!-- bench:end -->"


def _get(system: Results, path: str) -> Optional[float]:
    """A figure by dotted path (``load.8.p50_ms``), or None when it was not measured."""
    node: Any = system
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def rows(results: Results) -> List[Tuple[str, Optional[float], Optional[float], str]]:
    """(label, ours, peer, format) for every figure of the table."""
    table: List[Tuple[str, str, str]] = [
        ("training from scratch (s)", "train_s", "{:.1f}"),
        ("process start to first answer (s)", "first_answer_s", "{:.1f}"),
        ("Rasa server RSS after load (MB)", "rss_rasa_mb", "{:.0f}"),
        ("action server RSS after load (MB)", "rss_actions_mb", "{:.0f}"),
        ("Rasa server RSS after the load test (MB)", "rss_rasa_after_mb", "{:.0f}"),
    ]
    for level in results["concurrency_levels"]:
        for figure, label in (("p50_ms", "p50"), ("p95_ms", "p95"), ("p99_ms", "p99")):
            table.append((f"{label} latency, {level} conv. (ms)", f"load.{level}.{figure}", "{:.1f}"))
        table.append((f"throughput, {level} conv. (msg/s)", f"load.{level}.throughput_rps", "{:.1f}"))
        table.append((f"Rasa server CPU per turn, {level} conv. (ms)", f"load.{level}.cpu_ms_per_turn", "{:.1f}"))
        table.append((f"errors, {level} conv. (replies + trackers)", f"load.{level}.all_errors", "{:.0f}"))
    table += [
        ("Rasa server CPU per turn, all phases (ms)", "cpu_ms_per_turn", "{:.1f}"),
        ("ERROR lines in the servers' logs", "log_errors", "{:.0f}"),
        ("machine's 1-min load average when serving began", "load_average_before", "{:.1f}"),
        ("turn ~200 / turn ~1 latency (p50 ratio)", "growth.ratio", "{:.2f}"),
        ("held-out intent accuracy (rasa test nlu)", "nlu.accuracy", "{:.3f}"),
        ("held-out intent macro-F1 (rasa test nlu)", "nlu.macro_f1", "{:.3f}"),
        ("held-out intent accuracy, nlu_fallback = miss", "passmarks.intent_accuracy", "{:.3f}"),
        ("held-out entity F1, exact spans", "passmarks.entity_f1", "{:.3f}"),
    ]
    ours, peer = results["systems"]["ours"], results["systems"]["peer"]
    return [(label, _get(ours, key), _get(peer, key), fmt) for label, key, fmt in table]


def _cell(value: Optional[float], fmt: str) -> str:
    return "n/a" if value is None or math.isnan(value) else fmt.format(value)


def _ratio(ours: Optional[float], peer: Optional[float]) -> str:
    if ours is None or peer is None or peer == 0 or math.isnan(ours) or math.isnan(peer):
        return "n/a"
    return f"{ours / peer:.2f}"


def markdown_table(results: Results) -> str:
    """The comparison as a Markdown table, with the machine and the date above it."""
    machine = results["machine"]
    lines = [
        f"Measured {results['date']} on {machine['cores']} cores ({machine['cpu']}), "
        f"{machine['memory_gb']:.0f} GB, Rasa {results['rasa_version']}, by `make bench`. "
        f"Peer: `bench/peer_config.yml` (what `rasa init` writes), channels from "
        f"`{results.get('credentials', {}).get('peer', '?')}`; ours: `config.yml`, channels from "
        f"`{results.get('credentials', {}).get('ours', '?')}`; both with `endpoints.yml` and a fresh "
        f"action server{results['peer_train_note']}.",
        "",
        "| figure | ours | peer (rasa init) | ours/peer |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, ours, peer, fmt in rows(results):
        lines.append(f"| {label} | {_cell(ours, fmt)} | {_cell(peer, fmt)} | {_ratio(ours, peer)} |")
    lines += ["", "| target | measured | verdict |", "| --- | --- | --- |"]
    for name, measured, ok in targets(results):
        lines.append(f"| {name} | {measured} | {'PASS' if ok else 'FAIL'} |")
    for name in ("ours", "peer"):
        profile = results["systems"][name].get("profile")
        if profile:
            lines += ["", f"Where the Rasa server's time goes, {name} (py-spy, samples holding the GIL, 8 conversations):", "",
                      profile_markdown(profile)]
    return "\n".join(lines)


def targets(results: Results) -> List[Tuple[str, str, bool]]:
    """The issue's targets checked against this run: (target, what was measured, passed)."""
    ours, peer = results["systems"]["ours"], results["systems"]["peer"]
    checks: List[Tuple[str, Callable[[], Tuple[str, bool]]]] = []

    def nums(key: str) -> Tuple[float, float]:
        a, b = _get(ours, key), _get(peer, key)
        return (float("nan") if a is None else a, float("nan") if b is None else b)

    def p50() -> Tuple[str, bool]:
        a, b = nums("load.1.p50_ms")
        return f"{a:.1f} ms vs {b:.1f} ms", a <= 0.4 * b

    def tput() -> Tuple[str, bool]:
        a, b = nums("load.8.throughput_rps")
        return f"{a:.1f} vs {b:.1f} msg/s", a >= 3 * b

    def p99() -> Tuple[str, bool]:
        a, b = nums("load.32.p99_ms")
        return f"{a:.1f} ms vs {b:.1f} ms", a <= 600 and a <= b / 4

    def cpu() -> Tuple[str, bool]:
        a, b = nums("cpu_ms_per_turn")
        return f"{a:.1f} ms (peer {b:.1f} ms)", a <= 12

    def train() -> Tuple[str, bool]:
        a, _ = nums("train_s")
        return f"{a:.1f} s", a < 60

    def no_retrain() -> Tuple[str, bool]:
        check = results.get("no_retrain") or {}
        return check.get("note", "not measured"), bool(check.get("ok"))

    def growth() -> Tuple[str, bool]:
        g = ours.get("growth") or {}
        text = f"{g.get('late_p50_ms', float('nan')):.1f} ms vs {g.get('early_p50_ms', float('nan')):.1f} ms"
        return text, bool(g) and g["ratio"] <= 1.2

    def load_clean() -> Tuple[str, bool]:
        level = ours.get("load", {}).get("32", {})
        n = level.get("all_errors", -1)
        long_enough = level.get("turns_per_conversation", 0) >= 50
        return f"{level.get('messages', 0)} messages, {n} errors", n == 0 and long_enough

    def accuracy() -> Tuple[str, bool]:
        a, _ = nums("passmarks.intent_accuracy")
        f, _ = nums("passmarks.entity_f1")
        return f"intent accuracy {a:.3f}, entity F1 {f:.3f}", a >= PASS_INTENT_ACCURACY and f >= PASS_ENTITY_F1

    checks = [
        ("p50 at 1 conversation <= 0.4x peer", p50),
        ("throughput at 8 conversations >= 3x peer", tput),
        ("p99 at 32 conversations <= 0.6 s and <= 1/4 peer", p99),
        ("Rasa server CPU per turn <= 12 ms", cpu),
        ("training from scratch < 60 s", train),
        ("unchanged data and config: no retraining", no_retrain),
        ("turn ~200 costs <= 1.2x turn ~1", growth),
        ("32 conversations x 50+ turns: no errors, trackers exact", load_clean),
        (f"held-out pass marks hold (intent accuracy >= {PASS_INTENT_ACCURACY:.2f},"
         f" entity F1 >= {PASS_ENTITY_F1:.2f})", accuracy),
    ]
    return [(name, *check()) for name, check in checks]


def print_table(results: Results) -> None:
    """The comparison and the targets on the terminal."""
    width = max(len(r[0]) for r in rows(results)) + 2
    print(f"\n{'figure':<{width}}{'ours':>12}{'peer':>12}{'ours/peer':>11}")
    for label, ours, peer, fmt in rows(results):
        print(f"{label:<{width}}{_cell(ours, fmt):>12}{_cell(peer, fmt):>12}{_ratio(ours, peer):>11}")
    print()
    for name, measured, ok in targets(results):
        print(f"  [{'PASS' if ok else 'FAIL'}] {name}: {measured}")
    for name in ("ours", "peer"):
        profile = results["systems"][name].get("profile")
        if profile:
            print(f"\nwhere the Rasa server's time goes, {name} (py-spy, own time / with callees):")
            for row in profile:
                print(f"  {row['own_pct']:5.1f}% {row['total_pct']:5.1f}%  {row['function']}")


def write_json(results: Results, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")


def plot(results: Results, path: Path) -> None:
    """Latency percentiles and throughput per concurrency, and latency against turn number."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    levels = results["concurrency_levels"]
    colours = {"ours": "tab:blue", "peer": "tab:orange"}
    fig, (ax_lat, ax_tput, ax_turn) = plt.subplots(1, 3, figsize=(17, 5))
    width = 0.38
    for shift, name in ((-width / 2, "ours"), (width / 2, "peer")):
        load = results["systems"][name].get("load", {})
        for style, figure in ((":", "p50_ms"), ("--", "p95_ms"), ("-", "p99_ms")):
            ax_lat.plot(levels, [load.get(str(c), {}).get(figure, math.nan) for c in levels], style, marker="o",
                        color=colours[name], label=f"{name} {figure[:3]}")
        xs = [i + shift for i in range(len(levels))]
        ax_tput.bar(xs, [load.get(str(c), {}).get("throughput_rps", 0) for c in levels], width,
                    color=colours[name], label=name)
        series = (results["systems"][name].get("growth") or {}).get("series_ms", [])
        ax_turn.plot(range(1, len(series) + 1), series, ".", markersize=3, color=colours[name], label=name)
    ax_lat.set(xscale="log", yscale="log", xticks=levels, xlabel="concurrent conversations",
               ylabel="latency (ms)", title="REST webhook latency percentiles")
    ax_lat.set_xticklabels([str(c) for c in levels])
    ax_lat.legend(fontsize=8, ncol=2)
    ax_tput.set(xticks=range(len(levels)), xticklabels=[str(c) for c in levels], xlabel="concurrent conversations",
                ylabel="messages per second", title="throughput")
    ax_tput.legend()
    ax_turn.set(yscale="log", xlabel="turn in one long conversation", ylabel="latency (ms)",
                title="latency against conversation length")
    ax_turn.legend()
    machine = results["machine"]
    fig.suptitle(f"make bench, {results['date']}, {machine['cores']} cores: ours vs Rasa's default config")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def update_doc(results: Results, doc: Path) -> bool:
    """Replace the table between the bench markers in ``doc``; False when it has none."""
    if not doc.exists():
        return False
    text = doc.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(MARK_START) + ".*?" + re.escape(MARK_END), re.S)
    if not pattern.search(text):
        return False
    block = f"{MARK_START}\n{markdown_table(results)}\n{MARK_END}"
    doc.write_text(pattern.sub(lambda _: block, text, count=1), encoding="utf-8")
    return True
