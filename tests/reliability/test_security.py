"""Security defaults: API off or behind a secret, CORS for the widget only, a loopback-only
action server that never echoes what it was sent, and logs without message text."""

from __future__ import annotations

import ipaddress
import re
import time
import uuid
from pathlib import Path
from typing import Dict, Optional

import jwt
import psutil
import pytest
import requests
import yaml

from channels.widget_session import short_hash
from tests.reliability.conftest import API_TOKEN, JWT_SECRET, WIDGET_ORIGIN, Secured, Stack
from tests.support.rest import RestChat
from tests.support.servers import ROOT

# (method, path, JSON body): the model, tracker and conversation routes of Rasa's HTTP API.
API_ROUTES = [
    ("GET", "/status", None),
    ("POST", "/model/parse", {"text": "hello"}),
    ("PUT", "/model", {"model_file": "/tmp/none.tar.gz"}),
    ("DELETE", "/model", None),
    ("GET", "/domain", None),
    ("GET", "/conversations/someone/tracker", None),
    ("POST", "/conversations/someone/tracker/events", {"event": "restart"}),
    ("POST", "/conversations/someone/messages", {"text": "hi", "sender": "user"}),
    ("POST", "/conversations/someone/trigger_intent", {"name": "greet"}),
]
ROUTE_IDS = [f"{m} {p}" for m, p, _ in API_ROUTES]


def call(base: str, method: str, path: str, body: Optional[dict], headers: Optional[Dict[str, str]] = None,
         params: Optional[Dict[str, str]] = None) -> requests.Response:
    return requests.request(method, base + path, json=body, headers=headers, params=params, timeout=30)


@pytest.mark.parametrize("method, path, body", API_ROUTES, ids=ROUTE_IDS)
def test_make_run_leaves_the_api_off(healthy: Stack, method: str, path: str, body: Optional[dict]) -> None:
    """The stack runs ``rasa run`` with make run's arguments: no API route exists."""
    assert call(healthy.url, method, path, body).status_code == 404


