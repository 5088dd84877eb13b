"""Mask personal data in readers' messages before any of it reaches a report.

E-mail addresses, URLs and phone numbers become placeholders. Dates and year ranges the
explainer is about ("2019-2021", "26 August 2021") are not phone numbers: a run of digits
counts as one only with nine digits or more, or seven or more after a leading "+".
"""

from __future__ import annotations

import re

EMAIL = "[email]"
URL = "[url]"
PHONE = "[phone]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_URL = re.compile(r"\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|info|io|af|pk|uk)(?:/\S*)?\b",
                  re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w])\+?\d[\d\s().-]{5,}\d(?![\w])")


def _phone(match: "re.Match[str]") -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    return PHONE if digits >= 9 or (text.startswith("+") and digits >= 7) else text


def mask(text: str) -> str:
    """``text`` with e-mail addresses, URLs and phone numbers replaced by placeholders."""
    text = _EMAIL.sub(EMAIL, text)
    text = _URL.sub(URL, text)
    return _PHONE.sub(_phone, text)
