"""Signed widget session tokens: issued ones verify, anything else does not; the secret is shared."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path
from typing import Any, Dict

import pytest

from channels.widget_session import (
    MIN_SECRET_CHARS,
    SECRET_ENV,
    SECRET_FILE_ENV,
    SENDER_PREFIX,
    SecretError,
    SessionSigner,
    load_secret,
    short_hash,
)
from channels.guard import check_sender

SECRET = b"s" * MIN_SECRET_CHARS
OTHER = b"o" * MIN_SECRET_CHARS


@pytest.fixture
def signer() -> SessionSigner:
    return SessionSigner(SECRET)


def test_an_issued_token_verifies_to_its_sender_id(signer: SessionSigner) -> None:
    session = signer.issue()
    random_part, _, signature = session.token.partition(".")
    assert session.sender_id == SENDER_PREFIX + random_part
    assert signature and signature not in session.sender_id, "the sender id must not carry the signature"
    assert signer.verify(session.token) == session


def test_tokens_and_sender_ids_pass_the_channels_id_check(signer: SessionSigner) -> None:
    session = signer.issue()
    assert check_sender(session.token, 128) == session.token
    assert check_sender(session.sender_id, 128) == session.sender_id


def test_every_issued_session_is_new(signer: SessionSigner) -> None:
    assert len({signer.issue().sender_id for _ in range(1000)}) == 1000


def _flip(text: str, index: int) -> str:
    char = text[index]
    return text[:index] + ("b" if char != "b" else "c") + text[index + 1:]


def test_another_secret_rejects_the_token(signer: SessionSigner) -> None:
    assert SessionSigner(OTHER).verify(signer.issue().token) is None


def test_any_single_changed_character_is_rejected(signer: SessionSigner) -> None:
    token = signer.issue().token
    for index in range(len(token)):
        if token[index] != ".":
            assert signer.verify(_flip(token, index)) is None, index


BAD_TOKENS: Dict[str, Any] = {
    "none": None,
    "int": 17,
    "list": ["a.b"],
    "dict": {"token": "x"},
    "empty": "",
    "bare-random": "0" * 32,
    "sender-id": SENDER_PREFIX + "0" * 32,
    "no-signature": "0" * 32 + ".",
    "uppercase-hex": "A" * 32 + "." + "a" * 43,
    "short-signature": "0" * 32 + "." + "a" * 42,
    "long-signature": "0" * 32 + "." + "a" * 44,
    "padding": "0" * 32 + "." + "a" * 42 + "=",
    "trailing-newline": "0" * 32 + "." + "a" * 43 + "\n",
    "leading-space": " " + "0" * 32 + "." + "a" * 43,
    "two-dots": "0" * 32 + ".." + "a" * 42,
    "huge": "0" * 100_000,
    "non-ascii-digits": "٠" * 32 + "." + "a" * 43,
    "surrogate": "\ud800" * 32 + "." + "a" * 43,
}


@pytest.mark.parametrize("token", list(BAD_TOKENS.values()), ids=list(BAD_TOKENS))
def test_malformed_tokens_are_rejected_without_error(signer: SessionSigner, token: Any) -> None:
    assert signer.verify(token) is None


def test_signature_with_sender_id_prefix_is_rejected(signer: SessionSigner) -> None:
    session = signer.issue()
    assert signer.verify(SENDER_PREFIX + session.token) is None


def test_short_hash_is_stable_short_and_hides_the_id(signer: SessionSigner) -> None:
    session = signer.issue()
    assert session.log_id == short_hash(session.sender_id) == short_hash(session.sender_id)
    assert len(session.log_id) == 12
    assert session.log_id not in session.token and session.token.split(".")[0] not in session.log_id
    assert short_hash("\ud800")  # never raises on odd input


def test_secret_from_the_environment_wins(tmp_path: Path) -> None:
    env = {SECRET_ENV: "e" * MIN_SECRET_CHARS, SECRET_FILE_ENV: str(tmp_path / "secret")}
    assert load_secret(env) == b"e" * MIN_SECRET_CHARS
    assert not (tmp_path / "secret").exists(), "no file is written when the variable is set"


def test_a_short_secret_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match=SECRET_ENV):
        load_secret({SECRET_ENV: "short"})
    path = tmp_path / "secret"
    path.write_text("short\n")
    with pytest.raises(SecretError, match=str(path)):
        load_secret({SECRET_FILE_ENV: str(path)})


def test_an_unreadable_secret_path_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with pytest.raises(SecretError, match=str(folder)):
        load_secret({SECRET_FILE_ENV: str(folder)})
    blocked = tmp_path / "file" / "secret"
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(SecretError, match="cannot create"):
        load_secret({SECRET_FILE_ENV: str(blocked)})


def test_the_secret_file_is_created_once_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "session_secret"
    env = {SECRET_FILE_ENV: str(path)}
    first = load_secret(env)
    assert len(first) >= MIN_SECRET_CHARS
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(env) == first
    assert sorted(p.name for p in path.parent.iterdir()) == ["session_secret"], "no temporary file left"


def _secret_in_child(path: str, queue: "multiprocessing.Queue[bytes]") -> None:
    queue.put(load_secret({SECRET_FILE_ENV: path}))


def test_replicas_starting_together_share_one_secret(tmp_path: Path) -> None:
    """Several processes race to create the file; all end with the same secret."""
    path = str(tmp_path / "session_secret")
    context = multiprocessing.get_context("spawn")
    queue: "multiprocessing.Queue[bytes]" = context.Queue()
    children = [context.Process(target=_secret_in_child, args=(path, queue)) for _ in range(4)]
    for child in children:
        child.start()
    secrets = {queue.get(timeout=60) for _ in children}
    for child in children:
        child.join(timeout=60)
    assert len(secrets) == 1 and secrets == {load_secret({SECRET_FILE_ENV: path})}


def test_replicas_sharing_the_secret_accept_each_others_tokens(tmp_path: Path) -> None:
    env = {SECRET_FILE_ENV: str(tmp_path / "session_secret")}
    one, two = SessionSigner.from_environment(env), SessionSigner.from_environment(env)
    session = one.issue()
    assert two.verify(session.token) == session
