// MesoClinic's only page script. Pages work without it; it adds two small comforts.
// No inline scripts anywhere: the Content Security Policy forbids them.
(function () {
  "use strict";

  // <form data-confirm="Withdraw this consent?">: ask before an action that cannot be undone.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form instanceof HTMLFormElement ? form.getAttribute("data-confirm") : null;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // After htmx swaps in a result, move focus to it when it asks (data-focus), so keyboard and screen
  // reader users land on what changed.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    // An outerHTML swap replaces the target: look the new element up by its id.
    var root = target && target.id ? document.getElementById(target.id) : target;
    var focus = root && root.querySelector("[data-focus]");
    if (focus) {
      focus.setAttribute("tabindex", "-1");
      focus.focus();
    }
  });
})();
