/* Autosave for survey sections. The page works without it: every section has a Save button. */
(function () {
  "use strict";
  var form = document.getElementById("survey-form");
  if (!form || form.dataset.readonly) { return; }
  var url = form.dataset.autosaveUrl;
  var statusEl = document.getElementById("save-status");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var pending = {};   // key -> true while a save is under way
  var again = {};     // key -> true if it changed again meanwhile
  var timers = {};

  function setStatus(text) { if (statusEl) { statusEl.textContent = text; } }

  function fieldsOf(fieldset, extra) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrf);
    data.append("question", fieldset.dataset.key);
    fieldset.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.disabled) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      data.append(el.name, el.value);
    });
    Object.keys(extra || {}).forEach(function (k) { data.append(k, extra[k]); });
    return data;
  }

  function showMessage(fieldset, cls, html, role) {
    var box = fieldset.querySelector(".js-message");
    if (!box) {
      box = document.createElement("div");
      box.className = "js-message";
      fieldset.querySelector("legend").insertAdjacentElement("afterend", box);
    }
    box.className = "js-message " + cls;
    box.setAttribute("role", role || "alert");
    box.innerHTML = html;
    return box;
  }

  function clearMessage(fieldset) {
    var box = fieldset.querySelector(".js-message");
    if (box) { box.remove(); }
    fieldset.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  // A change the portal could not take because the session had ended is kept in the browser
  // (this tab only) with the answer's version, and given back when the person is on this page
  // again: it is then saved, and a colleague's change in between is still caught as a conflict.
  var STORE = "portal-unsaved:" + window.location.pathname;

  function unsaved() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "{}"); } catch (e) { return {}; }
  }

  function writeUnsaved(all) {
    try {
      if (Object.keys(all).length) { sessionStorage.setItem(STORE, JSON.stringify(all)); }
      else { sessionStorage.removeItem(STORE); }
    } catch (e) { /* storage unavailable: the value stays on the page only */ }
  }

  function keepUnsaved(fieldset) {
    var entries = [];
    fieldset.querySelectorAll("input, select, textarea").forEach(function (el) {
      if (!el.name || el.disabled) { return; }
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) { return; }
      entries.push([el.name, el.value]);
    });
    var all = unsaved();
    all[fieldset.dataset.key] = entries;
    writeUnsaved(all);
  }

  function forgetUnsaved(key) {
    var all = unsaved();
    if (all[key]) { delete all[key]; writeUnsaved(all); }
  }

  function restoreUnsaved() {
    var all = unsaved();
    Object.keys(all).forEach(function (key) {
      var fieldset = form.querySelector("fieldset.question[data-key='" + CSS.escape(key) + "']");
      if (!fieldset || fieldset.disabled) { forgetUnsaved(key); return; }
      var values = {};
      all[key].forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
      fieldset.querySelectorAll("input, select, textarea").forEach(function (el) {
        if (!el.name) { return; }
        if (el.type === "radio" || el.type === "checkbox") {
          el.checked = (values[el.name] || []).indexOf(el.value) !== -1;
        } else if (values[el.name]) {
          el.value = values[el.name][0];
        }
      });
      showMessage(fieldset, "alert alert-info", escapeHtml(form.dataset.textRestored), "status");
      save(fieldset);
    });
  }

  function applyVisibility(visible) {
    form.querySelectorAll("fieldset.question").forEach(function (fs) {
      var show = visible.indexOf(fs.dataset.key) !== -1;
      fs.hidden = !show;
      fs.disabled = !show;
    });
  }

  function save(fieldset, extra) {
    var key = fieldset.dataset.key;
    if (pending[key]) { again[key] = true; return; }
    pending[key] = true;
    setStatus(form.dataset.textSaving);
    fetch(url, {
      method: "POST",
      body: fieldsOf(fieldset, extra),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" }
    }).then(function (reply) {
      // Logged out: the endpoint says 401 (or, from an older page, the login page answers).
      if (reply.status === 401 || (reply.redirected && reply.url.indexOf(form.dataset.loginPath) !== -1)) {
        return { code: 401, body: { status: "logged_out" } };
      }
      // Not JSON: most often a form token that a log-in in another tab has replaced.
      if ((reply.headers.get("Content-Type") || "").indexOf("application/json") === -1) {
        return { code: reply.status, body: { status: "stale" } };
      }
      return reply.json().then(function (body) { return { code: reply.status, body: body }; });
    }).then(function (result) {
      var body = result.body;
      if (body.status === "logged_out" || body.status === "stale") {
        keepUnsaved(fieldset);
        var loggedOut = body.status === "logged_out";
        showMessage(fieldset, "alert alert-warning",
          "<p class='mb-2'>" + escapeHtml(loggedOut ? form.dataset.textLoggedOut : form.dataset.textStale) + "</p>" +
          "<a class='btn btn-sm btn-primary' href='" + escapeHtml(loggedOut ? form.dataset.loginUrl : window.location.href) + "'>" +
          escapeHtml(loggedOut ? form.dataset.textLogIn : form.dataset.textReload) + "</a>");
        setStatus(loggedOut ? form.dataset.textLoggedOut : form.dataset.textStale);
        if (loggedOut && window.portalSession) { window.portalSession.end(); }
      } else if (body.status === "saved") {
        forgetUnsaved(key);
        clearMessage(fieldset);
        fieldset.querySelector("input[name$='-version']").value = body.version;
        fieldset.querySelector("input[name$='-orig']").value = body.fingerprint;
        var warning = fieldset.querySelector(".plausibility");
        if (warning) {
          warning.hidden = !body.warning;
          if (body.warning) { warning.querySelector(".warning-text").textContent = body.warning; }
        }
        applyVisibility(body.visible);
        var progress = document.querySelector("[data-section-progress='" + form.dataset.section + "']");
        if (progress) { progress.textContent = body.progress.section_answered + "/" + body.progress.section_total; }
        setStatus(form.dataset.textSaved + " " + body.saved_at);
        if (extra && extra.same_as_last_year) { window.location.reload(); }
      } else if (body.status === "invalid") {
        var message = body.errors[key] || "";
        showMessage(fieldset, "invalid-feedback d-block", "<strong>" + escapeHtml(message) + "</strong>");
        fieldset.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (el) {
          el.setAttribute("aria-invalid", "true");
        });
        setStatus(message);
      } else if (body.status === "conflict") {
        var box = showMessage(fieldset, "alert alert-warning",
          "<p class='mb-1'>" + escapeHtml(form.dataset.textConflict) + " (" + escapeHtml(body.by) + ", " + escapeHtml(body.at) + ")</p>" +
          "<p class='mb-1'>" + escapeHtml(form.dataset.textTheirs) + ": <strong>" + escapeHtml(body.theirs || "–") + "</strong></p>" +
          "<p class='mb-2'>" + escapeHtml(form.dataset.textYours) + ": <strong>" + escapeHtml(body.yours || "–") + "</strong></p>" +
          "<button type='button' class='btn btn-sm btn-primary me-2 keep-mine'>" + escapeHtml(form.dataset.textKeepMine) + "</button>" +
          "<button type='button' class='btn btn-sm btn-outline-secondary use-theirs'>" + escapeHtml(form.dataset.textUseTheirs) + "</button>");
        box.querySelector(".keep-mine").addEventListener("click", function () {
          fieldset.querySelector("input[name$='-version']").value = body.version;
          clearMessage(fieldset);
          save(fieldset);
        });
        box.querySelector(".use-theirs").addEventListener("click", function () { window.location.reload(); });
        setStatus(form.dataset.textConflict);
      } else {
        showMessage(fieldset, "alert alert-danger", escapeHtml(body.message || form.dataset.textFailed));
        setStatus(body.message || form.dataset.textFailed);
      }
    }).catch(function () {
      setStatus(form.dataset.textFailed);
    }).then(function () {
      pending[key] = false;
      if (again[key]) { again[key] = false; save(fieldset); }
    });
  }

  form.querySelectorAll("fieldset.question").forEach(function (fieldset) {
    fieldset.addEventListener("change", function (event) {
      if (event.target.type === "hidden") { return; }
      clearTimeout(timers[fieldset.dataset.key]);
      save(fieldset);
    });
    fieldset.addEventListener("input", function (event) {
      var el = event.target;
      if (el.tagName !== "TEXTAREA" && el.type !== "text") { return; }
      clearTimeout(timers[fieldset.dataset.key]);
      timers[fieldset.dataset.key] = setTimeout(function () { save(fieldset); }, 1500);
    });
    var copy = fieldset.querySelector(".same-as-last-year");
    if (copy) {
      copy.addEventListener("click", function (event) {
        event.preventDefault();
        save(fieldset, { same_as_last_year: fieldset.dataset.key });
      });
    }
  });

  window.addEventListener("beforeunload", function (event) {
    var busy = Object.keys(pending).some(function (k) { return pending[k]; });
    if (busy) { event.preventDefault(); event.returnValue = ""; }
  });
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  restoreUnsaved();
})();
