// messaging: keep the thread scrolled to the newest message, and drop a message a poll and a send both brought.
(function () {
  function toBottom() {
    var box = document.querySelector(".thread-messages");
    if (box) box.scrollTop = box.scrollHeight;
  }
  function dropDuplicates(list) {
    var seen = {};
    Array.prototype.slice.call(list.querySelectorAll("[id^=message-]")).forEach(function (node) {
      if (seen[node.id]) node.remove();
      else seen[node.id] = true;
    });
  }
  document.addEventListener("DOMContentLoaded", toBottom);
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "thread-list") {
      dropDuplicates(target);
      toBottom();
    }
  });
})();
