"""The README's reverse proxy, for real: Debian's nginx with deploy/nginx/isk.conf in front of
the bot as `make run` starts it (scripts/run.sh), with TLS from a self-signed certificate.

Proves that `make run` binds Rasa, the action server and the page to loopback only, and that
through nginx a REST conversation, a socket.io conversation over a WebSocket and the chat page
work, while the body limit, the request-rate limit and the hidden Rasa API hold. The committed
config is used as it is; only its ports and certificate paths are swapped (each swap is
checked, so a changed config fails here rather than being tested half).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import ssl
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List, Set

import pytest
import requests
import websockets

from tests.support.servers import LOG_DIR, MODEL, ROOT, VENV_BIN, base_env, free_port, http_ok

NGINX = Path("/usr/sbin/nginx")
CONFIG = ROOT / "deploy" / "nginx" / "isk.conf"
SIZE_ANSWER = "3,000"
SIZE_SECTION = "How many members does IS-K have?"


@dataclass
class Proxied:
    """The bot behind nginx: its public HTTPS origin and what runs behind it."""

    origin: str
    cert: Path
    rasa_port: int
    action_port: int
    widget_port: int
    access_log: Path

    def session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # REQUESTS_CA_BUNDLE would override the test's own certificate
        session.verify = str(self.cert)
        return session


def make_certificate(folder: Path) -> Path:
    """A self-signed certificate for localhost and 127.0.0.1 (key beside it)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert


