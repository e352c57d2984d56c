// Phone layout enhancements: the header's menu and search, the catalogue's filter drawer and the Kwork page's
// order bar. Without this file the same links open their panels through :target and the bar keeps the page's total.
(function () {
  "use strict";

  function toggles(id) {
    return document.querySelectorAll('[data-toggle="' + id + '"]');
  }

  function setOpen(panel, open) {
    panel.classList.toggle("is-open", open);
    toggles(panel.id).forEach(function (button) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.documentElement.classList.toggle("drawer-open", !!document.querySelector(".filters.is-open"));
  }

  function isOpen(panel) {
    return panel.classList.contains("is-open") || (location.hash === "#" + panel.id);
  }

  document.addEventListener("click", function (event) {
    // data-toggle="id" opens or closes the panel; data-close="id" (the panel's own close link) only closes it.
    var link = event.target.closest ? event.target.closest("[data-toggle], [data-close]") : null;
    if (link) {
      var panel = document.getElementById(link.getAttribute("data-toggle") || link.getAttribute("data-close"));
      if (!panel) return;
      event.preventDefault();
      var open = link.hasAttribute("data-toggle") && !isOpen(panel);
      if (location.hash === "#" + panel.id) history.replaceState(null, "", location.pathname + location.search);
      setOpen(panel, open);
      if (open) {
        var field = panel.querySelector("input[type=search]");
        if (field) field.focus();
      }
      return;
    }
    // A tap outside the open menu closes it.
    document.querySelectorAll(".nav-drawer.is-open").forEach(function (panel) {
      if (!panel.contains(event.target)) setOpen(panel, false);
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll(".is-open[id]").forEach(function (panel) {
      setOpen(panel, false);
    });
  });

  // Filters: the count on the "Filters" button follows the form (htmx swaps only the results), and "Show results"
  // closes the drawer once htmx has sent the form.
  function countFilters(form) {
    var names = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.name === "sort" || field.name === "q" || field.type === "hidden") return;
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) return;
      if (field.value !== "") names[field.name] = true;
    });
    return Object.keys(names).length;
  }

  function updateFilterCount(form) {
    var count = countFilters(form);
    document.querySelectorAll("[data-filter-count]").forEach(function (badge) {
      badge.textContent = count;
      badge.hidden = count === 0;
    });
  }

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.classList.contains("filters")) updateFilterCount(form);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("filters") && form.classList.contains("is-open")) {
      updateFilterCount(form);
      setOpen(form, false);
    }
  });

  // The Kwork page's order bar: the total follows the quote, and the bar steps aside while the order box shows.
  function syncOrderBar() {
    var bar = document.querySelector("[data-order-bar]");
    if (!bar) return;
    var total = document.querySelector('#quote [data-testid="quote-total"]');
    var target = bar.querySelector("[data-order-bar-total]");
    if (total && target) target.textContent = total.textContent;
    var chosen = document.querySelector('.order-box input[name="package"]:checked');
    var label = bar.querySelector("[data-order-bar-label]");
    if (chosen && label) {
      var name = chosen.closest(".package").querySelector(".package-head strong");
      if (name) label.textContent = name.textContent;
    }
  }

  document.addEventListener("htmx:afterSettle", syncOrderBar);
  document.addEventListener("DOMContentLoaded", function () {
    syncOrderBar();
    var bar = document.querySelector("[data-order-bar]");
    var box = document.querySelector(".order-box");
    if (bar && box && "IntersectionObserver" in window) {
      new IntersectionObserver(function (entries) {
        bar.classList.toggle("is-away", entries[0].isIntersecting);
      }).observe(box);
    }
  });
})();
