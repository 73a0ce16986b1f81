// The calendar page's script: filters that apply themselves, and drag to move an appointment.
// Everything here is an extra: without it the filters have a "Show" button and an appointment is moved
// from its own page ("Reschedule"), which is also the way for keyboard users.
(function () {
  "use strict";

  // Filters: show the new day, location or treatment type as soon as one is chosen.
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

  // Drag to move. A booked appointment's block (data-move-url) follows the pointer, snaps to the 15-minute
  // rows of the column under it, and on release posts the same slot token the Reschedule page posts
  // (start in UTC ~ practitioner ~ room ~ device); the server moves it through the same checks as booking.
  // Success reloads the calendar (its message says what moved); a refusal shows why and the block goes back.
  // Mouse and pen start a drag after a small movement; touch after a short hold, so that a swipe still
  // scrolls the calendar.
  var cal = document.querySelector(".cal[data-move]");
  if (!cal) {
    return;
  }
  var firstMinute = Number(cal.dataset.firstMinute);
  var rows = Number(cal.dataset.rows);
  var slotMinutes = Number(cal.dataset.slotMinutes);
  var toast = document.getElementById("cal-move-error");
  var clock = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: cal.dataset.timezone
  });
  var HOLD_MS = 350;
  var drag = null;
  var swallowClick = false;

  function gridNumber(element, prefix) {
    var match = new RegExp("\\b" + prefix + "-(\\d+)\\b").exec(element.className);
    return match ? Number(match[1]) : 1;
  }

  function columnAt(x, y) {
    var under = document.elementsFromPoint(x, y);
    for (var i = 0; i < under.length; i++) {
      if (under[i].matches(".cal-body[data-column]")) {
        return under[i];
      }
    }
    return null;
  }

  // A session with a device cannot be dropped among the needle sessions (it would keep its device anyway).
  function refusesDevice(body) {
    return body.dataset.column === "device-none" && drag.resources[2] !== "0";
  }

  function startOf(body, row) {
    return new Date(Date.parse(body.dataset.dayStart) + (firstMinute + row * slotMinutes) * 60000);
  }

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function token(start, resources) {
    return start.getUTCFullYear() + pad(start.getUTCMonth() + 1) + pad(start.getUTCDate()) + "T" +
      pad(start.getUTCHours()) + pad(start.getUTCMinutes()) + "Z~" + resources.join("~");
  }

  function showError(summary, reason) {
    if (!toast) {
      return;
    }
    toast.querySelector("[data-summary]").textContent = summary;
    toast.querySelector("[data-reason]").textContent = reason;
    toast.hidden = false;
    toast.focus({ preventScroll: true });
  }

  function hideError() {
    if (toast) {
      toast.hidden = true;
    }
  }

  function begin() {
    var block = drag.block;
    clearTimeout(drag.timer);
    drag.active = true;
    drag.home = block.parentElement;
    drag.rowHeight = drag.home.getBoundingClientRect().height / rows;
    drag.grab = drag.y - block.getBoundingClientRect().top;
    drag.row0 = gridNumber(block, "rs") - 1;
    drag.span = gridNumber(block, "rh");
    try {
      block.setPointerCapture(drag.pointerId);
    } catch (ignored) {
      // The pointer is already gone; the next pointerup or pointercancel ends the drag.
    }
    block.classList.add("is-dragging");
    hideError();
  }

  function follow(x, y) {
    var block = drag.block;
    var body = columnAt(x, y) || drag.target || drag.home;
    var top = y - drag.grab - body.getBoundingClientRect().top;
    var row = Math.min(Math.max(Math.round(top / drag.rowHeight), 0), rows - drag.span);
    if (drag.target && drag.target !== body) {
      drag.target.parentElement.classList.remove("is-drop-target", "is-drop-refused");
    }
    drag.target = body;
    drag.row = row;
    body.parentElement.classList.add(refusesDevice(body) ? "is-drop-refused" : "is-drop-target");
    var dx = body.getBoundingClientRect().left - drag.home.getBoundingClientRect().left;
    var dy = (row - drag.row0) * drag.rowHeight;
    block.style.transform = "translate(" + dx + "px, " + dy + "px)";
    block.dataset.dropTime = clock.format(startOf(body, row));
  }

  function finish() {
    var block = drag.block;
    clearTimeout(drag.timer);
    if (drag.active) {
      swallowClick = true;
      if (drag.target) {
        drag.target.parentElement.classList.remove("is-drop-target", "is-drop-refused");
      }
    }
    block.classList.remove("is-dragging");
    drag = null;
    return block;
  }

  function snapBack(block) {
    block.classList.remove("is-saving");
    block.style.transform = "";
    delete block.dataset.dropTime;
  }

  function drop() {
    var body = drag.target;
    var row = drag.row;
    var resources = drag.resources.slice();
    var moved = body && (body !== drag.home || row !== drag.row0);
    var refused = body && refusesDevice(body);
    var block = finish();
    if (!moved) {
      snapBack(block);
      return;
    }
    if (refused) {
      snapBack(block);
      showError(cal.dataset.refused, cal.dataset.noDevice);
      return;
    }
    var column = /^(practitioner|room|device)-(\d+)$/.exec(body.dataset.column);
    if (column) {
      resources[{ practitioner: 0, room: 1, device: 2 }[column[1]]] = column[2];
    }
    block.classList.add("is-saving");
    fetch(block.dataset.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": cal.dataset.csrfToken, "Accept": "application/json" },
      body: new URLSearchParams({ slot: token(startOf(body, row), resources) })
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (response.ok && answer.ok) {
          window.location.reload();
          return;
        }
        snapBack(block);
        showError(answer.summary || cal.dataset.refused, answer.error || cal.dataset.unsent);
      });
    }).catch(function () {
      snapBack(block);
      showError(cal.dataset.refused, cal.dataset.unsent);
    });
  }

  cal.addEventListener("pointerdown", function (event) {
    var block = event.target.closest(".cal-appt[data-move-url]");
    swallowClick = false;
    if (!block || drag || !event.isPrimary || event.button !== 0 || block.classList.contains("is-saving")) {
      return;
    }
    drag = {
      block: block,
      pointerId: event.pointerId,
      x: event.clientX,
      y: event.clientY,
      touch: event.pointerType === "touch",
      resources: block.dataset.resources.split("~"),
      active: false,
      target: null
    };
    if (drag.touch) {
      drag.timer = setTimeout(function () {
        if (drag && !drag.active) {
          begin();
          follow(drag.x, drag.y);
        }
      }, HOLD_MS);
    }
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.pointerId) {
      return;
    }
    if (!drag.active) {
      var distance = Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y);
      if (distance < 6) {
        return;
      }
      if (drag.touch) {
        finish();  // a swipe before the hold ended: the browser scrolls
        return;
      }
      begin();
    }
    event.preventDefault();
    follow(event.clientX, event.clientY);
  });

  document.addEventListener("pointerup", function (event) {
    if (!drag || event.pointerId !== drag.pointerId) {
      return;
    }
    if (drag.active) {
      drop();
    } else {
      finish();
    }
  });

  document.addEventListener("pointercancel", function (event) {
    if (drag && event.pointerId === drag.pointerId) {
      snapBack(finish());
    }
  });

  // While a touch drag is under way the page must not scroll under the finger.
  document.addEventListener("touchmove", function (event) {
    if (drag && drag.active) {
      event.preventDefault();
    }
  }, { passive: false });

  // A drag ends with a click on the link under the pointer; it must not open the appointment.
  cal.addEventListener("click", function (event) {
    if (swallowClick) {
      swallowClick = false;
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // Links are natively draggable, and a long touch opens the link menu: neither fits a drag.
  cal.addEventListener("dragstart", function (event) {
    if (event.target.closest && event.target.closest(".cal-appt[data-move-url]")) {
      event.preventDefault();
    }
  });
  cal.addEventListener("contextmenu", function (event) {
    if (drag) {
      event.preventDefault();
    }
  });

  if (toast) {
    toast.querySelector("[data-dismiss]").addEventListener("click", hideError);
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        if (drag) {
          snapBack(finish());
        }
        hideError();
      }
    });
  }
})();
