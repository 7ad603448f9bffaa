/* Tribe chat: history with scroll-back, live messages over Socket.IO, catch-up after a
   reconnect, resend with the same client_id after a failed ack, typing indicator.
   User text is only ever set with textContent (never innerHTML). */
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root || typeof io === "undefined") { return; }
  var slug = root.dataset.tribe;
  var me = Number(root.dataset.me);
  var moderator = root.dataset.moderator === "1";
  var api = root.dataset.api;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var list = document.getElementById("chat-messages");
  var log = document.getElementById("chat-log");
  var older = document.getElementById("chat-older");
  var statusLine = document.getElementById("chat-status");
  var typingLine = document.getElementById("chat-typing");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var byId = new Map();        // message id -> <li>
  var shown = new Map();       // message id -> the message object last shown
  var pending = new Map();     // client_id -> {body, li}
  var lastId = 0;              // newest id shown (catch-up starts here)
  var olderCursor = null;      // REST cursor for scroll-back
  var removed = false;
  var lastTypingSent = 0;
  var typingTimers = new Map();

  function status(text) { statusLine.textContent = text; }

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

  function fill(li, m) {
    shown.set(m.id, m);
    li.textContent = "";
    li.dataset.id = m.id;
    li.className = "chat-message" + (m.deleted ? " deleted" : "");
    var who = document.createElement("strong");
    who.className = "chat-author";
    who.textContent = m.author ? m.author.display_name : "deleted member";
    var when = document.createElement("time");
    when.dateTime = m.created_at;
    when.textContent = new Date(m.created_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    var text = document.createElement("span");
    text.className = "chat-body";
    text.textContent = m.deleted ? "message deleted" : m.body;
    li.append(who, " ", when, " ", text);
    if (m.edited_at && !m.deleted) {
      var edited = document.createElement("em");
      edited.className = "hint";
      edited.textContent = " (edited)";
      li.append(edited);
    }
    var mine = m.author && m.author.id === me;
    if (!m.deleted && mine) { li.append(" ", action("Edit", function () { edit(m); })); }
    if (!m.deleted && (mine || moderator)) { li.append(" ", action("Delete", function () { remove(m); })); }
    if (!m.deleted && !mine) { li.append(" ", reportLink(m)); }
  }

  /* A link to the report page for someone else's message (the URL is built, never parsed from text). */
  function reportLink(m) {
    var a = document.createElement("a");
    a.className = "chat-action chat-report";
    a.href = "/t/" + encodeURIComponent(slug) + "/report?" +
      new URLSearchParams({ target_type: "message", target_id: String(m.id) }).toString();
    a.textContent = "Report";
    a.setAttribute("aria-label", "Report this message");
    return a;
  }

  function action(label, handler) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "link chat-action";
    b.textContent = label;
    b.addEventListener("click", handler);
    return b;
  }

  function edit(m) {
    var body = window.prompt("Edit message", m.body);
    if (body === null || !body.trim()) { return; }
    request("PATCH", "/api/v1/messages/" + m.id, { body: body }).then(show).catch(function () {
      status("Could not edit the message.");
    });
  }

  function remove(m) {
    if (!window.confirm("Delete this message?")) { return; }
    request("DELETE", "/api/v1/messages/" + m.id).catch(function () { status("Could not delete the message."); });
  }

  function atBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 40; }

  /* Insert or update a stored message, keeping the list in id order. */
  function show(m) {
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
        if (!child.dataset.id) { next = child; break; }   // pending ones stay last
      }
      list.insertBefore(li, next);
    }
    fill(li, m);
    if (m.id > lastId) { lastId = m.id; }
    if (stick) { log.scrollTop = log.scrollHeight; }
  }

  function loadOlder() {
    var url = api + "?limit=50" + (olderCursor ? "&cursor=" + encodeURIComponent(olderCursor) : "");
    var height = log.scrollHeight;
    return request("GET", url).then(function (page) {
      page.items.forEach(show);
      olderCursor = page.next_cursor;
      older.hidden = !olderCursor;
      log.scrollTop += log.scrollHeight - height;
    });
  }

  function catchUpRest(afterId) {
    return request("GET", api + "?after=" + afterId + "&limit=200").then(function (page) {
      page.items.forEach(show);
      if (page.next_cursor && page.items.length) { return catchUpRest(page.items[page.items.length - 1].id); }
    });
  }

  // connect once the history is shown, then join with after_id = the newest shown id:
  // whatever was posted in between comes back as `missed`
  var socket = io({ transports: ["websocket", "polling"], autoConnect: false });

  function join() {
    var data = { tribe: slug, after_id: lastId };
    socket.timeout(10000).emit("join", data, function (err, ack) {
      if (err || !ack) { status("Reconnecting…"); return; }
      if (!ack.ok) { status("This chat is not available to you."); disable(); return; }
      ack.missed.forEach(show);
      if (ack.has_more) { catchUpRest(lastId); }
      status("Connected.");
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
    p.li.querySelector(".chat-state").textContent = " sending…";
    socket.timeout(8000).emit("send", { tribe: slug, body: p.body, client_id: clientId }, function (err, ack) {
      if (!err && ack && ack.ok) { show(ack.message); return; }
      if (!pending.has(clientId)) { return; }
      var reason = err ? "not delivered" : ({ rate_limited: "too fast, try again shortly", muted: "you are muted",
        validation_failed: "1 to 4000 characters", not_found: "not a member" }[ack.error] || "not delivered");
      p.li.classList.add("failed");
      var state = p.li.querySelector(".chat-state");
      state.textContent = " " + reason + " ";
      state.append(action("Resend", function () { deliver(clientId); }));
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = input.value.trim();
    if (!body || removed) { return; }
    var clientId = newClientId();
    var li = document.createElement("li");
    li.className = "chat-message pending";
    var who = document.createElement("strong");
    who.textContent = "me";
    var text = document.createElement("span");
    text.className = "chat-body";
    text.textContent = body;
    var state = document.createElement("span");
    state.className = "chat-state hint";
    li.append(who, " ", text, state);
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
    if (socket.connected && now - lastTypingSent > 2000) {
      lastTypingSent = now;
      socket.emit("typing", { tribe: slug });
    }
  });

  function renderTyping() {
    var names = Array.from(typingTimers.keys());
    typingLine.textContent = names.length ? names.join(", ") + (names.length > 1 ? " are" : " is") + " typing…" : "";
  }

  socket.on("connect", function () { status("Connected."); join(); });
  socket.on("disconnect", function () { if (!removed) { status("Reconnecting…"); } });
  socket.on("connect_error", function () { if (!removed) { status("Reconnecting…"); } });
  socket.on("message", function (m) { if (m.tribe === slug) { show(m); } });
  socket.on("message_edited", function (m) { if (m.tribe === slug && byId.has(m.id)) { show(m); } });
  socket.on("message_deleted", function (d) {
    var li = byId.get(d.id);
    if (d.tribe === slug && li) {
      fill(li, Object.assign({}, shown.get(d.id), { id: d.id, deleted: true, body: "", edited_at: null }));
    }
  });
  socket.on("typing", function (t) {
    if (t.tribe !== slug || !t.user) { return; }
    var name = t.user.display_name;
    clearTimeout(typingTimers.get(name));
    typingTimers.set(name, setTimeout(function () { typingTimers.delete(name); renderTyping(); }, 3000));
    renderTyping();
  });
  socket.on("removed", function (d) {
    if (d.tribe === slug) { status("You are no longer a member of this tribe."); disable(); socket.emit("leave", { tribe: slug }); }
  });

  older.addEventListener("click", loadOlder);
  loadOlder().then(function () { log.scrollTop = log.scrollHeight; })
    .catch(function () { status("Could not load the history."); })
    .then(function () { socket.connect(); });
})();
