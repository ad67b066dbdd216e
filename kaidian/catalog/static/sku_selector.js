/* Product page: choosing spec values shows the SKU's price and stock; values that cannot be
   bought with the current choice (no such SKU, or no stock) are disabled. Data: #sku-data (fen). */
(function () {
  "use strict";
  function yuan(fen) {
    var whole = Math.floor(fen / 100), cents = String(fen % 100);
    return whole + "." + (cents.length < 2 ? "0" + cents : cents);
  }
  function priceHtml(fen) { return "<span class=\"price\"><small>¥</small>" + yuan(fen) + "</span>"; }

  document.addEventListener("DOMContentLoaded", function () {
    var dataEl = document.getElementById("sku-data"), form = document.getElementById("spec-selector");
    if (!dataEl || !form) { return; }
    var data = JSON.parse(dataEl.textContent), dims = data.specs || [], skus = data.skus || [];
    var box = document.getElementById("buy-box");
    var priceEl = box.querySelector("[data-sku=price]"), originalEl = box.querySelector("[data-sku=original]");
    var stockEl = box.querySelector("[data-sku=stock]"), skuInput = form.elements.sku_id;

    function chosen() {
      return dims.map(function (dim, i) {
        var checked = form.querySelector("input[name=spec_" + i + "]:checked");
        return checked ? checked.value : null;
      });
    }
    function matches(sku, choice) {
      return choice.every(function (v, i) { return v === null || sku.values[i] === v; });
    }
    function label(name, key, value) {
      return form.getAttribute(name).replace(key, value);
    }
    function update() {
      var choice = chosen();
      dims.forEach(function (dim, i) {
        form.querySelectorAll("input[name=spec_" + i + "]").forEach(function (radio) {
          var trial = choice.slice(); trial[i] = radio.value;
          radio.disabled = !skus.some(function (s) { return matches(s, trial) && s.stock > 0; });
        });
      });
      var candidates = skus.filter(function (s) { return matches(s, choice); });
      var missing = dims.filter(function (dim, i) { return choice[i] === null; });
      if (missing.length || candidates.length !== 1) {
        skuInput.value = "";
        if (missing.length) { stockEl.textContent = label("data-choose-label", "{name}", missing[0].name); }
        return;
      }
      var sku = candidates[0];
      skuInput.value = sku.id;
      priceEl.innerHTML = priceHtml(sku.price);
      originalEl.textContent = sku.original_price && sku.original_price > sku.price ? "¥" + yuan(sku.original_price) : "";
      stockEl.textContent = sku.stock > 0 ? label("data-stock-label", "{n}", sku.stock) : form.getAttribute("data-sold-out-label");
    }
    form.addEventListener("change", update);
    if (dims.length) { update(); }
  });
})();
