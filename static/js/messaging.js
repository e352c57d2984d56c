// messaging: keep the thread scrolled to the newest message when the page opens and when messages arrive.
(function () {
  function toBottom() {
    var box = document.querySelector(".thread-messages");
    if (box) box.scrollTop = box.scrollHeight;
  }
  document.addEventListener("DOMContentLoaded", toBottom);
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "thread-list") toBottom();
  });
})();
