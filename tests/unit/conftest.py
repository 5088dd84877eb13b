"""A tiny content store written to a temp folder, so unit tests don't depend on the real copy."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest
import yaml

from actions.content_store import DEFAULT_CONTENT_DIR, YamlContentStore

SOURCE = {
    "source": {
        "title": "Test explainer",
        "published": "late August 2021",
        "as_of": "2021-08",
        "as_of_label": "August 2021",
        "context": "Written after an attack.",
        "attribution": "Source: section “{section}” (August 2021).",
        "sections": ["Who", "Where"],
    },
    "groups": [
        {"id": "who", "title": "Who", "lead_topic": "who_are"},
        {"id": "location", "title": "Where", "lead_topic": "base"},
    ],
    "messages": {
        "capabilities": "I cover “{title}”:",
        "out_of_scope": "Outside my scope:",
        "after_date": "Only up to {as_of_label}.",
        "as_of_answer": "As of {as_of_label}:",
        "fallback": "Please rephrase:",
        "ask_affirmation": "Did you mean one of these?",
        "other_language_menu": "In English, I can answer:",
        "something_else": "Ask in other words:",
        "no_more": "That's all on {question_lower}",
        "more_prefix": "More:",
        "no_topic_yet": "More about what?",
        "entity_not_covered": "No mention of {name}. {scope}",
        "source_answer": "From “{title}”, {published}.",
        "terminal_suggestions": "Ask next:",
        "rating_prompt": "Rate the answer to “{question}”",
        "rating_helpful": "Helpful",
        "rating_not_helpful": "Not helpful",
        "rating_thanks": "Thanks for rating.",
        "rating_how": "Use the buttons under an answer.",
    },
    "intent_labels": {"ask_source": "Where is this from?", "ask_entity": "A name in the explainer"},
}
TOPICS = {
    "topics": [
        {
            "id": "who_are", "group": "who", "intent": "ask_who", "question": "Who are they?",
            "section": "Who", "date": "2021-08", "answer": "A group.",
            "details": ["Detail one.", "Detail two."], "entities": [], "related": ["base"],
        },
        {
            "id": "base", "group": "location", "intent": "ask_location", "question": "Where are they based?",
            "section": "Where", "date": "2021-08", "answer": "In Nangarhar.",
            "details": [], "entities": ["nangarhar"], "related": ["who_are"],
        },
    ]
}
ENTITIES = {
    "scopes": {t: f"Scope for {t}." for t in ("place", "person", "group", "target", "date")},
    "entities": [
        {"id": "nangarhar", "type": "place", "names": ["Nangarhar"], "mentioned": True,
         "topic": "base", "answer": "Base province."},
        {"id": "herat", "type": "place", "names": ["Herat"], "mentioned": True, "topic": "base",
         "answer": "Attacks claimed there.", "by_group": {"who": "Herat, seen from who."}},
        {"id": "kandahar", "type": "place", "names": ["Kandahar"], "mentioned": False},
    ],
}


def write_store(folder: Path, source=SOURCE, topics=TOPICS, entities=ENTITIES) -> Path:
    """Write a three-file store; any part can be replaced to test validation."""
    (folder / "topics").mkdir(parents=True, exist_ok=True)
    (folder / "source.yml").write_text(yaml.safe_dump(source, allow_unicode=True), encoding="utf-8")
    (folder / "topics" / "all.yml").write_text(yaml.safe_dump(topics), encoding="utf-8")
    (folder / "entities.yml").write_text(yaml.safe_dump(entities), encoding="utf-8")
    return folder


@pytest.fixture
def tiny_store(tmp_path: Path) -> YamlContentStore:
    return YamlContentStore.load(write_store(tmp_path))


@pytest.fixture(scope="session")
def real_store() -> YamlContentStore:
    return YamlContentStore.load(DEFAULT_CONTENT_DIR)


@pytest.fixture
def content_copy(tmp_path: Path) -> Callable[[], Path]:
    """A writable copy of the real content folder, for breaking it on purpose."""

    def make() -> Path:
        target = tmp_path / "content"
        shutil.copytree(DEFAULT_CONTENT_DIR, target)
        return target

    return make
