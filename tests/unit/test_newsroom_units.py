"""The newsroom tools' pure parts: masking, the tracker-store URL and table, the NLU candidates.

``newsroom/tracker_events.py`` reads Rasa's ``events`` table itself (no Rasa import): the
guards here fail when Rasa's table or URL rules change under it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

from newsroom import candidates
from newsroom.masking import mask
from newsroom.tracker_events import EVENT_COLUMNS, EVENTS_TABLE, StoreSettings, read_conversations


@pytest.mark.parametrize(
    "text, expected",
    [
        ("write to jo.smith+isk@example.co.uk now", "write to [email] now"),
        ("see https://example.org/a?b=1 and www.example.com", "see [url] and [url]"),
        ("call +44 20 7946 0958 or 0700 123 456", "call [phone] or [phone]"),
        ("attacks 2019-2021, on 26 August 2021, about 3,000 fighters", "attacks 2019-2021, on 26 August 2021, about 3,000 fighters"),
        ("is example.af/news true?", "is [url] true?"),
    ],
    ids=["email", "url", "phone", "dates-and-numbers-kept", "bare-domain"],
)
def test_mask(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_rasa_events_table_has_the_columns_read() -> None:
    columns = set(SQLTrackerStore.SQLEvent.__table__.columns.keys())
    assert SQLTrackerStore.SQLEvent.__tablename__ == EVENTS_TABLE
    assert set(EVENT_COLUMNS) <= columns


@pytest.mark.parametrize(
    "settings",
    [
        StoreSettings("sqlite", "", "/tmp/x/tracker.db"),
        StoreSettings("postgresql", "db.internal:5433", "rasa", "rasa", "s3cret"),
        StoreSettings("postgresql", "localhost", "rasa", "u", ""),
        StoreSettings("postgresql", "postgresql://u:p@h:5432/d", "ignored"),
    ],
    ids=["sqlite", "host-with-port", "host", "full-url"],
)
def test_url_matches_rasas_rules(settings: StoreSettings) -> None:
    rasa_url = SQLTrackerStore.get_db_url(
        settings.dialect, settings.host or None, None, settings.db, settings.username or None, settings.password or None
    )
    assert str(settings.url()) == str(rasa_url)


def test_password_is_never_shown() -> None:
    assert "s3cret" not in StoreSettings("postgresql", "h:5432", "d", "u", "s3cret").describe()


def test_a_missing_sqlite_file_is_no_conversations(tmp_path: Path) -> None:
    assert read_conversations(StoreSettings("sqlite", "", str(tmp_path / "none.db"))) == []


def test_candidates_are_rasa_nlu_data_with_the_guess_as_a_comment() -> None:
    review = {"unanswered": [
        {"id": 1, "count": 2, "messages": ["how many died at the airport", "death toll [email]"],
         "nearest_topic": {"id": "death_toll", "similarity": 0.7}, "covered": True, "guessed_intent": "ask_death_toll"},
        {"id": 2, "count": 1, "messages": ["asdf"], "nearest_topic": None, "covered": False, "guessed_intent": None},
    ]}
    text = candidates.render(review)
    data = RasaYAMLReader().reads(text)
    assert {m.get("intent") for m in data.intent_examples} == {"ask_death_toll"}
    assert sorted(m.get("text") for m in data.intent_examples) == ["death toll [email]", "how many died at the airport"]
    assert "- intent: ask_death_toll  # guessed intent" in text
    assert RasaYAMLReader().reads(candidates.render({"unanswered": []})).intent_examples == []


def test_every_outcome_has_a_colour_of_its_own() -> None:
    """The per-day chart stacks one colour per outcome: a shared colour would merge two in the legend."""
    from newsroom.charts import PALETTE
    from newsroom.outcomes import OUTCOMES

    assert len(set(PALETTE)) == len(PALETTE) >= len(OUTCOMES)
