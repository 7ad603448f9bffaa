/* Tribe chat: history with scroll-back, live messages over Socket.IO, catch-up after a
   reconnect, resend with the same client_id after a failed ack, typing indicator.
   Links become <a> elements (http/https only), day separators, edit in place, one actions
   menu per message, collapsed messages of people I blocked, read state (when the page gives
   data-last-read and data-read-url). User text is only ever set with textContent (never
   innerHTML); every text shown comes translated from the page (#chat-strings). */
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root || typeof io === "undefined") { return; }
  var T = (document.getElementById("chat-strings") || { dataset: {} }).dataset;
  var slug = root.dataset.tribe;
  // the room: a tribe's chat, or a conversation (direct messages: no typing, no mentions)
  var conversation = root.dataset.conversation ? Number(root.dataset.conversation) : null;
  var room = conversation ? { conversation: conversation } : { tribe: slug };
  function ours(m) { return conversation ? m.conversation === conversation : m.tribe === slug; }
  var me = Number(root.dataset.me);
  var moderator = root.dataset.moderator === "1";
  var api = root.dataset.api;
  var reportUrl = root.dataset.report || "";
  var blocked = new Set(parseIds(root.dataset.blocked));
  var revealed = new Set();     // message ids of blocked people I chose to show
  var readState = root.closest("[data-read-url]") || root;   // the tribe space's chat tab holds them
  var lastRead = readState.dataset.lastRead ? Number(readState.dataset.lastRead) : null;
  var readUrl = readState.dataset.readUrl || null;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var list = document.getElementById("chat-messages");
  var log = document.getElementById("chat-log");
  var older = document.getElementById("chat-older");
  var statusLine = document.getElementById("chat-status");
  var typingLine = document.getElementById("chat-typing");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var skip = document.getElementById("chat-skip");
  var byId = new Map();        // message id -> <li>
  var shown = new Map();       // message id -> the message object last shown
  var pending = new Map();     // client_id -> {body, li}
  var editing = new Set();     // ids of messages being edited in place
  var lastId = 0;              // newest id shown (catch-up starts here)
  var olderCursor = null;      // REST cursor for scroll-back
  var removed = false;
  var lastTypingSent = 0;
  var typingTimers = new Map();
  var lang = document.documentElement.lang || undefined;
  var dayFormat = new Intl.DateTimeFormat(lang, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  var timeFormat = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" });
  var URL_PATTERN = /\bhttps?:\/\/[^\s<>"]+/gi;

  function parseIds(text) {
    try { var ids = JSON.parse(text || "[]"); return Array.isArray(ids) ? ids.map(Number) : []; } catch (e) { return []; }
  }

  /* the line says what is wrong; "connected" stays for screen readers but takes no room */
  function status(text, fine) {
    statusLine.textContent = text || "";
    statusLine.classList.toggle("visually-hidden", !!fine);
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  function request(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": csrf } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.status === 204 ? null : r.json();
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  /* The message text with its http(s) links as <a> elements; everything else stays text. */
  function linkified(body) {
    var out = document.createDocumentFragment();
    var at = 0;
    body.replace(URL_PATTERN, function (match, offset) {
      var text = match.replace(/[.,;:!?)\]}'"]+$/, "");
      var url = null;
      try { url = new URL(text); } catch (e) { url = null; }
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) { return match; }
      out.append(body.slice(at, offset));
      var a = el("a", "chat-link", text);
      a.href = url.href;
      a.rel = "noopener nofollow ugc";
      out.append(a);
      at = offset + text.length;
      return match;
    });
    out.append(body.slice(at));
    return out;
  }

  function button(label, className, handler) {
    var b = el("button", className, label);
    b.type = "button";
    b.addEventListener("click", handler);
    return b;
  }

  function fill(li, m) {
    shown.set(m.id, m);
    li.textContent = "";
    li.dataset.id = m.id;
    li.id = "message-" + m.id;
    li.dataset.day = dayKey(m.created_at);
    var mine = m.author && m.author.id === me;
    var hidden = m.author && blocked.has(m.author.id) && !revealed.has(m.id) && !m.deleted;
    li.className = "chat-message" + (m.deleted ? " deleted" : "") + (hidden ? " blocked" : "");
    if (hidden) {
      li.append(el("span", "chat-body", T.blocked), " ",
        button(T.show, "link chat-action chat-show", function () { revealed.add(m.id); fill(li, m); ensureRoving(); }));
      return;
    }
    var when = el("time", "", timeFormat.format(new Date(m.created_at)));
    when.dateTime = m.created_at;
    li.append(el("strong", "chat-author", m.author ? m.author.display_name : T.deletedMember), " ", when, " ");
    if (editing.has(m.id) && !m.deleted) {
      li.append(editor(li, m));
    } else {
      var text = el("span", "chat-body");
      if (m.deleted) { text.textContent = T.deleted; } else { text.append(linkified(m.body)); }
      li.append(text);
      if (m.edited_at && !m.deleted) { li.append(" ", el("em", "hint", T.edited)); }
    }
    if (!m.deleted) { menu(li, m, mine); }
  }

  /* One button per message opening a small menu: Edit/Delete for mine, Report for others,
     Delete for moderators. Only one menu button is in the tab order at a time (roving). */
  function menu(li, m, mine) {
    var items = [];
    if (mine) { items.push(button(T.edit, "chat-edit-item", function () { closeMenus(); startEdit(li, m); })); }
    if (mine || moderator) { items.push(button(T.delete, "chat-delete-item", function () { closeMenus(); confirmDelete(li, m); })); }
    if (!mine && reportUrl) {
      var a = el("a", "chat-report", T.report);
      a.href = reportUrl + "?" + new URLSearchParams({ target_type: "message", target_id: String(m.id) }).toString();
      a.setAttribute("aria-label", T.reportLabel);
      items.push(a);
    }
    if (!items.length) { return; }
    var toggle = el("button", "chat-menu-button", "⋯");
    toggle.type = "button";
    toggle.setAttribute("aria-label", T.actions);
    toggle.setAttribute("aria-haspopup", "true");
    toggle.setAttribute("aria-expanded", "false");
    toggle.tabIndex = -1;
    var box = el("div", "chat-menu");
    box.hidden = true;
    items.forEach(function (item) { box.append(item); });
    toggle.addEventListener("click", function (event) {
      event.stopPropagation();
      var open = box.hidden;
      closeMenus();
      if (open) {
        box.hidden = false;
        toggle.setAttribute("aria-expanded", "true");
        items[0].focus();
      }
    });
    toggle.addEventListener("keydown", function (event) { roving(event, toggle); });
    toggle.addEventListener("focus", function () { setRoving(toggle); });
    box.addEventListener("keydown", function (event) {
      var index = items.indexOf(document.activeElement);
      if (event.key === "Escape") { event.preventDefault(); closeMenus(); toggle.focus(); }
      else if (event.key === "ArrowDown") { event.preventDefault(); items[(index + 1) % items.length].focus(); }
      else if (event.key === "ArrowUp") { event.preventDefault(); items[(index - 1 + items.length) % items.length].focus(); }
    });
    li.append(toggle, box);
  }

  function menuButtons() { return Array.from(list.querySelectorAll(".chat-menu-button")); }

  function setRoving(target) {
    menuButtons().forEach(function (b) { b.tabIndex = b === target ? 0 : -1; });
  }

  /* Arrow keys move between the messages' menu buttons; Tab leaves the log. */
  function roving(event, current) {
    var buttons = menuButtons();
    var index = buttons.indexOf(current);
    var next = null;
    if (event.key === "ArrowUp" && index > 0) { next = buttons[index - 1]; }
    if (event.key === "ArrowDown" && index < buttons.length - 1) { next = buttons[index + 1]; }
    if (event.key === "Home") { next = buttons[0]; }
    if (event.key === "End") { next = buttons[buttons.length - 1]; }
    if (next) { event.preventDefault(); setRoving(next); next.focus(); }
  }

  /* Keep exactly one menu button tabbable: the one last used, else the newest. */
  function ensureRoving() {
    var buttons = menuButtons();
    if (!buttons.length || buttons.some(function (b) { return b.tabIndex === 0; })) { return; }
    buttons[buttons.length - 1].tabIndex = 0;
  }

  function closeMenus() {
    list.querySelectorAll(".chat-menu").forEach(function (box) { box.hidden = true; });
    list.querySelectorAll(".chat-menu-button").forEach(function (b) { b.setAttribute("aria-expanded", "false"); });
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(".chat-menu")) { closeMenus(); }
  });

  function startEdit(li, m) {
    editing.add(m.id);
    fill(li, m);
    var area = li.querySelector(".chat-edit textarea");
    if (area) { area.focus(); area.setSelectionRange(area.value.length, area.value.length); }
  }

  function stopEdit(li, m) {
    editing.delete(m.id);
    fill(li, shown.get(m.id) || m);
    var toggle = li.querySelector(".chat-menu-button");
    if (toggle) { setRoving(toggle); toggle.focus(); }
  }

  /* An inline textarea with Save/Cancel (Enter saves, Shift+Enter breaks the line, Escape cancels). */
  function editor(li, m) {
    var box = el("form", "chat-edit");
    var area = el("textarea");
    area.value = m.body;
    area.rows = 2;
    area.maxLength = 4000;
    area.required = true;
    area.setAttribute("aria-label", T.editLabel);
    var save = el("button", "chat-save", T.save);
    save.type = "submit";
    var cancel = button(T.cancel, "secondary chat-cancel", function () { stopEdit(li, m); });
    var buttons = el("div", "chat-edit-buttons");
    buttons.append(save, cancel);
    box.append(area, buttons);
    box.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = area.value.trim();
      if (!body) { return; }
      if (body === m.body) { stopEdit(li, m); return; }
      save.disabled = true;
      request("PATCH", "/api/v1/messages/" + m.id, { body: body }).then(function (updated) {
        editing.delete(m.id);
        show(updated);
        stopEdit(li, updated);
      }).catch(function () { save.disabled = false; status(T.editFailed); });
    });
    area.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); stopEdit(li, m); }
      if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); box.requestSubmit(); }
    });
    return box;
  }

  /* Deleting asks first, inside the message (no window.confirm). */
  function confirmDelete(li, m) {
    if (li.querySelector(".chat-confirm")) { return; }
    var box = el("div", "chat-confirm");
    box.setAttribute("role", "group");
    var yes = button(T.delete, "danger chat-confirm-delete", function () {
      yes.disabled = true;
      request("DELETE", "/api/v1/messages/" + m.id).then(function () {
        fill(li, Object.assign({}, m, { deleted: true, body: "", edited_at: null }));
        ensureRoving();
      }).catch(function () { box.remove(); status(T.deleteFailed); });
    });
    var no = button(T.keep, "secondary chat-confirm-keep", function () {
      box.remove();
      var toggle = li.querySelector(".chat-menu-button");
      if (toggle) { setRoving(toggle); toggle.focus(); }
    });
    box.append(el("span", "", T.confirmDelete), " ", yes, " ", no);
    li.append(box);
    no.focus();
  }

  function dayKey(iso) {
    var d = new Date(iso);
    return d.getFullYear() + "-" + (d.getMonth() + 1) + "-" + d.getDate();
  }

  /* Day separators before the first message of each day, and the "New messages" divider
     before the first message after my last read one. */
  function separate() {
    list.querySelectorAll(".chat-day, .chat-new").forEach(function (node) { node.remove(); });
    var day = null;
    var marked = false;
    Array.from(list.children).forEach(function (li) {
      if (!li.dataset.id) { return; }
      var m = shown.get(Number(li.dataset.id));
      if (li.dataset.day !== day) {
        day = li.dataset.day;
        var sep = el("li", "chat-day", dayFormat.format(new Date(m.created_at)));
        list.insertBefore(sep, li);
      }
      if (!marked && lastRead !== null && Number(li.dataset.id) > lastRead && !(m.author && m.author.id === me)) {
        marked = true;
        var mark = el("li", "chat-new", T.newMessages);
        mark.id = "chat-new";
        list.insertBefore(mark, li);
      }
    });
    ensureRoving();
  }

  function atBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 40; }

  /* Insert or update a stored message, keeping the list in id order. */
  function show(m, batch) {
    var stick = atBottom();
    var li = byId.get(m.id);
    if (!li) {
      var waiting = pending.get(m.client_id);
      if (waiting && m.author && m.author.id === me) {
        li = waiting.li;
        pending.delete(m.client_id);
        li.remove();
      } else {
        li = document.createElement("li");
      }
      byId.set(m.id, li);
      var next = null;
      for (var i = 0; i < list.children.length; i++) {
        var child = list.children[i];
        if (child.dataset.id && Number(child.dataset.id) > m.id) { next = child; break; }
        if (!child.dataset.id && child.classList.contains("pending")) { next = child; break; }   // pending ones stay last
      }
      list.insertBefore(li, next);
    }
    fill(li, m);
    if (m.id > lastId) { lastId = m.id; }
    if (!batch) {
      separate();
      if (stick) { log.scrollTop = log.scrollHeight; }
      markRead();
    }
  }

  function showAll(items) {
    items.forEach(function (m) { show(m, true); });
    separate();
  }

  /* Read state: post the newest message id when I can see the bottom of the log (throttled). */
  var readPosted = lastRead || 0;
  var readTimer = null;
  var readAt = 0;
  function markRead() {
    if (!readUrl || readTimer) { return; }
    var wait = Math.max(0, readAt + 2000 - Date.now());
    readTimer = setTimeout(function () {
      readTimer = null;
      if (document.visibilityState !== "visible" || !atBottom() || lastId <= readPosted) { return; }
      var id = lastId;
      readAt = Date.now();
      request("POST", readUrl, { message_id: id }).then(function () {
        if (id > readPosted) { readPosted = id; }
        // the page's live badges (static/unread.js) drop this tribe's count
        document.dispatchEvent(new CustomEvent("tribes:read", { detail: Object.assign({ message_id: id }, room) }));
      }).catch(function () { /* tried again on the next message or scroll */ });
    }, wait);
  }
  log.addEventListener("scroll", function () { if (atBottom()) { markRead(); } });
  document.addEventListener("visibilitychange", markRead);

  function loadOlder() {
    var url = api + "?limit=50" + (olderCursor ? "&cursor=" + encodeURIComponent(olderCursor) : "");
    var height = log.scrollHeight;
    return request("GET", url).then(function (page) {
      showAll(page.items);
      olderCursor = page.next_cursor;
      older.hidden = !olderCursor;
      log.scrollTop += log.scrollHeight - height;
    });
  }

  function catchUpRest(afterId) {
    return request("GET", api + "?after=" + afterId + "&limit=200").then(function (page) {
      showAll(page.items);
      if (page.next_cursor && page.items.length) { return catchUpRest(page.items[page.items.length - 1].id); }
    });
  }

  // connect once the history is shown, then join with after_id = the newest shown id:
  // whatever was posted in between comes back as `missed`
  var socket = io({ transports: ["websocket", "polling"], autoConnect: false });
  window.tribesSocket = socket;   // the page's one connection, shared through socket.js

  function join() {
    var data = Object.assign({ after_id: lastId }, room);
    socket.timeout(10000).emit("join", data, function (err, ack) {
      if (err || !ack) { status(T.reconnecting); return; }
      if (!ack.ok) { status(T.unavailable); disable(); return; }
      showAll(ack.missed);
      if (ack.has_more) { catchUpRest(lastId); }
      status(T.connected, true);
      markRead();
      pending.forEach(function (p, clientId) { deliver(clientId); });
    });
  }

  function disable() {
    removed = true;
    input.disabled = true;
    document.getElementById("chat-send").disabled = true;
  }

  function deliver(clientId) {
    var p = pending.get(clientId);
    if (!p || removed) { return; }
    p.li.classList.remove("failed");
    p.li.querySelector(".chat-state").textContent = " " + T.sending;
    socket.timeout(8000).emit("send", Object.assign({ body: p.body, client_id: clientId }, room), function (err, ack) {
      if (!err && ack && ack.ok) { show(ack.message); return; }
      if (!pending.has(clientId)) { return; }
      var reason = err ? T.notDelivered : ({ rate_limited: T.rateLimited, muted: T.muted,
        validation_failed: T.tooLong, not_found: T.notMember }[ack.error] || T.notDelivered);
      p.li.classList.add("failed");
      var state = p.li.querySelector(".chat-state");
      state.textContent = " " + reason + " ";
      state.append(button(T.resend, "link chat-action", function () { deliver(clientId); }));
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value.trim();
    if (!body || removed) { return; }
    var clientId = newClientId();
    var li = el("li", "chat-message pending");
    var text = el("span", "chat-body", body);
    li.append(el("strong", "", T.meLabel), " ", text, el("span", "chat-state hint"));
    list.appendChild(li);
    log.scrollTop = log.scrollHeight;
    pending.set(clientId, { body: body, li: li });
    input.value = "";
    deliver(clientId);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });

  input.addEventListener("input", function () {
    var now = Date.now();
    if (!conversation && socket.connected && now - lastTypingSent > 2000) {
      lastTypingSent = now;
      socket.emit("typing", { tribe: slug });
    }
  });

  if (skip) {
    skip.addEventListener("click", function (event) { event.preventDefault(); input.focus(); });
  }

  function renderTyping() {
    var names = Array.from(typingTimers.keys());
    var pattern = names.length > 1 ? T.typingMany : T.typingOne;
    typingLine.textContent = names.length ? pattern.replace("{names}", names.join(", ")) : "";
  }

  socket.on("connect", function () { status(T.connected, true); join(); });
  socket.on("disconnect", function () { if (!removed) { status(T.reconnecting); } });
  socket.on("connect_error", function () { if (!removed) { status(T.reconnecting); } });
  socket.on("message", function (m) { if (ours(m)) { show(m); } });
  socket.on("message_edited", function (m) { if (ours(m) && byId.has(m.id)) { show(m); } });
  socket.on("message_deleted", function (d) {
    var li = byId.get(d.id);
    if (ours(d) && li) {
      editing.delete(d.id);
      fill(li, Object.assign({}, shown.get(d.id), { id: d.id, deleted: true, body: "", edited_at: null }));
      ensureRoving();
    }
  });
  socket.on("typing", function (t) {
    if (t.tribe !== slug || !t.user) { return; }
    if (blocked.has(t.user.id)) { return; }
    var name = t.user.display_name;
    clearTimeout(typingTimers.get(name));
    typingTimers.set(name, setTimeout(function () { typingTimers.delete(name); renderTyping(); }, 3000));
    renderTyping();
  });
  socket.on("removed", function (d) {
    if (!conversation && d.tribe === slug) { status(T.removed); disable(); socket.emit("leave", { tribe: slug }); }
  });

  /* On opening: jump to the first unread message (or the one a link points at), else the newest. */
  function firstPosition() {
    var target = null;
    var hash = window.location.hash.match(/^#message-(\d+)$/);
    if (hash) { target = byId.get(Number(hash[1])) || null; }
    if (!target) { target = document.getElementById("chat-new"); }
    if (target) {
      log.scrollTop += target.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
      if (hash && target.id !== "chat-new") { target.classList.add("highlight"); }
    } else {
      log.scrollTop = log.scrollHeight;
    }
    markRead();
  }

  older.addEventListener("click", loadOlder);
  loadOlder().then(firstPosition)
    .catch(function () { status(T.loadFailed); })
    .then(function () { socket.connect(); });
})();
