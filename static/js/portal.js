// Every page: a summary of form errors is focused when the page opens, so a screen reader
// reads it out, and its links move the focus to the field they name.
(function () {
  "use strict";
  var summary = document.querySelector(".form-error-summary");
  if (summary && !document.getElementById("error-summary")) { summary.focus(); }
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".form-error-summary a[href^='#']");
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) {
      event.preventDefault();
      field.scrollIntoView({block: "center"});
      field.focus();
    }
  });
})();

// Every page: a table wider than its box scrolls sideways; the box then takes the keyboard focus
// (so arrow keys scroll it) and is named by the table's caption.
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.tabIndex = 0;
        box.dataset.scrollFocus = "1";
        var caption = box.querySelector("caption");
        if (caption && caption.textContent.trim()) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", caption.textContent.trim().slice(0, 160));
        }
      } else if (!scrolls && box.dataset.scrollFocus) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        delete box.dataset.scrollFocus;
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
  if (document.fonts) { document.fonts.ready.then(mark); }
})();

// The recovery-codes page: print or copy the new codes (without scripts, the text-file link).
(function () {
  "use strict";
  var status = document.querySelector("[data-copy-status]");
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var list = document.getElementById(button.dataset.copy);
    if (!list || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var codes = Array.prototype.map.call(list.querySelectorAll("li"), function (item) {
        return item.textContent.trim();
      });
      navigator.clipboard.writeText(codes.join("\n")).then(function () {
        if (status) { status.textContent = button.dataset.copied; }
      });
    });
  });
})();
