"""REST conversations against the session's real Rasa and action servers."""

from __future__ import annotations

from typing import Callable

import pytest

from tests.support.rest import RestChat
from tests.support.servers import Server


@pytest.fixture
def chat(rasa_server: Server) -> Callable[[], RestChat]:
    """A factory of fresh conversations (new sender id each)."""
    return lambda: RestChat(rasa_server.url)
