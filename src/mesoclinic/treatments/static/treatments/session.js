// Session record: tapping a zone on the face map toggles its checkbox; Sign asks before locking.
(function () {
  "use strict";
  function sync(code) {
    var box = document.getElementById("zone-" + code);
    if (!box) return;
    document.querySelectorAll('[data-zone="' + code + '"]').forEach(function (shape) {
      shape.classList.toggle("is-on", box.checked);
      shape.setAttribute("aria-checked", box.checked ? "true" : "false");
    });
    var row = document.querySelector('[data-zone-row="' + code + '"]');
    if (row) row.classList.toggle("is-on", box.checked);
    if (box.checked && row) {
      var volume = row.querySelector("input[name^='volume_']");
      if (volume && !volume.value) volume.focus();
    }
  }
  function toggle(code) {
    var box = document.getElementById("zone-" + code);
    if (!box) return;
    box.checked = !box.checked;
    sync(code);
  }
  document.addEventListener("click", function (event) {
    var shape = event.target.closest ? event.target.closest("[data-zone]") : null;
    if (shape) toggle(shape.getAttribute("data-zone"));
    var button = event.target.closest ? event.target.closest("button[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });
  document.addEventListener("keydown", function (event) {
    var shape = event.target.closest ? event.target.closest("[data-zone]") : null;
    if (shape && (event.key === " " || event.key === "Enter")) {
      event.preventDefault();
      toggle(shape.getAttribute("data-zone"));
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.name === "zone") sync(event.target.value);
  });
})();
