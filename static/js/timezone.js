// Sign-up: the browser tells its time zone, so the new account shows times where the person is from the first page.
// The server checks the name and falls back to UTC; without this script the account simply starts in UTC.
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
})();
