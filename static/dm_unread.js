/* The header's "Messages" badge follows direct messages live: when a direct message of someone
   else arrives on the page's Socket.IO connection (static/socket.js: one for every script;
   direct messages reach my personal room without a `join`), or
   when a conversation's read marker moves (chat.js dispatches `tribes:read`), the page asks the
   server for my unread total (GET data-count-url) and shows it. Asking rather than counting
   here keeps the rules in one place: message requests, blocked people and hidden messages never
   count. Everything comes from the script tag: data-inbox (the link's href), data-count-url,
   data-me, data-unread ("{count} unread"). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var links = document.querySelectorAll("header.site a[href='" + script.dataset.inbox + "']");
  if (!links.length) { return; }
  var me = Number(script.dataset.me);
  var label = script.dataset.unread || "{count}";
  var timer = null;

  function show(link, count) {
    var badge = link.querySelector(".badge");
    if (!count) {
      if (badge) {
        var before = badge.previousSibling;   // the space before the badge
        if (before && before.nodeType === 3 && !before.textContent.trim()) { before.remove(); }
        badge.remove();
      }
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      link.append(" ", badge);
    }
    badge.textContent = String(count);
    badge.setAttribute("aria-label", label.replace("{count}", String(count)));
  }

  function refresh() {
    if (timer) { return; }
    timer = setTimeout(function () {   // a burst of messages costs one request
      timer = null;
      fetch(script.dataset.countUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) {
          if (body && typeof body.unread === "number") {
            links.forEach(function (link) { show(link, body.unread); });
          }
        })
        .catch(function () { /* offline: the next message or page load corrects it */ });
    }, 250);
  }

  function listen(socket) {
    socket.on("message", function (m) {
      if (m && m.conversation && (!m.author || m.author.id !== me)) { refresh(); }
    });
    socket.on("connect", refresh);   // after a reconnect: what arrived meanwhile
  }

  document.addEventListener("tribes:read", function (e) {
    if (e.detail && e.detail.conversation) { refresh(); }
  });

  if (window.tribesOnSocket) { window.tribesOnSocket(listen); }
})();
