"""One conversation served by two Rasa replicas that share PostgreSQL and Redis.

A load balancer without stickiness sends each message anywhere; the conversation must not
notice, and the tracker in PostgreSQL must read as if one process had served it.
"""

from __future__ import annotations

import threading
from typing import Dict, List, Tuple

import pytest

from tests.cluster import tracker_db
from tests.cluster.conftest import Cluster
from tests.support.rest import RestChat, texts

# (replica index, message, what the answer must contain). Every follow-up lands on the
# other replica than the answer it follows up on.
HOPPING = [
    (0, "where are IS-K based?", "Nangarhar"),
    (1, "what about Herat?", "Herat"),
    (0, "where are IS-K based?", "Nangarhar"),
    (1, "tell me more", "Kunar"),
    (0, "and the taliban links?", "Haqqani"),
    (1, "go on", "Khalil Haqqani"),
]


def test_conversation_hops_between_replicas_without_noticing(cluster: Cluster) -> None:
    sender = cluster.sender("hop")
    chats = [RestChat(replica.url, sender) for replica in cluster.replicas]
    for replica, message, expected in HOPPING:
        answer = chats[replica].ask(message)
        assert expected in answer, f"replica {'ab'[replica]} answered {message!r} with {answer!r}"

    stored = tracker_db.events(cluster.database_url, sender)
    assert tracker_db.user_texts(stored) == [message for _, message, _ in HOPPING]
    assert tracker_db.turn_problems(stored) == []
    assert tracker_db.duplicates(stored) == []
    stamps = [e.data["timestamp"] for e in stored]
    assert stamps == sorted(stamps), "events stored out of order"
    topics = [e.data.get("value") for e in stored if e.type_name == "slot" and e.data.get("name") == "topic"]
    assert topics and topics[-1] is not None  # the context the next replica reads is in PostgreSQL


def send_together(cluster: Cluster, sender: str, messages: Tuple[str, str]) -> List[List[Dict]]:
    """Post one message to each replica at the same instant (a barrier releases both)."""
    barrier = threading.Barrier(len(messages))
    replies: List[List[Dict]] = [[] for _ in messages]

    def post(index: int) -> None:
        chat = RestChat(cluster.replicas[index].url, sender)
        barrier.wait(timeout=10)
        replies[index] = chat.send(messages[index])

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(messages))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return replies


@pytest.mark.parametrize("round_", range(12))
def test_simultaneous_messages_on_two_replicas_are_served_one_after_the_other(cluster: Cluster, round_: int) -> None:
    """Without the shared lock, both replicas read the same tracker and one turn is lost."""
    sender = cluster.sender(f"same-instant-{round_}")
    opening = RestChat(cluster.replicas[0].url, sender).ask("where are IS-K based?")
    assert "Nangarhar" in opening

    replies = send_together(cluster, sender, ("how big is IS-K?", "what about Herat?"))

    assert "3,000" in texts(replies[0]) or "fighters" in texts(replies[0]), replies[0]
    assert "Herat" in texts(replies[1]), replies[1]
    stored = tracker_db.events(cluster.database_url, sender)
    said = tracker_db.user_texts(stored)
    assert said[0] == "where are IS-K based?"
    assert sorted(said[1:]) == sorted(["how big is IS-K?", "what about Herat?"])
    assert tracker_db.turn_problems(stored) == []
    assert tracker_db.duplicates(stored) == []
