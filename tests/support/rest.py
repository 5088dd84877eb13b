"""A tiny client for Rasa's REST channel, as a widget-less reader would use it."""

from __future__ import annotations

import uuid
from typing import Any, Dict, List

import requests


class RestChat:
    """One conversation (sender id) with a Rasa server's REST webhook."""

    def __init__(self, base_url: str, sender: str = "") -> None:
        self.url = f"{base_url}/webhooks/rest/webhook"
        self.sender = sender or f"test-{uuid.uuid4().hex[:12]}"

    def send(self, text: str, timeout: float = 30.0) -> List[Dict[str, Any]]:
        """Post one message; return the bot's messages (raises on HTTP errors)."""
        response = requests.post(self.url, json={"sender": self.sender, "message": text}, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def ask(self, text: str) -> str:
        """Post one message; return all the bot's text joined, for simple assertions."""
        return "\n".join(m["text"] for m in self.send(text) if m.get("text"))


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(m["text"] for m in messages if m.get("text"))


def buttons(messages: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    return [b for m in messages for b in m.get("buttons") or []]


def custom(messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [m["custom"] for m in messages if m.get("custom")]
