// Saves the answers of an assistant step in the background while the
// applicant types, so closing the tab loses nothing. Without JavaScript the
// buttons save on every step; this only saves sooner. Files are left out
// (they are uploaded with the step's buttons).
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) return;
  var status = document.getElementById("autosave-status");
  var timer = null;
  var saving = false;
  var lang = document.documentElement.lang === "en" ? "en" : "de";
  var text = {
    de: { saved: "Entwurf gespeichert um ", failed: "Automatisches Speichern fehlgeschlagen. Ihre Angaben werden mit „Weiter“ gespeichert." },
    en: { saved: "Draft saved at ", failed: "Saving automatically failed. Your answers are saved when you press “Continue”." }
  }[lang];
  function save() {
    if (saving) { schedule(); return; }
    saving = true;
    var data = new FormData(form);
    var plain = new URLSearchParams();
    data.forEach(function (value, key) {
      if (typeof value === "string" && key !== "_action") plain.append(key, value);
    });
    plain.append("_action", "autosave");
    fetch(form.action, {
      method: "POST",
      body: plain,
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (res) {
      if (status) {
        var now = new Date();
        var hh = String(now.getHours()).padStart(2, "0");
        var mm = String(now.getMinutes()).padStart(2, "0");
        status.textContent = res.ok ? text.saved + hh + ":" + mm : text.failed;
      }
    }).catch(function () {
      if (status) status.textContent = text.failed;
    }).then(function () { saving = false; });
  }
  function schedule() {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, 1500);
  }
  form.addEventListener("input", function (e) {
    if (e.target && e.target.type !== "file") schedule();
  });
  form.addEventListener("change", function (e) {
    if (e.target && e.target.type !== "file") schedule();
  });
})();
