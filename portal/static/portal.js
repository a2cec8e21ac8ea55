// Live character counter for the comment box. The server enforces the limit; this only helps.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("textarea[data-counter]").forEach(function (box) {
    var counter = document.getElementById(box.dataset.counter);
    if (!counter) return;
    var limit = parseInt(counter.dataset.limit, 10);
    var template = counter.dataset.template;
    var format = new Intl.NumberFormat(document.documentElement.lang);
    function update() {
      var count = Array.from(box.value).length;
      counter.textContent = template
        .replace("{count}", format.format(count))
        .replace("{limit}", format.format(limit));
      counter.classList.toggle("over-limit", count > limit);
    }
    box.addEventListener("input", update);
    update();
  });
  // The receipt's print button (inline handlers are not allowed by the page's CSP).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
