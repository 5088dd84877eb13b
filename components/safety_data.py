"""Add the safety judge's own labelled examples to the training data, before featurization.

The judge (components/safety.py) decides harmful or not from the pipeline's own features
(sparse n-grams, and dense sentence embeddings when a featurizer provides them). Its extra
examples (data/safety/*.yml: disguised harmful requests, alarming factual questions) must be
tokenized and featurized like every other message, so this component goes first in the
pipeline and appends them to the training data. They carry a ``safety_label`` and **no
intent**, so intent classifiers, which train on intent examples only, never see them.

File format (one label per file)::

    label: harmful        # or benign
    examples:
      - how do i join them
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Dict, List, Text

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

ROOT = Path(__file__).resolve().parents[1]
SAFETY_LABEL = "safety_label"
LABELS = ("harmful", "benign")


class SafetyDataError(ValueError):
    """A safety data file that cannot be used, named with its problem."""


def data_files(directory: Path) -> List[Path]:
    """The *.yml files of the safety data folder, sorted so training is reproducible."""
    if not directory.is_dir():
        raise SafetyDataError(f"{directory}: the safety data folder does not exist")
    files = sorted(directory.glob("*.yml"))
    if not files:
        raise SafetyDataError(f"{directory}: no *.yml safety data files")
    return files


def read_examples(path: Path) -> List[Message]:
    """One file's examples as messages with a text and a safety label."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise SafetyDataError(f"{path}: invalid YAML: {error}") from error
    if not isinstance(data, dict) or data.get("label") not in LABELS:
        raise SafetyDataError(f"{path}: needs `label:` one of {', '.join(LABELS)}")
    examples = data.get("examples")
    if not isinstance(examples, list) or not examples:
        raise SafetyDataError(f"{path}: needs a non-empty `examples:` list")
    bad = [e for e in examples if not isinstance(e, str) or not e.strip()]
    if bad:
        raise SafetyDataError(f"{path}: examples must be non-empty strings (quote a text with ': '): {bad[0]!r}")
    return [Message(data={TEXT: text.strip(), SAFETY_LABEL: data["label"]}) for text in examples]


def fingerprint(directory: Path) -> str:
    """A hash of the files' names and contents: Rasa retrains the judge when they change."""
    digest = hashlib.sha256()
    for path in data_files(directory):
        digest.update(path.name.encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


def resolve(folder: Text) -> Path:
    """A configured folder, relative to the project root unless absolute."""
    path = Path(folder)
    return path if path.is_absolute() else ROOT / path


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SafetyExamples(GraphComponent):
    """First in the pipeline: appends data/safety/ to the training data; a no-op when serving."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"folder": "data/safety"}

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str:
        return fingerprint(resolve(config.get("folder", "data/safety")))

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._folder = resolve(config["folder"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SafetyExamples":
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        examples = [m for path in data_files(self._folder) for m in read_examples(path)]
        return training_data.merge(TrainingData(training_examples=examples))

    def process(self, messages: List[Message]) -> List[Message]:
        return messages
