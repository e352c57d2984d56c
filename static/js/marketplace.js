// Marketplace pages: small progressive enhancements (everything works without them).
(function () {
  "use strict";

  // Editor: show option rows one by one, and the packages only when "sell as packages" is on.
  function initEditor(root) {
    var rows = root.querySelectorAll("[data-option-row]");
    var addButton = root.querySelector("[data-add-option]");
    if (rows.length && addButton) {
      rows.forEach(function (row) { if (row.classList.contains("is-empty")) row.classList.add("js-hidden"); });
      addButton.classList.remove("hidden");
      addButton.addEventListener("click", function () {
        var next = root.querySelector("[data-option-row].js-hidden");
        if (next) { next.classList.remove("js-hidden"); var input = next.querySelector("input[type=text]"); if (input) input.focus(); }
        if (!root.querySelector("[data-option-row].js-hidden")) addButton.classList.add("hidden");
      });
    }
    var toggle = root.querySelector("input[name=uses_packages]");
    var packages = root.querySelector("[data-packages]");
    if (toggle && packages) {
      var sync = function () { packages.classList.toggle("js-hidden", !toggle.checked); };
      toggle.addEventListener("change", sync);
      sync();
    }
  }

  // Kwork page: thumbnails switch the main image.
  function initGallery(root) {
    var main = root.querySelector("#gallery-main");
    if (!main) return;
    root.querySelectorAll("[data-gallery-thumb]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        main.src = link.getAttribute("href");
        root.querySelectorAll("[data-gallery-thumb]").forEach(function (other) { other.classList.remove("is-current"); });
        link.classList.add("is-current");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initEditor(document);
    initGallery(document);
  });
})();
