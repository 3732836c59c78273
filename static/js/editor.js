/* The questionnaire editor. The forms work without it; it shows only the fields of the chosen
   question type, inserts key-figure placeholders at the cursor and narrows a condition's
   answers to the chosen question. */
(function () {
  "use strict";
  document.querySelectorAll("form.js-editor").forEach(function (form) {
    // Type-dependent fields.
    form.querySelectorAll("select[name$='type']").forEach(function (select) {
      if (!/(^|-)type$/.test(select.name)) { return; }
      var scope = select.closest("fieldset").parentElement;
      function show() {
        scope.querySelectorAll("[data-types]").forEach(function (el) {
          var types = el.dataset.types.split(" ");
          el.hidden = types.indexOf(select.value) === -1;
        });
      }
      select.addEventListener("change", show);
    });

    // Placeholders: remember the last text field used, insert at its cursor.
    var last = {};
    form.querySelectorAll("[data-placeholders]").forEach(function (input) {
      input.addEventListener("focus", function () { last[input.dataset.placeholders] = input; });
    });
    form.querySelectorAll("button.js-insert").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var key = button.dataset.target + "-placeholders";
        var input = last[key] || form.querySelector("[data-placeholders='" + key + "']");
        if (!input) { return; }
        var start = input.selectionStart || 0;
        var end = input.selectionEnd || start;
        var text = button.dataset.insert;
        input.value = input.value.slice(0, start) + text + input.value.slice(end);
        input.focus();
        input.setSelectionRange(start + text.length, start + text.length);
      });
    });

    // A condition's answers: only those of the chosen earlier question.
    form.querySelectorAll(".js-rule").forEach(function (rule) {
      var subject = rule.querySelector("select[name$='-subject']");
      var values = rule.querySelector("select[name$='-values']");
      if (!subject || !values) { return; }
      function narrow() {
        Array.prototype.forEach.call(values.options, function (option) {
          var mine = option.value.split("|")[0] === subject.value;
          option.hidden = !mine;
          option.disabled = !mine;
          if (!mine) { option.selected = false; }
        });
        values.querySelectorAll("optgroup").forEach(function (group) {
          group.hidden = !group.querySelector("option:not([disabled])");
        });
      }
      subject.addEventListener("change", narrow);
      narrow();
    });
  });
})();
