"""Nothing leaves the machine, and only the page's origin may open the chat connection.

Browsers apply CORS to socket.io's HTTP long-polling but not to WebSockets, so both are
probed from a real page: the server itself must refuse a foreign Origin on the WebSocket.
"""

from __future__ import annotations

from typing import Dict

from playwright.sync_api import BrowserContext, Page

from tests.browser.chat_page import ChatPage
from tests.browser.support import OutsideGuard, start_page_server
from tests.support.servers import Server, free_port

# Opens socket.io's polling handshake and a raw engine.io WebSocket to ``rasa``.
PROBE = """async (rasa) => {
  const poll = await fetch(rasa + '/socket.io/?EIO=4&transport=polling')
    .then(r => r.ok ? 'accepted' : 'refused ' + r.status, () => 'refused');
  const ws = await new Promise(resolve => {
    const socket = new WebSocket(rasa.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket');
    socket.onmessage = () => { socket.close(); resolve('accepted'); };
    socket.onerror = () => resolve('refused');
    socket.onclose = () => resolve('refused');
  });
  return { poll, ws };
}"""


def probe(page: Page, rasa_url: str) -> Dict[str, str]:
    return page.evaluate(PROBE, rasa_url)


def test_the_page_fetches_nothing_from_outside_the_machine(
    chat: ChatPage, guard: OutsideGuard, widget_rasa: Server
) -> None:
    chat.open()
    chat.greeted()
    assert guard.blocked == []
    resources = chat.page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    assert resources and all(url.startswith((chat.url, widget_rasa.url)) for url in resources), resources
    # The widget's font is the project's copy of Inter, actually loaded.
    assert chat.page.evaluate("() => document.fonts.check('16px Inter')")
    assert chat.errors == []  # no Content-Security-Policy violation, no script error


def test_only_the_pages_origin_may_connect(context: BrowserContext, page_server: Server, widget_rasa: Server) -> None:
    page = context.new_page()
    page.goto(page_server.url)
    assert probe(page, widget_rasa.url) == {"poll": "accepted", "ws": "accepted"}

    # The same page served on another port: another origin, as another local site would be.
    foreign = start_page_server(free_port(), widget_rasa.url, name="widget-page-foreign")
    try:
        page.goto(foreign.url)
        assert probe(page, widget_rasa.url) == {"poll": "refused", "ws": "refused"}
    finally:
        foreign.stop()