@pytest.mark.parametrize("method, path, body", API_ROUTES, ids=ROUTE_IDS)
def test_api_refuses_requests_without_the_secret(healthy: Stack, secured: Secured, method: str, path: str,
                                                 body: Optional[dict]) -> None:
    base = secured.rasa.url
    assert call(base, method, path, body).status_code == 401
    assert call(base, method, path, body, params={"token": "wrong"}).status_code == 401
    forged = jwt.encode({"user": {"username": "x", "role": "admin"}}, "not-the-secret-but-just-as-long-as-one", algorithm="HS256")
    assert call(base, method, path, body, headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_api_accepts_the_token_and_the_jwt(healthy: Stack, secured: Secured) -> None:
    base = secured.rasa.url
    assert call(base, "GET", "/status", None, params={"token": API_TOKEN}).status_code == 200
    assert call(base, "POST", "/model/parse", {"text": "how big is IS-K?"}, params={"token": API_TOKEN}).json()["intent"]
    token = jwt.encode({"user": {"username": "ops", "role": "admin"}}, JWT_SECRET, algorithm="HS256")
    response = call(base, "GET", "/conversations/someone/tracker", None, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def socketio_handshake(stack: Stack, origin: str) -> requests.Response:
    return requests.get(f"{stack.url}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin}, timeout=10)


def test_cors_admits_the_widget_origin_only(healthy: Stack) -> None:
    allowed = socketio_handshake(healthy, WIDGET_ORIGIN)
    assert allowed.status_code == 200
    # requests joins repeated headers with ", ": equality also proves there is exactly one.
    assert allowed.headers.get("Access-Control-Allow-Origin") == WIDGET_ORIGIN
    foreign = socketio_handshake(healthy, "http://evil.example")
    assert foreign.status_code == 400
    assert "Access-Control-Allow-Origin" not in foreign.headers


@pytest.mark.parametrize("path", ["/webhooks/rest/webhook", "/webhooks/rest/ready", "/"])
def test_rest_routes_send_no_cors_header_to_a_foreign_origin(healthy: Stack, path: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
                 "Origin": "http://evil.example"}
    assert "Access-Control-Allow-Origin" not in requests.options(healthy.url + path, headers=preflight, timeout=10).headers
    got = requests.get(healthy.url + "/webhooks/rest/ready", headers={"Origin": "http://evil.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in got.headers


def test_action_server_listens_on_loopback_only(healthy: Stack) -> None:
    process = psutil.Process(healthy.actions.process.pid)
    listening = [c.laddr for c in process.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    assert listening, "the action server listens somewhere"
    assert all(ipaddress.ip_address(addr.ip).is_loopback for addr in listening), listening


@pytest.mark.parametrize(
    "body",
    [
        b'{"next_action": "action_answer", "sender_id": "SECRET-MARKER", "tracker": 5, "domain": {}}',
        b'{"next_action": "action_answer", "tracker": "SECRET-MARKER"}',
        b"SECRET-MARKER not json",
    ],
    ids=["bad-tracker", "string-tracker", "not-json"],
)
def test_action_server_errors_never_echo_the_request(healthy: Stack, body: bytes) -> None:
    response = requests.post(f"{healthy.actions.url}/webhook", data=body, timeout=10,
                             headers={"Content-Type": "application/json", "Origin": "http://evil.example"})
    assert 400 <= response.status_code < 600
    assert "SECRET-MARKER" not in response.text
    assert "Access-Control-Allow-Origin" not in response.headers


def wait_for_log_line(path: Path, pattern: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(pattern, path.read_text(errors="replace"))
        if match:
            return match.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no log line matching {pattern!r} in {path}")


@pytest.mark.parametrize("which", ["stack", "secured"])
def test_logs_carry_sender_and_intent_not_the_text(healthy: Stack, secured: Secured, which: str) -> None:
    """Even at --debug (the secured server), where Rasa logs every parse, the text is redacted.

    A turn's line names the conversation by a short hash: a sender id is a bearer secret
    (anyone who knows it can continue the conversation), so it is not written in our lines.
    """
    server = healthy.rasa if which == "stack" else secured.rasa
    marker = f"zq{uuid.uuid4().hex[:10]}"
    sender = f"log-{uuid.uuid4().hex[:8]}"
    RestChat(server.url, sender).ask(f"how big is IS-K {marker}?")
    line = wait_for_log_line(server.log_path, rf"turn conv={short_hash(sender)} intent=\w+ answered=True")
    assert "intent=None" not in line
    assert not re.search(rf"(turn|turn\.failed) .*{sender}", server.log_path.read_text(errors="replace"))
    for log in (server.log_path, healthy.actions.log_path):
        assert marker not in log.read_text(errors="replace"), f"message text leaked into {log.name}"


def test_committed_config_holds_no_secrets() -> None:
    """Every password, token or secret in the committed YAML config is an ${ENV} reference."""
    secret_key = re.compile(r"(password|token|secret|jwt_key|api_key)", re.IGNORECASE)
    for name in ("endpoints.yml", "credentials.yml"):
        data = yaml.safe_load((ROOT / name).read_text()) or {}
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                for key, value in node.items():
                    if secret_key.search(str(key)) and value not in (None, ""):
                        assert re.fullmatch(r"\$\{\w+\}", str(value)), f"{name}: {key} must come from the environment"
                    stack.append(value)
            elif isinstance(node, list):
                stack.extend(node)


def test_rasa_is_3_6_21_and_trained_the_model(model_path: str) -> None:
    """Earlier 3.x releases load models with remote code execution (CVE-2024-49375)."""
    import rasa
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    assert rasa.__version__ == "3.6.21"
    assert LocalModelStorage.metadata_from_archive(model_path).rasa_open_source_version == "3.6.21"
