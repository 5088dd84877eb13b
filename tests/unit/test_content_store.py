"""The store loads, validates and answers lookups; broken content fails loudly, naming the file."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from actions import fingerprint
from actions.content_store import ContentError, YamlContentStore, normalise_name
from tests.unit.conftest import ENTITIES, SOURCE, TOPICS, write_store

# Hashes of the explainer's lines and nine-word runs (actions/fingerprint.py): the repository
# holds no copy of the article, so the checks below run the same in any clone.
FINGERPRINT = Path(__file__).resolve().parents[2] / "content" / "explainer_fingerprint.yml"


def test_tiny_store_lookups(tiny_store: YamlContentStore) -> None:
    assert tiny_store.topic_for_intent("ask_location").id == "base"
    assert tiny_store.topic_for_intent("greet") is None
    assert tiny_store.get_topic("who_are").details == ("Detail one.", "Detail two.")
    assert [g.id for g in tiny_store.list_groups()] == ["who", "location"]
    assert tiny_store.label_for_intent("ask_who") == "Who are they?"
    assert tiny_store.label_for_intent("ask_source") == "Where is this from?"
    assert tiny_store.label_for_intent("greet") is None


@pytest.mark.parametrize(
    "name, expected",
    [("Herat", "herat"), ("herat", "herat"), ("HERAT", "herat"), ("the Herat", "herat"),
     ("Kandahar", "kandahar"), ("Mosul", None)],
    ids=["exact", "lower", "upper", "article", "not-covered", "unknown"],
)
def test_find_entity_folds_case_and_articles(tiny_store: YamlContentStore, name: str, expected) -> None:
    found = tiny_store.find_entity(name)
    assert (found.id if found else None) == expected


def test_find_entity_respects_type(tiny_store: YamlContentStore) -> None:
    assert tiny_store.find_entity("Herat", "place").id == "herat"
    assert tiny_store.find_entity("Herat", "person") is None


def test_normalise_name_handles_hyphens_and_quotes() -> None:
    assert normalise_name("Pul-e-Charki") == normalise_name("pul e charki")
    assert normalise_name("girls’ schools") == normalise_name("girls' schools")


def test_attribution_and_messages(tiny_store: YamlContentStore) -> None:
    topic = tiny_store.get_topic("base")
    assert tiny_store.attribution(topic) == "Source: section “Where” (August 2021)."
    assert tiny_store.message("capabilities") == "I cover “Test explainer”:"
    assert tiny_store.message("no_more", question_lower="x") == "That's all on x"


def _broken(key: str, mutate) -> dict:
    data = copy.deepcopy({"source": SOURCE, "topics": TOPICS, "entities": ENTITIES}[key])
    mutate(data)
    return data


@pytest.mark.parametrize(
    "part, mutate, problem",
    [
        ("topics", lambda d: d["topics"][0].pop("section"), r"all\.yml: topic 'who_are': missing or empty 'section'"),
        ("topics", lambda d: d["topics"][1].update(id="who_are"), r"all\.yml: duplicate topic id 'who_are'"),
        ("topics", lambda d: d["topics"][1].update(intent="ask_who"), r"intent 'ask_who' is used by topics"),
        ("topics", lambda d: d["topics"][0].update(date="August"), r"'date' must look like YYYY-MM"),
        ("topics", lambda d: d["topics"][0].update(related=["nowhere"]), r"related topic 'nowhere' is unknown"),
        ("topics", lambda d: d["topics"][0].update(group="nope"), r"unknown group 'nope'"),
        ("topics", lambda d: d["topics"][1].update(entities=["mosul"]), r"unknown entity 'mosul'"),
        ("entities", lambda d: d["entities"][0].pop("answer"), r"entities\.yml: entity 'nangarhar': missing or empty 'answer'"),
        ("entities", lambda d: d["entities"][1].update(id="nangarhar"), r"duplicate entity id 'nangarhar'"),
        ("entities", lambda d: d["entities"][1].update(names=["Nangarhar"]), r"name 'Nangarhar' belongs to both"),
        ("entities", lambda d: d["entities"][0].update(type="planet"), r"type must be one of"),
        ("entities", lambda d: d["scopes"].pop("date"), r"'scopes' lacks date"),
        ("source", lambda d: d["source"].update(attribution="no placeholder"), r"source\.yml: source: 'attribution' must contain \{section\}"),
        ("source", lambda d: d["groups"][0].update(lead_topic="ghost"), r"source\.yml: group 'who' leads with unknown topic"),
        ("source", lambda d: d["source"].update(sections=["Who"]), r"section 'Where' is not one of the explainer's sections"),
        ("source", lambda d: d["source"].pop("sections"), r"source\.yml: source: 'sections' must list"),
    ],
    ids=["no-section", "dup-topic", "dup-intent", "bad-date", "bad-related", "bad-group", "bad-topic-entity",
         "entity-no-answer", "dup-entity", "shared-name", "bad-type", "no-scope", "attribution", "lead-topic",
         "uncited-section", "no-sections"],
)
def test_invalid_content_names_file_and_problem(tmp_path: Path, part: str, mutate, problem: str) -> None:
    kwargs = {part: _broken(part, mutate)}
    with pytest.raises(ContentError, match=problem):
        YamlContentStore.load(write_store(tmp_path, **kwargs))


def test_missing_file_and_invalid_yaml(tmp_path: Path) -> None:
    folder = write_store(tmp_path)
    (folder / "entities.yml").unlink()
    with pytest.raises(ContentError, match=r"entities\.yml: file not found"):
        YamlContentStore.load(folder)
    (folder / "entities.yml").write_text("entities: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"entities\.yml: invalid YAML"):
        YamlContentStore.load(folder)
    (folder / "entities.yml").write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"entities\.yml: expected a mapping"):
        YamlContentStore.load(folder)


def test_no_topic_files(tmp_path: Path) -> None:
    folder = write_store(tmp_path)
    (folder / "topics" / "all.yml").unlink()
    with pytest.raises(ContentError, match="no topic files"):
        YamlContentStore.load(folder)


# --- the real content ---


def test_real_store_covers_every_domain_topic_intent(real_store: YamlContentStore) -> None:
    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
    intents = set(domain["intents"])
    topic_intents = {t.intent for t in real_store.list_topics()}
    assert topic_intents <= intents
    assert {i for i in intents if i.startswith("ask_")} - topic_intents == {
        "ask_entity", "ask_capabilities", "ask_source", "ask_after_date"
    }


def test_every_topic_cites_a_real_section_and_august_2021(real_store: YamlContentStore) -> None:
    explainer = fingerprint.load(FINGERPRINT)
    sections = real_store.source.sections
    assert explainer.has_line(real_store.source.title)
    for heading in sections:
        assert explainer.has_line(heading), f"not a line of the explainer: {heading!r}"
    assert {t.section for t in real_store.list_topics()} == set(sections), "a section no topic cites"
    for topic in real_store.list_topics():
        assert topic.section in sections, topic.id
        assert topic.date == "2021-08", topic.id
        assert 2 <= len(topic.related) <= 3, topic.id


def test_answers_are_in_the_projects_own_words(real_store: YamlContentStore) -> None:
    """Outside attributed quotes, no answer repeats 9+ consecutive words of the explainer."""
    explainer = fingerprint.load(FINGERPRINT)
    texts = [t.answer for t in real_store.list_topics()]
    texts += [d for t in real_store.list_topics() for d in t.details]
    texts += [e.answer for e in real_store.list_entities() if e.answer]
    texts += [v for e in real_store.list_entities() for v in e.by_group.values()]
    assert len(texts) > 80
    for text in texts:
        unquoted = re.sub(r'"[^"]*"|“[^”]*”', " ", text)
        copied = explainer.copied_runs(unquoted)
        assert not copied, f"copied from the explainer: {copied[0]!r} in {text[:60]!r}"


def test_key_facts_are_present(real_store: YamlContentStore) -> None:
    answer = {t.id: t.answer for t in real_store.list_topics()}
    assert "3,000" in answer["size"]
    assert "January 2015" in answer["founding"]
    assert "May 2019" in answer["pakistan_section"]
    assert "Nangarhar" in answer["base"]
    for province in ("Kunar", "Jowzjan", "Paktia", "Kunduz", "Herat"):
        assert province in answer["provinces"]
    assert "26 August" in answer["airport_attack"]
    assert "Pul-e-Charki" in answer["prisoner_release"]
    assert "apostates" in answer["apostates"]
    assert "Doha" in answer["doha_deal"]
