/* The page's one Socket.IO connection, shared by every script that listens (notifications.js,
   dm_unread.js, unread.js, the door page; chat.js makes it itself when the page has a chat,
   with the client library loaded before it). window.tribesOnSocket(listen) calls
   listen(socket) with window.tribesSocket, opening it first if no script has; when the page
   has no Socket.IO client yet, the library (data-socketio of this script tag) is loaded once,
   however many scripts ask. Loaded (deferred) in the head, so it runs before the scripts that
   use it. */
(function () {
  "use strict";
  var script = document.currentScript;
  var library = script ? script.dataset.socketio : null;
  var waiting = [];
  var loading = false;

  function shared() {
    if (!window.tribesSocket) {
      window.tribesSocket = io({ transports: ["websocket", "polling"] });
    }
    return window.tribesSocket;
  }

  window.tribesOnSocket = function (listen) {
    if (window.tribesSocket || typeof io !== "undefined") { listen(shared()); return; }
    if (!library) { return; }
    waiting.push(listen);
    if (loading) { return; }
    loading = true;
    var loader = document.createElement("script");
    loader.src = library;
    loader.addEventListener("load", function () {
      var socket = shared();
      waiting.splice(0).forEach(function (each) { each(socket); });
    });
    document.head.append(loader);
  };
})();
