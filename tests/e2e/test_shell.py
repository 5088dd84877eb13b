"""`rasa shell` driven through a pseudo-terminal, as a person at a terminal would use it."""

from __future__ import annotations

from typing import Iterator

import pexpect
import psutil
import pytest

from tests.support.servers import MODEL, ROOT, VENV_BIN, Server, base_env, free_port, sqlite_tracker_env

PROMPT = "Your input ->"


@pytest.fixture(scope="module")
def shell(action_server: Server) -> Iterator[pexpect.spawn]:
    action_port = str(action_server.port)
    port = free_port()
    env = base_env(ACTION_PORT=action_port, SHELL_PORT=str(port), **sqlite_tracker_env("shell", port))
    # The README's command (`make shell` runs this script), not a bare `rasa shell`.
    child = pexpect.spawn(
        str(ROOT / "scripts" / "shell.sh"),
        [str(VENV_BIN.parent), str(MODEL)],
        cwd=str(ROOT), env=env, encoding="utf-8", timeout=180,
        dimensions=(50, 200),
    )
    try:
        child.expect(PROMPT)
        child.shell_port = port  # type: ignore[attr-defined]
        yield child
    finally:
        child.terminate(force=True)


def test_shell_server_listens_on_loopback_only(shell: pexpect.spawn) -> None:
    """`rasa shell` starts a full Rasa server; left on every interface it would expose the API."""
    addresses = {c.laddr.ip for c in psutil.net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == shell.shell_port}
    assert addresses == {"127.0.0.1"}


def expect_in_order(child: pexpect.spawn, *patterns: str, timeout: float = 60) -> None:
    """Each literal text must appear in the terminal, in this order (a timeout fails the test)."""
    for pattern in patterns:
        child.expect_exact(pattern, timeout=timeout)


def test_shell_answers_a_question_with_source_then_numbered_suggestions(shell: pexpect.spawn) -> None:
    shell.sendline("where are IS-K based?")
    # (the prompt is redrawn with the typed line first, so wait for the answer, then the prompt)
    shell.expect_exact("IS-K's base is in Nangarhar", timeout=60)
    shell.expect_exact(PROMPT, timeout=60)
    screen = "IS-K's base is in Nangarhar" + shell.before
    # the answer, its source line, then the suggested questions as numbered text with what to
    # type; no raw attribution JSON (that payload is for REST and the widget)
    parts = ["IS-K's base is in Nangarhar", "(reflects August 2021)", "You could ask next",
             "1: Where has IS-K carried out attacks? (/ask_provinces)"]
    positions = [screen.find(part) for part in parts]
    assert -1 not in positions and positions == sorted(positions), screen
    assert "Custom json" not in screen and "attribution" not in screen, screen


def test_shell_typing_a_button_payload_asks_that_question(shell: pexpect.spawn) -> None:
    shell.sendline("/ask_provinces")
    expect_in_order(shell, "Kunar, Jowzjan, Paktia, Kunduz and Herat", PROMPT)


def test_shell_follow_up_uses_context(shell: pexpect.spawn) -> None:
    shell.sendline("tell me more")
    expect_in_order(shell, "More on that:", "Its base is in Nangarhar", PROMPT)
