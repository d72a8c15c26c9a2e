// Live updates: the server pushes "change" events over Server-Sent Events;
// the page re-fetches itself and swaps in its live region. No reload, no
// framework. Forms stay outside the live region, so typing is never lost.
(function () {
  "use strict";
  // Destructive buttons ask first (data-confirm holds the question).
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest("[data-confirm]");
    if (b && !window.confirm(b.dataset.confirm)) ev.preventDefault();
  });
  var live = document.getElementById("live");
  if (!live || !live.dataset.live || !window.EventSource) return;
  var url = live.dataset.live, phone = live.dataset.phone || "";
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(url, { headers: { "X-Inbox-Refresh": "1" }, credentials: "same-origin" })
      .then(function (r) { if (!r.ok || r.redirected) throw new Error(r.status); return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("live");
        if (fresh) live.innerHTML = fresh.innerHTML;
        document.body.dataset.refreshed = String(Date.now());
      })
      .catch(function () {})
      .finally(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  var es = new EventSource("/inbox/events");
  es.addEventListener("change", function (ev) {
    try { var d = JSON.parse(ev.data); } catch (e) { return; }
    if (!phone || d.phone === phone) refresh();
  });
  // On every (re)connection, catch up on what changed while the page was
  // loading or the stream was down: events are not replayed.
  es.addEventListener("open", function () { document.body.dataset.live = "on"; refresh(); });
})();
