"""The assistant that `make check-content` talks to: one already running (a URL), or its own.

Its own is the real pair `make run` starts (scripts/action_server.py reading the content
store under test, and `rasa run` with the trained model) on free loopback ports, with a
throw-away SQLite conversation file, stopped when the check ends. Readiness is polled with
a deadline; a process that dies is reported with the end of its log.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

import requests

ROOT = Path(__file__).resolve().parent.parent
MODEL = Path(os.environ.get("ISK_MODEL", str(ROOT / "models" / "current.tar.gz")))
START_TIMEOUT = float(os.environ.get("ISK_CHECK_START_TIMEOUT", "240"))


class AssistantError(RuntimeError):
    """The assistant could not be started or reached."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise AssistantError(f"{' '.join(process.args[:2])} exited with {process.returncode}:\n{tail}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise AssistantError(f"{url} not ready after {timeout:.0f}s (log: {log})")


@contextmanager
def _process(cmd: Sequence[str], env: Dict[str, str], log: Path, health: str) -> Iterator[None]:
    with open(log, "w", encoding="utf-8") as out:
        process = subprocess.Popen(list(cmd), cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(health, process, log, START_TIMEOUT)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)


@contextmanager
def own_assistant(content_dir: Path, log_dir: Path, model: Path = MODEL) -> Iterator[str]:
    """Start actions (reading ``content_dir``) and Rasa; yield Rasa's base URL."""
    if not model.exists():
        raise AssistantError(f"no model at {model}: run `make train` first")
    log_dir.mkdir(parents=True, exist_ok=True)
    bin_dir = Path(sys.executable).parent
    action_port, rasa_port = _free_port(), _free_port()
    with ExitStack() as stack:
        tracker = stack.enter_context(tempfile.TemporaryDirectory(prefix="isk-check-"))
        env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="3",
                   SQLALCHEMY_SILENCE_UBER_WARNING="1", ISK_CONTENT_DIR=str(content_dir),
                   ACTION_HOST="localhost", ACTION_PORT=str(action_port), ACTION_BIND="127.0.0.1",
                   LOCK_STORE_TYPE="stores.memory_lock_store.ShortWaitInMemoryLockStore", LOCK_STORE_URL="", ISK_RATE_LIMITS="off",
                   TRACKER_DIALECT="sqlite", TRACKER_HOST="", TRACKER_DB=str(Path(tracker) / "tracker.db"),
                   TRACKER_USER="", TRACKER_PASSWORD="")
        actions: List[str] = [str(bin_dir / "python"), str(ROOT / "scripts" / "action_server.py"),
                              "--port", str(action_port)]
        stack.enter_context(_process(actions, env, log_dir / "check-actions.log",
                                     f"http://localhost:{action_port}/health"))
        rasa = [str(bin_dir / "rasa"), "run", "--model", str(model), "--port", str(rasa_port),
                "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"]
        url = f"http://localhost:{rasa_port}"
        stack.enter_context(_process(rasa, env, log_dir / "check-rasa.log", f"{url}/"))
        yield url


@contextmanager
def assistant(url: Optional[str], content_dir: Path, log_dir: Path) -> Iterator[str]:
    """The running assistant at ``url``, or an own one when ``url`` is None."""
    if url:
        yield url.rstrip("/")
    else:
        with own_assistant(content_dir, log_dir) as own_url:
            yield own_url
