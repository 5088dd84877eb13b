"""`make check-content`: passes on the real content; fails, naming the topic, on a broken copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from actions.content_store import DEFAULT_CONTENT_DIR, YamlContentStore
from newsroom import content_map
from newsroom.content_check import MENU, run
from tests.support.servers import ROOT, Server


def test_real_content_passes_through_the_running_assistant(rasa_server: Server, tmp_path: Path) -> None:
    result = run(rasa_server.url, DEFAULT_CONTENT_DIR)
    assert result.problems == []
    store = YamlContentStore.load(DEFAULT_CONTENT_DIR)
    assert result.reached == {t.id for t in store.list_topics()}
    menu = [e for e in result.edges if e.source == MENU]
    assert {e.target for e in menu} == {g.lead_topic for g in store.list_groups()}
    assert all(e.target is not None for e in result.edges)
    picture = content_map.draw(result, tmp_path / "map.png")
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size > 20_000


def test_a_button_that_leads_nowhere_fails_naming_the_topic(tmp_path: Path) -> None:
    """The losses topic's intent is renamed to one the model does not know: the button to it
    (shown after "How big is IS-K?") leads nowhere, and losses is reached from nowhere."""
    content = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, content)
    size_file = content / "topics" / "size.yml"
    text = size_file.read_text(encoding="utf-8")
    assert text.count("intent: ask_losses") == 1
    size_file.write_text(text.replace("intent: ask_losses", "intent: ask_lost_fighters"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_content.py"), "--content", str(content), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    failures = [line for line in done.stdout.splitlines() if "FAIL" in line]
    assert any("topic 'size'" in line and "/ask_lost_fighters" in line and "leads nowhere" in line
               for line in failures), done.stdout
    assert any("topic 'losses'" in line and "reached by no path" in line for line in failures), done.stdout
    assert (tmp_path / "map.png").exists()
