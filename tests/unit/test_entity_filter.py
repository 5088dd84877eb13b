"""The entity clean-up step: IS-K's own names and nested matches are dropped."""

from __future__ import annotations

import re

import pytest

from components.entity_filter import SELF_NAMES, filter_entities

PATTERN = re.compile(SELF_NAMES, re.IGNORECASE)


def ent(text: str, value: str, kind: str = "group", occurrence: int = 0) -> dict:
    start = [m.start() for m in re.finditer(re.escape(value), text)][occurrence]
    return {"entity": kind, "start": start, "end": start + len(value), "value": value}


@pytest.mark.parametrize(
    "text, own",
    [("how big is ISIS-K", "ISIS"), ("is Islamic State Khorasan Province big", "Islamic State"),
     ("daesh khorasan size", "daesh"), ("isis k fighters", "isis")],
)
def test_own_names_are_not_entities(text: str, own: str) -> None:
    assert filter_entities(text, [ent(text, own)], PATTERN) == []


def test_parent_group_alone_is_kept() -> None:
    text = "how is IS-K related to ISIS?"
    assert [e["value"] for e in filter_entities(text, [ent(text, "ISIS")], PATTERN)] == ["ISIS"]


def test_nested_match_of_another_type_is_dropped() -> None:
    text = "who is Khalil Haqqani"
    found = filter_entities(text, [ent(text, "Khalil Haqqani", "person"), ent(text, "Haqqani", "group")], PATTERN)
    assert [(e["entity"], e["value"]) for e in found] == [("person", "Khalil Haqqani")]


def test_separate_entities_are_all_kept_in_order() -> None:
    text = "Herat or Kunduz?"
    found = filter_entities(text, [ent(text, "Kunduz", "place"), ent(text, "Herat", "place")], PATTERN)
    assert [e["value"] for e in found] == ["Herat", "Kunduz"]
