/* The product page's spec selector: radio buttons per spec dimension; the chosen SKU's price from
   the page's embedded SKU data (<script type="application/json" id="sku-data">) and its stock from
   the live stock the storefront script loads (Kaidian.onStock; the cached page has none). Once
   stock is known, options that no SKU in stock can satisfy, given the other choices, are disabled.
   The quantity stepper and the buttons: "add to cart" posts the chosen SKU to /api/store/cart (the
   tab bar's badge follows), "buy now" opens /checkout?sku=…&quantity=…. Without JavaScript the same
   form posts to /cart/add with the spec values (the cached page holds no per-shopper data). */
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

    var qty = el.querySelector("[data-kd-qty]");
    var message = el.querySelector("[data-kd-buy-msg]");
    function say(text) { if (message) { message.textContent = text; } }
    function quantity() {
      var n = parseInt(qty ? qty.value : "1", 10);
      n = isNaN(n) ? 1 : Math.max(1, Math.min(999, n));
      if (qty) { qty.value = String(n); }
      return n;
    }
    Array.prototype.forEach.call(el.querySelectorAll("[data-kd-step]"), function (button) {
      button.addEventListener("click", function () {
        if (qty) { qty.value = String(quantity() + parseInt(button.getAttribute("data-kd-step"), 10)); quantity(); }
      });
    });
    function chosenSku() {
      if (!chosen.every(function (v) { return v !== null; })) { return null; }
      return data.skus.filter(function (s) { return matches(s, -1, null); })[0] || null;
    }
    el.addEventListener("submit", function (event) {
      var submitter = event.submitter || document.activeElement;
      var action = submitter && submitter.value === "buy_now" ? "buy_now" : "cart";
      if (!productId || !window.Kaidian.api) { return; }  /* a demo product or an old browser: the form posts */
      event.preventDefault();
      var sku = chosenSku();
      if (!sku) { say(data.labels.pick); return; }
      if (action === "buy_now") {
        window.location.href = "/checkout?sku=" + encodeURIComponent(sku.id) + "&quantity=" + quantity();
        return;
      }
      say("");
      window.Kaidian.api("POST", "/api/store/cart", { sku_id: sku.id, quantity: quantity() }, function (status, body) {
        if (status === 200) { say(data.labels.added); return; }
        say((body.error && body.error.message) || data.labels.failed);
      });
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
