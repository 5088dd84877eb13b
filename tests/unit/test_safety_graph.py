"""What the safety components rely on in Rasa's own code: these fail when Rasa changes under them.

- DefaultV1Recipe runs a MESSAGE_FEATURIZER's ``process_training_data`` in the training chain,
  so SafetyExamples placed first feeds the wrapper stripper, the tokenizer, every featurizer
  and the judge;
- at prediction the judge runs after the intent classifier and before the FallbackClassifier;
- intent classifiers train on ``intent_examples`` only, so the intent-less safety examples
  leave them as they were.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict

import numpy as np
import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix

from components.safety_data import SAFETY_LABEL

ROOT = Path(__file__).resolve().parents[2]


def candidate_config() -> Dict[str, Any]:
    """config.yml, which holds both safety steps where they must go."""
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [step["name"] for step in config["pipeline"]]
    assert names[0] == "components.safety_data.SafetyExamples", names
    assert names.index("components.safety.SafetyJudge") == names.index("FallbackClassifier") - 1, names
    return config


def node_of(schema: Any, prefix: str) -> str:
    names = [name for name in schema.nodes if name.startswith(prefix)]
    assert len(names) == 1, (prefix, sorted(schema.nodes))
    return names[0]


def test_training_chain_starts_with_the_safety_examples() -> None:
    graph = DefaultV1Recipe().graph_config_for_recipe(copy.deepcopy(candidate_config()), {})
    train = graph.train_schema
    examples = node_of(train, "run_components.safety_data.SafetyExamples")
    assert train.nodes[examples].needs == {"training_data": "nlu_training_data_provider"}
    assert train.nodes[examples].fn == "process_training_data"
    # the wrapper stripper comes next, so greetings and thanks are gone before tokens are made
    stripper = node_of(train, "run_components.wrappers.WrapperStripper")
    assert train.nodes[stripper].needs["training_data"] == examples
    tokenizer = node_of(train, "run_WhitespaceTokenizer")
    assert train.nodes[tokenizer].needs["training_data"] == stripper
    judge = node_of(train, "train_components.safety.SafetyJudge")
    # the judge trains on the output of the last featurizer, so it sees every feature block
    assert train.nodes[judge].needs["training_data"].startswith(
        "run_components.sentence_embeddings.SentenceEmbeddingFeaturizer")


def test_judge_runs_after_the_guard_and_before_the_fallback() -> None:
    graph = DefaultV1Recipe().graph_config_for_recipe(copy.deepcopy(candidate_config()), {})
    predict = graph.predict_schema
    judge = node_of(predict, "run_components.safety.SafetyJudge")
    assert predict.nodes[judge].needs["messages"].startswith("run_components.vocabulary_guard.VocabularyGuard")
    fallback = node_of(predict, "run_FallbackClassifier")
    assert predict.nodes[fallback].needs["messages"] == judge


def test_rasa_intent_classifier_ignores_examples_without_intent() -> None:
    messages = [Message(data={TEXT: "hi", INTENT: "greet"}), Message(data={TEXT: "join them", SAFETY_LABEL: "harmful"})]
    for message in messages:
        message.add_features(Features(csr_matrix(np.ones((1, 3))), FEATURE_TYPE_SENTENCE, TEXT, "counts"))
    data = TrainingData(messages)
    classifier = LogisticRegressionClassifier(LogisticRegressionClassifier.get_default_config(), "lr", None, None)
    features, labels = classifier._create_training_matrix(data)
    assert features.shape[0] == 1 and labels == ["greet"]
