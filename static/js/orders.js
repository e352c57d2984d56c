// The order page: keep the chat scrolled to the newest message. The page works without this file.
(function () {
  "use strict";

  var followNewest = true;

  function chatBox() {
    return document.getElementById("chat-messages");
  }

  function atBottom(box) {
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  function scrollToNewest() {
    var box = chatBox();
    if (box) box.scrollTop = box.scrollHeight;
  }

  document.addEventListener("DOMContentLoaded", scrollToNewest);

  // Before a swap remember whether the reader was at the newest message: the 15 s refresh only follows new
  // messages then; after sending (the whole #chat is replaced) always show the new message.
  document.addEventListener("htmx:beforeSwap", function () {
    var box = chatBox();
    followNewest = !box || atBottom(box);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    if (!target) return;
    if (target.id === "chat" || (target.id === "chat-messages" && followNewest)) scrollToNewest();
  });
})();
