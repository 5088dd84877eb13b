"""Session-wide fixtures: one action server and one Rasa server for every end-to-end suite."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.support.servers import MODEL, Server, serving, start_action_server, start_rasa_server
from tests.support.unsure import find_unsure_message


@pytest.fixture(scope="session")
def action_server() -> Iterator[Server]:
    with serving(start_action_server()) as server:
        yield server


@pytest.fixture(scope="session")
def rasa_server(action_server: Server) -> Iterator[Server]:
    with serving(start_rasa_server(action_port=action_server.port)) as server:
        yield server


@pytest.fixture(scope="session")
def unsure_message(rasa_server: Server) -> str:
    """A vague message that the trained model answers with 'Did you mean' (tests/support/unsure.py)."""
    return find_unsure_message(rasa_server.url)


@pytest.fixture(scope="session")
def model_path() -> str:
    if not MODEL.exists():
        pytest.fail(f"no model at {MODEL}: run `make train` first")
    return str(MODEL)


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the figures the suites measured (NLU accuracy, ...) above pytest's closing line."""
    from tests.support.metrics import RECORDED

    if RECORDED:
        terminalreporter.section("measured")
        for name, value in RECORDED:
            terminalreporter.write_line(f"{name}: {value}")
