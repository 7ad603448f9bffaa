/* The header's notification badge counts up live: on a `notification` event of the page's
   one Socket.IO connection (window.tribesOnSocket, static/socket.js). The badge's label comes translated from the
   script tag (data-unread, with {count}). */
(function () {
  "use strict";
  var script = document.currentScript;
  /* the wide header's link and the phone menu's copy of it */
  var links = document.querySelectorAll("header.site a[href$='/notifications']");
  if (!links.length || !script) { return; }
  var label = script.dataset.unread || "{count}";

  function bumpLink(link) {
    var badge = link.querySelector(".badge");
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "0";
      link.append(" ", badge);
    }
    var count = (parseInt(badge.textContent, 10) || 0) + 1;
    badge.textContent = String(count);
    badge.setAttribute("aria-label", label.replace("{count}", String(count)));
  }

  function bump() { links.forEach(bumpLink); }

  if (window.tribesOnSocket) {
    window.tribesOnSocket(function (socket) { socket.on("notification", bump); });
  }
})();
