"""What the browser suite builds on: Debian's Chromium, the page server, the offline guard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Route

from tests.support.servers import LOG_DIR, ROOT, Server

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Headless as root on a closed network: no sandbox, nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]
WIDGET_DIST = ROOT / "widget" / "dist"
LOCAL_HOSTS = {"localhost", "127.0.0.1"}
DESKTOP = {"width": 1280, "height": 800}


class OutsideGuard:
    """A route handler that aborts and records every request for a host other than this machine."""

    def __init__(self) -> None:
        self.blocked: List[str] = []

    def __call__(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(("data:", "blob:")) or urlsplit(url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


def new_context(browser: Browser, guard: OutsideGuard) -> BrowserContext:
    """A fresh desktop profile (empty localStorage: a new conversation) behind ``guard``."""
    context = browser.new_context(viewport=DESKTOP, service_workers="block")
    context.route("**/*", guard)
    context.set_default_timeout(15_000)
    return context


def start_page_server(port: int, rasa_url: str, name: str = "widget-page") -> Server:
    """widget/serve.py with the built page on ``port``, pointing the widget at ``rasa_url``."""
    if not (WIDGET_DIST / "index.html").is_file():
        pytest.fail(f"no built page in {WIDGET_DIST}: run `make widget` first")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / f"{name}.log"
    cmd = [sys.executable, str(ROOT / "widget" / "serve.py"), "--port", str(port), "--rasa-url", rasa_url]
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://localhost:{port}"
    server = Server(name, process, url, f"{url}/config.js", log_path)
    try:
        server.wait_ready(timeout=30)
    except Exception:
        server.stop()
        raise
    return server
