"""Choose the follow-up rule's settings (actions/context.py) on the development conversations.

The held-out conversation set only measures; the settings are chosen here, on
tests/conversations_dev/ (blind-written multi-turn conversations that are neither trained on
nor held out). One Rasa server plays the set once per setting, each time against a fresh action
server started with that setting, and the table shows the cases and turns passed.

Usage: python scripts/tune_followups.py [--model models/current.tar.gz] [--ratios 1.01 0.7 0.5 0.35]
       [--max-words 8] [--topicless 0 1] [--persons 0 1] [--out DIR]     (~1 min per setting)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conversations.cases import load_cases  # noqa: E402
from tests.conversations.replies import load_markers  # noqa: E402
from tests.conversations.runner import run, write_report  # noqa: E402
from tests.support.servers import free_port, serving, start_action_server, start_rasa_server  # noqa: E402

DEV_CASES = ROOT / "tests" / "conversations_dev"
START_TIMEOUT_S = 240.0


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "current.tar.gz")
    parser.add_argument("--cases", type=Path, default=DEV_CASES)
    parser.add_argument("--ratios", type=float, nargs="+", default=[1.01, 0.7, 0.5, 0.35, 0.2],
                        help="ISK_FOLLOWUP_MIN_RATIO values; above 1 turns the rule off")
    parser.add_argument("--max-words", type=int, nargs="+", default=[8])
    parser.add_argument("--topicless", type=int, nargs="+", default=[0, 1],
                        help="ISK_FOLLOWUP_TOPICLESS values (1: question words and pronouns only)")
    parser.add_argument("--persons", type=int, nargs="+", default=[1],
                        help="ISK_FOLLOWUP_PERSONS values (1: 'he'/'she' on a topic about a person)")
    parser.add_argument("--out", type=Path, help="write each setting's JSON report here")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    cases = load_cases(args.cases, categories=["multi_turn_dev"])
    turns = sum(len(c.turns) for c in cases)
    markers = load_markers(ROOT)
    action_port = free_port()
    rasa = start_rasa_server(action_port=action_port, name="tune-followups", model=args.model.resolve())
    print(f"{len(cases)} conversations, {turns} turns from {args.cases}")
    print(f"{'topicless':>9} {'max words':>9} {'ratio':>6} {'persons':>7} {'cases':>12} {'turns':>12}")
    settings = [(t, w, r, p) for t in args.topicless for w in args.max_words for r in args.ratios
                for p in args.persons]
    with serving(rasa, START_TIMEOUT_S):
        for topicless, max_words, ratio, persons in settings:
            actions = start_action_server(port=action_port, name="tune-actions",
                                          ISK_FOLLOWUP_MIN_RATIO=str(ratio),
                                          ISK_FOLLOWUP_MAX_WORDS=str(max_words),
                                          ISK_FOLLOWUP_TOPICLESS=str(topicless),
                                          ISK_FOLLOWUP_PERSONS=str(persons))
            with serving(actions, START_TIMEOUT_S):
                report = run(cases, rasa.url, markers, 3, 60.0, label=f"{topicless}/{max_words}/{ratio}/{persons}")
            if args.out:
                write_report(report, args.out / f"followups-{topicless}-{max_words}-{ratio}-{persons}.json")
            passed = sum(1 for c in report["cases"] if c["passed"])
            turns_ok = sum(1 for c in report["cases"] for t in c["turns"] if t["passed"])
            print(f"{topicless:>9} {max_words:>9} {ratio:>6} {persons:>7} {passed:>4}/{len(cases)} "
                  f"{100 * passed / len(cases):5.1f}% {turns_ok:>4}/{turns} {100 * turns_ok / turns:5.1f}%",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
