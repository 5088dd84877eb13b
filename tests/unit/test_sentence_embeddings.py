"""The sentence-embedding featurizer: the pinned model file only, meaning across languages,
and features that Rasa's logistic regression really reads."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.e5_encoder import (
    E5_SMALL_Q4_SHA256, Encoder, ModelFileMismatch, bundled_model_path, sha256_of, verify_model_file,
)
from components.sentence_embeddings import SentenceEmbeddingFeaturizer, VectorCache, stored_unit_vectors


def featurizer(**overrides) -> SentenceEmbeddingFeaturizer:
    # Named as Rasa names a graph node ("run_<class path><index>").
    return SentenceEmbeddingFeaturizer({**SentenceEmbeddingFeaturizer.get_default_config(), **overrides},
                                       "run_components.sentence_embeddings.SentenceEmbeddingFeaturizer3")


def vector(component: SentenceEmbeddingFeaturizer, text: str) -> np.ndarray:
    message = Message({TEXT: text})
    component.process([message])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None  # one vector per message: no per-token features
    return sentence.features[0]


def test_the_installed_model_is_the_pinned_file() -> None:
    assert sha256_of(bundled_model_path()) == E5_SMALL_Q4_SHA256


def test_a_different_file_is_refused_with_both_hashes(tmp_path: Path) -> None:
    fake = tmp_path / "model.bin"
    fake.write_bytes(b"not the model")
    with pytest.raises(ModelFileMismatch) as error:
        verify_model_file(fake, E5_SMALL_Q4_SHA256)
    assert E5_SMALL_Q4_SHA256 in str(error.value) and sha256_of(fake) in str(error.value)
    verify_model_file(fake, sha256_of(fake))  # the same file with its own hash passes


def test_component_refuses_a_wrong_pin_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFileMismatch, match="expected 0000"):
        featurizer(sha256="0" * 64)
    with pytest.raises(ModelFileMismatch, match="not found"):
        featurizer(model_path=str(tmp_path / "nowhere.bin"))


@pytest.mark.parametrize("bad", [{"scale": 0}, {"threads": 0}, {"batch_size": "8"}, {"sha256": "abc"},
                                 {"cache_size": -1}, {"cache_size": "10"}])
def test_bad_settings_are_refused(bad: Dict[str, object]) -> None:
    with pytest.raises(InvalidConfigException):
        featurizer(**bad)


def test_the_model_is_verified_and_loaded_once_per_process() -> None:
    assert featurizer()._encoder is featurizer(scale=2.0)._encoder
    assert Encoder.get(bundled_model_path(), E5_SMALL_Q4_SHA256, 1) is featurizer()._encoder


def test_one_scaled_unit_vector_per_message_and_zeros_for_blank_text() -> None:
    assert np.linalg.norm(vector(featurizer(), "where are they based?")) == pytest.approx(1.0, abs=1e-3)
    assert np.linalg.norm(vector(featurizer(scale=3.0), "where are they based?")) == pytest.approx(3.0, abs=1e-2)
    assert not vector(featurizer(), "   ").any()
    no_text = Message({INTENT: "greet"})
    featurizer().process([no_text])
    assert no_text.get_dense_features(TEXT) == (None, None)


def test_batches_give_the_same_vectors_as_single_messages() -> None:
    # Bit for bit: what makes a cached vector (from either path) the one a fresh call gives.
    texts = ["how many fighters?", "who leads them?", "where are they based?"]
    messages = [Message({TEXT: t}) for t in texts]
    featurizer(batch_size=2, cache_size=0).process(messages)
    batched = np.stack([m.get_dense_features(TEXT)[1].features[0] for m in messages])
    single = np.stack([vector(featurizer(cache_size=0), t) for t in texts])
    assert np.array_equal(batched, single)


def test_a_repeated_text_comes_from_the_cache_with_the_same_vector(monkeypatch) -> None:
    component = featurizer(scale=10.0)
    encoder, calls = component._encoder, []
    real = encoder.encode

    def counting(texts, *args, **kwargs):
        calls.append(list(texts))
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(encoder, "encode", counting)
    fresh = vector(component, "  who do they recruit? ")
    again = vector(component, "who do they recruit?")
    assert calls == [["who do they recruit?"]]  # stripped text is the key: embedded once
    assert np.array_equal(fresh, again)
    assert np.array_equal(again, vector(featurizer(scale=10.0, cache_size=0), "who do they recruit?"))
    vector(component, "who do they recruit?")[0] += 1.0  # changing one message's features...
    assert np.array_equal(vector(component, "who do they recruit?"), fresh)  # ...leaves the cache as it was


def test_training_data_does_not_fill_the_cache() -> None:
    component = featurizer()
    data = TrainingData([Message({TEXT: t, INTENT: "x"}) for t in ("one text", "another text")])
    component.process_training_data(data)
    assert len(component._cache) == 0
    assert all(m.get_dense_features(TEXT)[1] is not None for m in data.training_examples)


def test_the_cache_drops_the_least_recently_used_text() -> None:
    cache = VectorCache(2)
    cache.put("a", np.zeros(3, dtype=np.float32))
    cache.put("b", np.ones(3, dtype=np.float32))
    assert cache.get("a") is not None  # "a" is now the most recent
    cache.put("c", np.ones(3, dtype=np.float32))
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    assert len(cache) == 2
    off = VectorCache(0)
    off.put("a", np.zeros(3, dtype=np.float32))
    assert off.get("a") is None


def test_an_intent_payload_is_not_embedded(monkeypatch) -> None:
    # A button's /intent is answered by Rasa's RegexMessageHandler whatever the classifier says.
    component = featurizer(cache_size=0)
    monkeypatch.setattr(component._encoder, "encode", lambda *a, **k: pytest.fail("embedded a payload"))
    assert not vector(component, "/ask_base").any()
    assert not vector(component, '/rate_answer{"rating": "helpful", "rated_topic": "base"}').any()


def test_an_intent_payload_gets_its_intent_from_rasa_whatever_the_features() -> None:
    from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
    from rasa.shared.core.domain import Domain

    domain = Domain.from_yaml('version: "3.1"\nintents: [greet, ask_base]')
    message = Message({TEXT: "/ask_base", INTENT: {"name": "greet", "confidence": 0.9}})
    [handled] = RegexMessageHandler().process([message], domain)
    assert handled.get(INTENT)["name"] == "ask_base" and handled.get(INTENT)["confidence"] == 1.0


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


# (where is the group based?, how many fighters does the group have?) in each language.
TRANSLATIONS = {
    "fr": ("où est basé le groupe ?", "combien de combattants le groupe a-t-il ?"),
    "es": ("¿dónde tiene su base el grupo?", "¿cuántos combatientes tiene el grupo?"),
    "de": ("wo hat die Gruppe ihren Stützpunkt?", "wie viele Kämpfer hat die Gruppe?"),
    "fa": ("این گروه کجا مستقر است؟", "این گروه چند جنگجو دارد؟"),
    "ps": ("دا ډله چېرته مېشته ده؟", "دا ډله څومره جنګیالي لري؟"),
    "ur": ("یہ گروہ کہاں مقیم ہے؟", "اس گروہ کے پاس کتنے جنگجو ہیں؟"),
    "ar": ("أين يتمركز هذا التنظيم؟", "كم عدد مقاتلي هذا التنظيم؟"),
}


@pytest.mark.parametrize("language", sorted(TRANSLATIONS))
def test_a_translation_is_nearest_to_its_own_english_question(language: str) -> None:
    component = featurizer()
    where, size = vector(component, "where is the group based?"), vector(component, "how many fighters does the group have?")
    where_t, size_t = (vector(component, t) for t in TRANSLATIONS[language])
    assert cosine(where_t, where) > cosine(where_t, size)
    assert cosine(size_t, size) > cosine(size_t, where)


TRAIN: List[Tuple[str, str]] = [
    ("where are they based?", "ask_location"), ("which province is their base in?", "ask_location"),
    ("where does the group operate from?", "ask_location"), ("what region are they located in?", "ask_location"),
    ("how many fighters do they have?", "ask_size"), ("how big is the group?", "ask_size"),
    ("how large is their membership?", "ask_size"), ("what is the number of members?", "ask_size"),
    ("hello there", "greet"), ("hi, good morning", "greet"), ("hey", "greet"), ("good evening to you", "greet"),
]


def train_classifier(tmp_path: Path, with_embeddings: bool):
    """Rasa's own tokenizer, count vectors and logistic regression, with or without embeddings."""
    folder = tmp_path / ("emb" if with_embeddings else "plain")
    folder.mkdir()
    storage = LocalModelStorage(folder)
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    counts = CountVectorsFeaturizer.create({**CountVectorsFeaturizer.get_default_config()}, storage,
                                           Resource("cvf"), context)
    # At scale 1 a unit vector weighs little against a dozen count features; 5 lets it count.
    embeddings = featurizer(scale=5.0) if with_embeddings else None
    classifier = LogisticRegressionClassifier.create({**LogisticRegressionClassifier.get_default_config()},
                                                     storage, Resource("lr"), context)
    data = TrainingData([Message({TEXT: t, INTENT: i}) for t, i in TRAIN])
    tokenizer.process_training_data(data)
    counts.train(data)
    counts.process_training_data(data)
    if embeddings:
        embeddings.process_training_data(data)
    classifier.train(data)

    def predict(text: str) -> str:
        message = Message({TEXT: text})
        tokenizer.process([message])
        counts.process([message])
        if embeddings:
            embeddings.process([message])
        return classifier.process([message])[0].get(INTENT)["name"]

    return classifier, predict


