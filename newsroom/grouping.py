"""Group unanswered messages by meaning and find each group's nearest topic.

The NLU has no sentence embeddings yet, so meaning is approximated with TF-IDF (scikit-learn,
installed with Rasa): word uni/bigrams without stop words, for what a message is about, plus
character 3-5-grams, for typos and inflections, in equal parts. Messages join the first group
whose centre is similar enough (a greedy, deterministic pass, most frequent message first).
A group's nearest topic compares its messages with each topic's question, answer and the
training examples of its intent (data/nlu/), so "covered" means "phrased like a topic the
explainer answers".
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import yaml
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from actions.content_store import ContentStore

NLU_DIR = Path(__file__).resolve().parent.parent / "data" / "nlu"
GROUP_SIMILARITY = float(os.environ.get("ISK_REVIEW_GROUP_SIMILARITY", "0.35"))
COVERED_SIMILARITY = float(os.environ.get("ISK_REVIEW_COVERED_SIMILARITY", "0.5"))
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass
class Group:
    """Messages that mean roughly the same, with the indexes of the turns they came from."""

    members: List[int] = field(default_factory=list)
    nearest_topic: Optional[str] = None
    similarity: float = 0.0


def normalise(text: str) -> str:
    """Lower case, single spaces: the form two identical questions share."""
    return " ".join(text.lower().split())


def training_examples(nlu_dir: Path = NLU_DIR) -> Dict[str, List[str]]:
    """Examples per intent from Rasa NLU files, entity annotations removed; {} if absent."""
    examples: Dict[str, List[str]] = {}
    for path in sorted(nlu_dir.glob("*.yml")):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        for item in doc.get("nlu") or []:
            if isinstance(item, dict) and item.get("intent") and isinstance(item.get("examples"), str):
                lines = [line.strip()[2:] for line in item["examples"].splitlines() if line.strip().startswith("- ")]
                examples.setdefault(item["intent"], []).extend(_ANNOTATION.sub(r"\1", t) for t in lines)
    return examples


class Vectoriser:
    """Word and character TF-IDF fitted on the messages and the topics together."""

    def __init__(self, corpus: Sequence[str]) -> None:
        self._words = TfidfVectorizer(ngram_range=(1, 2), stop_words="english", sublinear_tf=True)
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
        texts = [normalise(t) for t in corpus]
        try:
            self._words.fit(texts)
        except ValueError:  # only stop words: characters alone carry the meaning
            self._words = None
        self._chars.fit(texts)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        texts = [normalise(t) for t in texts]
        parts = [normalize(self._chars.transform(texts))]
        if self._words is not None:
            parts.append(normalize(self._words.transform(texts)))
        return normalize(hstack(parts).tocsr()).toarray()


def group_messages(
    texts: Sequence[str],
    store: ContentStore,
    examples: Optional[Dict[str, List[str]]] = None,
    threshold: float = GROUP_SIMILARITY,
) -> List[Group]:
    """Groups of ``texts`` (by index), largest first, each with its nearest topic."""
    if not texts:
        return []
    examples = training_examples() if examples is None else examples
    topic_docs: List[Tuple[str, str]] = []
    for topic in store.list_topics():
        for doc in [topic.question, topic.answer, *examples.get(topic.intent, [])]:
            topic_docs.append((topic.id, doc))
    vectorise = Vectoriser([*texts, *(doc for _, doc in topic_docs)])
    unique = Counter(normalise(t) for t in texts)
    order = sorted(unique, key=lambda t: (-unique[t], t))
    vectors = dict(zip(order, vectorise(order)))
    groups: List[Group] = []
    centres: List[np.ndarray] = []
    sums: List[np.ndarray] = []
    assigned: Dict[str, int] = {}
    for text in order:
        vector = vectors[text]
        scores = [float(vector @ centre) for centre in centres]
        best = int(np.argmax(scores)) if scores else -1
        if best >= 0 and scores[best] >= threshold:
            sums[best] = sums[best] + vector * unique[text]
            centres[best] = sums[best] / (np.linalg.norm(sums[best]) or 1.0)
        else:
            best = len(groups)
            groups.append(Group())
            sums.append(vector * unique[text])
            centres.append(vector)
        assigned[text] = best
    for index, text in enumerate(texts):
        groups[assigned[normalise(text)]].members.append(index)
    _nearest_topics(groups, texts, topic_docs, vectorise)
    return sorted(groups, key=lambda g: (-len(g.members), min(g.members)))


def _nearest_topics(
    groups: List[Group], texts: Sequence[str], topic_docs: List[Tuple[str, str]], vectorise: Vectoriser
) -> None:
    """Per group: the topic whose closest document is, on average, closest to its messages."""
    if not topic_docs:
        return
    topic_ids = sorted({topic_id for topic_id, _ in topic_docs})
    doc_vectors = vectorise([doc for _, doc in topic_docs])
    message_vectors = vectorise(list(texts))
    similarity = message_vectors @ doc_vectors.T  # messages x documents
    per_topic = np.stack(
        [similarity[:, [i for i, (t, _) in enumerate(topic_docs) if t == topic_id]].max(axis=1) for topic_id in topic_ids],
        axis=1,
    )  # messages x topics
    for group in groups:
        scores = per_topic[group.members].mean(axis=0)
        best = int(np.argmax(scores))
        group.nearest_topic, group.similarity = topic_ids[best], round(float(scores[best]), 3)
