"""What the sentence-embedding and language-identification components cost per message.

Embeds and identifies 200 short questions one at a time, as the server does, and reports
the median and p95 CPU time per message (process time, so other load on the machine inflates
it less than wall time would) and the resident memory the embedding model adds. The
questions are the language-identification samples (eight languages) repeated to 200.

Usage: .venv/bin/python bench/nlu_component_cost.py [--count 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable, List, Sequence

import yaml

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "unit" / "data" / "language_samples.yml"


def rss_mb() -> float:
    """Current resident set size, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def questions(count: int) -> List[str]:
    loaded = yaml.safe_load(SAMPLES.read_text(encoding="utf-8"))
    pool = [str(t) for texts in loaded.values() for t in texts]
    return [pool[i % len(pool)] for i in range(count)]


def cpu_ms(run: Callable[[str], object], texts: Sequence[str]) -> List[float]:
    run(texts[0])  # warm up
    costs = []
    for text in texts:
        start = time.process_time()
        run(text)
        costs.append((time.process_time() - start) * 1000)
    return costs


def report(name: str, costs: List[float]) -> None:
    ordered = sorted(costs)
    print(f"{name}: median {statistics.median(ordered):.2f} ms CPU, p95 {ordered[int(0.95 * len(ordered))]:.2f} ms "
          f"({len(ordered)} messages)")


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args(list(argv) or None)
    sys.path.insert(0, str(ROOT))
    texts = questions(args.count)

    from components.e5_encoder import E5_SMALL_Q4_SHA256, Encoder, bundled_model_path

    before = rss_mb()  # Rasa, TensorFlow and scikit-learn are loaded by now: not the model's
    started = time.monotonic()
    encoder = Encoder.get(bundled_model_path(), E5_SMALL_Q4_SHA256, threads=1)
    print(f"embedding model: verified and loaded in {time.monotonic() - started:.2f} s")
    report("sentence embedding", cpu_ms(lambda t: encoder.encode([t]), texts))
    print(f"embedding model RSS: +{rss_mb() - before:.0f} MB after {args.count} messages")

    from components.language_id import Identifier, LanguageIdentifier

    config = LanguageIdentifier.get_default_config()
    identifier = Identifier(config["languages"], config["default"], config["min_letters"], config["min_confidence"])
    report("language identification", cpu_ms(identifier.identify, texts))
    print(f"process RSS with both: {rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
