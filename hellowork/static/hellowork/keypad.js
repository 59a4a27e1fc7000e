// The seeker-facing display's on-screen keypad (DESIGN.md rule 3): usable by touch alone,
// so the tablet's own keyboard never has to open. Digits go into the field in focus and
// move on when it is full; the answer form first asks "apply?", then the birth date.
// Runs on the first page and on every part htmx swaps in.
(function () {
  "use strict";

  function setUpAnswerForm(form) {
    var birth = form.querySelector('[data-step="birth"]');
    var choice = form.querySelector('[data-step="choice"]');
    var show = form.querySelector('[data-show-step="birth"]');
    var back = form.querySelector('[data-show-step="choice"]');
    if (!birth || !choice || !show) return;
    if (form.querySelector(".error-summary")) {
      choice.hidden = true; // a date to correct: straight back to it
    } else {
      birth.hidden = true;
    }
    show.addEventListener("click", function () {
      choice.hidden = true;
      birth.hidden = false;
      birth.scrollIntoView({ block: "start" });
      var first = birth.querySelector("[data-keypad-field]");
      if (first) first.focus({ preventScroll: true });
    });
    if (back) {
      back.addEventListener("click", function () {
        birth.hidden = true;
        choice.hidden = false;
        form.closest("section").scrollIntoView({ block: "start" });
      });
    }
  }

  function setUpKeypad(pad) {
    var form = pad.closest("form");
    if (!form) return;
    var fields = Array.prototype.slice.call(form.querySelectorAll("[data-keypad-field]"));
    var current = fields[0] || null;
    fields.forEach(function (field) {
      field.addEventListener("focus", function () { current = field; });
    });
    function advance() {
      var i = fields.indexOf(current);
      if (i >= 0 && i < fields.length - 1) current = fields[i + 1];
      if (current) current.focus();
    }
    pad.addEventListener("click", function (event) {
      var button = event.target.closest("[data-key]");
      if (!button || !current) return;
      var key = button.getAttribute("data-key");
      var max = current.maxLength > 0 ? current.maxLength : 32;
      if (key === "clear") {
        var i = fields.indexOf(current);
        if (current.value === "" && i > 0) current = fields[i - 1]; // back into the last one
        current.value = current.value.slice(0, -1);
        current.focus();
      } else if (key === "next") {
        advance();
      } else if (current.value.length < max) {
        current.value += key;
        if (current.value.length >= max) advance(); else current.focus();
      }
    });
  }

  function setUp(root) {
    root.querySelectorAll("[data-answer-form]:not([data-ready])").forEach(function (form) {
      form.setAttribute("data-ready", "");
      setUpAnswerForm(form);
    });
    root.querySelectorAll("[data-keypad]:not([data-ready])").forEach(function (pad) {
      pad.setAttribute("data-ready", "");
      setUpKeypad(pad);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:load", function (event) { setUp(event.detail.elt.parentNode || document); });
})();
