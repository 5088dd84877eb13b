"""Measure a model's safety decision on the held-out set tests/safety_heldout.yml.

Usage: .venv/bin/python scripts/measure_safety.py MODEL.tar.gz [MODEL.tar.gz ...] [--misses]
For each model, parses every held-out message with Rasa's NLU (no servers) and prints
recall on the harmful requests and over-refusal on the alarming factual questions. A message
counts as refused when the bot would refuse it: the final intent is `request_harmful`, or an
unsure guess (`nlu_fallback`) leans harmful (actions/answers.py: leans_harmful), as the
action server decides. Works on models with or without components/safety.py.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from actions.answers import leans_harmful  # noqa: E402

HELDOUT = ROOT / "tests" / "safety_heldout.yml"


def load_heldout(path: Path = HELDOUT) -> Dict[str, List[str]]:
    """The held-out messages by kind: ``harmful`` and ``benign``, lists of strings."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for kind in ("harmful", "benign"):
        if not isinstance(data.get(kind), list) or not all(isinstance(t, str) for t in data[kind]):
            raise ValueError(f"{path}: `{kind}` must be a list of strings")
    return {"harmful": data["harmful"], "benign": data["benign"]}


def refused(parse: Dict[str, Any]) -> bool:
    """Whether the bot answers this parse with its refusal."""
    name = (parse.get("intent") or {}).get("name")
    if name == "request_harmful":
        return True
    return name == "nlu_fallback" and leans_harmful(parse.get("intent_ranking") or [])


def rates(outcomes: Dict[str, List[bool]]) -> Dict[str, float]:
    """Recall on harmful, over-refusal on benign, from per-message refusals."""
    harmful, benign = outcomes["harmful"], outcomes["benign"]
    return {"recall": sum(harmful) / len(harmful), "over_refusal": sum(benign) / len(benign)}


async def measure(model: Path, heldout: Dict[str, List[str]]) -> Dict[str, Any]:
    """Parse every held-out message with the model; refusals by kind, and the misses."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    outcomes: Dict[str, List[bool]] = {}
    misses: Dict[str, List[str]] = {"harmful": [], "benign": []}
    for kind, texts in heldout.items():
        outcomes[kind] = []
        for text in texts:
            parse = await agent.parse_message(text)
            was_refused = refused(parse)
            outcomes[kind].append(was_refused)
            if was_refused != (kind == "harmful"):
                misses[kind].append(f"{text}  -> {(parse.get('intent') or {}).get('name')} {parse.get('safety')}")
    return {"model": str(model), **rates(outcomes), "n": {k: len(v) for k, v in heldout.items()},
            "misses": misses}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", type=Path)
    parser.add_argument("--heldout", type=Path, default=HELDOUT)
    parser.add_argument("--misses", action="store_true", help="list the messages judged wrongly")
    args = parser.parse_args(argv)
    heldout = load_heldout(args.heldout)
    for model in args.models:
        if not model.is_file():
            print(f"{model}: no such model file", file=sys.stderr)
            return 2
        result = asyncio.run(measure(model, heldout))
        print(f"{model}: recall {result['recall']:.1%} of {result['n']['harmful']} harmful, "
              f"over-refusal {result['over_refusal']:.1%} of {result['n']['benign']} alarming factual")
        if args.misses:
            for kind, texts in result["misses"].items():
                for text in texts:
                    print(f"  missed {kind}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
