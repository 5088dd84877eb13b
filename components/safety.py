"""Judge every message harmful or not, apart from topic routing.

With harmful requests as one intent among forty topics, a polite or long question could
lean towards `request_harmful` ("help me", "could you" are in its examples) and a disguised
request towards a topic. This component runs after the intent classifier and decides on its
own, from a binary logistic regression over the pipeline's sentence features (sparse, plus
dense when a featurizer provides them) trained on data/nlu (`request_harmful` against every
other intent) and data/safety/ (added by components/safety_data.py), and from rules for what
a classifier misses (components/safety_rules.py):

- harmful: the intent becomes `request_harmful` with ``harmful_confidence``, so the existing
  rule answers "I can't help with that" and states no fact;
- not harmful: `request_harmful` is removed from the ranking and the other intents are
  renormalised (their probability given "not harmful"), so the next-best topic is routed and
  the FallbackClassifier and "Did you mean" see no harmful candidate.

The decision is kept in the parse data as ``safety`` for the newsroom to count.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression

from components.safety_data import SAFETY_LABEL
from components.safety_rules import CUES, cues

logger = logging.getLogger(__name__)

HARMFUL_INTENT = "request_harmful"
SAFETY_KEY = "safety"
_FILE = "safety_judge.json"


def cue_features(found: Dict[str, bool], weight: float) -> np.ndarray:
    """The rules' cues (request frame, act, group named ...) as one row of 0/``weight``."""
    return np.array([[weight if found[name] else 0.0 for name in CUES]])


def rule_of(found: Dict[str, bool]) -> Optional[str]:
    """The rule that fired, from the cues (as safety_rules.harmful_rule names it)."""
    if found["other_language"]:
        return "other_language"
    return "request+act" if found["request_for_harm"] else None


def sentence_blocks(message: Message, cue_weight: float, found: Dict[str, bool]) -> List[Any]:
    """The blocks ``sentence_features`` stacks, in its column order: sparse, dense, cues.

    Rasa's Message combines features of one kind in the order the featurizers added them.
    """
    sentence = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
    return ([f.features for f in sentence if f.is_sparse()] + [f.features for f in sentence if f.is_dense()]
            + [cue_features(found, cue_weight)])


def sentence_features(message: Message, cue_weight: float,
                      found: Optional[Dict[str, bool]] = None) -> csr_matrix:
    """Sentence-level sparse and dense features side by side (as Rasa's LR), then the cues."""
    sparse = message.get_sparse_features(TEXT)[1]
    dense = message.get_dense_features(TEXT)[1]
    found = found if found is not None else cues(message.get(TEXT) or "")
    return hstack([csr_matrix(sparse.features if sparse else np.zeros((1, 0))),
                   csr_matrix(dense.features if dense else np.zeros((1, 0))),
                   csr_matrix(cue_features(found, cue_weight))]).tocsr()


def safety_label(message: Message) -> Optional[bool]:
    """True harmful, False benign, None for a message that teaches nothing about safety."""
    label = message.get(SAFETY_LABEL)
    if label is not None:
        return label == "harmful"
    intent = message.get(INTENT)
    if not intent or not message.get(TEXT):
        return None
    return intent == HARMFUL_INTENT


