// Follows a report being made (or a batch of them) and updates the page; no inline script.
(function () {
  "use strict";
  var report = document.getElementById("report-progress");
  var batch = document.getElementById("batch-progress");
  var box = report || batch;
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var delay = report ? 700 : 1500;
  var lastDone = null;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return schedule(); }
        if (report) {
          if (data.ready || data.status === "failed") { window.location.assign(data.url); return; }
          showStep(data);
        } else {
          var bar = document.getElementById("batch-bar");
          bar.max = data.total; bar.value = data.done; bar.textContent = data.percent + " %";
          var template = document.getElementById("batch-status-template");
          var text = template ? template.content.textContent : "";
          ["done", "total", "ready", "failed"].forEach(function (key) {
            text = text.split("{" + key + "}").join(String(data[key]));
          });
          if (text && data.done !== lastDone) {
            document.getElementById("batch-status-text").textContent = text;
          }
          lastDone = data.done;
          if (data.finished) { window.location.reload(); return; }
        }
        schedule();
      })
      .catch(schedule);
  }
  // The report's stage: the bar, the words (read out when they change) and the list of stages.
  function showStep(data) {
    var bar = document.getElementById("report-bar");
    var status = document.getElementById("report-status-text");
    var text = data.progress_label;
    if (data.step) {
      text = (status.getAttribute("data-step-template") || "{label}")
        .split("{step}").join(String(data.step))
        .split("{steps}").join(String(data.steps))
        .split("{label}").join(data.progress_label);
    }
    if (bar) { bar.max = data.steps; bar.value = data.step; bar.textContent = data.step + " / " + data.steps; }
    if (status.textContent !== text) { status.textContent = text; }
    var stages = document.querySelectorAll("#report-stages li");
    for (var i = 0; i < stages.length; i += 1) {
      stages[i].classList.toggle("done", i + 1 < data.step);
      if (i + 1 === data.step) { stages[i].setAttribute("aria-current", "step"); }
      else { stages[i].removeAttribute("aria-current"); }
    }
    var note = document.getElementById("report-waiting-note");
    if (note && data.status !== "pending") { note.remove(); }
  }
  function schedule() { delay = Math.min(delay * 1.3, 10000); window.setTimeout(poll, delay); }
  window.setTimeout(poll, delay);
})();
