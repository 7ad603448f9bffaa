// Fills hidden time-zone fields (input[data-browser-timezone]) with the browser's IANA zone,
// e.g. "Europe/Berlin"; the server checks the name and falls back to UTC.
(function () {
  "use strict";
  var zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    zone = "";
  }
  if (!zone) { return; }
  var fields = document.querySelectorAll("input[data-browser-timezone]");
  for (var i = 0; i < fields.length; i++) {
    if (!fields[i].value) { fields[i].value = zone; }
  }
}());