def test_logistic_regression_reads_the_dense_features_beside_the_sparse_ones(tmp_path: Path) -> None:
    plain, _ = train_classifier(tmp_path, with_embeddings=False)
    dense, _ = train_classifier(tmp_path, with_embeddings=True)
    assert dense.clf.coef_.shape[1] == plain.clf.coef_.shape[1] + 384


OTHER_LANGUAGES = [
    ("où se trouve leur base ?", "ask_location"), ("combien de combattants ont-ils ?", "ask_size"),
    ("این گروه چند جنگجو دارد؟", "ask_size"), ("یہ گروہ کہاں مقیم ہے؟", "ask_location"),
    ("wie groß ist die Gruppe?", "ask_size"), ("bonjour !", "greet"),
]


def test_english_training_data_understands_other_languages_only_with_embeddings(tmp_path: Path) -> None:
    _, with_embeddings = train_classifier(tmp_path, with_embeddings=True)
    _, without = train_classifier(tmp_path, with_embeddings=False)
    assert [with_embeddings(t) for t, _ in OTHER_LANGUAGES] == [i for _, i in OTHER_LANGUAGES]
    assert sum(without(t) == i for t, i in OTHER_LANGUAGES) <= len(OTHER_LANGUAGES) // 2


def test_the_engine_runs_on_its_own_thread_count_and_restores_openmp_settings(monkeypatch) -> None:
    """scikit-learn's libgomp is the engine's too, already sized to every core: without the
    per-call setting the engine spent 7-12x the CPU per message on this 2-core machine."""
    encoder = featurizer()._encoder
    real, seen = encoder._model.encode, []

    def recording(*args, **kwargs):
        seen.append(encoder._omp_get())  # what the engine's parallel regions will use
        return real(*args, **kwargs)

    monkeypatch.setattr(encoder._model, "encode", recording)
    encoder._omp_set(3)
    try:
        encoder.encode(["how many fighters does the group have?"])
        assert seen == [1] and encoder._omp_get() == 3
    finally:
        encoder._omp_set(1)


