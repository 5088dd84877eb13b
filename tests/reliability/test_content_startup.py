"""A broken content store stops the real action server at start-up, naming file and problem.

Each case copies content/, breaks one thing, and starts scripts/action_server.py on it
(ISK_CONTENT_DIR): it must exit non-zero within seconds, never serve a half-loaded bot.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Callable, Dict, Tuple

import pytest
import yaml

from tests.support.servers import ROOT, Server, http_ok, start_action_server

CONTENT = ROOT / "content"


def _missing_file(root: Path) -> Tuple[str, str]:
    (root / "source.yml").unlink()
    return "source.yml", "not found"


def _invalid_yaml(root: Path) -> Tuple[str, str]:
    (root / "topics" / "size.yml").write_text("topics:\n  - id: size\n    answer: [unclosed\n")
    return "size.yml", "invalid YAML"


def _topic_without_source(root: Path) -> Tuple[str, str]:
    path = root / "topics" / "size.yml"
    data = yaml.safe_load(path.read_text())
    del data["topics"][0]["section"]  # the explainer section the answer is attributed to
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return "size.yml", "section"


def _duplicate_id(root: Path) -> Tuple[str, str]:
    source = yaml.safe_load((root / "topics" / "size.yml").read_text())
    copy = dict(source["topics"][0], intent="ask_copied_size")
    (root / "topics" / "zz_copy.yml").write_text(yaml.safe_dump({"topics": [copy]}, allow_unicode=True))
    return "zz_copy.yml", "duplicate topic id"


BREAKAGES: Dict[str, Callable[[Path], Tuple[str, str]]] = {
    "missing-file": _missing_file,
    "invalid-yaml": _invalid_yaml,
    "topic-without-source": _topic_without_source,
    "duplicate-id": _duplicate_id,
}


@pytest.fixture(scope="module")
def broken_starts(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Tuple[Server, str, str, float]]:
    """Start one action server per breakage, all at once, and wait for each to exit."""
    started: Dict[str, Tuple[Server, str, str, float]] = {}
    for name, breakage in BREAKAGES.items():
        root = tmp_path_factory.mktemp(name) / "content"
        shutil.copytree(CONTENT, root)
        file_name, problem = breakage(root)
        server = start_action_server(name=f"broken-{name}", ISK_CONTENT_DIR=str(root))
        started[name] = (server, file_name, problem, time.monotonic())
    results = {}
    for name, (server, file_name, problem, t0) in started.items():
        try:
            server.process.wait(timeout=90)
        except Exception:
            server.stop()
        results[name] = (server, file_name, problem, time.monotonic() - t0)
    return results


@pytest.mark.parametrize("name", list(BREAKAGES))
def test_broken_content_stops_startup_naming_file_and_problem(broken_starts, name: str) -> None:
    server, file_name, problem, seconds = broken_starts[name]
    assert server.process.returncode not in (None, 0), "the action server must refuse to start"
    assert not http_ok(server.health_url)
    output = server.log_path.read_text(errors="replace")
    error_lines = [line for line in output.splitlines() if "content error" in line]
    assert error_lines, output[-2000:]
    assert file_name in error_lines[0] and problem in error_lines[0], error_lines[0]
    assert seconds < 60, f"took {seconds:.0f}s to fail"


def test_intact_content_starts() -> None:
    """The control case: the same launcher on the real content/ serves."""
    server = start_action_server(name="intact-content", ISK_CONTENT_DIR=str(CONTENT))
    try:
        server.wait_ready(timeout=90)
    finally:
        server.stop()
