/* The product page's spec selector: radio buttons per spec dimension; the chosen SKU's price from
   the page's embedded SKU data (<script type="application/json" id="sku-data">) and its stock from
   the live stock the storefront script loads (Kaidian.onStock; the cached page has none). Once
   stock is known, options that no SKU in stock can satisfy, given the other choices, are disabled. */
(function () {
  "use strict";

  function initSpecs(el) {
    if (el.getAttribute("data-kd-ready")) { return; }
    el.setAttribute("data-kd-ready", "1");
    var source = el.querySelector("script[type='application/json']");
    if (!source) { return; }
    var data;
    try { data = JSON.parse(source.textContent); } catch (e) { return; }
    var chosen = data.specs.map(function () { return null; });
    var inputs = el.querySelectorAll("input[type=radio]");
    var price = el.querySelector(".kd-sku-price");
    var stock = el.querySelector(".kd-sku-stock");
    var productId = el.getAttribute("data-kd-product");
    var known = data.skus.length > 0 && data.skus.every(function (s) { return typeof s.stock === "number"; });

    function matches(sku, dim, value) {
      for (var i = 0; i < chosen.length; i++) {
        var want = i === dim ? value : chosen[i];
        if (want !== null && sku.values[i] !== want) { return false; }
      }
      return true;
    }

    function update() {
      Array.prototype.forEach.call(inputs, function (input) {
        var dim = parseInt(input.getAttribute("data-dim"), 10);
        input.disabled = known && !data.skus.some(function (sku) { return sku.stock > 0 && matches(sku, dim, input.value); });
      });
      var complete = chosen.every(function (v) { return v !== null; });
      var sku = complete ? data.skus.filter(function (s) { return matches(s, -1, null); })[0] : null;
      if (sku) {
        if (price) { price.textContent = window.Kaidian.yuan(sku.price); }
        if (stock && known) { stock.textContent = sku.stock > 0 ? data.labels.stock.replace("%d", sku.stock) : data.labels.soldOut; }
      } else {
        if (price) { price.textContent = data.labels.range; }
        if (stock && data.specs.length) { stock.textContent = data.labels.choose; }
      }
    }

    window.Kaidian.onStock(function (products) {
      var live = productId && products[productId];
      if (!live) { return; }
      data.skus.forEach(function (sku) { sku.stock = live.skus[sku.id] || 0; });
      known = true;
      update();
    });

    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener("change", function () {
        chosen[parseInt(input.getAttribute("data-dim"), 10)] = input.value;
        update();
      });
    });
    update();
  }

  window.Kaidian.register("[data-kd-specs]", initSpecs);
})();
