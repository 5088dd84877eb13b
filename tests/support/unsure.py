"""A message the trained model is unsure about, for the tests of "Did you mean".

Why: which vague message lands between two topics depends on the training data, so a fixed
one ("who?") stops being unsure when the data grows. The tests pick the first of these
deliberately vague messages that gets "Did you mean" from the session's server (each tried in
a conversation of its own) and fail, naming them all, when none does any more.
"""

from __future__ import annotations

from typing import List, Tuple

from tests.support.rest import RestChat, buttons, texts

DID_YOU_MEAN = "Did you mean one of these?"
# Vague on purpose: a topic word or two, no question the explainer answers as such.
VAGUE: Tuple[str, ...] = (
    "the group?", "tell me", "who?", "what about the group", "them and the others?",
    "the fighters thing", "that group again", "info on it", "and then?", "the other one?",
)


def find_unsure_message(base_url: str, candidates: Tuple[str, ...] = VAGUE) -> str:
    """The first candidate answered with 'Did you mean' and at least one suggestion."""
    seen: List[str] = []
    for text in candidates:
        reply = RestChat(base_url).send(text)
        offered = buttons(reply)
        if texts(reply) == DID_YOU_MEAN and len(offered) >= 2:
            return text
        seen.append(f"{text!r} -> {texts(reply)[:60]!r}")
    raise AssertionError("no vague message gets 'Did you mean' any more:\n" + "\n".join(seen))
