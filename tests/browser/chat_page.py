"""The chat page as a reader uses it: open the chat, type, click suggestions, read answers.

Waits are Playwright's own polling (``expect``) with a deadline, never fixed sleeps.
"""

from __future__ import annotations

from typing import List, Optional

from playwright.sync_api import ConsoleMessage, Locator, Page, expect

BOT = ".rw-group-message.rw-from-response .rw-response"
USER = ".rw-group-message.rw-from-client .rw-client"
ANSWER_TIMEOUT_MS = 20_000

# Records, in the page, whether rasa-webchat's own typing dots were ever shown: they are on
# screen only while it paces arriving messages, too briefly to catch by polling afterwards.
WATCH_TYPING = """() => {
  window.__sawTyping = false;
  new MutationObserver(() => {
    if (document.querySelector('.rw-typing-indication')) { window.__sawTyping = true; }
  }).observe(document.body, { childList: true, subtree: true });
}"""

# The "waiting for the server" dots: #chat.is-waiting draws them after the last message.
WAITING_SHOWN = """() => {
  const root = document.getElementById('chat');
  const log = document.querySelector('.rw-messages-container');
  return !!log && root.classList.contains('is-waiting')
    && getComputedStyle(log, '::after').display === 'block';
}"""


class ChatPage:
    """The page at ``url`` in ``page``, with console errors and page errors collected."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url
        self.errors: List[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def load(self) -> "ChatPage":
        """Open the page and wait until the widget has mounted its launcher."""
        self.page.goto(self.url)
        expect(self.launcher).to_be_attached()
        return self

    def reload(self) -> None:
        self.page.reload()
        expect(self.launcher).to_be_attached()

    @property
    def launcher(self) -> Locator:
        return self.page.locator("#chat .rw-launcher")

    @property
    def input(self) -> Locator:
        return self.page.get_by_role("textbox", name="Your question")

    def open(self) -> None:
        """Click the page's "Open the chat" button; the widget opens with the text field focused."""
        self.page.get_by_role("button", name="Open the chat", exact=True).click()
        expect(self.input).to_be_focused()

    def greeted(self) -> None:
        """Wait for the greeting and the topic buttons that follow it."""
        self.wait_for_bot("Hello")
        expect(self.page.locator("#chat .rw-reply").first).to_be_visible(timeout=ANSWER_TIMEOUT_MS)

    def settled(self) -> None:
        """Wait until no message is being typed or awaited (for a clean screenshot)."""
        expect(self.page.locator("#chat .rw-typing-indication")).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)
        self.wait_waiting_shown(False)

    def ask(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def reply_button(self, title: str) -> Locator:
        return self.page.locator("#chat .rw-replies").get_by_role("button", name=title, exact=True)

    def bot_message(self, contains: str) -> Locator:
        return self.page.locator(BOT).filter(has_text=contains)

    def user_message(self, text: str) -> Locator:
        return self.page.locator(USER).filter(has_text=text)

    def wait_for_bot(self, contains: str, timeout: Optional[int] = None) -> Locator:
        """The latest bot message containing ``contains``, once it is on screen."""
        message = self.bot_message(contains).last
        expect(message).to_be_visible(timeout=timeout or ANSWER_TIMEOUT_MS)
        return message

    def bot_texts(self) -> List[str]:
        return self.page.locator(BOT).all_inner_texts()

    def user_texts(self) -> List[str]:
        return self.page.locator(USER).all_inner_texts()

    def session_id(self) -> Optional[str]:
        """The conversation id rasa-webchat keeps in localStorage (Rasa's sender id)."""
        return self.page.evaluate(
            "() => (JSON.parse(localStorage.getItem('chat_session') || '{}') || {}).session_id || null"
        )

    def watch_typing(self) -> None:
        self.page.evaluate(WATCH_TYPING)

    def saw_typing(self) -> bool:
        return bool(self.page.evaluate("() => window.__sawTyping === true"))

    def wait_waiting_shown(self, shown: bool = True) -> None:
        """Poll until the waiting dots are (or are no longer) drawn."""
        check = WAITING_SHOWN if shown else f"() => !({WAITING_SHOWN})()"
        self.page.wait_for_function(check, timeout=ANSWER_TIMEOUT_MS)

    def focused_text(self) -> str:
        return self.page.evaluate("() => (document.activeElement && document.activeElement.innerText) || ''")

    def focused_summary(self) -> str:
        """The focused element in a few words, for failure messages."""
        return self.page.evaluate(
            "() => { const e = document.activeElement; if (!e) return 'nothing';"
            " return `${e.tagName.toLowerCase()}.${e.className} ${(e.innerText || '').slice(0, 30)}`.trim(); }"
        )

    def focused_matches(self, selector: str) -> bool:
        return bool(self.page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector))
