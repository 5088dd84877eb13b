"""A short Markdown summary of `rasa test nlu` and `rasa test core` reports (make evaluate).

Reads the JSON reports Rasa wrote and lists the numbers a reader wants first: intent
accuracy and F1, the most confused intent pairs, entity F1 per type, action and
conversation accuracy, and which PNG plots sit beside the summary.
Usage: python scripts/evaluation_summary.py REPORTS_DIR [--model PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List

AVERAGES = ("accuracy", "macro avg", "weighted avg", "micro avg", "conversation_accuracy")


def read_json(path: Path) -> Any:
    """A report's content; a missing or broken report is a clear error naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SystemExit(f"cannot read Rasa's report {path}: {error}") from error


def pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def table_head(label: str) -> List[str]:
    return [f"| {label} | F1 | precision | recall | support |", "| --- | ---: | ---: | ---: | ---: |"]


def table_row(name: str, scores: Dict[str, Any]) -> str:
    return (f"| {name} | {pct(scores['f1-score'])} | {pct(scores['precision'])} | {pct(scores['recall'])}"
            f" | {scores['support']} |")


def nlu_section(nlu: Path) -> List[str]:
    """Intent figures, worst intents, most confused pairs, then entity F1 per extractor and type."""
    report = read_json(nlu / "intent_report.json")
    macro, weighted = report["macro avg"], report["weighted avg"]
    lines = [
        "## NLU (held-out set, `rasa test nlu`)", "",
        f"- examples: {macro['support']}",
        f"- intent accuracy: **{pct(report['accuracy'])}**",
        f"- intent macro-F1: **{pct(macro['f1-score'])}** (weighted F1 {pct(weighted['f1-score'])})",
        "- as in `rasa test nlu`, an `nlu_fallback` is scored as the intent ranked first behind it",
    ]
    intents = {k: v for k, v in report.items() if k not in AVERAGES}
    worst = sorted(intents.items(), key=lambda kv: kv[1]["f1-score"])[:5]
    lines += ["", "Lowest intent F1:", "", *table_head("intent")]
    lines += [table_row(k, v) for k, v in worst]
    errors_path = nlu / "intent_errors.json"
    if errors_path.exists():
        pairs = Counter((e["intent"], e["intent_prediction"]["name"]) for e in read_json(errors_path))
        if pairs:
            lines += ["", "Most confused (gold -> predicted):", ""]
            lines += [f"- {gold} -> {pred}: {n}" for (gold, pred), n in pairs.most_common(5)]
    for entity_report in sorted(nlu.glob("*Extractor_report.json")) + sorted(nlu.glob("DIETClassifier_report.json")):
        data = read_json(entity_report)
        extractor = entity_report.name.replace("_report.json", "")
        micro = data.get("micro avg", data.get("weighted avg", {}))
        lines += ["", f"Entities ({extractor}): micro-F1 **{pct(micro.get('f1-score', 0.0))}**", "",
                  *table_head("entity")]
        for name, v in sorted((k, v) for k, v in data.items() if k not in AVERAGES and isinstance(v, dict)):
            lines.append(table_row(name, v))
    return lines


def core_section(core: Path) -> List[str]:
    """Action-level and conversation-level figures from the test stories."""
    report = read_json(core / "story_report.json")
    conv = report.get("conversation_accuracy", {})
    lines = [
        "", "## Dialogue (test stories, `rasa test core`)", "",
        f"- conversations fully correct: **{conv.get('correct', '?')} / {conv.get('total', '?')}**"
        f" ({pct(conv.get('accuracy', 0.0))})",
        f"- action accuracy: **{pct(report.get('accuracy', 0.0))}**, "
        f"action macro-F1 {pct(report.get('macro avg', {}).get('f1-score', 0.0))}"
        f" over {report.get('macro avg', {}).get('support', '?')} actions",
    ]
    failed = core / "failed_test_stories.yml"
    if failed.exists() and "None of the test stories failed" not in failed.read_text(encoding="utf-8"):
        lines.append(f"- failed stories: see `{failed.name}`")
    return lines


def plots_section(root: Path) -> List[str]:
    pngs = sorted(p.relative_to(root) for p in root.rglob("*.png"))
    lines = ["", "## Plots", ""] + [f"- `{p}`" for p in pngs]
    if not any("histogram" in p.name and "intent" not in p.name for p in pngs):
        lines.append("- no entity confidence histogram: RegexEntityExtractor matches lookup tables and "
                     "gives no confidence to plot")
    if any(p.name.startswith("TEDPolicy_") for p in pngs):
        lines.append("- `core/TEDPolicy_*`: Rasa's end-to-end entity check, done by TEDPolicy; a config without "
                     "TED scores zero there, and entities are evaluated in `nlu/` instead")
    return lines


def summary(root: Path, model: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines: List[str] = ["# Evaluation summary", "", f"Model `{model}`, {stamp}.", ""]
    lines += nlu_section(root / "nlu") + core_section(root / "core") + plots_section(root)
    return "\n".join(lines) + "\n"


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", type=Path)
    parser.add_argument("--model", default="models/current.tar.gz")
    args = parser.parse_args(argv)
    sys.stdout.write(summary(args.reports, args.model))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
