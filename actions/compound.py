"""Several answers in one turn: two or three questions in one message (issue 10.2).

Pure composition: each clause's Reply keeps its own source line and attribution payload;
only the last carries the suggestion buttons (one set a turn) and the context slots, so a
"tell me more" afterwards continues the last topic answered.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, List, Optional, Sequence

from actions import answers, premises
from actions.content_store import ContentStore

MAX_ANSWERS = 3
# The parse-data key components/compound.py writes.
COMPOUND_KEY = "compound"


def compose(replies: Sequence[answers.Reply], limit: int = MAX_ANSWERS) -> List[answers.Reply]:
    """Up to ``limit`` distinct replies in order; buttons only on the last, slots only from it."""
    kept: List[answers.Reply] = []
    for reply in replies:
        # Two clauses that mean one question, or ask one topic ("did they attack hospitals? and
        # girls' schools?"), get one answer; the longer (the one with a Yes:/No: verdict before
        # the same answer text) is kept, in the first one's place.
        same = next((i for i, r in enumerate(kept) if r.text.endswith(reply.text) or reply.text.endswith(r.text)
                     or (reply.topic_id is not None and r.topic_id == reply.topic_id)), None)
        if same is not None:
            if len(reply.text) > len(kept[same].text):
                kept[same] = reply
            continue
        kept.append(reply)
        if len(kept) == limit:
            break
    if len(kept) < 2:
        return kept
    last = kept[-1]
    firsts = [replace(r, buttons=(), topic_id=None, detail_index=None) for r in kept[:-1]]
    return [*firsts, last]


def clause_replies(store: ContentStore, clauses: Sequence[Dict[str, Any]],
                   current_topic_id: Optional[str]) -> List[answers.Reply]:
    """One Reply per clause the store can answer (a topic intent or a named entity), in order."""
    found: List[answers.Reply] = []
    for clause in clauses[:MAX_ANSWERS]:
        entities = answers.recognised_entities(store, clause.get("entities") or [])
        reply = answers.answer_question(store, clause.get("intent"), entities, current_topic_id)
        if reply is not None:
            found.append(premises.premise_first(store, str(clause.get("text") or ""), reply, clause.get("intent")))
    return found
