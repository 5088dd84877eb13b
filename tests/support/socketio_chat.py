"""A socket.io client speaking the widget's protocol (session_request, user_uttered, bot_uttered)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Callable, Dict, List, Optional

import socketio


class SocketChat:
    """One widget-like connection; collects every ``bot_uttered`` message it receives."""

    def __init__(self, url: str, origin: str, session_id: Optional[str] = None) -> None:
        self.url = url
        self.origin = origin
        self.session_id = session_id or uuid.uuid4().hex
        self.messages: List[Dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("bot_uttered", self._on_bot)
        self.client.on("session_confirm", self._on_confirm)
        self.confirmed: Optional[str] = None

    async def _on_bot(self, data: Any) -> None:
        self.messages.append(data if isinstance(data, dict) else {"raw": data})
        self._arrived.set()

    async def _on_confirm(self, session_id: Any) -> None:
        # As the widget does: the server's session (a signed token) replaces the one asked for.
        self.confirmed = session_id
        if isinstance(session_id, str):
            self.session_id = session_id
        self._arrived.set()

    async def connect(self, transports: Optional[List[str]] = None) -> None:
        """Connect with the given Origin header and ask for the session (as the widget does).

        Long-polling by default: the pinned aiohttp (3.9) lacks what python-engineio's
        websocket client needs; the browser suite covers the widget's websocket.
        """
        await self.client.connect(
            self.url, headers={"Origin": self.origin}, transports=transports or ["polling"], wait_timeout=10
        )
        await self.client.emit("session_request", {"session_id": self.session_id})
        await self.wait_until(lambda: self.confirmed is not None)

    async def wait_until(self, condition: Callable[[], bool], timeout: float = 20.0) -> None:
        """Wait for incoming events until ``condition`` holds; TimeoutError after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise asyncio.TimeoutError(f"condition not met in {timeout}s; got {self.messages!r}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def send_raw(self, data: Any) -> None:
        await self.client.emit("user_uttered", data)

    async def ask(self, text: str, expect: str = "", timeout: float = 20.0) -> str:
        """Send ``text``; wait for a bot message containing ``expect`` (any text if empty).

        Answers arrive as several messages, so tests name a piece of the one they wait for
        instead of counting messages.
        """
        start = len(self.messages)
        await self.send_raw({"message": text, "session_id": self.session_id})
        await self.wait_until(lambda: any(expect in (m.get("text") or "") and m.get("text") for m in self.messages[start:]), timeout)
        return "\n".join(m["text"] for m in self.messages[start:] if m.get("text"))

    async def close(self) -> None:
        """Drop the connection without the polite close handshake, which over long-polling
        can wait for the server's next ping (25 s) before returning."""
        eio = self.client.eio
        tasks = [t for t in (getattr(eio, "read_loop_task", None), getattr(eio, "write_loop_task", None)) if t]
        await eio.disconnect(abort=True)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.client.disconnect()
