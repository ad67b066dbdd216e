/* Order export page: poll the export's status endpoint and move the bar; reload when it is done. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("export-progress");
    if (!box || box.getAttribute("data-finished") === "true") { return; }
    var url = box.getAttribute("data-progress-url"), bar = box.querySelector("progress"), failures = 0;
    function show(data) {
      bar.max = data.total || 1;
      bar.value = data.processed;
      ["percent", "processed", "total"].forEach(function (name) {
        var el = box.querySelector("[data-progress=" + name + "]");
        if (el) { el.textContent = data[name]; }
      });
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
        .then(function (data) {
          failures = 0;
          show(data);
          if (data.finished) { window.location.reload(); } else { window.setTimeout(poll, 1000); }
        })
        .catch(function () { failures += 1; if (failures < 30) { window.setTimeout(poll, 3000); } });
    }
    window.setTimeout(poll, 500);
  });
})();
