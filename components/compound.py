"""Two or three questions in one message (issue 10.2): split, classify each clause, list them.

Runs after the safety judge and the FallbackClassifier. Only a text with split candidates (a
second '?', ';', or "and"/"also"/"as well as"/"plus" followed by a question word) pays for
clause embeddings. A split is kept only when every clause is confidently a topic question or
names an entity, and the clauses ask different things; an "and" inside a name or a list is
never followed by a question word, so "the Taliban and the Haqqani network" stays whole.
The clause list goes into the parse data under ``compound`` for action_answer; a message
judged harmful is never split, so no part of a refused message is answered.
"""

from __future__ import annotations

import logging
import pickle
import re
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from components.as_of import AS_OF_KEY, bare_now, state_question
from components.e5_encoder import E5_SMALL_Q4_SHA256, Encoder, bundled_model_path
from components.sentence_embeddings import stored_unit_vectors

logger = logging.getLogger(__name__)

COMPOUND_KEY = "compound"
HARMFUL_INTENT = "request_harmful"
_FILE = "clause_classifier.pkl"
_QUESTION_WORDS = ("when|where|who|whom|whose|how|what|why|which|is|are|was|were|does|do|did|"
                   "has|have|can|could|will|would|should|tell")
_JOINER = re.compile(rf"(?:,\s*)?\b(?:and also|and|also|as well as|plus)\s+(?=(?:{_QUESTION_WORDS})\b)",
                     re.IGNORECASE)
_WH = "when|where|who|whom|whose|how|what|why|which"
# "who are they, where are they based and ...": a comma before a wh-word splits only when the
# piece before it is itself a question, so a wrapper ("as someone in Kabul, how ...") stays on.
_COMMA = re.compile(rf",\s*(?=(?:{_WH})\b)", re.IGNORECASE)
# Enumerated questions: "1) ... 2) ...", "a. ... b. ...", "first, ... second, ...".
_ENUMERATOR = re.compile(r"(?:(?<=\s)|^)(?:\d|[a-c])[.)]\s+"
                         r"|\b(?:first(?:ly)?|second(?:ly)?|third(?:ly)?|next|finally|lastly)\b\s*[,:]\s*",
                         re.IGNORECASE)
_LEADING = re.compile(r"^(?:and also|and|also|as well as|plus|but)\b[\s,]*", re.IGNORECASE)
_ASKS = re.compile(rf"^(?:{_QUESTION_WORDS})\b", re.IGNORECASE)
_STOP = re.compile(r"[?;]+")

Span = Tuple[int, int]


def _trimmed(text: str, start: int, end: int) -> Optional[Span]:
    """``text[start:end]`` without spaces, punctuation and a leading joiner; None if too short."""
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip(" ,.!\t\n"))
    start += lead
    for leading in (_LEADING, _ENUMERATOR):
        found = leading.match(text[start:end])
        if found:
            start += found.end()
    piece = text[start:end].rstrip(" ,.!\t\n")
    end = start + len(piece)
    # "Two questions:" before enumerated ones introduces them and asks nothing.
    return (start, end) if len(piece.split()) >= 2 and not piece.endswith(":") else None


def _question_commas(text: str, start: int, end: int) -> List[int]:
    """Commas before a wh-word that end a question: the piece since the last cut asks too."""
    cuts, previous = [], start
    for comma in _COMMA.finditer(text, start, end):
        piece = _trimmed(text, previous, comma.start())
        if piece and _ASKS.match(text[piece[0]:piece[1]]):
            cuts.append(comma.start())
            previous = comma.start()
    return cuts


def clause_spans(text: str) -> List[Span]:
    """Character spans of the questions in ``text``; one span when it holds one question."""
    spans: List[Span] = []
    position = 0
    for stop in list(_STOP.finditer(text)) + [None]:
        end = stop.start() if stop else len(text)
        cuts = sorted({position, end, *(m.start() for m in _JOINER.finditer(text, position, end)),
                       *(m.start() for m in _ENUMERATOR.finditer(text, position, end) if m.start() > position),
                       *_question_commas(text, position, end)})
        for a, b in zip(cuts, cuts[1:]):
            span = _trimmed(text, a, b)
            if span:
                spans.append(span)
        position = stop.end() if stop else len(text)
    return spans or [(0, len(text))]


