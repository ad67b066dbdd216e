// The payment page asks every 3 s whether the payment arrived, then reloads (shows the receipt).
(function () {
  var box = document.getElementById("payment");
  if (!box || !document.querySelector(".qr")) return;
  var url = box.getAttribute("data-status-url");
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) { if (data.status !== "pending") { window.location.reload(); } else { setTimeout(poll, 3000); } })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 3000);
})();
