// Calendar filters: show the new day, location or treatment type as soon as one is chosen.
// The form still has its own "Show" button, so the page works without this script.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    var form = field && field.form;
    if (form && form.hasAttribute("data-autosubmit") && field.type !== "date") {
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });
  // A date input changes on every keystroke while typing; submit when the user leaves it instead.
  document.addEventListener("focusout", function (event) {
    var field = event.target;
    var form = field && field.form;
    if (form && form.hasAttribute("data-autosubmit") && field.type === "date" && field.value !== field.defaultValue) {
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  });
})();
