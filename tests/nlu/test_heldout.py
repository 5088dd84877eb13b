"""NLU generalisation on phrasings the model never saw (tests/nlu_heldout.yml).

Pass marks: 95% intent accuracy (an nlu_fallback counts as a miss, as in `rasa test nlu`)
and 90% entity F1 (exact span and type). The numbers are printed in the test summary.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Dict, List

from tests.nlu.conftest import Prediction
from tests.support.metrics import record

REPORT = Path(__file__).resolve().parents[2] / "reports" / "nlu_heldout.json"


def entity_scores(predictions: List[Prediction]) -> Dict[str, float]:
    true_positive = sum(len(p.entities & p.case.entities) for p in predictions)
    predicted = sum(len(p.entities) for p in predictions)
    gold = sum(len(p.case.entities) for p in predictions)
    precision = true_positive / predicted if predicted else 1.0
    recall = true_positive / gold if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "gold": gold}


def test_heldout_intent_accuracy_and_entity_f1(predictions: List[Prediction]) -> None:
    total = len(predictions)
    assert total >= 200, "the held-out set is too small to mean anything"
    misses = [p for p in predictions if p.intent != p.case.intent]
    accuracy = 1 - len(misses) / total
    fallbacks = sum(p.intent == "nlu_fallback" for p in predictions)
    entities = entity_scores(predictions)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps({
        "examples": total, "intent_accuracy": accuracy, "fallback_rate": fallbacks / total,
        "entity": entities,
        "misses": [{"text": p.case.text, "gold": p.case.intent, "predicted": p.intent} for p in misses],
    }, indent=2))
    record("NLU held-out intent accuracy", f"{accuracy:.1%} of {total} (pass mark 95%)")
    record("NLU held-out nlu_fallback rate", f"{fallbacks / total:.1%}")
    record("NLU held-out entity F1", f"{entities['f1']:.1%} over {entities['gold']} gold entities (pass mark 90%)")
    worst = Counter((p.case.intent, p.intent) for p in misses).most_common(5)
    assert accuracy >= 0.95, f"intent accuracy {accuracy:.1%}; most confused: {worst}; see {REPORT}"
    assert entities["f1"] >= 0.90, f"entity F1 {entities['f1']:.1%}; see {REPORT}"


# Reached by the rating buttons' payloads, which skip NLU (channels/rating_payload.py); its few
# typed examples exist only for `rasa data validate`, and a typed request stores nothing.
BUTTON_ONLY_INTENTS = frozenset({"rate_answer"})


def test_every_intent_is_in_the_heldout_set(predictions: List[Prediction]) -> None:
    import yaml

    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
    covered = Counter(p.case.intent for p in predictions)
    missing = [i for i in domain["intents"] if covered[i] < 5 and i not in BUTTON_ONLY_INTENTS]
    assert not missing, f"intents with fewer than 5 held-out examples: {missing}"


def test_harmful_requests_are_never_read_as_questions(predictions: List[Prediction]) -> None:
    """Safety-critical direction: a harmful request must never be answered as a factual topic."""
    leaked = [p.case.text for p in predictions
              if p.case.intent == "request_harmful" and p.intent.startswith("ask_")]
    assert not leaked, f"harmful requests classified as questions: {leaked}"