def test_training_uses_every_core_and_gives_the_serving_vectors(monkeypatch) -> None:
    component = featurizer(cache_size=0)
    encoder, seen = component._encoder, []
    real = encoder.encode

    def recording(texts, *args, threads=None, **kwargs):
        seen.append(threads)
        return real(texts, *args, threads=threads, **kwargs)

    monkeypatch.setattr(encoder, "encode", recording)
    texts = ["how many fighters?", "who leads them?"]
    data = TrainingData([Message({TEXT: t, INTENT: "x"}) for t in texts])
    component.process_training_data(data)
    assert seen == [len(os.sched_getaffinity(0))]
    assert featurizer(train_threads=1)._train_threads() == 1
    trained = [m.get_dense_features(TEXT)[1].features[0] for m in data.training_examples]
    assert all(np.array_equal(v, vector(component, t)) for v, t in zip(trained, texts))


def test_bad_train_threads_are_refused() -> None:
    for bad in (0, "2", 1.5):
        with pytest.raises(InvalidConfigException):
            featurizer(train_threads=bad)


def test_stored_vectors_are_read_back_at_unit_length() -> None:
    texts = ["where are they based?", "who founded the group?"]
    messages = [Message({TEXT: t}) for t in texts]
    featurizer(scale=10.0, cache_size=0).process(messages)
    stored = stored_unit_vectors(messages)
    assert stored is not None and stored.shape == (2, featurizer()._encoder.dim)
    assert np.allclose(stored, featurizer()._encoder.encode(texts), atol=1e-6)
    assert stored_unit_vectors(messages + [Message({TEXT: "not embedded"})]) is None
    aliased = Message({TEXT: texts[0]})
    SentenceEmbeddingFeaturizer({**SentenceEmbeddingFeaturizer.get_default_config()}, "other").process([aliased])
    assert stored_unit_vectors([aliased]) is None  # another featurizer's vectors are not read