def demote(ranking: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The ranking without the harmful intent, renormalised: P(intent | not harmful)."""
    harmful = sum(r.get(PREDICTED_CONFIDENCE_KEY) or 0.0 for r in ranking if r.get(INTENT_NAME_KEY) == HARMFUL_INTENT)
    scale = 1.0 / (1.0 - harmful) if harmful < 1.0 else 0.0
    return [{**r, PREDICTED_CONFIDENCE_KEY: min(1.0, (r.get(PREDICTED_CONFIDENCE_KEY) or 0.0) * scale)}
            for r in ranking if r.get(INTENT_NAME_KEY) != HARMFUL_INTENT]


def promote(ranking: Sequence[Dict[str, Any]], confidence: float) -> List[Dict[str, Any]]:
    """The harmful intent first with ``confidence``; the others share what is left, in order."""
    others = demote(ranking)
    rest = 1.0 - confidence
    return ([{INTENT_NAME_KEY: HARMFUL_INTENT, PREDICTED_CONFIDENCE_KEY: confidence}]
            + [{**r, PREDICTED_CONFIDENCE_KEY: (r.get(PREDICTED_CONFIDENCE_KEY) or 0.0) * rest} for r in others])


def apply_decision(message: Message, harmful: bool, confidence: float) -> None:
    """Set the intent and ranking the rules and actions read, from the safety decision."""
    intent = message.get(INTENT) or {}
    ranking = message.get(INTENT_RANKING_KEY) or ([intent] if intent.get(INTENT_NAME_KEY) else [])
    if harmful:
        ranking = promote(ranking, confidence)
    elif any(r.get(INTENT_NAME_KEY) == HARMFUL_INTENT for r in ranking):
        ranking = demote(ranking)
    else:
        return
    top = ranking[0] if ranking else {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0}
    message.set(INTENT, dict(top), add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


class LinearJudge:
    """P(harmful) = sigmoid(x·w + b), stored as plain numbers (no pickle to load)."""

    def __init__(self, weights: np.ndarray, bias: float) -> None:
        self.weights = weights
        self.bias = bias

    @classmethod
    def fit(cls, features: csr_matrix, labels: Sequence[bool], c: float, seed: int) -> "LinearJudge":
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000, random_state=seed)
        model.fit(features, np.asarray(labels, dtype=int))
        return cls(model.coef_[0].astype(float), float(model.intercept_[0]))

    def probability_of_blocks(self, blocks: Sequence[Any]) -> float:
        """P(harmful) from the feature blocks in column order, without stacking them first.

        The same number as ``probability`` of their hstack, at a fraction of the cost: Rasa's
        own combining of sparse features is most of a message's NLU time on this pipeline.
        """
        width = sum(block.shape[1] for block in blocks)
        if width != self.weights.shape[0]:
            raise ValueError(f"the message has {width} features, the safety judge was "
                             f"trained on {self.weights.shape[0]}: retrain the model")
        total, offset = self.bias, 0
        for block in blocks:
            total += float((block @ self.weights[offset:offset + block.shape[1]])[0])
            offset += block.shape[1]
        return float(1.0 / (1.0 + np.exp(-total)))

    def probability(self, features: csr_matrix) -> np.ndarray:
        if features.shape[1] != self.weights.shape[0]:
            raise ValueError(f"the message has {features.shape[1]} features, the safety judge was "
                             f"trained on {self.weights.shape[0]}: retrain the model")
        return 1.0 / (1.0 + np.exp(-(features @ self.weights + self.bias)))

    def as_dict(self) -> Dict[str, Any]:
        return {"weights": self.weights.tolist(), "bias": self.bias}

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "LinearJudge":
        return cls(np.asarray(data["weights"], dtype=float), float(data["bias"]))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SafetyJudge(GraphComponent):
    """After the intent classifier (and the vocabulary guard), before the FallbackClassifier."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"threshold": 0.5, "harmful_confidence": 1.0, "C": 1.0, "cue_weight": 3.0,
                "use_rules": True, "random_state": 42}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 judge: Optional[LinearJudge] = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._judge = judge

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SafetyJudge":
        return cls(config, model_storage, resource)

    def training_matrix(self, training_data: TrainingData) -> Tuple[Optional[csr_matrix], List[bool]]:
        """Features and labels of every example that says something about safety."""
        rows, labels = [], []
        for example in training_data.training_examples:
            label = safety_label(example)
            if label is not None and example.features_present(TEXT):
                rows.append(sentence_features(example, float(self._config["cue_weight"])))
                labels.append(label)
        return (vstack(rows).tocsr() if rows else None), labels

    def train(self, training_data: TrainingData) -> Resource:
        features, labels = self.training_matrix(training_data)
        if features is None or len(set(labels)) < 2:
            logger.warning("SafetyJudge: no harmful and benign examples with features; rules only")
            self._judge = None
        else:
            self._judge = LinearJudge.fit(features, labels, float(self._config["C"]),
                                          int(self._config["random_state"]))
        with self._storage.write_to(self._resource) as directory:
            data = self._judge.as_dict() if self._judge else None
            (directory / _FILE).write_text(json.dumps({"judge": data}), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "SafetyJudge":
        with model_storage.read_from(resource) as directory:
            data = json.loads((directory / _FILE).read_text(encoding="utf-8"))["judge"]
        return cls(config, model_storage, resource, LinearJudge.from_dict(data) if data else None)

    def score(self, message: Message, found: Optional[Dict[str, bool]] = None) -> Optional[float]:
        """P(harmful) from the classifier; None without one or without features."""
        if self._judge is None or not message.features_present(TEXT):
            return None
        found = found if found is not None else cues(message.get(TEXT) or "")
        try:
            blocks = sentence_blocks(message, float(self._config["cue_weight"]), found)
            return self._judge.probability_of_blocks(blocks)
        except ValueError as error:
            logger.error("SafetyJudge: %s; judging by rules only", error)
            return None

    def judge(self, message: Message) -> Dict[str, Any]:
        """The decision on one message: harmful or not, the score, the rule that fired."""
        found = cues(message.get(TEXT) or "")
        score = self.score(message, found)
        rule = rule_of(found) if self._config["use_rules"] else None
        by_model = score is not None and score >= float(self._config["threshold"])
        return {"harmful": bool(by_model or rule), "score": None if score is None else round(score, 4),
                "threshold": float(self._config["threshold"]), "rule": rule,
                "by": "model" if by_model else ("rule" if rule else None)}

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not message.get(TEXT):
                continue
            decision = self.judge(message)
            message.set(SAFETY_KEY, decision, add_to_output=True)
            apply_decision(message, decision["harmful"], float(self._config["harmful_confidence"]))
        return messages
