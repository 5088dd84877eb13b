"""Choose the FallbackClassifier thresholds from data, not by feel.

5-fold cross-validation on the training data (the held-out set stays untouched): each fold
trains the project's pipeline without the FallbackClassifier, then parses the fold's unseen
examples plus random gibberish. For every candidate threshold it reports how many correct
answers would be lost to "Did you mean ...?" and how many wrong ones would be caught.

The rule: together the two thresholds may cost at most MAX_LOST of the correct answers (a
reader who asked clearly should rarely have to click). The confidence threshold takes the
highest value within that budget, the ambiguity margin the highest within what is left.

Usage: python scripts/fallback_thresholds.py [--folds 5]   (or `make thresholds`; ~5 min)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import string
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
Scored = Tuple[bool, float, float]  # (prediction correct, top confidence, margin to second)


def gibberish(count: int, seed: int = 7) -> List[str]:
    """Random letter strings: every intent is wrong for them."""
    rng = random.Random(seed)
    words = lambda: " ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 8)))
                             for _ in range(rng.randint(1, 4)))
    return [words() for _ in range(count)]


def config_without_fallback(path: Path) -> None:
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    config["pipeline"] = [c for c in config["pipeline"] if c["name"] != "FallbackClassifier"]
    path.write_text(yaml.safe_dump(config))


def train_fold(train, workdir: Path, config: Path, fold: int) -> Path:
    data_path = workdir / f"fold{fold}.yml"
    data_path.write_text(train.nlu_as_yaml())
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rasa"), "train", "nlu", "--nlu", str(data_path), "--config", str(config),
         "--out", str(workdir), "--fixed-model-name", f"fold{fold}", "--quiet"],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
    )
    return workdir / f"fold{fold}.tar.gz"


async def score(model: Path, examples: Sequence[Tuple[str, str]]) -> List[Scored]:
    import structlog
    from rasa.core.agent import Agent

    # Rasa logs every parse at debug level through structlog; only warnings matter here.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    agent = Agent.load(str(model))
    scored = []
    for text, gold in examples:
        ranking = (await agent.parse_message(text)).get("intent_ranking") or []
        top = ranking[0] if ranking else {"name": None, "confidence": 0.0}
        second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
        scored.append((top["name"] == gold, top["confidence"], top["confidence"] - second))
    return scored


MAX_LOST = 0.01


def best_threshold(scored: List[Scored], index: int, grid: Sequence[float],
                   max_lost: float = MAX_LOST) -> Tuple[float, Dict[str, float]]:
    """The highest grid value losing at most ``max_lost`` of the correct predictions."""
    correct = [s[index] for s in scored if s[0]]
    wrong = [s[index] for s in scored if not s[0]]
    table = {}
    for t in grid:
        lost = sum(c < t for c in correct) / max(len(correct), 1)
        caught = sum(w < t for w in wrong) / max(len(wrong), 1)
        table[t] = lost
        print(f"  {t:.2f}: correct lost {lost:6.1%}  wrong caught {caught:6.1%}")
    best = max((t for t in grid if table[t] <= max_lost), default=grid[0])
    return best, table


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from rasa.shared.nlu.training_data.loading import load_data

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    data = load_data(str(ROOT / "data" / "nlu"))
    scored: List[Scored] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        config = workdir / "config.yml"
        config_without_fallback(config)
        for fold, (train, test) in enumerate(_folds(data, args.folds)):
            model = train_fold(train, workdir, config, fold)
            examples = [(m.get("text"), m.get("intent")) for m in test.intent_examples]
            examples += [(g, "(none)") for g in gibberish(20, seed=fold)]
            scored += asyncio.run(score(model, examples))
            print(f"fold {fold + 1}/{args.folds}: {len(examples)} examples scored")
    accuracy = sum(s[0] for s in scored) / len(scored)
    print(f"\ncross-validated accuracy (incl. gibberish as errors): {accuracy:.1%} of {len(scored)}")
    print("threshold on top confidence:")
    threshold, _ = best_threshold(scored, 1, [x / 100 for x in range(5, 61, 5)])
    print("ambiguity threshold on the margin to the second intent (above the threshold):")
    above = [s for s in scored if s[1] >= threshold]
    correct_total = sum(s[0] for s in scored)
    correct_above = sum(s[0] for s in above)
    left = MAX_LOST - (correct_total - correct_above) / max(correct_total, 1)
    # the margin's losses are counted against all correct answers, within the budget left
    ambiguity, _ = best_threshold(above, 2, [x / 100 for x in range(0, 21, 1)],
                                  max_lost=max(left, 0.0) * correct_total / max(correct_above, 1))
    print(f"\nsuggested: threshold {threshold:.2f}, ambiguity_threshold {ambiguity:.2f}")
    return 0


def _folds(data, folds: int):
    from rasa.nlu.test import generate_folds

    return [(train, test) for train, test in generate_folds(folds, data)]


if __name__ == "__main__":
    sys.exit(main())
