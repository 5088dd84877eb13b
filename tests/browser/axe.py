"""An axe-core audit of the page, from widget/node_modules (npm, never a CDN).

The script is evaluated through the DevTools protocol, which the page's Content-Security-Policy
(script-src 'self') does not apply to, so the audited page is the one readers get.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List

from playwright.sync_api import Page

from tests.support.servers import ROOT

AXE_SCRIPT = ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

RUN = """async (tags) => {
  const results = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 160), summary: n.failureSummary })),
  }));
}"""


@lru_cache(maxsize=1)
def axe_source() -> str:
    if not AXE_SCRIPT.is_file():
        raise AssertionError(f"no {AXE_SCRIPT}: run `make widget` (npm ci installs axe-core from package-lock.json)")
    return AXE_SCRIPT.read_text(encoding="utf-8")


def violations(page: Page) -> List[Dict[str, Any]]:
    """The WCAG A/AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(RUN, WCAG_TAGS)


def describe(found: List[Dict[str, Any]]) -> str:
    """Each violation: the rule id, what it asks, and every element that breaks it."""
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        lines.extend(f"    {node['target']}: {node['html']}\n      {node['summary']}" for node in violation["nodes"])
    return "\n".join(lines)


def assert_accessible(page: Page, state: str) -> None:
    """Fail with the rule ids and elements when the page breaks a WCAG A/AA rule in ``state``."""
    found = violations(page)
    assert not found, f"axe-core found WCAG A/AA violations {state}:\n{describe(found)}"
