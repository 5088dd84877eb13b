"""Kill one replica (SIGKILL) in the middle of a load: the other answers everything, in context.

The client routes like a load balancer without stickiness: turns alternate between the
two replicas; a connection that fails on the dead one is retried on the survivor, and the
dead one gets no more traffic. A message the dead replica was processing keeps its
conversation locked until the ticket expires (TICKET_LOCK_LIFETIME), then goes on.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import List

import requests

from tests.cluster import tracker_db
from tests.cluster.conftest import TICKET_LOCK_LIFETIME, Cluster
from tests.support.metrics import record
from tests.support.rest import texts
from tests.support.servers import Server

# (message, what the answer must contain, needs the previous turn's context)
SCRIPT = [
    ("where are IS-K based?", "Nangarhar", False),
    ("tell me more", "Kunar", True),
    ("and the taliban links?", "Haqqani", False),
    ("go on", "Khalil Haqqani", True),
]
CONVERSATIONS = 6
ROUNDS = 3  # each conversation runs SCRIPT this many times
KILL_AFTER = 0.4  # share of all turns answered before the kill
TIMEOUT_S = float(TICKET_LOCK_LIFETIME) + 25


@dataclass
class Turn:
    conversation: int
    index: int
    message: str
    answer: str
    replica: str
    retried: bool
    after_kill: bool
    seconds: float


class Balancer:
    """Alternate between replicas; after one fails to connect, send everything to the other."""

    def __init__(self, victim: Server, survivor: Server) -> None:
        self.victim, self.survivor = victim, survivor
        self.victim_down = threading.Event()
        self.kill_point = threading.Event()
        self.killed = threading.Event()

    def post(self, sender: str, message: str, prefer_victim: bool) -> tuple:
        """Return (reply, replica name, retried)."""
        body = {"sender": sender, "message": message}
        if prefer_victim and not self.victim_down.is_set():
            try:
                reply = requests.post(f"{self.victim.url}/webhooks/rest/webhook", json=body, timeout=TIMEOUT_S)
                reply.raise_for_status()
                return reply.json(), self.victim.name, False
            except requests.RequestException:
                self.victim_down.set()
                retried = True
        else:
            retried = False
        reply = requests.post(f"{self.survivor.url}/webhooks/rest/webhook", json=body, timeout=TIMEOUT_S)
        reply.raise_for_status()
        return reply.json(), self.survivor.name, retried


def converse(balancer: Balancer, sender: str, number: int, turns: List[Turn], progress: List[int], total: int) -> None:
    """One reader's turns in order; odd conversations ask topics on the victim, follow-ups on the survivor.

    Conversation 1 marks the kill point: once enough of the load is answered and the victim
    has just answered its topic question, it waits for the kill before its follow-up, so at
    least one follow-up must be answered by the survivor from the dead replica's context.
    """
    for index in range(len(SCRIPT) * ROUNDS):
        message = SCRIPT[index % len(SCRIPT)][0]
        after_kill = balancer.killed.is_set()
        started = time.perf_counter()
        reply, replica, retried = balancer.post(sender, message, prefer_victim=(index + number) % 2 == 1)
        turns.append(Turn(number, index, message, texts(reply), replica, retried, after_kill,
                          time.perf_counter() - started))
        progress.append(1)
        if (number == 1 and not balancer.killed.is_set() and replica == balancer.victim.name
                and len(progress) >= KILL_AFTER * total):
            balancer.kill_point.set()
            assert balancer.killed.wait(timeout=60), "the victim was never killed"


def kill_at_kill_point(balancer: Balancer, deadline_s: float = 120) -> None:
    """SIGKILL the victim when conversation 1 reaches the kill point, mid-load for the others."""
    reached = balancer.kill_point.wait(timeout=deadline_s)
    balancer.victim.process.kill()
    balancer.victim.process.wait(timeout=10)
    balancer.killed.set()
    assert reached, "the load never reached the kill point"


def matches_sent(said: List[str], sent: List[str], retried: List[str]) -> bool:
    """The stored user messages are those sent, except a retried one may appear twice.

    A replica killed after storing a turn but before answering it leaves that turn in the
    tracker; the client cannot know and asks again, as a reader pressing "send" again would.
    """
    position = 0
    for message in said:
        if position < len(sent) and message == sent[position]:
            position += 1
        elif position > 0 and message == sent[position - 1] and message in retried:
            continue
        else:
            return False
    return position == len(sent)


def test_survivor_answers_every_conversation_in_context_after_a_replica_is_killed(cluster: Cluster) -> None:
    balancer = Balancer(victim=cluster.spare, survivor=cluster.replicas[1])
    senders = [cluster.sender(f"failover-{n}") for n in range(CONVERSATIONS)]
    turns: List[Turn] = []
    progress: List[int] = []
    total = CONVERSATIONS * len(SCRIPT) * ROUNDS
    with ThreadPoolExecutor(CONVERSATIONS + 1) as pool:
        killer = pool.submit(kill_at_kill_point, balancer)
        readers = [pool.submit(converse, balancer, s, n, turns, progress, total) for n, s in enumerate(senders)]
        for reader in readers:
            reader.result(timeout=TIMEOUT_S * ROUNDS * len(SCRIPT))
        killer.result(timeout=130)

    assert len(turns) == total
    wrong = []
    for turn in turns:
        expected = SCRIPT[turn.index % len(SCRIPT)][1]
        needs_context = SCRIPT[turn.index % len(SCRIPT)][2]
        # A retried follow-up may have run twice (see matches_sent): it moves one detail on.
        if expected not in turn.answer and not (turn.retried and needs_context and turn.answer):
            wrong.append(f"conv {turn.conversation} turn {turn.index} on {turn.replica}: "
                         f"{turn.message!r} -> {turn.answer[:80]!r}")
    assert wrong == []
    assert any(t.replica == balancer.victim.name for t in turns), "the victim never served"
    for number in range(CONVERSATIONS):
        assert any(t.conversation == number and t.after_kill and t.replica == balancer.survivor.name for t in turns)
    crossed = [t for t in turns if t.after_kill and SCRIPT[t.index % len(SCRIPT)][2]
               and _previous(turns, t).replica == balancer.victim.name]
    assert crossed, "no follow-up after the kill built on an answer the dead replica gave"

    for number, sender in enumerate(senders):
        stored = tracker_db.events(cluster.database_url, sender)
        sent = [SCRIPT[i % len(SCRIPT)][0] for i in range(len(SCRIPT) * ROUNDS)]
        retried = [t.message for t in turns if t.conversation == number and t.retried]
        assert matches_sent(tracker_db.user_texts(stored), sent, retried), (sender, tracker_db.user_texts(stored))
        assert tracker_db.turn_problems(stored) == []
        assert tracker_db.duplicates(stored) == []

    record(
        "kill one of two replicas mid-load",
        f"{total} turns all answered; {sum(t.retried for t in turns)} retried on the survivor "
        f"(slowest {max([t.seconds for t in turns if t.retried] or [0]):.1f} s: a message the dead replica "
        f"held waits for its ticket to expire, lifetime {TICKET_LOCK_LIFETIME} s); "
        f"{len(crossed)} follow-ups after the kill used context from the dead replica",
    )


def _previous(turns: List[Turn], turn: Turn) -> Turn:
    return next(t for t in turns if t.conversation == turn.conversation and t.index == turn.index - 1)
