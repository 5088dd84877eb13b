"""Signed widget sessions: the server issues every widget conversation id, and knows its own.

Stock Rasa's socket.io channel takes any ``session_id`` a client names, so anyone who learns a
reader's id can listen to and steer that conversation. Here the server issues a token
``<random>.<signature>``, the signature an HMAC-SHA256 of the random part under a secret only
the servers know. A returning widget's token is accepted only when its signature checks; the
conversation's sender id in Rasa is ``web:<random>``, which is useless without the signature.

The secret comes from ``ISK_SESSION_SECRET``; when that is unset, a random one is created once
in ``ISK_SESSION_SECRET_FILE`` (default ``models/session_secret``, mode 0600), so replicas that
share the variable or the file accept each other's tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional

from channels.guard import WIDGET_SENDER_PREFIX

SECRET_ENV = "ISK_SESSION_SECRET"
SECRET_FILE_ENV = "ISK_SESSION_SECRET_FILE"
DEFAULT_SECRET_FILE = Path(__file__).resolve().parent.parent / "models" / "session_secret"
# Widget conversations live in their own namespace: the REST webhook refuses these sender ids.
SENDER_PREFIX = WIDGET_SENDER_PREFIX
MIN_SECRET_CHARS = 32
# Domain separation: a signature made for anything else under the same secret never matches.
_CONTEXT = b"isk-widget-session-v1:"
_RANDOM_BYTES = 16
_TOKEN = re.compile(r"^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$")


class SecretError(ValueError):
    """The session secret cannot be used: too short, or its file unreadable or broken."""


@dataclass(frozen=True)
class Session:
    """One widget conversation: the token the widget holds and the sender id Rasa uses."""

    token: str
    sender_id: str

    @property
    def log_id(self) -> str:
        """What logs show instead of the id: a short hash that names no usable session."""
        return short_hash(self.sender_id)


def short_hash(value: str) -> str:
    """Twelve hex characters of SHA-256: enough to follow one conversation through a log."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:12]


class SessionSigner:
    """Issues and checks session tokens under one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            raise SecretError(f"the session secret must be at least {MIN_SECRET_CHARS} characters long")
        self._secret = secret

    @classmethod
    def from_environment(cls, environ: Optional[Mapping[str, str]] = None) -> "SessionSigner":
        return cls(load_secret(os.environ if environ is None else environ))

    def _signature(self, random_part: str) -> str:
        digest = hmac.new(self._secret, _CONTEXT + random_part.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")

    def issue(self) -> Session:
        """A new session with a fresh random part."""
        random_part = secrets.token_hex(_RANDOM_BYTES)
        return Session(token=f"{random_part}.{self._signature(random_part)}", sender_id=SENDER_PREFIX + random_part)

    def verify(self, token: Any) -> Optional[Session]:
        """The session a token names, or None for anything missing, malformed or forged."""
        if not isinstance(token, str):
            return None
        match = _TOKEN.match(token)
        if match is None:
            return None
        random_part, signature = match.groups()
        if not hmac.compare_digest(signature, self._signature(random_part)):
            return None
        return Session(token=token, sender_id=SENDER_PREFIX + random_part)


def secret_file(environ: Mapping[str, str]) -> Path:
    raw = environ.get(SECRET_FILE_ENV, "").strip()
    return Path(raw) if raw else DEFAULT_SECRET_FILE


def load_secret(environ: Mapping[str, str]) -> bytes:
    """The secret from the environment, else from its file, created on first use."""
    value = environ.get(SECRET_ENV, "")
    if value:
        if len(value) < MIN_SECRET_CHARS:
            raise SecretError(f"{SECRET_ENV} must be at least {MIN_SECRET_CHARS} characters long")
        return value.encode("utf-8")
    path = secret_file(environ)
    if not path.exists():
        _create_secret_file(path)
    return _read_secret_file(path)


def _create_secret_file(path: Path) -> None:
    """Write a new random secret, mode 0600, atomically: two replicas starting together both
    end up reading the one file that won (a hard link never replaces an existing file)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".session_secret.", dir=path.parent)
    except OSError as error:
        raise SecretError(f"{path}: cannot create the session secret ({error.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:  # mkstemp creates it with mode 0600
            handle.write(secrets.token_hex(32) + "\n")
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process created it first: use theirs
    except OSError as error:
        raise SecretError(f"{path}: cannot create the session secret ({error.strerror})") from None
    finally:
        Path(temporary).unlink(missing_ok=True)


def _read_secret_file(path: Path) -> bytes:
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise SecretError(f"{path}: cannot read the session secret ({error})") from None
    if len(value) < MIN_SECRET_CHARS:
        raise SecretError(f"{path}: the session secret must be at least {MIN_SECRET_CHARS} characters long")
    return value.encode("utf-8")
