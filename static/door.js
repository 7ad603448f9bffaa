/* The door view follows check-ins made on other phones: the tribe's organisers' sockets get
   `meetup_checkin {meetup_id, user_id, checked_in, here, going}` (a plain member's never do),
   and on one for this meetup, or after a reconnect, the page fetches its live parts again
   (data-people: the count and the going list, rendered by the server in the reader's
   language) and swaps them in by id. No strings live here. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.dataset.people) { return; }
  var meetup = Number(script.dataset.meetup);
  var url = script.dataset.people;
  var busy = false;
  var again = false;

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    ["door-count", "door-people"].forEach(function (id) {
      var now = document.getElementById(id);
      var next = fresh.getElementById(id);
      if (!now || !next) { return; }
      var focused = document.activeElement;
      var keep = focused && now.contains(focused) && focused.closest("li") ? focused.closest("li").id : null;
      now.replaceWith(document.importNode(next, true));
      if (keep) {  /* a keyboard user keeps their place in the list */
        var row = document.getElementById(keep);
        var button = row && row.querySelector("button");
        if (button) { button.focus(); }
      }
    });
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { swap(html); } })
      .catch(function () { /* offline for a moment: the next event or reconnect catches up */ })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  function listen(socket) {
    socket.on("meetup_checkin", function (data) {
      if (data && Number(data.meetup_id) === meetup) { refresh(); }
    });
    /* once connected (and after each reconnect): what happened before the socket listened */
    socket.on("connect", refresh);
    if (socket.connected) { refresh(); }
  }

  if (window.tribesOnSocket) { window.tribesOnSocket(listen); }   /* static/socket.js */
})();
