"""The process-wide Rasa fixes behave exactly like Rasa, only cheaper."""

from __future__ import annotations

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
import jsonschema

from channels import speedups
from channels.session import latest_slot_values


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    speedups.install()


def test_valid_action_reply_passes_and_invalid_raises_rasas_error() -> None:
    action = RemoteAction("action_answer", None)
    assert action._validate_action_result({"events": [], "responses": [{"text": "hi"}]})
    with pytest.raises(jsonschema.ValidationError):  # Rasa re-raises it with its own message
        action._validate_action_result({"events": "not a list", "responses": []})


def test_event_type_lookup_is_unchanged() -> None:
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("slot") is SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")


def test_session_carries_one_slot_event_per_slot() -> None:
    tracker = DialogueStateTracker.from_events("s", [
        SlotSet("topic", "size"), ActionExecuted("action_listen"), SlotSet("topic", "base"),
        SlotSet("detail_index", 1.0), SlotSet("topic", "base"),
    ], slots=Domain.from_yaml('version: "3.1"\nslots: {}').slots)
    carried = latest_slot_values(tracker)
    assert [(e.key, e.value) for e in carried] == [("topic", "base"), ("detail_index", 1.0)]


def test_blas_runs_on_the_calling_thread_with_the_same_results() -> None:
    # An idle OpenBLAS worker spins on sched_yield: one thread per BLAS library, same numbers.
    import numpy as np
    from threadpoolctl import threadpool_info

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)
    rng = np.random.default_rng(0)
    features, weights = rng.normal(size=(3, 2000)), rng.normal(size=(2000, 40))
    expected = np.array([[sum(float(a) * float(b) for a, b in zip(row, col)) for col in weights.T] for row in features])
    assert np.allclose(features @ weights, expected, rtol=1e-12, atol=1e-9)
