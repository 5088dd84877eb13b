"""Compare NLU pipelines by k-fold cross-validation on the training data, on the same folds.

Deciding whether a component pays for itself needs every pipeline scored on identical
splits (Rasa's own `--cross-validation` reshuffles on every run). Each config is trained
without its FallbackClassifier, as scripts/fallback_thresholds.py does, so the number is the
classifier's accuracy, not the fallback's. Models go to a temporary folder, never models/.

Usage: .venv/bin/python bench/pipeline_cv.py config.yml other-config.yml [--folds 5] [--seed 42]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent


def without_fallback(config: Path, target: Path) -> Path:
    """The config with its FallbackClassifier removed, written to ``target``."""
    loaded = yaml.safe_load(config.read_text(encoding="utf-8"))
    loaded["pipeline"] = [c for c in loaded["pipeline"] if c.get("name") != "FallbackClassifier"]
    target.write_text(yaml.safe_dump(loaded), encoding="utf-8")
    return target


def folds(data, count: int, seed: int) -> List[Tuple[object, object]]:
    """Stratified folds by intent, seeded, in Rasa's TrainingData form."""
    from rasa.shared.nlu.training_data.training_data import TrainingData
    from sklearn.model_selection import StratifiedKFold

    examples = data.intent_examples
    labels = [e.get_full_intent() for e in examples]
    splits = []
    for train_index, test_index in StratifiedKFold(count, shuffle=True, random_state=seed).split(examples, labels):
        train = TrainingData([examples[i] for i in train_index], entity_synonyms=data.entity_synonyms,
                             regex_features=data.regex_features, lookup_tables=data.lookup_tables)
        splits.append((train, [examples[i] for i in test_index]))
    return splits


def train(data_yaml: str, config: Path, workdir: Path, name: str) -> Path:
    data_path = workdir / f"{name}.yml"
    data_path.write_text(data_yaml, encoding="utf-8")
    subprocess.run([str(ROOT / ".venv" / "bin" / "rasa"), "train", "nlu", "--nlu", str(data_path), "--config",
                    str(config), "--out", str(workdir), "--fixed-model-name", name, "--quiet"],
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    return workdir / f"{name}.tar.gz"


async def accuracy(model: Path, examples: Sequence[Tuple[str, str]]) -> List[bool]:
    import structlog
    from rasa.core.agent import Agent

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    agent = Agent.load(str(model))
    hits = []
    for text, gold in examples:
        hits.append(((await agent.parse_message(text)).get("intent") or {}).get("name") == gold)
    return hits


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="+", type=Path)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, help="write the per-config results as JSON here")
    args = parser.parse_args(list(argv) or None)
    missing = [str(c) for c in args.configs if not c.is_file()]
    if missing:
        parser.error(f"no such config: {', '.join(missing)}")
    sys.path.insert(0, str(ROOT))
    from rasa.shared.nlu.training_data.loading import load_data

    splits = folds(load_data(str(ROOT / "data" / "nlu")), args.folds, args.seed)
    results: Dict[str, Dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        for index, config in enumerate(args.configs):
            stripped = without_fallback(config, workdir / f"config{index}.yml")
            hits: List[bool] = []
            per_fold = []
            started = time.monotonic()
            for fold, (train_data, test) in enumerate(splits):
                model = train(train_data.nlu_as_yaml(), stripped, workdir, f"c{index}f{fold}")
                fold_hits = asyncio.run(accuracy(model, [(m.get("text"), m.get("intent")) for m in test]))
                per_fold.append(sum(fold_hits) / len(fold_hits))
                hits += fold_hits
                model.unlink()
            results[str(config)] = {"accuracy": sum(hits) / len(hits), "examples": len(hits),
                                    "per_fold": per_fold, "seconds": round(time.monotonic() - started)}
            print(f"{config}: {sum(hits) / len(hits):.2%} of {len(hits)} "
                  f"(folds {', '.join(f'{a:.1%}' for a in per_fold)})", flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
