"""Serve the built chat page (widget/dist) and tell it where the Rasa server is.

The page is static; the only dynamic file is /config.js, which names the Rasa socket.io
URL, so the same build works for `make run` (port 5005) and for tests (a free port).
A Content-Security-Policy lets the page load nothing but its own files and talk to
nothing but that Rasa server: a stray CDN link would fail loudly instead of leaking.

Usage: python widget/serve.py [--port 8080] [--host 127.0.0.1] [--rasa-url http://localhost:5005]
Defaults come from WIDGET_PORT, WIDGET_HOST, RASA_URL (or RASA_PORT).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import List, Optional
from urllib.parse import urlsplit

DIST = Path(__file__).resolve().parent / "dist"


def default_rasa_url() -> str:
    return os.environ.get("RASA_URL") or f"http://localhost:{os.environ.get('RASA_PORT', '5005')}"


def check_rasa_url(url: str) -> str:
    """The URL as given, if it is an http(s) origin; a clear error otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
        raise ValueError(f"--rasa-url must look like http://host:port, got {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(rasa_url: str) -> str:
    """Own files only; connections only to the Rasa server (HTTP polling and WebSocket)."""
    parts = urlsplit(rasa_url)
    ws = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # rasa-webchat injects its CSS as <style> elements at run time.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            f"connect-src 'self' {rasa_url} {ws}",
            "object-src 'none'",
            "frame-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
        ]
    )


class PageHandler(SimpleHTTPRequestHandler):
    """Static files from dist/ plus /config.js, with security and no-cache headers."""

    def __init__(self, *args, rasa_url: str, **kwargs) -> None:
        self.rasa_url = rasa_url
        super().__init__(*args, directory=str(DIST), **kwargs)

    def do_GET(self) -> None:
        if urlsplit(self.path).path == "/config.js":
            body = f"window.ISK_CHAT = {json.dumps({'socketUrl': self.rasa_url})};\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", content_security_policy(self.rasa_url))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib signature)
        if os.environ.get("WIDGET_LOG_REQUESTS"):
            super().log_message(format, *args)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("WIDGET_PORT", "8080")))
    parser.add_argument("--host", default=os.environ.get("WIDGET_HOST", "127.0.0.1"))
    parser.add_argument("--rasa-url", default=default_rasa_url(), help="the Rasa server the widget talks to")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        rasa_url = check_rasa_url(args.rasa_url)
    except ValueError as error:
        print(f"serve.py: {error}", file=sys.stderr)
        return 2
    if not (DIST / "index.html").is_file():
        print(f"serve.py: no built page in {DIST}: run `make widget` first", file=sys.stderr)
        return 1
    try:
        server = ThreadingHTTPServer((args.host, args.port), partial(PageHandler, rasa_url=rasa_url))
    except OSError as error:
        print(f"serve.py: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 1
    print(f"==> chat page on http://localhost:{args.port} (talks to Rasa at {rasa_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
