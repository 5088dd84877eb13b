"""Garbage sent to the REST webhook gets a clear 4xx or a sensible answer, and breaks nothing."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any, Dict, List, Optional, Tuple

import pytest
import requests

from tests.reliability.conftest import Stack
from tests.support.rest import RestChat, texts

SIZE_ANSWER = "3,000"  # what the explainer says about IS-K's size (content/topics/size.yml)


def post_raw(stack: Stack, body: bytes, headers: Optional[Dict[str, str]] = None) -> requests.Response:
    return requests.post(stack.webhook, data=body, headers=headers or {"Content-Type": "application/json"}, timeout=30)


def post_json(stack: Stack, payload: Any) -> requests.Response:
    return post_raw(stack, json.dumps(payload).encode())


@pytest.mark.parametrize(
    "body, error",
    [
        (b"[1, 2, 3]", "not_an_object"),
        (b'"just a string"', "not_an_object"),
        (b"42", "not_an_object"),
        (b"null", "not_an_object"),
        (b"", "empty_body"),
        (b"   ", "empty_body"),
        (b'{"sender": "x", "message": "hel', "invalid_json"),
        (b"{not json}", "invalid_json"),
        (b"[" * 100_00 + b"]" * 100_00, "invalid_json"),  # nesting deep enough to hit recursion
        (b'{"sender": "x", "message": "\xff\xfe caf\xe9"}', "invalid_utf8"),
        (b'{"sender": "x"}', "missing_message"),
        (b'{"sender": "x", "message": 5}', "invalid_message"),
        (b'{"sender": "x", "message": ["a"]}', "invalid_message"),
        (b'{"sender": "x", "message": {"text": "hi"}}', "invalid_message"),
        (b'{"message": "how big is IS-K?"}', "missing_sender"),
        (b'{"sender": 17, "message": "hi"}', "invalid_sender"),
        (b'{"sender": "", "message": "hi"}', "invalid_sender"),
        (b'{"sender": "a\\u0000b", "message": "hi"}', "invalid_sender"),
        (json.dumps({"sender": "s" * 10_000, "message": "hi"}).encode(), "invalid_sender"),
        (b'{"sender": "x", "message": "hi", "n": ' + b"7" * 5000 + b"}", "invalid_json"),  # stock: 500
        (b'{"sender": "x", "message": "hi", "m": ' + b"[" * 50_000, "invalid_json"),
        (b'{"sender": "x", "message": "hi", "n": NaN}', "invalid_json"),
        (b'{"sender": "x", "message": "hi", "n": -Infinity}', "invalid_json"),
        (b'{"sender": "x", "message": "hi", "n": 1e999}', "invalid_json"),
        (b'{"sender": "a\\nturn sender=admin", "message": "hi"}', "invalid_sender"),
        (b'{"sender": "abc\\u202e", "message": "hi"}', "invalid_sender"),
        (b'{"sender": "a\\u200bb", "message": "hi"}', "invalid_sender"),
        (b'{"sender": "a b", "message": "hi"}', "invalid_sender"),
        (b'{"sender": "web:0123abcd", "message": "hi"}', "reserved_sender"),
    ],
    ids=[
        "array", "string", "number", "null", "empty", "blank", "truncated", "malformed", "deep-nesting",
        "invalid-utf8", "no-message", "int-message", "list-message", "object-message", "no-sender",
        "int-sender", "empty-sender", "nul-sender", "10kb-sender", "5000-digit-number", "50000-brackets",
        "nan", "infinity", "overflowing-float", "newline-sender", "bidi-sender", "zero-width-sender",
        "space-sender", "widget-sender",
    ],
)
def test_malformed_requests_get_a_json_400(stack: Stack, body: bytes, error: str) -> None:
    response = post_raw(stack, body)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == error
    assert response.json()["detail"]


def test_body_over_the_cap_gets_413_before_parsing(stack: Stack) -> None:
    response = post_raw(stack, b'{"sender": "big", "message": "' + b"a" * 200_000 + b'"}')
    assert response.status_code == 413
    assert response.json()["error"] == "body_too_large"


def test_chunked_body_over_the_cap_gets_413(stack: Stack) -> None:
    def chunks():
        yield b'{"sender": "big", "message": "'
        for _ in range(100):
            yield b"a" * 10_000
        yield b'"}'

    response = requests.post(stack.webhook, data=chunks(), timeout=30)
    assert response.status_code == 413


@pytest.mark.parametrize("text", ["", " ", "   \t  ", "\n\n", "\u0000\u0001"], ids=["empty", "space", "tabs", "newlines", "controls"])
def test_empty_text_gets_a_friendly_prompt(stack: Stack, text: str) -> None:
    messages = RestChat(stack.url).send(text)
    assert "Please ask a question" in texts(messages)


def test_text_over_the_length_cap_is_answered_politely(stack: Stack) -> None:
    messages = RestChat(stack.url).send("word " * 1000)  # 5,000 characters, a 5 KB body
    assert "too long" in texts(messages)


@pytest.mark.parametrize(
    "text",
    [
        "how big is IS-K?\u0000",
        "how\u0007 big\u001b[31m is IS-K?",
        "how big is IS-K? \ud800",
        "how big is IS-K? 🤔🔥",
        "داعش خراسان څومره لوی دی؟",  # Pashto
        "ما هو حجم داعش خراسان؟",  # Arabic
        "\u202eIS-K\u202c how big is",  # right-to-left override
    ],
    ids=["nul", "controls", "lone-surrogate", "emoji", "pashto", "arabic", "rtl-override"],
)
def test_odd_characters_get_a_real_answer(stack: Stack, text: str) -> None:
    response = post_raw(stack, json.dumps({"sender": f"odd-{uuid.uuid4().hex}", "message": text}).encode())
    assert response.status_code == 200, response.text
    assert texts(response.json()), "the bot must answer, not stay silent"


def stored_events(stack: Stack, sender: str) -> List[Tuple[str, Dict[str, Any]]]:
    """(type_name, data) of every event the stack's SQLite tracker store holds for ``sender``."""
    with sqlite3.connect(stack.tracker_env["TRACKER_DB"]) as connection:
        rows = connection.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,))
        return [(type_name, json.loads(data)) for type_name, data in rows.fetchall()]


