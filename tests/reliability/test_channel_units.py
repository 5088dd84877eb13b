"""The channels' pure parts, without servers: input checks, redaction, session turn count."""

from __future__ import annotations

import logging

import pytest
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels import logfilter
from channels.guard import InputError, button_payloads, check_sender, clean_text, parse_body, plan_turn
from channels.readiness import action_health_url
from channels.session import user_turns_in_session
from channels.settings import load_channel_settings

PAYLOADS = button_payloads(["ask_size", "greet", "restart", "session_start", "nlu_fallback", "back", "out_of_scope"])


def test_button_payloads_exclude_rasa_builtin_intents() -> None:
    assert PAYLOADS == frozenset({"/ask_size", "/greet"})


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("/ask_size", "/ask_size"),
        ("  /ask_size  ", "/ask_size"),
        ("/restart", "restart"),
        ("/session_start", "session_start"),
        ('/ask_size{"x": 1}', 'ask_size{"x": 1}'),
        ("/ask_size@0.1", "ask_size@0.1"),
        ("///greet", "greet"),
        ("how big\u0000is it", "how big is it"),
        ("emoji 🤔 and داعش", "emoji 🤔 and داعش"),
        ("zero\u200cwidth joiner", "zero\u200cwidth joiner"),
        ("lone \ud800 surrogate", "lone surrogate"),
    ],
)
def test_plan_turn_passes_clean_plain_text(raw: str, expected: str) -> None:
    assert plan_turn(raw, PAYLOADS, 2000).text == expected


@pytest.mark.parametrize("raw, reply", [("", "empty"), (" \t\n", "empty"), ("\u0000", "empty"), ("/", "empty"),
                                        ("x" * 2001, "too_long")])
def test_plan_turn_answers_empty_and_long_text_itself(raw: str, reply: str) -> None:
    assert plan_turn(raw, PAYLOADS, 2000).reply == reply


def test_clean_text_keeps_newlines_and_rtl_marks() -> None:
    assert clean_text("a\nb\u200f") == "a\nb\u200f"


@pytest.mark.parametrize("body, code", [(b"", "empty_body"), (b"\xff", "invalid_utf8"), (b"{", "invalid_json"),
                                        (b"[]", "not_an_object")])
def test_parse_body_errors(body: bytes, code: str) -> None:
    with pytest.raises(InputError) as error:
        parse_body(body)
    assert error.value.code == code and error.value.status == 400


@pytest.mark.parametrize("sender", [None, 3, "", " x", "x" * 129, "a\tb"])
def test_bad_senders(sender: object) -> None:
    with pytest.raises(InputError):
        check_sender(sender, 128)


def test_redaction_hides_the_current_text_and_json_text_fields() -> None:
    token = logfilter.set_current_text("what about Herat?")
    try:
        assert "Herat" not in logfilter.redact("user said 'what about Herat?' here")
        assert "this" in logfilter.redact("this"), "short texts are redacted as words only"
    finally:
        logfilter.reset_current_text(token)
    assert logfilter.redact('{"parse_data_text": "secret words", "x": 1}') == '{"parse_data_text": "[text redacted]", "x": 1}'


def test_redaction_applies_to_log_records(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    previous = logging.getLogRecordFactory()
    monkeypatch.setattr(logfilter, "_installed", False)
    logfilter.install(log_message_text=False)
    token = logfilter.set_current_text("tell me about Kunar")
    try:
        with caplog.at_level(logging.INFO):
            logging.getLogger("rasa.test").info("parsed %s", "tell me about Kunar")
    finally:
        logfilter.reset_current_text(token)
        logging.setLogRecordFactory(previous)
    assert "Kunar" not in caplog.text and logfilter.REDACTED in caplog.text


def test_debug_switch_keeps_the_text(monkeypatch: pytest.MonkeyPatch) -> None:
    previous = logging.getLogRecordFactory()
    monkeypatch.setattr(logfilter, "_installed", False)
    logfilter.install(log_message_text=True)
    assert logging.getLogRecordFactory() is previous


def test_turns_are_counted_since_the_latest_session_start() -> None:
    events = [ActionExecuted("action_session_start"), SessionStarted(), UserUttered("a"), UserUttered("b"),
              SessionStarted(), UserUttered("c")]
    assert user_turns_in_session(DialogueStateTracker.from_events("s", events)) == 1


def test_action_health_url() -> None:
    assert action_health_url("http://localhost:5055/webhook") == "http://localhost:5055/health"


def test_action_timeout_must_stay_below_the_lock_lifetime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISK_ACTION_TIMEOUT", "600")
    with pytest.raises(ValueError, match="lock lifetime"):
        load_channel_settings()
