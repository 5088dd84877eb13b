"""Load the trained model once in-process and parse the held-out set with it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

import pytest

from tests.support.servers import MODEL

HELDOUT = Path(__file__).resolve().parents[1] / "nlu_heldout.yml"
Span = Tuple[str, int, int, str]


@dataclass(frozen=True)
class Case:
    """One held-out example: the text, its gold intent and gold entity spans."""

    text: str
    intent: str
    entities: Set[Span]


@dataclass(frozen=True)
class Prediction:
    case: Case
    intent: str
    ranking: List[Dict[str, Any]]
    entities: Set[Span]


def load_cases() -> List[Case]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(HELDOUT))
    return [
        Case(
            text=m.get("text"),
            intent=m.get("intent"),
            entities={(e["entity"], e["start"], e["end"], e["value"]) for e in m.get("entities") or []},
        )
        for m in data.intent_examples
    ]


@pytest.fixture(scope="session")
def predictions() -> List[Prediction]:
    from rasa.core.agent import Agent

    if not MODEL.exists():
        pytest.fail(f"no model at {MODEL}: run `make train` first")
    agent = Agent.load(str(MODEL))

    async def parse_all() -> List[Prediction]:
        out = []
        for case in load_cases():
            parsed = await agent.parse_message(case.text)
            spans = {(e["entity"], e["start"], e["end"], e["value"]) for e in parsed.get("entities") or []}
            out.append(Prediction(case, parsed["intent"]["name"], parsed.get("intent_ranking") or [], spans))
        return out

    return asyncio.run(parse_all())
