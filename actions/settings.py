"""Settings for the action server, read from the environment with working defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from actions.content_store import DEFAULT_CONTENT_DIR


@dataclass(frozen=True)
class Settings:
    """Everything the actions can be tuned with, in one place."""

    content_dir: Path
    # Candidates below this NLU confidence are not offered as "Did you mean ...?" buttons.
    suggestion_min_confidence: float
    # ... and below this share of the best guess's confidence: a distant runner-up is not a
    # question the reader could have meant, so the rephrase prompt is better than a wrong button.
    suggestion_min_ratio: float = 0.5
    # A message of at most this many words that names nothing is read as a follow-up on the
    # topic under discussion when that topic scores this share of the best topic guess
    # (actions/context.py); a ratio above 1 turns it off.
    followup_max_words: int = 8
    followup_min_ratio: float = 0.35
    # ... and a message of question words and pronouns only ("when was that?") always is.
    followup_topicless: bool = True
    # ... except a "when" on a topic with no date, guessed as a related topic that has one.
    followup_related: bool = True
    # ... and "he"/"she" on a topic about a person is about that topic.
    followup_persons: bool = True


def load_settings() -> Settings:
    """Read ``ISK_*`` variables; unset ones fall back to defaults that work out of the box."""
    return Settings(
        content_dir=Path(os.environ.get("ISK_CONTENT_DIR", str(DEFAULT_CONTENT_DIR))),
        suggestion_min_confidence=float(os.environ.get("ISK_SUGGESTION_MIN_CONFIDENCE", "0.1")),
        suggestion_min_ratio=float(os.environ.get("ISK_SUGGESTION_MIN_RATIO", "0.5")),
        followup_max_words=int(os.environ.get("ISK_FOLLOWUP_MAX_WORDS", "8")),
        followup_min_ratio=float(os.environ.get("ISK_FOLLOWUP_MIN_RATIO", "0.35")),
        followup_topicless=os.environ.get("ISK_FOLLOWUP_TOPICLESS", "1") != "0",
        followup_related=os.environ.get("ISK_FOLLOWUP_RELATED", "1") != "0",
        followup_persons=os.environ.get("ISK_FOLLOWUP_PERSONS", "1") != "0",
    )
