// MesoClinic's only page script. Pages work without it; it adds three small comforts.
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

  // A refused action comes back as the same page with its reason: bring the first error summary (or field
  // error) into view and focus it, so the reason is where the eye is (a long tablet form is scrolled to
  // its Sign button, far below the top of the page).
  function showFirstError() {
    // The summary first (it says what was refused and why), else a refusal message, else a field's error.
    var error = ["main [data-error-summary]", "main .form-errors", "main .message--error", "main .field__error"]
      .map(function (selector) { return document.querySelector(selector); })
      .filter(Boolean)[0];
    if (!error) return;
    if (!error.hasAttribute("tabindex")) error.setAttribute("tabindex", "-1");
    error.focus({ preventScroll: true });
    error.scrollIntoView({ block: "center" });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showFirstError);
  } else {
    showFirstError();
  }

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
