// The order page: keep the chat scrolled to the newest message, keep the reader's place when earlier messages
// load above, and drop a message that both a refresh and a send brought. The page works without this file.
(function () {
  "use strict";

  var followNewest = true;
  var heightBeforeEarlier = null;

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

  function tidy(box) {
    var seen = {};
    Array.prototype.slice.call(box.querySelectorAll("[id^=order-message-]")).forEach(function (node) {
      if (seen[node.id]) node.remove();
      else seen[node.id] = true;
    });
    var empty = box.querySelector(".chat-empty");
    if (empty && box.querySelector(".chat-message")) empty.remove();
  }

  document.addEventListener("DOMContentLoaded", function () {
    // An earlier page opened by its link (no JavaScript needed for it) is read from the top.
    if (!document.querySelector("[data-testid=chat-latest]")) scrollToNewest();
  });

  // Before a swap remember whether the reader was at the newest message: a refresh only follows new messages
  // then; after sending (the whole #chat is replaced) always show the new message.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var box = chatBox();
    followNewest = !box || atBottom(box);
    var target = event.detail && event.detail.target;
    heightBeforeEarlier = box && target && target.id === "chat-earlier" ? box.scrollHeight - box.scrollTop : null;
  });
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "chat-messages") {
      tidy(target);
      if (followNewest) scrollToNewest();
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    var box = chatBox();
    if (!target || !box) return;
    if (target.id === "chat") scrollToNewest();
    else if (heightBeforeEarlier !== null) {
      // Earlier messages went in above: keep the message the reader was looking at where it was.
      box.scrollTop = box.scrollHeight - heightBeforeEarlier;
      heightBeforeEarlier = null;
    }
  });
})();
