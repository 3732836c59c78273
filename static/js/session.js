/* The session's end, told in advance. The page says (data attributes on <body>, computed on the
 * server) how many seconds the session has left and how long before its end to warn. A dialog
 * then offers to stay logged in (a POST to the keep-alive endpoint, which starts the session's
 * time again) and, once the time is up, says so with a link to log in and come back here.
 * Other tabs of the portal hear of a renewed session through localStorage. */
(function () {
  "use strict";
  var body = document.body;
  var dialog = document.getElementById("session-dialog");
  if (!dialog || !body.dataset.keepAliveUrl || typeof dialog.showModal !== "function") { return; }
  var STORE = "portal-session-deadline";
  var warnMs = (parseInt(body.dataset.sessionWarning, 10) || 300) * 1000;
  var deadline = Date.now() + parseInt(body.dataset.sessionExpiresIn, 10) * 1000;
  var state = "running";  // running, warning, ended
  var returnFocus = null;
  var warning = dialog.querySelector(".session-warning");
  var ended = dialog.querySelector(".session-ended");
  var errorText = dialog.querySelector(".session-error");
  var status = document.getElementById("session-status");
  var tokenInput = document.querySelector("input[name=csrfmiddlewaretoken]");

  function clock(ms) {
    var lang = document.documentElement.lang === "en" ? "en-GB" : "nb-NO";
    return new Date(ms).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit" });
  }

  function setTimes() {
    dialog.querySelectorAll(".session-time").forEach(function (el) { el.textContent = clock(deadline); });
  }

  function open() {
    if (!dialog.open) {
      returnFocus = document.activeElement;
      dialog.showModal();
    }
  }

  function close() {
    if (dialog.open) { dialog.close(); }
    if (returnFocus && typeof returnFocus.focus === "function") { returnFocus.focus(); }
    returnFocus = null;
  }

  function warn() {
    state = "warning";
    setTimes();
    errorText.hidden = true;
    warning.hidden = false;
    ended.hidden = true;
    dialog.setAttribute("aria-labelledby", "session-dialog-title");
    dialog.setAttribute("aria-describedby", "session-dialog-text");
    open();
    dialog.querySelector(".session-stay").focus();
  }

  function end() {
    if (state === "ended") { return; }
    state = "ended";
    setTimes();
    warning.hidden = true;
    ended.hidden = false;
    dialog.setAttribute("aria-labelledby", "session-ended-title");
    dialog.setAttribute("aria-describedby", "session-ended-text");
    open();
    dialog.querySelector(".session-login").focus();
    document.dispatchEvent(new CustomEvent("portal:session-ended"));
  }

  function renewed(seconds, announce) {
    deadline = Date.now() + seconds * 1000;
    state = "running";
    close();
    if (announce) {
      status.textContent = dialog.dataset.textRenewed
        ? dialog.dataset.textRenewed.replace("{time}", clock(deadline)) : "";
    }
  }

  function stay() {
    var data = new FormData();
    fetch(body.dataset.keepAliveUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": tokenInput ? tokenInput.value : "", "Accept": "application/json" }
    }).then(function (reply) {
      if (reply.status === 401) { end(); return null; }
      if (!reply.ok) { throw new Error(String(reply.status)); }
      return reply.json();
    }).then(function (result) {
      if (!result) { return; }
      try { localStorage.setItem(STORE, String(Date.now() + result.expires_in * 1000)); } catch (e) { /* private mode */ }
      renewed(result.expires_in, true);
    }).catch(function () {
      errorText.hidden = false;
    });
  }

  dialog.querySelector(".session-stay").addEventListener("click", stay);
  dialog.querySelector(".session-close").addEventListener("click", close);
  // Escape closes the warning; the time still runs and the end is still told.
  dialog.addEventListener("cancel", function (event) { event.preventDefault(); close(); });
  window.addEventListener("storage", function (event) {
    if (event.key !== STORE || !event.newValue) { return; }
    var other = parseInt(event.newValue, 10);
    if (other > deadline && state !== "ended") { renewed((other - Date.now()) / 1000, false); }
  });

  function tick() {
    var now = Date.now();
    if (now >= deadline) { end(); return; }
    if (now >= deadline - warnMs && state === "running") { warn(); }
  }
  window.setInterval(tick, 1000);
  tick();
  window.portalSession = { end: end };
})();
