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
