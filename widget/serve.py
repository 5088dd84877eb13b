"""Serve the built chat page (widget/dist) and tell it where the Rasa server is.

The page is static; the only dynamic file is /config.js, which names the Rasa socket.io
URL, so the same build works for `make run` (port 5005) and for tests (a free port).
A Content-Security-Policy lets the page load nothing but its own files and talk to
nothing but that Rasa server: a stray CDN link would fail loudly instead of leaking. Only
pages of the same origin may frame it (``frame-ancestors 'self'``, ``X-Frame-Options``), so
another site cannot overlay the chat to trick readers into typing into it.

A client that sends slowly cannot tie the server up: every socket read and write times out,
a request's headers must arrive within the same time, and connections beyond a cap are
answered 503 at once instead of queueing. Folders are never listed (404). This server is for
``make run`` and tests; production serves widget/dist from any static host or CDN (README).

Usage: python widget/serve.py [--port 8080] [--host 127.0.0.1] [--rasa-url http://localhost:5005]
                              [--timeout 10] [--max-connections 64]
Defaults come from WIDGET_PORT, WIDGET_HOST, RASA_URL (or RASA_PORT), WIDGET_TIMEOUT,
WIDGET_MAX_CONNECTIONS.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, List, Optional, Tuple
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
            "frame-ancestors 'self'",
        ]
    )


class PageHandler(SimpleHTTPRequestHandler):
    """Static files from dist/ plus /config.js, with security and no-cache headers."""

    def __init__(self, *args, rasa_url: str, timeout: float = 10.0, **kwargs) -> None:
        self.rasa_url = rasa_url
        self.timeout = timeout  # StreamRequestHandler.setup applies it to the socket
        self._header_deadline: Optional[threading.Timer] = None
        super().__init__(*args, directory=str(DIST), **kwargs)

    def setup(self) -> None:
        super().setup()
        # A per-read timeout alone lets a client trickle one byte just inside it forever.
        self._header_deadline = threading.Timer(self.timeout, self._drop_connection)
        self._header_deadline.daemon = True
        self._header_deadline.start()

    def _drop_connection(self) -> None:
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _cancel_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()

    def parse_request(self) -> bool:
        self._cancel_header_deadline()  # the request line and headers are in
        return super().parse_request()

    def finish(self) -> None:
        self._cancel_header_deadline()
        super().finish()

    def send_head(self) -> Any:
        """Files only: any folder but the page's root is a 404 (no listing, no redirect)."""
        if Path(self.translate_path(self.path)).is_dir() and urlsplit(self.path).path != "/":
            self.send_error(404, "File not found")
            return None
        return super().send_head()

    def list_directory(self, path: Any) -> None:
        """Never list a folder (the root has index.html, so this is a safety net)."""
        self.send_error(404, "File not found")
        return None

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
        self.send_header("X-Frame-Options", "SAMEORIGIN")  # for browsers without frame-ancestors
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (stdlib signature)
        if os.environ.get("WIDGET_LOG_REQUESTS"):
            super().log_message(format, *args)


class PageServer(ThreadingHTTPServer):
    """A thread per connection, at most ``max_connections`` at once; the rest get 503 at once."""

    daemon_threads = True
    BUSY = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

    def __init__(self, address: Tuple[str, int], handler: Any, max_connections: int) -> None:
        self._slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.settimeout(1.0)
                request.sendall(self.BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("WIDGET_PORT", "8080")))
    parser.add_argument("--host", default=os.environ.get("WIDGET_HOST", "127.0.0.1"))
    parser.add_argument("--rasa-url", default=default_rasa_url(), help="the Rasa server the widget talks to")
    parser.add_argument(
        "--timeout", type=float, default=os.environ.get("WIDGET_TIMEOUT", "10"),
        help="seconds for each socket read or write, and for a request's headers to arrive",
    )
    parser.add_argument(
        "--max-connections", type=int, default=os.environ.get("WIDGET_MAX_CONNECTIONS", "64"),
        help="connections served at once; more are answered 503",
    )
    args = parser.parse_args(argv)
    if not args.timeout > 0:
        parser.error(f"--timeout (WIDGET_TIMEOUT) must be a positive number of seconds, got {args.timeout}")
    if args.max_connections < 1:
        parser.error(f"--max-connections (WIDGET_MAX_CONNECTIONS) must be at least 1, got {args.max_connections}")
    return args


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
        handler = partial(PageHandler, rasa_url=rasa_url, timeout=args.timeout)
        server = PageServer((args.host, args.port), handler, max_connections=args.max_connections)
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
