/* The bulk upgrade's progress view follows the workers: every 3 s it reads the batch's progress JSON and
   updates the counts, the bar and each store's state and message, until every store is finished. */
(function () {
  "use strict";

  function update(root, data) {
    root.querySelector("progress").value = data.finished;
    root.querySelector("[data-finished]").textContent = data.finished;
    Object.keys(data.counts).forEach(function (state) {
      var cell = root.querySelector('[data-count="' + state + '"]');
      if (cell) { cell.textContent = data.counts[state]; }
    });
    data.items.forEach(function (item) {
      var row = document.querySelector('[data-item="' + item.id + '"]');
      if (!row) { return; }
      row.setAttribute("data-state", item.state);
      row.querySelector("[data-label]").textContent = item.state;
      row.querySelector("[data-error]").textContent = item.error || "";
    });
    return data.finished < data.total;
  }

  function poll(root) {
    fetch(root.getAttribute("data-url"), {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) { if (update(root, data)) { setTimeout(function () { poll(root); }, 3000); } })
      .catch(function () { setTimeout(function () { poll(root); }, 10000); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("upgrade-progress");
    if (root) { poll(root); }
  });
}());