def swap(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"deploy/nginx/isk.conf no longer has exactly one {old!r}"
    return text.replace(old, new)


def nginx_config(folder: Path, https_port: int, http_port: int, rasa_port: int, widget_port: int) -> Path:
    """The committed site config on the test's ports, inside a minimal main config."""
    site = CONFIG.read_text(encoding="utf-8")
    site = swap(site, "server 127.0.0.1:5005;", f"server 127.0.0.1:{rasa_port};")
    site = swap(site, "server 127.0.0.1:8080;", f"server 127.0.0.1:{widget_port};")
    site = swap(site, "listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
    site = swap(site, "listen 80;", f"listen 127.0.0.1:{http_port};")
    site = swap(site, "/etc/ssl/isk/fullchain.pem", str(folder / "cert.pem"))
    site = swap(site, "/etc/ssl/isk/privkey.pem", str(folder / "key.pem"))
    (folder / "isk.conf").write_text(site, encoding="utf-8")
    temp = folder / "temp"
    temp.mkdir()
    main = f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} info;
events {{ worker_connections 256; }}
http {{
    access_log {folder / "access.log"};
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    include {folder / "isk.conf"};
}}
"""
    path = folder / "nginx.conf"
    path.write_text(main, encoding="utf-8")
    return path


def listening_addresses(port: int) -> Set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                found.add(decode_address(address, width))
    return found


def decode_address(hex_address: str, width: int) -> str:
    raw = bytes.fromhex(hex_address)
    if width == 8:
        return ".".join(str(b) for b in raw[::-1])
    words = [raw[i:i + 4][::-1] for i in range(0, 16, 4)]
    return ":".join(b"".join(words)[i:i + 2].hex() for i in range(0, 16, 2))


def wait_for(condition, timeout: float, what: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"{what}: process exited {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not up after {timeout}s:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)  # pacing the poll


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    if not NGINX.exists():
        pytest.fail(f"no nginx at {NGINX}: run `make nginx-deps` (installs Debian's nginx)")
    if not MODEL.exists():
        pytest.fail(f"no model at {MODEL}: run `make train` first")
    folder = tmp_path_factory.mktemp("nginx")
    os.chmod(folder, 0o755)
    cert = make_certificate(folder)
    https_port, http_port, rasa_port, action_port, widget_port = (free_port() for _ in range(5))
    origin = f"https://localhost:{https_port}"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    run_log = LOG_DIR / "ops-nginx-run.log"
    env = base_env(
        RASA_PORT=str(rasa_port), ACTION_PORT=str(action_port), WIDGET_PORT=str(widget_port), ACTION_BIND="127.0.0.1",
        TRACKER_DIALECT="sqlite", TRACKER_HOST="", TRACKER_DB=str(folder / "tracker.db"), TRACKER_USER="",
        TRACKER_PASSWORD="", LOCK_STORE_TYPE="stores.memory_lock_store.ShortWaitInMemoryLockStore", LOCK_STORE_URL="",
        ISK_CORS_ORIGINS=origin, RASA_URL=origin, ISK_TRUSTED_PROXIES="127.0.0.1", PYTHONUNBUFFERED="1",
    )
    for name in ("RASA_BIND", "WIDGET_HOST", "RASA_API_TOKEN", "RASA_JWT_SECRET"):
        env.pop(name, None)  # make run's defaults
    with open(run_log, "w", encoding="utf-8") as log:
        run = subprocess.Popen(
            [str(ROOT / "scripts" / "run.sh"), str(VENV_BIN.parent), str(MODEL)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    nginx = None
    try:
        wait_for(lambda: "==> ready" in run_log.read_text(errors="replace"), 300, "make run", run, run_log)
        wait_for(lambda: http_ok(f"http://127.0.0.1:{widget_port}/config.js"), 30, "the page", run, run_log)
        config = nginx_config(folder, https_port, http_port, rasa_port, widget_port)
        error_log = folder / "error.log"
        error_log.touch()
        nginx = subprocess.Popen(
            [str(NGINX), "-p", str(folder), "-c", str(config), "-e", str(error_log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        wait_for(lambda: bool(listening_addresses(https_port)), 30, "nginx", nginx, error_log)
        yield Proxied(origin, cert, rasa_port, action_port, widget_port, folder / "access.log")
    finally:
        if nginx is not None:
            nginx.send_signal(signal.SIGQUIT)
            try:
                nginx.wait(timeout=20)
            except subprocess.TimeoutExpired:
                nginx.kill()
        run.terminate()  # run.sh's trap stops its three servers
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)


def test_make_run_listens_on_loopback_only(proxied: Proxied) -> None:
    for name, port in (("Rasa", proxied.rasa_port), ("actions", proxied.action_port), ("page", proxied.widget_port)):
        assert listening_addresses(port) == {"127.0.0.1"}, f"{name} listens on {listening_addresses(port)}"


def test_a_rest_conversation_through_nginx(proxied: Proxied) -> None:
    session = proxied.session()
    sender = f"nginx-rest-{uuid.uuid4().hex[:8]}"

    def ask(text: str) -> str:
        response = session.post(f"{proxied.origin}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30)
        assert response.status_code == 200, response.text
        return "\n".join(m.get("text") or "" for m in response.json())

    assert SIZE_ANSWER in ask("how big is IS-K?")
    assert SIZE_SECTION in ask("tell me more"), "the follow-up resolves: one conversation through the proxy"


def test_plain_http_is_sent_to_https(proxied: Proxied) -> None:
    http_port = int(next(line for line in (proxied.access_log.parent / "isk.conf").read_text().splitlines()
                         if "listen 127.0.0.1:" in line and "ssl" not in line).split(":")[1].rstrip(";"))
    response = requests.get(f"http://localhost:{http_port}/", allow_redirects=False, timeout=10)
    assert response.status_code == 301 and response.headers["Location"].startswith("https://")


async def socket_conversation(proxied: Proxied) -> List[str]:
    """The widget's protocol (engine.io 4 / socket.io 5) spoken over a WebSocket through nginx."""
    context = ssl.create_default_context(cafile=str(proxied.cert))
    url = f"wss://localhost:{proxied.origin.rsplit(':', 1)[1]}/socket.io/?EIO=4&transport=websocket"
    answers: List[str] = []
    async with websockets.connect(url, ssl=context, extra_headers={"Origin": proxied.origin}, open_timeout=20) as ws:

        async def receive(predicate) -> object:
            deadline = asyncio.get_running_loop().time() + 30
            while True:
                frame = await asyncio.wait_for(ws.recv(), deadline - asyncio.get_running_loop().time())
                if frame == "2":  # engine.io ping
                    await ws.send("3")
                    continue
                if frame.startswith("42"):
                    name, *payload = json.loads(frame[2:])
                    if predicate(name, payload):
                        return payload[0] if payload else None
                elif predicate(frame, None):
                    return frame

        await receive(lambda frame, payload: payload is None and frame.startswith("0{"))  # engine.io open
        await ws.send("40")
        await receive(lambda frame, payload: payload is None and frame.startswith("40"))  # namespace joined
        await ws.send("42" + json.dumps(["session_request", {"session_id": None}]))
        token = await receive(lambda name, payload: name == "session_confirm")
        for text, expect in (("how big is IS-K?", SIZE_ANSWER), ("tell me more", SIZE_SECTION)):
            await ws.send("42" + json.dumps(["user_uttered", {"message": text, "session_id": token}]))
            reply = await receive(lambda name, payload: name == "bot_uttered" and expect in (payload[0].get("text") or ""))
            answers.append(reply["text"])
    return answers


def test_a_socketio_conversation_over_a_websocket_through_nginx(proxied: Proxied) -> None:
    answers = asyncio.run(socket_conversation(proxied))
    assert SIZE_ANSWER in answers[0] and SIZE_SECTION in answers[1]
    assert " 101 " in proxied.access_log.read_text(), "the WebSocket upgrade went through nginx (101)"


def test_the_chat_page_through_nginx_talks_to_the_proxy(proxied: Proxied) -> None:
    session = proxied.session()
    page = session.get(f"{proxied.origin}/", timeout=10)
    assert page.status_code == 200 and "<html" in page.text.lower()
    assert "frame-ancestors 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    config = session.get(f"{proxied.origin}/config.js", timeout=10)
    assert f'"socketUrl": "{proxied.origin}"' in config.text
    assert session.get(f"{proxied.origin}/vendor/", timeout=10).status_code == 404


@pytest.mark.parametrize("path", ["/conversations/x/tracker", "/status", "/model/parse", "/webhooks/rest/ready"])
def test_rasas_other_routes_stay_inside(proxied: Proxied, path: str) -> None:
    assert proxied.session().get(f"{proxied.origin}{path}", timeout=10).status_code == 404


def test_a_body_over_64_kb_is_refused_by_nginx(proxied: Proxied) -> None:
    body = json.dumps({"sender": "nginx-big", "message": "x" * 70_000})
    response = proxied.session().post(
        f"{proxied.origin}/webhooks/rest/webhook", data=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 413
    assert "body_too_large" not in response.text, "refused by nginx before Rasa read it"


def test_a_burst_of_requests_is_rate_limited_by_nginx(proxied: Proxied) -> None:
    """Bodies without a message (400 from the channel, no turn) so the burst costs Rasa nothing."""
    session = proxied.session()
    statuses: Dict[int, int] = {}
    refused = None
    for _ in range(40):
        response = session.post(f"{proxied.origin}/webhooks/rest/webhook", json={"sender": "nginx-burst"}, timeout=10)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if response.status_code == 429:
            refused = response
    # burst=20 at 2 r/s: about 20 pass (fewer after the earlier tests' requests), the rest are refused.
    assert statuses.get(400, 0) >= 5 and statuses.get(429, 0) >= 15, statuses
    assert refused is not None and refused.headers["Retry-After"] == "1"
    assert refused.json()["error"] == "rate_limited"
    # The proxy's limit is per client address: another address would not be slowed (shown by
    # nginx's own log, which records each refusal it made).
    assert proxied.access_log.read_text().count('" 429 ') >= statuses[429]
