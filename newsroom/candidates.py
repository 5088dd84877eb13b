"""reports/review/candidates.yml: unanswered messages as Rasa NLU data for an editor to check.

Each group's messages are listed under its guessed intent, which is only a guess: it is
written with a comment naming the evidence, and nothing is ever added to data/nlu/ by this
tool. Each group's comment says whether the explainer seems to cover it: a group it does not
cover is a subject to report on, and its examples belong under out_of_scope until it is.
"""

from __future__ import annotations

from typing import Any, Dict, List

HEADER = """\
# Candidate NLU training examples from readers' unanswered messages (make review).
# Every intent below is a GUESS: check each example, fix or delete it, then move what is
# right into data/nlu/<topic>.yml and retrain. Message text has e-mail, phone and URL masked.
"""


def _quote(text: str) -> str:
    """One example line: the text on one line, safe inside a YAML block scalar."""
    return " ".join(text.split())


def render(review: Dict[str, Any]) -> str:
    """The candidates file for ``review`` (review.json's data), valid Rasa 3.x NLU YAML."""
    lines: List[str] = [HEADER.rstrip("\n"), 'version: "3.1"', "nlu:"]
    written = 0
    for group in review.get("unanswered") or []:
        intent = group.get("guessed_intent")
        if not intent or not group.get("messages"):
            continue
        topic = group.get("nearest_topic") or {}
        lines.append(
            f"  # group {group['id']}: {group['count']} message(s); nearest topic "
            f"{topic.get('id', 'none')} (similarity {topic.get('similarity', 0)}); "
            f"{'covered by the explainer' if group.get('covered') else 'maybe not covered'}"
        )
        lines.append(f"  - intent: {intent}  # guessed intent: check before use")
        lines.append("    examples: |")
        lines.extend(f"      - {_quote(text)}" for text in group["messages"])
        written += 1
    if not written:
        return HEADER + "# No unanswered messages in this period.\n" + 'version: "3.1"\nnlu: []\n'
    return "\n".join(lines) + "\n"
