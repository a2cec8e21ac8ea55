// Small helps on top of pages that work without JavaScript. The server enforces every rule.
document.addEventListener("DOMContentLoaded", function () {
  // Character counter. The visible count changes on every key; a screen reader hears only
  // when the text comes near the limit, goes over it, or comes back under it.
  document.querySelectorAll("textarea[data-counter]").forEach(function (box) {
    var counter = document.getElementById(box.dataset.counter);
    var announcer = document.getElementById(box.dataset.announcer);
    if (!counter) return;
    var limit = parseInt(counter.dataset.limit, 10);
    var format = new Intl.NumberFormat(document.documentElement.lang);
    // The page gives each announcement for a number its language calls "one" and for any other.
    var plural = new Intl.PluralRules(document.documentElement.lang);
    function forCount(other, one, n) {
      return (plural.select(n) === "one" && one) || other;
    }
    // Only a screen reader hears the announcer: easy Japanese's 意見(いけん) would be read twice.
    function spoken(text) {
      return text.replace(/([\u3400-\u9fff\u3005])[(（][\u3041-\u30ff]+[)）]/g, "$1");
    }
    var near = Math.floor(limit * 0.9);
    var state = null;
    function update() {
      var count = Array.from(box.value).length;
      counter.textContent = counter.dataset.template
        .replace("{count}", format.format(count))
        .replace("{limit}", format.format(limit));
      counter.classList.toggle("over-limit", count > limit);
      var next = count > limit ? "over" : count >= near ? "near" : "ok";
      if (announcer && state !== null && next !== state) {
        var said;
        if (next === "over") {
          said = forCount(counter.dataset.over, counter.dataset.overOne, count - limit)
            .replace("{over}", format.format(count - limit));
        } else if (next === "near") {
          said = forCount(counter.dataset.near, counter.dataset.nearOne, limit - count)
            .replace("{left}", format.format(limit - count));
        } else {
          said = counter.textContent;
        }
        announcer.textContent = spoken(said);
      }
      state = next;
    }
    box.addEventListener("input", update);
    update();
  });

  // The language menu closes with Escape (focus back on its button) or a tap elsewhere.
  document.querySelectorAll(".language-picker details").forEach(function (menu) {
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (menu.open && !menu.contains(event.target)) menu.open = false;
    });
  });

  // The error summary: focus it if autofocus did not (e.g. after a restored page), and make
  // each link land on its field with the field's label or question in view.
  var summary = document.getElementById("form-errors");
  if (summary && document.activeElement === document.body) summary.focus();
  document.querySelectorAll("a[data-field-link]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      var heading = field.closest("fieldset") ? field.closest("fieldset").querySelector("legend")
        : document.querySelector("label[for='" + field.id + "']") || field.closest("label") || field;
      heading.scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
      history.replaceState(null, "", "#" + field.id);
    });
  });

  // The receipt's print button exists only where printing works (inline handlers are not
  // allowed by the page's CSP).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
    var holder = button.closest("[hidden]");
    if (holder) holder.hidden = false;
  });
});
