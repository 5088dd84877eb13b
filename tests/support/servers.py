"""Start the real action server and Rasa server as subprocesses, and stop them.

Readiness is observed by polling a health URL; every process writes its log to a
file that failing tests can point at.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Optional
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(os.environ.get("VENV_BIN", str(ROOT / ".venv" / "bin")))
MODEL = Path(os.environ.get("ISK_MODEL", str(ROOT / "models" / "current.tar.gz")))
LOG_DIR = ROOT / "reports" / "logs"


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env(**extra: str) -> Dict[str, str]:
    """The environment for a server: offline, quiet, with working defaults."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="3",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        ACTION_HOST="localhost",
        # Suites send turns faster than any reader, and a new conversation per test, all from
        # 127.0.0.1; the tests that prove the rate limits pass ISK_RATE_LIMITS="on".
        ISK_RATE_LIMITS="off",
    )
    # endpoints.yml's lock store: one process by default (see README "Scaling out").
    env.setdefault("LOCK_STORE_TYPE", "stores.memory_lock_store.ShortWaitInMemoryLockStore")
    env.setdefault("LOCK_STORE_URL", "")
    env.update(extra)
    return env


def http_ok(url: str, timeout: float = 1.0) -> bool:
    """True when ``url`` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class Server:
    """A running server process, its URL and its log file."""

    name: str
    process: subprocess.Popen
    url: str
    health_url: str
    log_path: Path

    @property
    def port(self) -> int:
        """The port the server listens on, read from its URL."""
        return int(urlsplit(self.url).port)

    def wait_ready(self, timeout: float = 180.0) -> None:
        """Poll the health URL; fail with the log's tail if the process dies or times out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            if http_ok(self.health_url):
                return
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def pause(self) -> None:
        """Freeze the process (SIGSTOP): it keeps its port but answers nothing."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)


@contextmanager
def serving(server: Server, timeout: float = 180.0) -> Iterator[Server]:
    """Wait until ``server`` is ready, hand it over, and stop it afterwards whatever happens."""
    try:
        server.wait_ready(timeout)
        yield server
    finally:
        server.stop()


def _spawn(name: str, cmd: List[str], env: Dict[str, str], url: str, health_url: str) -> Server:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{name}.log"
    log = open(log_path, "w", encoding="utf-8")
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    return Server(name=name, process=process, url=url, health_url=health_url, log_path=log_path)


def sqlite_tracker_env(name: str, port: int) -> Dict[str, str]:
    """Tracker-store variables for a fresh SQLite file of this server's own.

    Tests never share ``make run``'s conversations file; pass TRACKER_* to
    ``start_rasa_server`` to choose another store (or the same file across a restart).
    """
    path = LOG_DIR / f"{name}-{port}-tracker.db"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    return dict(TRACKER_DIALECT="sqlite", TRACKER_HOST="", TRACKER_DB=str(path), TRACKER_USER="", TRACKER_PASSWORD="")


def start_action_server(port: Optional[int] = None, name: str = "actions", **env: str) -> Server:
    """The action server (scripts/action_server.py) on ``port`` (a free one by default), not yet waited for."""
    port = port or free_port()
    # The hardened launcher make run uses: loopback only, errors without request bodies.
    cmd = [str(VENV_BIN / "python"), str(ROOT / "scripts" / "action_server.py"), "--port", str(port)]
    url = f"http://localhost:{port}"
    return _spawn(name, cmd, base_env(**env), url, f"{url}/health")


def start_rasa_server(
    action_port: int,
    port: Optional[int] = None,
    name: str = "rasa",
    model: Path = MODEL,
    endpoints: str = "endpoints.yml",
    credentials: str = "credentials.yml",
    extra_args: Optional[List[str]] = None,
    **env: str,
) -> Server:
    """``rasa run`` with the trained model, REST and socket.io channels, not yet waited for."""
    if not model.exists():
        raise FileNotFoundError(f"no model at {model}: run `make train` first")
    port = port or free_port()
    cmd = [
        str(VENV_BIN / "rasa"), "run", "--model", str(model), "--port", str(port),
        "--endpoints", endpoints, "--credentials", credentials, *(extra_args or []),
    ]
    url = f"http://localhost:{port}"
    server_env = base_env(ACTION_PORT=str(action_port), **{**sqlite_tracker_env(name, port), **env})
    return _spawn(name, cmd, server_env, url, f"{url}/")
