// Keyboard and screen-reader fixes for rasa-webchat 1.0.1, plus a "waiting" indicator.
//
// The widget renders quick replies as <div onClick> (not focusable), gives its launcher no
// accessible name and announces nothing when the bot answers. Its own typing dots show only
// while it paces messages that have already arrived, not while the server is thinking. This
// script patches the rendered DOM (never React's state): it watches #chat and adds roles,
// tab stops and key handlers, and toggles a class on #chat (a node React does not own).
(function () {
  "use strict";

  var root = document.getElementById("chat");
  var WAIT_LIMIT_MS = 20000;
  var waitTimer = null;
  // Set when the reader opens the chat or picks a suggestion: the text field takes the focus
  // as soon as it exists and is enabled (it is disabled until the socket connects).
  var wantFocus = false;

  function launcher() {
    return root.querySelector(".rw-launcher");
  }

  function isOpen() {
    return root.querySelector(".rw-conversation-container") !== null;
  }

  function focusInput() {
    wantFocus = true;
    window.requestAnimationFrame(takeFocus);
  }

  function takeFocus() {
    var input = root.querySelector(".rw-new-message");
    if (wantFocus && input && !input.disabled) {
      wantFocus = false;
      input.focus();
    }
  }

  function setWaiting(waiting) {
    root.classList.toggle("is-waiting", waiting);
    window.clearTimeout(waitTimer);
    if (waiting) {
      waitTimer = window.setTimeout(function () {
        setWaiting(false);
      }, WAIT_LIMIT_MS);
    }
  }

  // Arabic-script messages (Dari, Pashto, Urdu; Hebrew too) are laid out right to left in their
  // bubble: the direction of the script most of the letters are in, so "IS-K" inside a Pashto
  // sentence does not turn it left to right (as dir="auto", which looks at the first letter, would).
  var RTL_LETTERS = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/g;
  var LTR_LETTERS = /[A-Za-z\u00C0-\u024F\u0370-\u03FF\u0400-\u04FF]/g;

  function direction(text) {
    var rtl = (text.match(RTL_LETTERS) || []).length;
    var ltr = (text.match(LTR_LETTERS) || []).length;
    return rtl > ltr ? "rtl" : "ltr";
  }

  function setDirections() {
    root.querySelectorAll(".rw-response:not([dir]), .rw-client:not([dir])").forEach(function (bubble) {
      bubble.setAttribute("dir", direction(bubble.textContent || ""));
    });
    var field = root.querySelector(".rw-new-message:not([dir])");
    if (field) {
      field.setAttribute("dir", "auto"); // typing in Pashto runs right to left as it is typed
    }
  }

  function label() {
    setDirections();
    var button = launcher();
    if (button) {
      var open = isOpen();
      button.setAttribute("aria-label", open ? "Close the chat" : "Chat with the assistant");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    root.querySelectorAll(".rw-reply:not([tabindex])").forEach(function (reply) {
      reply.setAttribute("role", "button");
      reply.setAttribute("tabindex", "0");
    });
    var log = root.querySelector(".rw-messages-container:not([role])");
    if (log) {
      log.setAttribute("role", "log");
      log.setAttribute("aria-live", "polite");
      log.setAttribute("aria-label", "Conversation");
      // A scrolling region must be reachable by keyboard even when nothing in it is focusable
      // (an answer without buttons after a rating): the arrow keys then scroll it.
      log.setAttribute("tabindex", "0");
    }
    var input = root.querySelector(".rw-new-message:not([aria-label])");
    if (input) {
      input.setAttribute("aria-label", "Your question");
    }
    var send = root.querySelector(".rw-send:not([aria-label])");
    if (send) {
      send.setAttribute("aria-label", "Send");
    }
    takeFocus();
  }

  new MutationObserver(label).observe(root, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["disabled"]
  });

  // Enter or Space on a focused quick reply clicks it, as on a real button.
  root.addEventListener("keydown", function (event) {
    var reply = event.target.closest && event.target.closest(".rw-reply");
    if (reply && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      reply.click();
    } else if (event.key === "Escape" && isOpen() && launcher()) {
      launcher().click();
      window.requestAnimationFrame(function () {
        if (launcher()) {
          launcher().focus();
        }
      });
    }
  });

  // Capture phase: runs before the widget clears the text field.
  root.addEventListener(
    "submit",
    function (event) {
      var field = event.target.querySelector && event.target.querySelector(".rw-new-message");
      if (field && field.value.trim()) {
        setWaiting(true);
      }
    },
    true
  );

  root.addEventListener("click", function (event) {
    if (!event.target.closest) {
      return;
    }
    if (event.target.closest(".rw-reply")) {
      setWaiting(true);
      focusInput();
    } else if (event.target.closest(".rw-launcher") && !isOpen()) {
      focusInput();
    }
  });

  var opener = document.getElementById("open-chat");
  if (opener) {
    opener.addEventListener("click", function () {
      if (!isOpen() && launcher()) {
        launcher().click();
      }
      focusInput();
    });
  }

  window.IskChatEnhance = {
    botAnswered: function () {
      setWaiting(false);
    }
  };
})();
