// Moderation screens: keyboard shortcuts and "select all". The pages work without this file.
(function () {
  "use strict";

  // Fields that take typed keys; a checkbox, radio or button does not.
  var KEYLESS = ["checkbox", "radio", "button", "submit", "reset", "image", "file", "range",
                 "color"];

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    if (tag === "input") return KEYLESS.indexOf((target.type || "text").toLowerCase()) < 0;
    return tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  // A key press names an element by its data-shortcut: a link or button is clicked, a field
  // focused. Never while the moderator types in a field, never with a modifier key.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (typing(event.target)) return;
    var key = event.key;
    if (!key || key.length !== 1) return;
    var target = document.querySelector('[data-shortcut="' + CSS.escape(key) + '"]');
    if (!target) return;
    event.preventDefault();
    var tag = target.tagName.toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") {
      target.focus();
    } else {
      target.click();
    }
  });

  // A header checkbox ticks every row's checkbox of the same name (hidden without script).
  document.addEventListener("DOMContentLoaded", function () {
    var boxes = document.querySelectorAll("input[data-select-all]");
    Array.prototype.forEach.call(boxes, function (all) {
      var name = all.getAttribute("data-select-all");
      var form = all.form;
      var rows = function () {
        return form ? form.querySelectorAll('input[type=checkbox][name="' + name + '"]') : [];
      };
      all.hidden = false;
      all.addEventListener("change", function () {
        Array.prototype.forEach.call(rows(), function (box) { box.checked = all.checked; });
      });
    });
  });
})();
