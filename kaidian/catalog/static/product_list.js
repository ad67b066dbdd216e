/* Product list: select all, the bulk action's own field, a count of the selection. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("bulk-form"), all = document.getElementById("select-all");
    if (!form) { return; }
    var picks = document.querySelectorAll("input.pick"), count = document.getElementById("bulk-count");
    var action = form.elements.action;
    function update() {
      var n = Array.prototype.filter.call(picks, function (p) { return p.checked; }).length;
      if (count) { count.textContent = n ? "(" + n + ")" : ""; }
      form.querySelectorAll("[data-for-action]").forEach(function (el) {
        el.hidden = el.getAttribute("data-for-action") !== action.value;
      });
    }
    if (all) {
      all.addEventListener("change", function () {
        picks.forEach(function (p) { p.checked = all.checked; });
        update();
      });
    }
    picks.forEach(function (p) { p.addEventListener("change", update); });
    action.addEventListener("change", update);
    form.addEventListener("submit", function (event) {
      var n = Array.prototype.filter.call(picks, function (p) { return p.checked; }).length;
      if (!n) { event.preventDefault(); }
    });
    update();
  });
})();
