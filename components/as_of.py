"""A question about IS-K "now" that the explainer answers as of August 2021 (issue 10.6).

"How many fighters do they have now?" asks about a state the explainer describes as of its
date; "any attacks since August?" asks about events after it. The classifier reads both as
``ask_after_date`` (time words win); CompoundQuestions then classifies the question without its
time words, and a confident topic lets action_after_date give that answer after its caveat.
"""

from __future__ import annotations

import re
from typing import Optional

AS_OF_KEY = "as_of"
# Words that place a state in the present: the explainer's answer as of August 2021 still helps.
_NOW = re.compile(
    r"\b(?:right now|now|today|nowadays|these days|currently|at the moment|at present|presently|"
    r"still|anymore|any more|as of now|at this point)\b[,]?", re.IGNORECASE)
# Words that ask for events or change after the explainer: only the caveat is honest.
_EVENTS = re.compile(
    r"\b(?:news|latest|recent(?:ly)?|update[sd]?|happen(?:ed|ing)?|since|lately|yet|last (?:year|month|week)|"
    r"this (?:year|month|week)|next|future|will|going to|grow(?:n|ing)?|shr[iu]nk|chang(?:e|ed|ing)|"
    r"stronger|weaker|20(?:2[2-9]|[3-9]\d))\b", re.IGNORECASE)


def state_question(text: str) -> Optional[str]:
    """The question without its time words, or None when it asks about later events.

    None too when it has no time word: then it was not read as "after the explainer" for time.
    """
    if not _NOW.search(text) or _EVENTS.search(text):
        return None
    stripped = re.sub(r"\s+([?.!,])", r"\1", re.sub(r"\s{2,}", " ", _NOW.sub(" ", text))).strip(" ,")
    return stripped if re.search(r"[^\W\d_]{3}", stripped) else None


# What is left of "and now?", "what about today?", "so, these days?" without the time words.
_FILLER = re.compile(r"^(?:and|so|but|ok(?:ay)?|then|well|what\s+about|how\s+about|and\s+what\s+about|is\s+that\s+so)?$",
                     re.IGNORECASE)


def bare_now(text: str) -> bool:
    """'and now?', 'what about today?': the last topic asked again for the present, no question of its own."""
    if not _NOW.search(text) or _EVENTS.search(text):
        return False
    rest = re.sub(r"[^\w\s]", " ", _NOW.sub(" ", text))
    return bool(_FILLER.match(" ".join(rest.split())))

