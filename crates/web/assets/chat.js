// Live chat in a room: messages of others appear without reloading
// (server-sent events), and one's own are sent in the background. Without
// JavaScript the form posts and the page reloads; this only adds speed.
// Each message carries a key chosen when the form was drawn: a message
// sent again after a dropped connection is stored once, never twice.
(function () {
  "use strict";
  var list = document.getElementById("messages");
  if (!list || !window.EventSource || !window.fetch) return;
  var room = list.getAttribute("data-room");
  var status = document.getElementById("live-status");
  var form = document.getElementById("post-form");
  var lang = document.documentElement.lang === "en" ? "en" : "de";
  var text = {
    de: { from: "Neue Nachricht von ", failed: "Nicht gesendet: keine Verbindung. Ihre Nachricht ist noch im Feld – bitte erneut senden.", sending: "Wird gesendet …", sent: "Gesendet." },
    en: { from: "New message from ", failed: "Not sent: no connection. Your message is still in the field – please send again.", sending: "Sending …", sent: "Sent." }
  }[lang];
  function say(msg) { if (status) status.textContent = msg; }
  function parse(html) {
    var t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }
  function place(html, isNew) {
    var item = parse(html);
    if (!item) return;
    var old = document.getElementById(item.id);
    if (old) { old.replaceWith(item); return; }
    if (!isNew || item.classList.contains("rh-message--reply")) return;
    list.appendChild(item);
    var empty = document.getElementById("no-messages");
    if (empty) empty.remove();
    var who = item.querySelector(".rh-message__meta strong");
    if (who) say(text.from + who.textContent);
  }
  var source = new EventSource("/arbeit/raeume/" + room + "/live");
  source.addEventListener("posted", function (e) { place(e.data, true); list.setAttribute("data-last-seq", e.lastEventId); });
  source.addEventListener("edited", function (e) { place(e.data, false); });
  source.addEventListener("deleted", function (e) { place(e.data, false); });
  source.addEventListener("reload", function () { window.location.reload(); });

  if (!form) return;
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = new URLSearchParams(new FormData(form));
    say(text.sending);
    fetch(form.action, { method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" } })
      .then(function (res) {
        if (res.type === "opaqueredirect" || res.ok) {
          form.querySelector("textarea").value = "";
          form.querySelector("input[name=client_key]").value =
            (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + String(Math.random()).slice(2);
          say(text.sent);
        } else {
          // The server named a problem: show its page with the error summary.
          form.submit();
        }
      })
      .catch(function () { say(text.failed); });
  });
})();
