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
  document.addEventListener("htmx:afterSwap", function (event) {
    var grid = event.target.querySelector ? event.target.querySelector("[data-focus]") : null;
    var target = grid ? document.getElementById("id_" + grid.getAttribute("data-focus")) : null;
    if (target) { target.focus(); }
  });
})();
