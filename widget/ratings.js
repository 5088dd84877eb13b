// "Helpful" / "Not helpful" under each answer from the content store.
//
// Every answer is followed by its attribution payload (a custom message rasa-webchat does not
// display), which carries the rating buttons: labels, payloads and the thanks text, all from the
// content store. chat.js hands each bot message here as it arrives; the answer's bubble shows
// a little later (the widget paces messages), so a payload waits until a bubble with the same
// text appears, and the buttons are added inside that bubble's own wrapper (a node React never
// re-renders). Ratings are kept in localStorage by the bubble's position in the conversation, so
// after a reload each answer shows its buttons or its "Thanks" state again. Pressing one sends
// its payload without a visible message (the widget's sendMessage) and announces the thanks.
(function () {
  "use strict";

  var root = document.getElementById("chat");
  var status = document.getElementById("chat-status");
  var STORE_KEY = "isk_ratings";
  var widget = null;
  var lastText = null;
  var pending = []; // {text, topic, block, seq}: payloads whose bubble has not shown yet
  var seq = 0;

  function plain(text) {
    return String(text || "").replace(/[_*`]/g, "").replace(/\s+/g, " ").trim();
  }

  // The bubble's message text, without its suggestion buttons.
  function textOf(bubble) {
    var text = bubble.querySelector(".rw-response");
    return text ? text.innerText : "";
  }

  function sessionId() {
    try {
      return (JSON.parse(window.localStorage.getItem("chat_session") || "{}") || {}).session_id || "";
    } catch (error) {
      return "";
    }
  }

  function loadAll() {
    try {
      return JSON.parse(window.localStorage.getItem(STORE_KEY) || "{}") || {};
    } catch (error) {
      return {};
    }
  }

  function saved() {
    return loadAll()[sessionId()] || {};
  }

  function save(index, entry) {
    var all = loadAll();
    var id = sessionId();
    all = id in all ? all : {};  // one conversation per browser: drop earlier ones
    all[id] = all[id] || {};
    all[id][index] = entry;
    window.localStorage.setItem(STORE_KEY, JSON.stringify(all));
  }

  function bubbles() {
    return Array.prototype.slice.call(root.querySelectorAll(".rw-messages-container > .rw-group-message > .rw-message"));
  }

  function announce(text) {
    if (status) {
      status.textContent = "";
      window.setTimeout(function () {
        status.textContent = text;
      }, 50);
    }
  }

  function showRated(group, entry) {
    group.querySelectorAll("button").forEach(function (button) {
      button.disabled = true;
      button.setAttribute("aria-pressed", button.dataset.rating === entry.chosen ? "true" : "false");
    });
    group.classList.add("is-rated");
    group.querySelector(".isk-rating-thanks").hidden = false;
  }

  function draw(bubble, index, entry) {
    if (bubble.querySelector(".isk-rating")) {
      return;
    }
    var group = document.createElement("div");
    group.className = "isk-rating";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", entry.block.prompt);
    entry.block.buttons.forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "isk-rate";
      button.dataset.rating = spec.rating;
      button.textContent = spec.title;
      button.setAttribute("aria-label", spec.title + " (" + entry.block.prompt + ")");
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", function () {
        if (entry.chosen || !widget) {
          return;
        }
        entry.chosen = spec.rating;
        save(index, entry);
        widget.sendMessage(spec.payload);
        showRated(group, entry);
        announce(entry.block.thanks);
      });
      group.appendChild(button);
    });
    var thanks = document.createElement("p");
    thanks.className = "isk-rating-thanks";
    thanks.hidden = true;
    thanks.textContent = entry.block.thanks;
    group.appendChild(thanks);
    bubble.appendChild(group);
    if (entry.chosen) {
      showRated(group, entry);
    }
  }

  function bind() {
    var all = bubbles();
    pending = pending.filter(function (item) {
      for (var i = all.length - 1; i >= 0; i--) {
        var bubble = all[i];
        if (bubble.__iskSeq > item.seq && !bubble.__iskBound && plain(textOf(bubble)) === item.text) {
          bubble.__iskBound = true;
          save(i, { topic: item.topic, block: item.block, chosen: null });
          return false;
        }
      }
      return true;
    });
    var entries = saved();
    all.forEach(function (bubble, index) {
      if (entries[index]) {
        bubble.__iskBound = true;
        draw(bubble, index, entries[index]);
      }
    });
  }

  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) {
        if (node.nodeType === 1) {
          (node.matches(".rw-message") ? [node] : Array.prototype.slice.call(node.querySelectorAll(".rw-message")))
            .forEach(function (bubble) {
              if (bubble.__iskSeq === undefined) {
                bubble.__iskSeq = ++seq;
              }
            });
        }
      });
    });
    bind();
  }).observe(root, { childList: true, subtree: true });

  window.IskChatRatings = {
    // The widget's imperative handle (rasa-webchat innerRef): sendMessage(payload).
    setWidget: function (handle) {
      widget = handle;
    },
    // Every bot message, as it arrives on the socket.
    received: function (message) {
      if (!message) {
        return;
      }
      if (typeof message.text === "string") {
        lastText = message.text;
      }
      var custom = message.custom;
      if (custom && custom.type === "attribution" && custom.rating && lastText !== null) {
        pending.push({ text: plain(lastText), topic: custom.topic, block: custom.rating, seq: seq });
        bind();
      }
    }
  };
})();
