// Per-family drill-down: each "details" button shows or hides the row that follows it.
(function () {
  "use strict";
  function setOpen(button, open) {
    var row = document.getElementById(button.getAttribute("aria-controls"));
    if (!row) { return; }
    row.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.textContent = open ? "hide" : "details";
  }
  var buttons = document.querySelectorAll("button.toggle");
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      setOpen(button, button.getAttribute("aria-expanded") !== "true");
    });
  });
  var all = document.getElementById("toggle-all");
  if (all) {
    all.addEventListener("click", function () {
      var open = all.getAttribute("aria-expanded") !== "true";
      buttons.forEach(function (button) { setOpen(button, open); });
      all.setAttribute("aria-expanded", open ? "true" : "false");
      all.textContent = open ? "collapse all" : "expand all";
    });
  }
})();
