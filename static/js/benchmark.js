// Follows a report being made (or a batch of them) and updates the page; no inline script.
(function () {
  "use strict";
  var report = document.getElementById("report-progress");
  var batch = document.getElementById("batch-progress");
  var box = report || batch;
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var delay = 1500;
  var lastDone = null;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return schedule(); }
        if (report) {
          if (data.ready || data.status === "failed") { window.location.assign(data.url); return; }
          document.getElementById("report-status-text").textContent = data.label;
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
  function schedule() { delay = Math.min(delay * 1.3, 10000); window.setTimeout(poll, delay); }
  window.setTimeout(poll, delay);
})();
