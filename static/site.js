// Small behaviours every page may use (no inline handlers: the Content-Security-Policy forbids them).
// - data-select-on-focus: an input whose whole value is selected when it gets focus (links to copy).
(function () {
  "use strict";
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target instanceof HTMLInputElement && target.hasAttribute("data-select-on-focus")) {
      target.select();
    }
  });
})();
