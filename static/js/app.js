// Small progressive enhancements. The pages work without this file.
(function () {
  "use strict";

  // Close an open <details class="menu"> when clicking elsewhere.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  // Countdowns: <time data-countdown datetime="ISO"> shows the time left, updated every 30 s.
  function renderCountdowns() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var target = Date.parse(el.getAttribute("datetime"));
      if (isNaN(target)) return;
      // The same words as common/dates.py time_left: never "0m left".
      var seconds = Math.trunc((target - now) / 1000);
      var late = seconds <= 0;
      seconds = Math.abs(seconds);
      var days = Math.floor(seconds / 86400);
      var hours = Math.floor((seconds % 86400) / 3600);
      var minutes = Math.floor((seconds % 3600) / 60);
      var span = days ? days + "d " + hours + "h" : hours ? hours + "h " + minutes + "m" : minutes + "m";
      if (late) el.textContent = seconds < 60 ? "overdue" : "overdue by " + span;
      else el.textContent = seconds < 60 ? "less than a minute left" : span + " left";
      el.classList.toggle("overdue", late);
    });
  }
  renderCountdowns();
  setInterval(renderCountdowns, 30000);
  document.addEventListener("htmx:afterSettle", renderCountdowns);

  // Warn about files over the limit before uploading them (the server checks again).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-max-bytes]")) return;
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var tooBig = Array.prototype.filter.call(input.files, function (f) { return f.size > max; });
    input.setCustomValidity(tooBig.length ? tooBig[0].name + " is larger than 4 MB; share a cloud link instead." : "");
    input.reportValidity();
  });

  // Confirm dangerous actions: <button data-confirm="Are you sure?">.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
