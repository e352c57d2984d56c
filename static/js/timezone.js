// The browser's time zone, so times are shown where the person is. Sign-up: fills the hidden field (the server
// checks the name and falls back to UTC; without this script the account simply starts in UTC). Settings: when the
// chosen zone differs from the browser's, a button offers the browser's.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) return;
  document.querySelectorAll("input[data-detect-time-zone]").forEach(function (input) {
    if (!input.value) input.value = zone;
  });
  document.querySelectorAll("select[data-suggest-time-zone]").forEach(function (select) {
    var known = Array.prototype.some.call(select.options, function (option) { return option.value === zone; });
    if (!known || select.value === zone) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-plain btn-sm";
    button.setAttribute("data-testid", "use-browser-time-zone");
    button.textContent = "Use this device's time zone: " + zone.replace(/_/g, " ");
    button.addEventListener("click", function () {
      select.value = zone;
      button.remove();
    });
    select.insertAdjacentElement("afterend", button);
  });
})();
