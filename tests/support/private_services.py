"""A PostgreSQL and a Redis of the test's own, on free ports, that tests may stop and restart.

The machine's shared PostgreSQL and Redis serve everybody; a readiness test that has to
stop "the" tracker store or lock store stops these instead: real servers, same binaries.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from tests.support.servers import LOG_DIR, free_port


def _find(binary: str) -> str:
    """``binary`` from PATH or Debian's versioned PostgreSQL directory."""
    found = shutil.which(binary) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{binary}"), reverse=True)), None)
    if not found:
        raise FileNotFoundError(f"{binary} not found: install postgresql / redis-server")
    return found


def _wait_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"port {port} not open after {timeout}s")


@dataclass
class PrivateServer:
    """A server process we own: start, stop (really), start again on the same port."""

    name: str
    command: List[str]
    port: int
    user: Optional[str] = None
    workdir: Optional[Path] = None  # removed by remove()
    stop_signal: int = signal.SIGTERM
    process: Optional[subprocess.Popen] = field(default=None, init=False)

    @property
    def log_path(self) -> Path:
        return LOG_DIR / f"{self.name}.log"

    def start(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT, user=self.user)
        _wait_port(self.port, self.process, self.log_path)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)

    def remove(self) -> None:
        """Stop for good and delete the data directory."""
        self.stop()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)


def start_redis() -> PrivateServer:
    """redis-server on a free loopback port, nothing persisted."""
    port = free_port()
    server = PrivateServer(
        "private-redis",
        [_find("redis-server"), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        port,
    )
    server.start()
    return server


def start_postgres() -> PrivateServer:
    """A fresh PostgreSQL cluster in a temp dir on a free port (trust auth, user postgres).

    PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` user.
    """
    user = "postgres" if os.geteuid() == 0 else None
    data = Path(tempfile.mkdtemp(prefix="isk-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(data, entry.pw_uid, entry.pw_gid)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [_find("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True, user=user,
    )
    port = free_port()
    server = PrivateServer(
        "private-postgres",
        [_find("postgres"), "-D", str(data), "-p", str(port), "-k", str(data), "-c", "listen_addresses=127.0.0.1",
         "-c", "fsync=off"],
        port,
        user=user,
        workdir=data,
        stop_signal=signal.SIGINT,  # "fast" shutdown: SIGTERM would wait for Rasa's pooled connections
    )
    server.start()
    return server
