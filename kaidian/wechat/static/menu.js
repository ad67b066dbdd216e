/* The menu editor shows, for each button, only the boxes its type uses: a web page has a web address,
   a click has a key, a mini program has its AppID, its page and a fallback web address. Hidden boxes
   are disabled, so they are not sent (the server ignores them anyway). */
(function () {
  "use strict";

  function show(button) {
    var select = button.querySelector("[data-menu-type]");
    if (!select) { return; }
    button.querySelectorAll("[data-types]").forEach(function (field) {
      var wanted = field.getAttribute("data-types").split(" ").indexOf(select.value) >= 0;
      field.hidden = !wanted;
      field.querySelectorAll("input").forEach(function (input) { input.disabled = !wanted; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-menu-button]").forEach(function (button) {
      show(button);
      button.querySelector("[data-menu-type]").addEventListener("change", function () { show(button); });
    });
  });
})();
