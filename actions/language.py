"""The note, in the reader's language, that the assistant answers in English (issue 10.5).

Why: a question in Dari or French must never get an unrelated English reply on its own. The
NLU adds the message's language (components/language_id.py) and keeps only questions it
understood (components/language_route.py); the actions put this note first. The translations
live in the content store (content/languages.yml), not in Python.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

import yaml

from actions.content_store import ContentError

FILE_NAME = "languages.yml"
DEFAULT_LANGUAGE = "en"
_CODE = re.compile(r"^[a-z]{2,3}$")


def parse_notes(data: Any, path: Path) -> Dict[str, str]:
    """``language_notes`` as {code: note}; a clear ContentError names what is wrong."""
    notes = data.get("language_notes") if isinstance(data, Mapping) else None
    if not isinstance(notes, Mapping) or not notes:
        raise ContentError(f"{path}: 'language_notes' must map language codes to notes")
    for code, note in notes.items():
        if not isinstance(code, str) or not _CODE.match(code):
            raise ContentError(f"{path}: {code!r} is not a language code (ISO 639-1, e.g. 'fa')")
        if not isinstance(note, str) or not note.strip():
            raise ContentError(f"{path}: the note for {code!r} is empty")
    return {code: note.strip() for code, note in notes.items()}


@lru_cache(maxsize=4)
def load_notes(content_dir: Path) -> Dict[str, str]:
    """The notes of the store in ``content_dir``, read once per process."""
    path = content_dir / FILE_NAME
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path}: cannot read the language notes: {error}") from error
    return parse_notes(data, path)


def reader_language(parse_data: Mapping[str, Any]) -> Optional[str]:
    """The message's language code when it is not English (None for English or payloads)."""
    code = (parse_data.get("language") or {}).get("code")
    return code if isinstance(code, str) and code != DEFAULT_LANGUAGE else None


def note_for(parse_data: Mapping[str, Any], notes: Mapping[str, str]) -> Optional[str]:
    """The note to say first for this message, if it is in a language with a note."""
    code = reader_language(parse_data)
    return notes.get(code) if code else None
