/* Live unread counts: the "My tribes" badge in the header (both copies: the wide nav's and the
   phone menu's) and, on /tribes, each tribe's own badge count up when someone else posts in one
   of my tribes, and drop when the chat posts its read marker (chat.js dispatches `tribes:read`).
   The page's one Socket.IO connection (static/socket.js: one for every script) joins each tribe with after_id = the newest message id when the page was
   made, so it hears only what is new. Everything it needs comes from its script tag:
   data-tribes ({slug: unread}), data-after, data-me, data-my-tribes, data-unread ("{count} unread"). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var counts = {};
  try { counts = JSON.parse(script.dataset.tribes || "{}") || {}; } catch (e) { counts = {}; }
  var slugs = Object.keys(counts);
  if (!slugs.length) { return; }
  var me = Number(script.dataset.me);
  var after = Number(script.dataset.after) || 0;   // newest id heard so far (catch-up after a reconnect)
  var label = script.dataset.unread || "{count}";
  var chat = document.getElementById("chat");
  var open = chat ? chat.dataset.tribe : null;        // that chat counts and marks its own messages
  var counted = new Map();                            // message id -> slug, each counted once

  function badgeOf(holder, create) {
    var badge = holder.querySelector(".badge");
    if (!badge && create) {
      badge = document.createElement("span");
      badge.className = "badge";
      holder.append(" ", badge);
    }
    return badge;
  }

  function change(holder, delta) {
    var badge = badgeOf(holder, delta > 0);
    if (!badge) { return; }
    var count = Math.max(0, (parseInt(badge.textContent, 10) || 0) + delta);
    if (!count) {
      var before = badge.previousSibling;   // the space before the badge, never the link's own label
      if (before && before.nodeType === 3) {
        if (before.textContent.trim()) { before.textContent = before.textContent.replace(/\s+$/, ""); }
        else { before.remove(); }
      }
      badge.remove();
      return;
    }
    badge.textContent = String(count);
    badge.setAttribute("aria-label", label.replace("{count}", String(count)));
  }

  function headerLinks() {
    var href = script.dataset.myTribes;
    return href ? document.querySelectorAll("header.site a[href='" + href + "']") : [];
  }

  /* the tribe's own badge on "My tribes" (the card's heading) */
  function cardHeading(slug) {
    var links = document.querySelectorAll("ul.cards h2 a");
    for (var i = 0; i < links.length; i++) {
      if (links[i].pathname.endsWith("/t/" + slug)) { return links[i].parentElement; }
    }
    return null;
  }

  function adjust(slug, delta) {
    if (!delta) { return; }
    counts[slug] = Math.max(0, (counts[slug] || 0) + delta);
    headerLinks().forEach(function (link) {
      change(link, delta);
      var badge = badgeOf(link, false);
      if (badge && link.closest("nav.wide")) { badge.id = "nav-unread-messages"; }
    });
    var heading = cardHeading(slug);
    if (heading) {
      change(heading, delta);
      var own = badgeOf(heading, false);
      if (own) { own.classList.add("unread-messages"); }
    }
  }

  function heard(m) {
    if (!m || typeof m.id !== "number" || !(m.tribe in counts)) { return; }
    if (m.id > after) { after = m.id; }
    if (m.tribe === open || counted.has(m.id) || m.deleted) { return; }
    if (m.author && m.author.id === me) { return; }
    counted.set(m.id, m.tribe);
    adjust(m.tribe, 1);
  }

  function joinAll(socket) {
    var from = after;
    slugs.forEach(function (slug) {
      if (slug === open) { return; }
      socket.emit("join", { tribe: slug, after_id: from }, function (ack) {
        if (ack && ack.ok) { (ack.missed || []).forEach(heard); }
      });
    });
  }

  function listen(socket) {
    socket.on("connect", function () { joinAll(socket); });   // rooms are gone after a reconnect
    if (socket.connected) { joinAll(socket); }
    socket.on("message", heard);
    socket.on("message_deleted", function (d) {
      if (d && counted.get(d.id) === d.tribe) { counted.delete(d.id); adjust(d.tribe, -1); }
    });
    socket.on("removed", function (d) {
      if (d && d.tribe in counts) { adjust(d.tribe, -counts[d.tribe]); delete counts[d.tribe]; }
    });
  }

  document.addEventListener("tribes:read", function (event) {
    var slug = event.detail && event.detail.tribe;
    if (slug in counts) { adjust(slug, -counts[slug]); }
  });

  if (window.tribesOnSocket) { window.tribesOnSocket(listen); }
})();
