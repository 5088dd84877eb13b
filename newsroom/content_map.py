"""reports/content/map.png: the topics (one column per group) and the buttons between them.

Drawn with matplotlib (installed with Rasa; no graphviz). Buttons that work are grey
arrows, buttons that lead nowhere are red and end in a cross, topics no path of buttons
reaches from the menu have a red border.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from newsroom.content_check import MENU, Result  # noqa: E402

GROUP_COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#CC79A7", "#999999"]


def _layout(result: Result) -> Tuple[Dict[str, Tuple[float, float]], List[str]]:
    groups: List[str] = [g for g in result.groups if g in result.topics.values()]
    groups += [g for g in dict.fromkeys(result.topics.values()) if g not in groups]
    positions: Dict[str, Tuple[float, float]] = {MENU: ((len(groups) - 1) / 2, 1.0)}
    for column, group in enumerate(groups):
        members = [t for t, g in result.topics.items() if g == group]
        for row, topic in enumerate(members):
            positions[topic] = (float(column), -row * 1.0)
    return positions, groups


def draw(result: Result, path: Path) -> Path:
    """Write the map to ``path`` (PNG) and return it."""
    positions, groups = _layout(result)
    rows = max([1] + [sum(1 for g in result.topics.values() if g == group) for group in groups])
    fig, ax = plt.subplots(figsize=(max(8, 2.6 * len(groups)), 2 + 1.3 * rows), dpi=110)
    for edge in result.edges:
        start = positions.get(edge.source)
        if start is None:
            continue
        if edge.target is None:
            end = (start[0] + 0.3, start[1] - 0.35)
            ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="-|>", color="#D55E00", lw=1.6))
            ax.plot(*end, marker="x", color="#D55E00", markersize=10, mew=2)
            continue
        end = positions.get(edge.target)
        if end is not None:
            ax.annotate("", xy=end, xytext=start, arrowprops=dict(
                arrowstyle="-|>", color="#888888", lw=0.7, alpha=0.6, shrinkA=14, shrinkB=14,
                connectionstyle="arc3,rad=0.15"))
    colour = {group: GROUP_COLOURS[i % len(GROUP_COLOURS)] for i, group in enumerate(groups)}
    for node, (x, y) in positions.items():
        unreached = node != MENU and node not in result.reached
        face = "#FFFFFF" if node == MENU else colour[result.topics[node]]
        ax.text(x, y, node.replace("_", " "), ha="center", va="center", fontsize=8, zorder=3,
                bbox=dict(boxstyle="round,pad=0.4", fc=face, ec="#D55E00" if unreached else "#333333",
                          lw=2.5 if unreached else 0.8))
    for column, group in enumerate(groups):
        ax.text(column, 0.55, group, ha="center", fontsize=10, fontweight="bold", color="#333333")
    verdict = "all buttons lead somewhere" if result.ok else f"{len(result.problems)} problem(s)"
    ax.set_title(f"Topics and the buttons between them ({len(result.edges)} buttons, {verdict})")
    ax.set_xlim(-0.7, len(groups) - 0.3)
    ax.set_ylim(-rows + 0.3, 1.4)
    ax.axis("off")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)
    return path
