"""Process-wide fixes for per-turn costs of Rasa 3.6.21 that `make bench` found.

Each gives the same result for less CPU; all are installed once per process by
:func:`install` (called from ``configure_process``).

- NumPy's and SciPy's OpenBLAS start one worker thread per core, and a worker that waits
  for work spins on ``sched_yield`` rather than sleeping. A turn's matrices (one message's
  features against a classifier's weights) are far too small to split across threads, yet
  every small BLAS call woke the worker: it burned about 45% of the server's CPU (perf,
  74 -> 39 ms of CPU per turn with one thread). BLAS runs on the calling thread instead.

- Every custom action's reply is checked with ``jsonschema.validate``, which first checks
  the schema itself against the draft 2020-12 meta-schema: about 20 ms of CPU per action
  call, the largest single cost of a turn. A validator compiled once checks the same schema
  in about 0.3 ms; an invalid reply still goes through Rasa's own code, so its error is
  unchanged.
- Reading a conversation from the tracker store turns every stored event back into an
  object with ``Event.resolve_by_type``, which walks all ~40 ``Event`` subclasses for each
  event (8-10% of the server's CPU). The answer for a type name never changes, so it is
  remembered.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional, Text, Type

_INSTALLED = "_isk_speedup"


def compile_action_validation() -> None:
    """Validate action-server replies with a validator built once, not per call."""
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, _INSTALLED, False):
        return
    spec = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(spec)
    validator_class.check_schema(spec)
    validator = validator_class(spec)
    rasa_validate = RemoteAction._validate_action_result

    def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
        if validator.is_valid(result):
            return True
        return rasa_validate(self, result)  # raises Rasa's own ValidationError

    setattr(_validate_action_result, _INSTALLED, True)
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]


def cache_event_types() -> None:
    """Remember which Event class each type name resolves to."""
    from rasa.shared.core.events import Event

    if getattr(Event.resolve_by_type, _INSTALLED, False):
        return
    rasa_resolve = Event.resolve_by_type
    known: Dict[Text, Type[Event]] = {}

    def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
        found = known.get(type_name)
        if found is not None:
            return found
        found = rasa_resolve(type_name, default)  # Rasa's answer, its errors included
        if found is not None and found is not default:
            known[type_name] = found
        return found

    setattr(resolve_by_type, _INSTALLED, True)
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[assignment]


def single_threaded_blas() -> None:
    """Run BLAS (NumPy's and SciPy's OpenBLAS) on the calling thread only.

    The libraries already loaded are limited now; one loaded later reads the variable.
    """
    from threadpoolctl import threadpool_limits

    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    threadpool_limits(limits=1, user_api="blas")


def install() -> None:
    single_threaded_blas()
    compile_action_validation()
    cache_event_types()
