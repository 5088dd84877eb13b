"""The project and the peer side by side on the conversation set: table, JSON and plot.

Pure functions over two scorer summaries (scoring.summarise), so `make evaluate`'s output is
unit tested without a server. The old held-out NLU set's figures sit beside the new set's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence

SYSTEMS = ("ours", "peer")
LABELS = {"ours": "project", "peer": "peer (Rasa default)"}


def pct(value: Optional[float]) -> str:
    """A rate as a percentage with one decimal; n/a when nothing was measured."""
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _category_names(summaries: Mapping[str, Mapping[str, Any]]) -> List[str]:
    names = {name for summary in summaries.values() for name in summary["categories"]}
    return sorted(names)


def _cell(entry: Optional[Mapping[str, Any]]) -> str:
    if not entry:
        return "n/a"
    return f"{entry['passed']}/{entry['cases']} ({pct(entry['score'])})"


def _lead(ours: Optional[Mapping[str, Any]], peer: Optional[Mapping[str, Any]], higher: bool = True) -> str:
    """'yes' when the project is ahead of the peer on this row (strictly), else 'no'."""
    a = None if ours is None else ours.get("score")
    b = None if peer is None else peer.get("score")
    if a is None or b is None:
        return "n/a"
    return "yes" if (a > b if higher else a < b) else "no"


def safety_rows(summary: Mapping[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Harmful recall, over-refusal and non-English handled, as rows shaped like a category's."""
    safety, langs = summary["safety"], summary["languages"]
    handled = langs["handled"] / langs["turns"] if langs["turns"] else None
    return {
        "harmful recall (turns)": {"passed": safety["harmful_refused"], "cases": safety["harmful_turns"],
                                   "score": safety["harmful_recall"]},
        "over-refusal (turns)": {"passed": safety["over_refused"], "cases": safety["factual_turns"],
                                 "score": safety["over_refusal"]},
        "non-English handled (turns)": {"passed": langs["handled"], "cases": langs["turns"],
                                        "score": None if handled is None else round(handled, 4)},
    }


def markdown_table(summaries: Mapping[str, Mapping[str, Any]], nlu: Optional[Mapping[str, Any]] = None) -> str:
    """Per category: cases passed and score for the project and the peer, and who is ahead."""
    ours, peer = summaries.get("ours"), summaries.get("peer")
    head = "| category | " + " | ".join(LABELS[s] for s in SYSTEMS if s in summaries) + " | project ahead |"
    lines = [head, "| --- |" + " ---: |" * sum(s in summaries for s in SYSTEMS) + " :---: |"]

    def row(name: str, entries: Dict[str, Optional[Mapping[str, Any]]], higher: bool = True) -> str:
        cells = " | ".join(_cell(entries.get(s)) for s in SYSTEMS if s in summaries)
        return f"| {name} | {cells} | {_lead(entries.get('ours'), entries.get('peer'), higher)} |"

    for name in _category_names(summaries):
        lines.append(row(name, {s: summaries[s]["categories"].get(name) for s in summaries}))
    lines.append(row("**overall**", {s: summaries[s]["overall"] for s in summaries}))
    safety = {s: safety_rows(summaries[s]) for s in summaries}
    for name in safety_rows(ours or peer):
        lines.append(row(name, {s: safety[s][name] for s in summaries}, higher=not name.startswith("over")))
    if nlu:
        cells = " | ".join(pct((nlu.get(s) or {}).get("accuracy")) for s in SYSTEMS if s in summaries)
        a, b = (nlu.get("ours") or {}).get("accuracy"), (nlu.get("peer") or {}).get("accuracy")
        ahead = "n/a" if a is None or b is None else ("yes" if a > b else "no")
        lines.append(f"| old held-out NLU set, intent accuracy | {cells} | {ahead} |")
    return "\n".join(lines)


def text_table(summaries: Mapping[str, Mapping[str, Any]], nlu: Optional[Mapping[str, Any]] = None) -> str:
    """The same table for the terminal: category, then cases, passed and % per system."""
    present = [s for s in SYSTEMS if s in summaries]
    head = f"{'category':<28}" + "".join(f"{LABELS[s][:18]:>26}" for s in present)
    sub = f"{'':<28}" + "".join(f"{'cases':>8}{'passed':>9}{'%':>9}" for _ in present)
    lines = [head, sub]

    def row(name: str, entries: Dict[str, Optional[Mapping[str, Any]]]) -> str:
        cells = ""
        for s in present:
            e = entries.get(s)
            cells += (f"{e['cases']:>8}{e['passed']:>9}{pct(e['score']):>9}" if e else f"{'n/a':>26}")
        return f"{name:<28}{cells}"

    for name in _category_names(summaries):
        lines.append(row(name, {s: summaries[s]["categories"].get(name) for s in present}))
    lines.append(row("overall", {s: summaries[s]["overall"] for s in present}))
    safety = {s: safety_rows(summaries[s]) for s in present}
    for name in safety[present[0]]:
        lines.append(row(name, {s: safety[s][name] for s in present}))
    if nlu:
        cells = "".join(f"{pct((nlu.get(s) or {}).get('accuracy')):>26}" for s in present)
        lines.append(f"{'old held-out NLU accuracy':<28}{cells}")
    return "\n".join(lines)


def comparison_json(summaries: Mapping[str, Mapping[str, Any]], nlu: Optional[Mapping[str, Any]],
                    meta: Mapping[str, Any]) -> Dict[str, Any]:
    """What the JSON file holds: each system's summary (no per-case detail), NLU figures, run facts."""
    keep = ("categories", "overall", "safety", "languages", "seconds", "label", "measured_at")
    return {**meta, "systems": {s: {k: summaries[s].get(k) for k in keep} for s in summaries},
            "old_heldout_nlu": dict(nlu or {})}


def write_json(data: Mapping[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def plot(summaries: Mapping[str, Mapping[str, Any]], path: Path) -> Path:
    """Grouped bars: each category's score (and overall) for the project and the peer, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names: Sequence[str] = [*_category_names(summaries), "overall"]
    present = [s for s in SYSTEMS if s in summaries]
    width = 0.8 / max(1, len(present))
    fig, ax = plt.subplots(figsize=(11, 4.5))
    for i, system in enumerate(present):
        summary = summaries[system]
        scores = [100 * ((summary["overall"] if n == "overall" else summary["categories"].get(n, {})).get("score")
                         or 0.0) for n in names]
        xs = [x + (i - (len(present) - 1) / 2) * width for x in range(len(names))]
        bars = ax.bar(xs, scores, width, label=LABELS[system])
        ax.bar_label(bars, fmt="%.0f", fontsize=7, padding=1)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.set_ylim(0, 110)
    ax.set_ylabel("cases passed (%)")
    ax.set_title("Held-out conversations over REST: project vs Rasa's default pipeline")
    ax.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
