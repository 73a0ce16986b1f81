// Receive stock: a scanner types the label and presses Enter. Read the scan through htmx (the "Read scan"
// button) instead of submitting the whole form, then move focus to the next field the person must fill.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var scan = document.getElementById("id_scan");
    if (event.key !== "Enter" || event.target !== scan) { return; }
    event.preventDefault();
    document.getElementById("read-scan").click();
  });
  // After the fields are swapped in (outerHTML: the event's target is the old, detached element), focus the
  // field the server named: the product for a new barcode, else the quantity; the scan again on an error.
  document.addEventListener("htmx:afterSettle", function () {
    var grid = document.querySelector("#receive-fields [data-focus]");
    var name = grid ? grid.getAttribute("data-focus") : "";
    var target = name ? document.getElementById("id_" + name) : null;
    if (target) { target.focus(); if (name === "scan") { target.select(); } }
  });
})();