def typed_then_followup(stack: Stack, typed: str) -> List[str]:
    chat = RestChat(stack.url)
    first = chat.ask("how big is IS-K?")
    assert SIZE_ANSWER in first
    second = chat.ask(typed)
    third = chat.ask("tell me more")
    kinds = [kind for kind, _ in stored_events(stack, chat.sender)]
    assert "restart" not in kinds, kinds
    return [first, second, third]


@pytest.mark.parametrize(
    "typed",
    ["/restart", "/session_start", "/back", "/nlu_fallback", "/ask_size{\"x\":1}", "//ask_size",
     "/ /restart", "/\u00a0/restart", " / / /restart", "/\u200b/session_start", "\u3000/restart",
     '/ /ask_size{"x":1}', '/\t/session_start{"topic": "who"}'],
)
def test_typed_slash_commands_are_plain_text(stack: Stack, typed: str) -> None:
    """A typed command neither resets the conversation nor sets a slot: "tell me more" still
    continues the size topic afterwards."""
    _, second, third = typed_then_followup(stack, typed)
    assert second, "a typed command still gets an answer"
    assert "How many members does IS-K have?" in third, third  # the size topic's source line


def test_metadata_keeps_only_the_projects_keys(stack: Stack) -> None:
    """Unknown metadata (here 30 KB of it) is not stored with the message nor sent to the action server."""
    sender = f"meta-{uuid.uuid4().hex}"
    response = post_json(stack, {"sender": sender, "message": "how big is IS-K?",
                                 "metadata": {"bench_turn": 7, "tracking": "x" * 30_000, "deep": [[[1]]]}})
    assert response.status_code == 200 and SIZE_ANSWER in texts(response.json())
    users = [data for kind, data in stored_events(stack, sender) if kind == "user"]
    # Rasa adds model_id and assistant_id itself.
    stored = [{k: v for k, v in user["metadata"].items() if k not in {"model_id", "assistant_id"}} for user in users]
    assert stored == [{"bench_turn": 7}]


def test_button_payload_skips_nlu(stack: Stack) -> None:
    assert SIZE_ANSWER in RestChat(stack.url).ask("/ask_size")


def test_input_channel_cannot_be_spoofed(stack: Stack) -> None:
    sender = f"spoof-{uuid.uuid4().hex}"
    response = post_json(stack, {"sender": sender, "message": "how big is IS-K?", "input_channel": "cmdline"})
    assert response.status_code == 200 and SIZE_ANSWER in texts(response.json())


def test_conversation_survives_the_whole_barrage(stack: Stack) -> None:
    sender = f"barrage-{uuid.uuid4().hex}"
    chat = RestChat(stack.url, sender)
    barrage: List[bytes] = [
        b"[1]", b"", b'{"sender": "%s", "message": "hel' % sender.encode(),
        b'{"sender": "%s", "message": "\xff"}' % sender.encode(),
        json.dumps({"sender": sender}).encode(), json.dumps({"sender": sender, "message": 3}).encode(),
        json.dumps({"sender": sender, "message": "a" * 100_000}).encode(),
    ]
    for body in barrage:
        assert 400 <= post_raw(stack, body).status_code < 500
    for text in ["", "   ", "x" * 5000, "\u0000\ud800", "/restart", "/session_start", '/ask_size{"x":1}', "🤔", "داعش"]:
        assert chat.send(text), f"no answer to {text!r}"
    assert SIZE_ANSWER in chat.ask("how big is IS-K?")
