"""`rasa shell` driven through a pseudo-terminal, as a person at a terminal would use it."""

from __future__ import annotations

import re
from typing import Iterator

import pexpect
import pytest

from tests.support.servers import MODEL, ROOT, VENV_BIN, Server, base_env, free_port

PROMPT = "Your input ->"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture(scope="module")
def shell(action_server: Server) -> Iterator[pexpect.spawn]:
    action_port = action_server.url.rsplit(":", 1)[1]
    child = pexpect.spawn(
        str(VENV_BIN / "rasa"),
        ["shell", "--model", str(MODEL), "--endpoints", "endpoints.yml", "--port", str(free_port())],
        cwd=str(ROOT), env=base_env(ACTION_PORT=action_port), encoding="utf-8", timeout=180,
        dimensions=(50, 200),
    )
    try:
        child.expect(PROMPT)
        yield child
    finally:
        child.terminate(force=True)


def read_until(child: pexpect.spawn, pattern: str, timeout: float = 60) -> str:
    child.expect(pattern, timeout=timeout)
    return ANSI.sub("", child.before + child.after)


def test_shell_answers_a_question_and_shows_buttons_as_text(shell: pexpect.spawn) -> None:
    shell.sendline("where are IS-K based?")
    # the answer, its source line, then the suggested questions as numbered plain text
    output = read_until(shell, r"\?\s*\(Use arrow keys\)")
    assert "Nangarhar" in output
    assert "(reflects August 2021)" in output
    assert "1: Where has IS-K carried out attacks? (/ask_provinces)" in output


def test_shell_choosing_a_button_asks_that_question(shell: pexpect.spawn) -> None:
    # the first choice is highlighted; Enter picks it, like clicking the button
    shell.send("\r")
    output = read_until(shell, r"\(Use arrow keys\)")
    assert "Jowzjan" in output
