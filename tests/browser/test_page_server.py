"""widget/serve.py on its own: the config it hands the page, its headers, and bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from tests.support.servers import ROOT, Server

SERVE = ROOT / "widget" / "serve.py"


def test_config_names_the_rasa_server_and_the_policy_allows_only_it(page_server: Server, widget_rasa: Server) -> None:
    response = requests.get(f"{page_server.url}/config.js", timeout=5)
    assert response.status_code == 200
    assert f'"socketUrl": "{widget_rasa.url}"' in response.text
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    ws_url = widget_rasa.url.replace("http://", "ws://")
    assert f"connect-src 'self' {widget_rasa.url} {ws_url};" in policy


@pytest.mark.parametrize("path", ["/../serve.py", "/%2e%2e/serve.py", "/package.json"], ids=["dotdot", "encoded", "source"])
def test_only_the_built_page_is_served(page_server: Server, path: str) -> None:
    response = requests.get(f"{page_server.url}{path}", timeout=5)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "url", ["localhost:5005", "ftp://localhost:5005", "http://localhost:5005/socket.io"], ids=["no-scheme", "ftp", "path"]
)
def test_a_bad_rasa_url_is_a_clear_error(url: str) -> None:
    result = subprocess.run(
        [sys.executable, str(SERVE), "--port", "0", "--rasa-url", url], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "--rasa-url must look like http://host:port" in result.stderr
