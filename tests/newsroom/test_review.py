"""`make review` against the real tracker store, SQLite and PostgreSQL (fixture ``reviewed``)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

from newsroom.report import write_review
from newsroom.review import NO_CONVERSATIONS, Period
from tests.newsroom.conftest import EMAIL, Reviewed
from tests.support.servers import ROOT


def _group_with(review: dict, text: str) -> dict:
    found = [g for g in review["unanswered"] if any(text in m for m in g["messages"])]
    assert len(found) == 1, (text, review["unanswered"])
    return found[0]


def test_totals_and_outcomes_match_the_conversations(reviewed: Reviewed) -> None:
    review, transcript = reviewed.review, reviewed.transcript
    assert not review["empty"]
    assert review["totals"]["conversations"] == len(transcript.senders) == 6
    assert review["totals"]["messages"] == transcript.messages == 13  # three of them ratings
    outcomes = review["totals"]["outcomes"]
    assert outcomes["answered"] == 3  # base, the clicked button, the "Did you mean" pick
    assert outcomes["follow_up"] == 1
    assert outcomes["refused"] == 1
    assert outcomes["did_you_mean"] == 1
    assert outcomes["not_mentioned"] == 1
    assert outcomes["out_of_scope"] == 3
    assert outcomes["fault"] == 0
    assert sum(outcomes.values()) == transcript.messages
    [today] = review["days"]
    assert today["date"] == dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert today["outcomes"] == outcomes


def test_unanswered_messages_are_grouped_by_meaning(reviewed: Reviewed) -> None:
    review = reviewed.review
    weather = _group_with(review, "weather in Paris")
    assert weather["count"] >= 2 and "what's the weather in London" in weather["messages"]
    assert weather["covered"] is False and weather["outcomes"].get("out_of_scope", 0) >= 2
    assert len(weather["examples"]) <= 3 and weather["first_seen"] <= weather["last_seen"]
    kandahar = _group_with(review, "Kandahar")
    assert kandahar["outcomes"] == {"not_mentioned": 1} and kandahar["covered"] is False
    unsure = _group_with(review, reviewed.transcript.unsure)
    assert unsure["guessed_intent"] == reviewed.transcript.chosen["payload"][1:]  # the reader's pick
    assert unsure["covered"] is True  # the reader found the topic among the suggestions
    assert not any("join" in m for g in review["unanswered"] for m in g["messages"])  # refusals are no gap
    counts = [g["count"] for g in review["unanswered"]]
    assert counts == sorted(counts, reverse=True)


def test_did_you_mean_choice_and_demand(reviewed: Reviewed) -> None:
    review, transcript = reviewed.review, reviewed.transcript
    assert review["did_you_mean"] == {"offered": 1, "choices": {transcript.chosen["title"]: 1}}
    topics = {t["id"]: t for t in review["demand"]["topics"]}
    assert topics["base"]["asked"] == 1 and topics["base"]["tell_more"] == 1
    clicks = {b["title"]: b["clicks"] for b in review["demand"]["buttons"]}
    assert all(clicks.get(b["title"], 0) >= 1 for b in transcript.clicked)
    assert review["demand"]["unknown_names"] == [{"name": "Kandahar", "asked": 1}]


def test_personal_data_is_masked_everywhere(reviewed: Reviewed) -> None:
    written = {name: (reviewed.out / name).read_text(encoding="utf-8")
               for name in ("review.json", "index.html", "candidates.yml")}
    for name, text in written.items():
        assert EMAIL not in text, name
    assert any("[email]" in m for g in reviewed.review["unanswered"] for m in g["messages"])
    assert "[email]" in written["candidates.yml"]


def test_date_range(reviewed: Reviewed, tmp_path) -> None:
    today = dt.datetime.now(dt.timezone.utc).date()
    before = write_review(reviewed.settings, Period(until=today - dt.timedelta(days=1)), tmp_path / "before")
    assert before["empty"] and before["message"] == NO_CONVERSATIONS
    assert NO_CONVERSATIONS in (tmp_path / "before" / "index.html").read_text(encoding="utf-8")
    same = write_review(reviewed.settings, Period(since=today, until=today), tmp_path / "today")
    assert same["totals"] == reviewed.review["totals"]


def test_make_review_script_reads_the_store_from_the_environment(reviewed: Reviewed, tmp_path) -> None:
    settings = reviewed.settings
    env = dict(TRACKER_DIALECT=settings.dialect, TRACKER_HOST=settings.host, TRACKER_DB=settings.db,
               TRACKER_USER=settings.username, TRACKER_PASSWORD=settings.password, PATH="/usr/bin:/bin")
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "review.py"), "--out", str(tmp_path)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{len(reviewed.transcript.senders)} conversations" in done.stdout
    assert json.loads((tmp_path / "review.json").read_text())["totals"] == reviewed.review["totals"]
    bad = subprocess.run([sys.executable, str(ROOT / "scripts" / "review.py"), "--since", "2021-09-31"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "not a date" in bad.stderr


def test_no_conversations_yet(tmp_path) -> None:
    from newsroom.tracker_events import StoreSettings

    review = write_review(StoreSettings("sqlite", "", str(tmp_path / "never-ran.db")), out_dir=tmp_path / "out")
    assert review["empty"] and review["totals"]["messages"] == 0
    assert NO_CONVERSATIONS in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_ratings_by_topic_lowest_rated_first(reviewed: Reviewed) -> None:
    review, transcript = reviewed.review, reviewed.transcript
    assert review["totals"]["outcomes"]["rated"] == transcript.rating_turns == 3
    ratings = review["ratings"]
    kept = {topic: counts for topic, counts in transcript.rated.items()}
    assert ratings["rated"] == 2  # the rating of a topic the store lacks was not kept
    assert (ratings["helpful"], ratings["not_helpful"]) == (1, 1)
    assert {t["id"]: {"helpful": t["helpful"], "not_helpful": t["not_helpful"]} for t in ratings["topics"]} == kept
    assert ratings["topics"][0]["not_helpful"] == 1 and ratings["topics"][-1]["id"] == "base"
    page = (reviewed.out / "index.html").read_text(encoding="utf-8")
    assert 'id="ratings"' in page and "2 answers rated, 1 helpful, 1 not helpful" in page
