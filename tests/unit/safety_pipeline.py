"""A small real Rasa pipeline around the safety judge, trained in-process for unit tests.

SafetyExamples -> WhitespaceTokenizer -> word and char CountVectorsFeaturizers -> SafetyJudge,
the same component classes and order as config.yml, on the project's data/nlu and
data/safety (or a folder of the test's own), stored in a real LocalModelStorage.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.safety import SafetyJudge
from components.safety_data import SafetyExamples

ROOT = Path(__file__).resolve().parents[2]
NLU_DIR = ROOT / "data" / "nlu"
SAFETY_DIR = ROOT / "data" / "safety"


@dataclass
class Pipeline:
    """The trained featurizers and a judge, to process messages like the served model."""

    tokenizer: WhitespaceTokenizer
    featurizers: List[CountVectorsFeaturizer]
    judge: SafetyJudge
    storage: LocalModelStorage
    context: ExecutionContext
    judge_config: Dict[str, Any]
    judge_resource: Resource
    dense: Optional[Callable[[Message], None]] = None

    def featurize(self, texts: List[str]) -> List[Message]:
        messages = [Message(data={TEXT: text}) for text in texts]
        self.tokenizer.process(messages)
        for featurizer in self.featurizers:
            featurizer.process(messages)
        for message in messages if self.dense else ():
            self.dense(message)
        return messages

    def judge_texts(self, texts: List[str], judge: Optional[SafetyJudge] = None) -> List[Message]:
        return (judge or self.judge).process(self.featurize(texts))

    def reload_judge(self) -> SafetyJudge:
        """The judge as `rasa run` gets it: loaded from the model storage."""
        return SafetyJudge.load(self.judge_config, self.storage, self.judge_resource, self.context)


def train(storage_dir: Path, nlu: Optional[TrainingData] = None, safety_dir: Path = SAFETY_DIR,
          dense: Optional[Callable[[Message], None]] = None, **judge_config: Any) -> Pipeline:
    """Train the pipeline on ``nlu`` (default: data/nlu) plus the safety folder.

    ``dense`` adds dense sentence features to a message, standing in for a dense featurizer.
    """
    storage_dir.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(storage_dir)
    context = ExecutionContext(GraphSchema({}), "safety-unit-test")
    data = nlu if nlu is not None else load_data(str(NLU_DIR))
    data = SafetyExamples({"folder": str(safety_dir)}).process_training_data(data)
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    tokenizer.process_training_data(data)
    featurizers = []
    for name, extra in (("words", {"min_ngram": 1, "max_ngram": 2}),
                        ("chars", {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5})):
        config = {**CountVectorsFeaturizer.get_default_config(), **extra}
        featurizer = CountVectorsFeaturizer.create(config, storage, Resource(f"cvf_{name}"), context)
        featurizer.train(data)
        featurizer.process_training_data(data)
        featurizers.append(featurizer)
    for message in data.training_examples if dense else ():
        dense(message)
    config = {**SafetyJudge.get_default_config(), **judge_config}
    resource = Resource("safety_judge")
    judge = SafetyJudge.create(config, storage, resource, context)
    judge.train(data)
    return Pipeline(tokenizer, featurizers, judge, storage, context, config, resource, dense)
