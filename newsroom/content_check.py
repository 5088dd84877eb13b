"""`make check-content`: every suggestion button leads somewhere, every topic and section is reached.

The walk goes through the running assistant over REST, as a reader clicking buttons would:
from the menu ("what can you do?") it opens each topic it can reach, and in that topic's
conversation clicks every button the answer offers, asking the topic again before the next
one so each click happens where the button was shown. A button leads nowhere unless its
reply is an answer from the store (an attribution payload) on the topic of the button's
intent. Static checks on the files cover the rest: the store loads, every section in
source.yml's list of the explainer's headings is cited by a topic, and every entity marked
``mentioned`` has an answer and a home topic, and gets an answer when asked.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import requests
import yaml

from actions.content_store import ContentError, ContentStore, YamlContentStore

MENU = "menu"
MENU_PAYLOAD = "/ask_capabilities"
ENTITY_QUESTION = "what about {name}?"
RETRY_DEADLINE = 120.0


@dataclass(frozen=True)
class Edge:
    """A button shown after ``source`` (a topic id or MENU) and where clicking it led."""

    source: str
    title: str
    payload: str
    target: Optional[str]  # the topic answered, or None: it leads nowhere
    reply: str = ""


@dataclass
class Result:
    """What the check found: the map's edges and every problem, each naming what to fix."""

    edges: List[Edge] = field(default_factory=list)
    topics: Dict[str, str] = field(default_factory=dict)  # id -> group, each group's lead first
    groups: List[str] = field(default_factory=list)  # in the store's order
    reached: Set[str] = field(default_factory=set)
    problems: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class RestClient:
    """One conversation per call site; waits out 429s within a deadline, fails on other errors."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.url = f"{base_url.rstrip('/')}/webhooks/rest/webhook"
        self.timeout = timeout

    def send(self, sender: str, text: str) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + RETRY_DEADLINE
        while True:
            response = requests.post(self.url, json={"sender": sender, "message": text}, timeout=self.timeout)
            if response.status_code == 429 and time.monotonic() < deadline:
                time.sleep(min(float(response.headers.get("Retry-After") or 1), 10.0))  # the server's own wait
                continue
            response.raise_for_status()
            return response.json()


def _attribution(messages: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    return next((m["custom"] for m in messages if isinstance(m.get("custom"), dict)
                 and m["custom"].get("type") == "attribution"), None)


def _buttons(messages: List[Dict[str, Any]]) -> List[Tuple[str, str]]:
    return [(str(b.get("title")), str(b.get("payload"))) for m in messages for b in m.get("buttons") or []]


def _text(messages: List[Dict[str, Any]]) -> str:
    return " ".join(m["text"] for m in messages if m.get("text"))[:120]


def walk(client: RestClient, store: ContentStore, result: Result) -> None:
    """Breadth-first over buttons from the menu, recording edges and problems."""
    payload_of = {MENU: MENU_PAYLOAD, **{t.id: f"/{t.intent}" for t in store.list_topics()}}
    queue = deque([MENU])
    opened: Set[str] = {MENU}
    while queue:
        source = queue.popleft()
        sender = f"check-content-{uuid.uuid4().hex[:10]}"
        shown = client.send(sender, payload_of[source])
        for title, payload in _buttons(shown):
            reply = client.send(sender, payload)
            attribution = _attribution(reply)
            expected = store.topic_for_intent(payload[1:]) if payload.startswith("/") else None
            target = attribution.get("topic") if attribution else None
            if target is None or expected is None or target != expected.id:
                result.edges.append(Edge(source, title, payload, None, _text(reply)))
                result.problems.append(
                    f"topic '{source}': button '{title}' ({payload}) leads nowhere: "
                    + (f"the assistant answered topic '{target}'" if target else f"the reply was “{_text(reply)}”")
                )
            else:
                result.edges.append(Edge(source, title, payload, target))
                result.reached.add(target)
                if target not in opened:
                    opened.add(target)
                    queue.append(target)
            if source != MENU:
                client.send(sender, payload_of[source])  # back where the next button is shown


def check_entities(client: RestClient, store: ContentStore, result: Result) -> None:
    """Ask about every entity marked mentioned: it must get an answer from the store."""
    for entity in store.list_entities():
        if not entity.mentioned:
            continue
        sender = f"check-content-{uuid.uuid4().hex[:10]}"
        reply = client.send(sender, ENTITY_QUESTION.format(name=entity.name))
        if _attribution(reply) is None:
            result.problems.append(
                f"entity '{entity.id}' is marked mentioned but asking “{ENTITY_QUESTION.format(name=entity.name)}” "
                f"got no answer: “{_text(reply)}”"
            )


def _raw(path: Path) -> Dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def check_files(content_dir: Path, result: Result) -> Optional[ContentStore]:
    """Load the store and run the checks that need no assistant; None if it does not load."""
    for raw in _raw(content_dir / "entities.yml").get("entities") or []:
        if isinstance(raw, dict) and raw.get("mentioned") is True and not (raw.get("answer") and raw.get("topic")):
            result.problems.append(f"entity '{raw.get('id', '?')}' is marked mentioned but has no answer or topic")
    try:
        store = YamlContentStore.load(content_dir)
    except ContentError as error:
        result.problems.append(f"the content store does not load: {error}")
        return None
    result.groups = [g.id for g in store.list_groups()]
    leads = {g.lead_topic for g in store.list_groups()}
    ordered = sorted(store.list_topics(), key=lambda t: (t.id not in leads,))
    result.topics = {t.id: t.group for t in ordered}
    # The store itself rejects a topic citing a heading not in source.yml's list.
    cited = {t.section for t in store.list_topics()}
    for section in store.source.sections:
        if section not in cited:
            result.problems.append(f"section “{section}” of the explainer is cited by no topic")
    return store


def run(base_url: str, content_dir: Path) -> Result:
    """Every check, against the assistant at ``base_url`` serving ``content_dir``."""
    result = Result()
    store = check_files(content_dir, result)
    if store is None:
        return result
    client = RestClient(base_url)
    walk(client, store, result)
    for topic in store.list_topics():
        if topic.id not in result.reached:
            result.problems.append(f"topic '{topic.id}' (“{topic.question}”) is reached by no path of buttons from the menu")
    check_entities(client, store, result)
    return result
