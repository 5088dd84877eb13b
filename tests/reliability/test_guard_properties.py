"""Generated inputs (hypothesis) for channels/guard.py: the parser and the turn planner never slip.

- ``parse_body`` only ever returns a dict or raises InputError with a 4xx status, for any bytes,
  any JSON value, and the numbers and nestings Python's own reader chokes on;
- no mix of slashes, spaces, Unicode spaces and invisible characters before a built-in intent
  name (with or without JSON after it) reaches Rasa as a command.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rasa.shared.core.constants import DEFAULT_INTENTS

from channels.guard import (
    InputError, button_payloads, check_rest_sender, check_sender, filter_metadata, parse_body, plan_turn,
    strip_command_prefix,
)

PAYLOADS = button_payloads(["ask_size", "greet", *DEFAULT_INTENTS])
# Every character Python counts as a space or Unicode files as a space/separator or invisible format.
UNICODE_SPACES = [chr(c) for c in range(0x110000) if chr(c).isspace()] + [
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202a", "\u202e", "\u2066",
]
PREFIX = st.lists(st.sampled_from(["/", *UNICODE_SPACES]), min_size=0, max_size=8).map("".join)
JSON_TAIL = st.one_of(st.just(""), st.just('{"x": 1}'), st.just('{"topic": "size"}'), st.just("@0.99"),
                      st.just('@1.0{"entity": "Kabul"}'))

PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_parsed_or_refused(raw: bytes) -> None:
    try:
        body = parse_body(raw)
    except InputError as error:
        assert 400 <= error.status < 500 and error.code and error.detail
    else:
        assert isinstance(body, dict)


@PROPERTY
@given(st.binary(max_size=512))
@example(b"{\"a\": " + b"9" * 5000 + b"}")
@example(b"[" * 50_000 + b"]" * 50_000)
@example(b'{"a": NaN}')
@example(b'{"a": -Infinity}')
@example(b'{"a": 1e999}')
@example(b"\xef\xbb\xbf{}")
def test_parse_body_on_any_bytes(raw: bytes) -> None:
    assert_parsed_or_refused(raw)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@PROPERTY
@given(JSON_VALUES)
def test_parse_body_on_any_json_value(value: Any) -> None:
    # allow_nan: hypothesis' floats include NaN and infinities, written as Python writes them.
    assert_parsed_or_refused(json.dumps(value).encode())


@PROPERTY
@given(st.integers(min_value=1, max_value=60_000), st.sampled_from(["[", "{\"a\":"]))
def test_parse_body_on_any_nesting(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    assert_parsed_or_refused((opener * depth + "1" + closer * depth).encode())


@PROPERTY
@given(st.integers(min_value=4000, max_value=20_000), st.sampled_from(["{\"a\": %s}", "{\"a\": [-%s]}", "{\"a\": %s.5}"]))
def test_huge_numbers_anywhere_are_refused_or_parsed(digits: int, template: str) -> None:
    assert_parsed_or_refused((template % ("7" * digits)).encode())


@pytest.mark.parametrize(
    "raw",
    [b'{"a": ' + b"1" * 5000 + b"}", b'{"a": NaN}', b'{"a": Infinity}', b'{"a": [1e400]}', b"[" * 50_000],
    ids=["5000-digits", "nan", "infinity", "overflowing-float", "50000-brackets"],
)
def test_numbers_python_accepts_but_json_does_not_are_400(raw: bytes) -> None:
    with pytest.raises(InputError) as error:
        parse_body(raw)
    assert error.value.status == 400 and error.value.code == "invalid_json"


@PROPERTY
@given(PREFIX, st.sampled_from(sorted(DEFAULT_INTENTS)), JSON_TAIL)
@example("/ /", "restart", "")
@example("/\u00a0/", "restart", "")
@example("/\u200b/", "session_start", '{"x": 1}')
@example("\u3000/", "restart", "")
def test_no_builtin_intent_can_be_typed(prefix: str, intent: str, tail: str) -> None:
    turn = plan_turn(prefix + "/" + intent + tail, PAYLOADS, 2000)
    assert turn.reply is None
    assert not turn.text.startswith("/"), turn.text
    assert strip_command_prefix(turn.text) == turn.text
    assert intent in turn.text


@PROPERTY
@given(st.text(max_size=60))
def test_only_the_domains_own_payloads_keep_their_slash(text: str) -> None:
    turn = plan_turn(text, PAYLOADS, 2000)
    if turn.reply is None:
        assert turn.text in PAYLOADS or strip_command_prefix(turn.text) == turn.text
        assert turn.text not in {f"/{i}" for i in DEFAULT_INTENTS}


def test_button_payloads_still_pass() -> None:
    assert plan_turn("/ask_size", PAYLOADS, 2000).text == "/ask_size"
    assert plan_turn("/ /ask_size", PAYLOADS, 2000).text == "ask_size"


@PROPERTY
@given(st.text(min_size=1, max_size=40))
def test_sender_ids_are_safe_or_refused(sender: str) -> None:
    try:
        accepted = check_sender(sender, 128)
    except InputError as error:
        assert error.status == 400 and error.code == "invalid_sender"
    else:
        assert accepted == sender and all(c.isascii() and (c.isalnum() or c in "-_.:") for c in sender)


@pytest.mark.parametrize("sender", ["a\nb", "a\rb", "abc\u202e", "a\u200bb", "a b", "ümlaut", "a/b", "a\u0000"])
def test_log_forging_sender_ids_are_refused(sender: str) -> None:
    with pytest.raises(InputError) as error:
        check_sender(sender, 128)
    assert error.value.code == "invalid_sender"


@pytest.mark.parametrize("sender", ["reader-1", "a.b_c:d", "X9", "web-like", "webby:1"])
def test_ordinary_sender_ids_pass(sender: str) -> None:
    assert check_rest_sender(sender, 128) == sender


@pytest.mark.parametrize("sender", ["web:abc", "WEB:abc", "web:"])
def test_widget_ids_are_reserved_over_rest(sender: str) -> None:
    with pytest.raises(InputError) as error:
        check_rest_sender(sender, 128)
    assert error.value.code == "reserved_sender" and error.value.status == 400


@pytest.mark.parametrize(
    "metadata, kept",
    [
        ({"bench_turn": 3}, {"bench_turn": 3}),
        ({"bench_turn": 3, "evil": "x" * 60_000}, {"bench_turn": 3}),
        ({"evil": {"deep": [1, 2, 3]}}, None),
        ({"bench_turn": {"nested": 1}}, None),
        ({"bench_turn": "x" * 1000}, None),
        ({"bench_turn": 10**30}, None),
        ("not a dict", None),
        (None, None),
        ([1, 2], None),
    ],
    ids=["kept", "extra-key-dropped", "unknown-only", "nested-value", "long-string", "huge-int", "string",
         "none", "list"],
)
def test_metadata_keeps_only_known_short_keys(metadata: Any, kept: Any) -> None:
    assert filter_metadata(metadata) == kept


@PROPERTY
@given(JSON_VALUES)
def test_filtered_metadata_is_always_small(value: Any) -> None:
    kept = filter_metadata(value, keys=frozenset({"a", "b", ""}))
    assert kept is None or (isinstance(kept, dict) and len(json.dumps(kept)) <= 256)