def is_topic_intent(intent: Optional[str], excluded: Sequence[str]) -> bool:
    return bool(intent) and intent.startswith("ask_") and intent not in excluded


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CompoundQuestions(GraphComponent):
    """Its own clause classifier: logistic regression on e5 vectors and char n-grams."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # tol 0.01: lbfgs stops at 384 iterations instead of 630 (at 1e-4) with the same
        # predictions on a held-back fifth of the training data (probabilities within 0.013).
        return {"min_confidence": 0.5, "max_clauses": 3, "C": 3.0, "scale": 10.0, "tol": 0.01,
                "excluded": ["ask_entity", "ask_capabilities", "ask_source", "ask_after_date"],
                "sha256": E5_SMALL_Q4_SHA256, "threads": 1}

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[Tuple[TfidfVectorizer, LogisticRegression]] = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._model = model
        self._encoder: Optional[Encoder] = None

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CompoundQuestions":
        return cls(config, model_storage, resource)

    @property
    def encoder(self) -> Encoder:
        # Encoder.get shares the featurizer's loaded, hash-checked model (same path and hash).
        if self._encoder is None:
            self._encoder = Encoder.get(bundled_model_path(), str(self._config["sha256"]),
                                        int(self._config["threads"]))
        return self._encoder

    def _features(self, texts: List[str], unit_vectors: Optional[np.ndarray] = None) -> csr_matrix:
        vectorizer, _ = self._model
        if unit_vectors is None:
            unit_vectors = self.encoder.encode(texts)
        dense = csr_matrix(unit_vectors * float(self._config["scale"]))
        return hstack([vectorizer.transform(texts), dense]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        messages = [m for m in training_data.intent_examples if isinstance(m.get(TEXT), str) and m.get(INTENT)]
        texts = [m.get(TEXT) for m in messages]
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True).fit(texts)
        self._model = (vectorizer, LogisticRegression(C=float(self._config["C"]), tol=float(self._config["tol"]),
                                                      max_iter=1000))
        # The featurizer earlier in the pipeline has embedded these very texts: its vectors are
        # read back (a third of training time was a second embedding of the training data).
        stored = stored_unit_vectors(messages)
        features = (self._features(texts, stored) if stored is not None else
                    vstack([self._features(texts[i:i + 64]) for i in range(0, len(texts), 64)]))
        self._model[1].fit(features, [m.get(INTENT) for m in messages])
        with self._storage.write_to(self._resource) as directory:
            (Path(directory) / _FILE).write_bytes(pickle.dumps(self._model))
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "CompoundQuestions":
        with model_storage.read_from(resource) as directory:
            model = pickle.loads((Path(directory) / _FILE).read_bytes())  # our own file, from training
        return cls(config, model_storage, resource, model)

    def classify(self, texts: List[str]) -> List[Tuple[str, float]]:
        """Top intent and its probability for each clause."""
        _, classifier = self._model
        probabilities = classifier.predict_proba(self._features(texts))
        return [(str(classifier.classes_[int(np.argmax(p))]), float(np.max(p))) for p in probabilities]

    def clauses(self, message: Message) -> List[Dict[str, Any]]:
        """The accepted clause list of one message; [] when it is one question."""
        text = message.get(TEXT)
        intent = (message.get(INTENT) or {}).get("name")
        if self._model is None or not isinstance(text, str) or intent == HARMFUL_INTENT:
            return []
        spans = clause_spans(text)[: int(self._config["max_clauses"])]
        if len(spans) < 2:
            return []
        found = []
        for (start, end), (name, confidence) in zip(spans, self.classify([text[a:b] for a, b in spans])):
            entities = [e for e in message.get(ENTITIES) or [] if start <= e.get("start", -1) < end]
            topical = is_topic_intent(name, self._config["excluded"]) and confidence >= float(self._config["min_confidence"])
            if not topical and not entities:
                return []
            found.append({"intent": name if topical else "ask_entity", "confidence": round(confidence, 4),
                          "entities": entities, "text": text[start:end]})
        keys = {(c["intent"], tuple(e.get("value") for e in c["entities"])) for c in found}
        return found if len(keys) == len(found) else []

    def as_of(self, message: Message) -> Optional[Dict[str, Any]]:
        """For an ``ask_after_date`` message about a present state (components/as_of.py): the
        topic the question without its time words asks about, when this classifier is sure."""
        text = message.get(TEXT)
        if self._model is None or (message.get(INTENT) or {}).get("name") != "ask_after_date":
            return None
        if isinstance(text, str) and bare_now(text):
            return {"intent": None, "follow_up": True, "text": text}  # the last topic, as of the explainer
        question = state_question(text) if isinstance(text, str) else None
        if question is None:
            return None
        [(name, confidence)] = self.classify([question])
        if not is_topic_intent(name, self._config["excluded"]) or confidence < float(self._config["min_confidence"]):
            return None
        return {"intent": name, "confidence": round(confidence, 4), "text": question}

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            as_of = self.as_of(message)
            if as_of is not None:
                message.set(AS_OF_KEY, as_of, add_to_output=True)
            began = time.process_time()
            found = self.clauses(message)
            if not found:
                continue
            logger.debug("CompoundQuestions: %d clauses in %.1f ms CPU", len(found),
                         1000 * (time.process_time() - began))
            message.set(COMPOUND_KEY, found, add_to_output=True)
            top = message.get(INTENT) or {}
            if not is_topic_intent(top.get("name"), self._config["excluded"]) and top.get("name") != "ask_entity":
                # The rule routes topic intents to action_answer, which reads the clause list.
                message.set(INTENT, {"name": found[0]["intent"], "confidence": found[0]["confidence"]},
                            add_to_output=True)
        return messages
