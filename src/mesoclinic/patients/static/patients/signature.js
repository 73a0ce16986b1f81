// The consent's signature pad: draw with a finger, a stylus or a mouse (Pointer Events); the drawing goes
// into the form's hidden "signature" field as a PNG data URL whenever a stroke ends. No inline script
// (the Content Security Policy forbids them) and no library: a canvas and a few listeners.
(function () {
  "use strict";

  function setUp(pad) {
    var canvas = pad.querySelector("canvas");
    var input = pad.querySelector("input[name=signature]");
    var clear = pad.querySelector("[data-signature-clear]");
    var state = pad.querySelector("[data-signature-state]");
    var context = canvas.getContext("2d");
    var drawing = false;
    var last = null;

    function style() {
      context.lineWidth = 3;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#14203c";
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * (canvas.width / box.width),
        y: (event.clientY - box.top) * (canvas.height / box.height)
      };
    }

    function say(text) {
      if (state) state.textContent = text;
    }

    style();
    // A form sent back with an error keeps what was drawn.
    if (input.value) {
      var image = new Image();
      image.onload = function () { context.drawImage(image, 0, 0, canvas.width, canvas.height); };
      image.src = input.value;
      pad.classList.add("is-signed");
      say(pad.getAttribute("data-signed-text") || "");
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      context.beginPath();
      context.arc(last.x, last.y, context.lineWidth / 2, 0, Math.PI * 2);
      context.fillStyle = context.strokeStyle;
      context.fill();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
      events.forEach(function (each) {
        var next = point(each);
        context.beginPath();
        context.moveTo(last.x, last.y);
        context.lineTo(next.x, next.y);
        context.stroke();
        last = next;
      });
    });
    function end() {
      if (!drawing) return;
      drawing = false;
      input.value = canvas.toDataURL("image/png");
      pad.classList.add("is-signed");
      say(pad.getAttribute("data-signed-text") || "");
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    canvas.addEventListener("pointerleave", end);

    clear.addEventListener("click", function () {
      context.clearRect(0, 0, canvas.width, canvas.height);
      input.value = "";
      pad.classList.remove("is-signed");
      say("");
    });
  }

  function start() {
    document.querySelectorAll("[data-signature-pad]").forEach(setUp);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
