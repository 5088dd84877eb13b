"""widget/serve.py under hostile clients: slow senders, folder probes, framing by other sites.

The real server runs as a subprocess with a short timeout (1 s) and a small connection cap
(4), so each limit shows within seconds. No Rasa server is needed: the page is static.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from typing import Iterator, List

import pytest
import requests

from tests.support.servers import LOG_DIR, ROOT, Server, base_env, free_port

SERVE = ROOT / "widget" / "serve.py"
TIMEOUT = 1.0
CAP_TEST_TIMEOUT = 15.0
MAX_CONNECTIONS = 4


def _serving(name: str, timeout: float) -> Iterator[Server]:
    if not (ROOT / "widget" / "dist" / "index.html").is_file():
        pytest.fail("no built page in widget/dist: run `make widget` first")
    port = free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{name}.log"
    env = base_env(WIDGET_TIMEOUT=str(timeout), WIDGET_MAX_CONNECTIONS=str(MAX_CONNECTIONS))
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, str(SERVE), "--port", str(port), "--rasa-url", "http://localhost:5005"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    server = Server(name, process, url, f"{url}/config.js", log_path)
    try:
        server.wait_ready(timeout=30)
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def page() -> Iterator[Server]:
    yield from _serving("ops-widget-page", TIMEOUT)


@pytest.fixture(scope="module")
def capped_page() -> Iterator[Server]:
    """The same cap with a timeout long enough that stalled clients hold their places while
    the test counts (with 1 s, a loaded machine could drop them before the cap is reached)."""
    yield from _serving("ops-widget-capped", CAP_TEST_TIMEOUT)


def slow_client(server: Server) -> socket.socket:
    """A connection that has sent half a request line and then nothing."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(b"GET /index.html HT")
    return sock


def closed_by_server(sock: socket.socket, within: float) -> float:
    """Seconds until the server closes ``sock`` (recv gives b"" or an error); fails after ``within``."""
    started = time.monotonic()
    sock.settimeout(within)
    try:
        data = sock.recv(4096)
    except socket.timeout:
        pytest.fail(f"the server kept a silent connection open for more than {within}s")
    except OSError:
        data = b""
    assert data == b"" or data.startswith(b"HTTP/1.")  # closed, or a 408-style answer before closing
    return time.monotonic() - started


def wait_served(server: Server, deadline_s: float) -> requests.Response:
    """Poll until the page answers 200 (slow clients may still hold every slot)."""
    deadline = time.monotonic() + deadline_s
    while True:
        response = requests.get(f"{server.url}/", timeout=5)
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        time.sleep(0.05)  # pacing the poll


@pytest.mark.parametrize("path", ["/", "/config.js", "/nothing-here", "/vendor/"], ids=["page", "config", "404", "folder"])
def test_no_other_site_may_frame_the_page(page: Server, path: str) -> None:
    response = requests.get(f"{page.url}{path}", timeout=5)
    assert "frame-ancestors 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize(
    "path",
    ["/vendor/", "/fonts/", "/vendor", "/fonts", "/fonts/.", "/vendor/../fonts/", "/%66onts/", "/fonts//", "/./vendor/"],
)
def test_no_folder_is_listed(page: Server, path: str) -> None:
    response = requests.get(f"{page.url}{path}", timeout=5, allow_redirects=False)
    assert response.status_code == 404, response.text[:200]
    assert "Directory listing" not in response.text
    assert "rasa-webchat.js" not in response.text and "inter.css" not in response.text


@pytest.mark.parametrize("path", ["/", "/vendor/rasa-webchat.js", "/fonts/inter.css"])
def test_the_files_in_the_folders_are_still_served(page: Server, path: str) -> None:
    assert requests.get(f"{page.url}{path}", timeout=5).status_code == 200


def test_slow_clients_do_not_keep_others_waiting(page: Server) -> None:
    slow: List[socket.socket] = [slow_client(page) for _ in range(MAX_CONNECTIONS - 1)]
    try:
        started = time.monotonic()
        response = requests.get(f"{page.url}/", timeout=5)
        assert response.status_code == 200
        assert time.monotonic() - started < TIMEOUT, "served while the slow clients still hang"
        for sock in slow:
            assert closed_by_server(sock, within=TIMEOUT + 4) > 0
    finally:
        for sock in slow:
            sock.close()


def test_a_client_trickling_its_headers_is_dropped_at_the_deadline(page: Server) -> None:
    """One byte every 0.2 s stays inside the per-read timeout; the header deadline still ends it."""
    sock = socket.create_connection(("127.0.0.1", page.port), timeout=5)
    started = time.monotonic()
    request = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200
    closed_after = None
    try:
        for byte in request:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                closed_after = time.monotonic() - started
                break
            sock.settimeout(0.2)  # also paces the trickle
            try:
                if sock.recv(4096) == b"":
                    closed_after = time.monotonic() - started
                    break
            except socket.timeout:
                pass
            except OSError:
                closed_after = time.monotonic() - started
                break
    finally:
        sock.close()
    assert closed_after is not None, "the trickling client was never dropped"
    assert TIMEOUT * 0.8 <= closed_after < TIMEOUT + 3


def test_connections_over_the_cap_get_503_at_once_and_service_comes_back(capped_page: Server) -> None:
    slow = [slow_client(capped_page) for _ in range(MAX_CONNECTIONS)]
    try:
        # The cap is counted by the server's accept loop: poll until it has taken all four.
        deadline = time.monotonic() + 5
        while True:
            started = time.monotonic()
            response = requests.get(f"{capped_page.url}/", timeout=5)
            if response.status_code == 503 or time.monotonic() > deadline:
                break
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "1"
        assert time.monotonic() - started < 0.5, "refused at once, not queued"
    finally:
        for sock in slow:
            sock.close()
    assert wait_served(capped_page, deadline_s=10).status_code == 200


@pytest.mark.parametrize(
    "args, message",
    [
        (["--timeout", "0"], "--timeout (WIDGET_TIMEOUT) must be a positive number"),
        (["--timeout", "soon"], "invalid float value"),
        (["--max-connections", "0"], "--max-connections (WIDGET_MAX_CONNECTIONS) must be at least 1"),
    ],
    ids=["zero-timeout", "word-timeout", "zero-cap"],
)
def test_bad_limits_are_a_clear_error(args: List[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, str(SERVE), "--port", "0", *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert message in result.stderr
