"""What the channels say themselves, without asking Rasa: no explainer facts here."""

from __future__ import annotations

from typing import Dict

REPLIES: Dict[str, str] = {
    "empty": "Please ask a question about the explainer, for example \"Who are IS-K?\" or type \"help\".",
    "too_long": "That message is too long for me. Please ask one short question (at most {max_chars} characters).",
    "trouble": "I'm having trouble answering right now, please try again in a moment.",
    "unreadable": "Sorry, I couldn't read that message. Please type your question again.",
    "slow_down": "You're sending messages faster than I can answer. Please wait a few seconds, then ask again.",
}


def reply_text(key: str, max_chars: int) -> str:
    """The text of a channel reply, with its limit filled in."""
    return REPLIES[key].format(max_chars=max_chars)
