// Start rasa-webchat against the Rasa server named by config.js (written by serve.py).
// Rasa's socketio channel: user_uttered / bot_uttered events, and a session id kept in
// localStorage so a reload continues the same conversation (same tracker, same context).
(function () {
  "use strict";

  var config = window.ISK_CHAT || {};
  var socketUrl = config.socketUrl || window.location.protocol + "//" + window.location.hostname + ":5005";

  // Show each bot message after a short "typing" pause that grows with its length, so the
  // reader sees the typing indicator and several messages do not land at once. Messages
  // without text (the attribution JSON, which the widget does not display) reach here as
  // the string "undefined" and get the shortest pause.
  function typingDelay(text) {
    var length = text && text !== "undefined" ? text.length : 0;
    return Math.min(900, Math.max(300, length * 4));
  }

  window.WebChat.default(
    {
      socketUrl: socketUrl,
      socketPath: "/socket.io/",
      initPayload: "/greet",
      title: "Ask about IS-K",
      subtitle: "Answers from the August 2021 explainer",
      inputTextFieldHint: "Ask a question…",
      connectingText: "Connecting to the assistant…",
      params: { storage: "local" },
      withRules: false,
      hideWhenNotConnected: false,
      showFullScreenButton: false,
      displayUnreadCount: false,
      showMessageDate: false,
      customMessageDelay: typingDelay,
      // The widget's handle: ratings.js sends a rating's payload through it.
      innerRef: function (handle) {
        window.IskChatRatings && window.IskChatRatings.setWidget(handle);
      },
      onSocketEvent: {
        bot_uttered: function (message) {
          window.IskChatEnhance && window.IskChatEnhance.botAnswered();
          window.IskChatRatings && window.IskChatRatings.received(message);
        }
      }
    },
    document.getElementById("chat")
  );
})();
