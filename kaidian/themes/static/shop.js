/* The shopper's private store pages (cart, checkout, pay, order detail, after-sales): what they do
   goes through the store JSON API (orders/storefront.py) with Kaidian.api (storefront.js: the CSRF
   token, the cart badge). The pages themselves are rendered per customer and never shared-cached.
   Plain ES5 for WeChat's web views; data from the API reaches the page as text (textContent), never
   as HTML. */
(function () {
  "use strict";

  var K = window.Kaidian;

  function $(root, selector) { return root.querySelector(selector); }
  function all(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }
  function json(root, selector) {
    var el = $(root, selector);
    try { return el ? JSON.parse(el.textContent) : {}; } catch (e) { return {}; }
  }
  function showError(root, text) {
    var box = $(root, "[data-kd-error]");
    if (!box) { return; }
    box.textContent = text || "";
    box.hidden = !text;
  }
  function message(body, fallback) {
    var error = body && body.error;
    if (!error) { return fallback; }
    var fields = error.fields || {};
    var first = Object.keys(fields)[0];
    var detail = first && fields[first] && fields[first][0];
    return typeof detail === "string" ? error.message + " " + detail : (error.message || fallback);
  }

  /* A countdown to an ISO deadline in [data-kd-countdown]; onEnd when it passes. */
  function countdown(root, deadline, onEnd) {
    var out = $(root, "[data-kd-countdown]");
    var end = Date.parse(deadline);
    if (!out || isNaN(end)) { return; }
    function tick() {
      var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      out.textContent = (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
      if (left <= 0) { clearInterval(timer); if (onEnd) { onEnd(); } }
    }
    var timer = setInterval(tick, 1000);
    tick();
  }

  /* --- the cart ------------------------------------------------------------------------------- */
  function initCart(root) {
    function change(line, method, body) {
      all(root, "button, input").forEach(function (el) { el.disabled = true; });
      var sku = line.getAttribute("data-kd-line");
      K.api(method, "/api/store/cart/" + encodeURIComponent(sku), body, function (status, data) {
        if (status === 200) { window.location.reload(); return; }
        all(root, "button, input").forEach(function (el) { el.disabled = false; });
        showError(root, message(data, ""));
      });
    }
    all(root, "[data-kd-line]").forEach(function (line) {
      var qty = $(line, "[data-kd-qty]");
      all(line, "[data-kd-step]").forEach(function (button) {
        button.addEventListener("click", function () {
          var n = Math.max(1, Math.min(999, (parseInt(qty.value, 10) || 1) + parseInt(button.getAttribute("data-kd-step"), 10)));
          change(line, "PATCH", { quantity: n });
        });
      });
      qty.addEventListener("change", function () {
        var n = Math.max(1, Math.min(999, parseInt(qty.value, 10) || 1));
        change(line, "PATCH", { quantity: n });
      });
      var remove = $(line, "[data-kd-remove]");
      if (remove) { remove.addEventListener("click", function () { change(line, "DELETE", null); }); }
    });
  }

  /* --- checkout ------------------------------------------------------------------------------- */

  function initCheckout(form) {
    var config = json(form, "[data-kd-checkout-data]");
    var labels = config.labels || {};
    var addresses = [];
    var expected = null;
    var busy = false;
    var place = $(form, "[data-kd-place]");
    var quantities = {};
    all(form, "[data-kd-line]").forEach(function (li) {
      quantities[li.getAttribute("data-kd-line")] = parseInt(li.getAttribute("data-quantity"), 10) || 1;
    });

    function method() {
      var checked = $(form, "input[name=delivery_method]:checked");
      return checked ? checked.value : "express";
    }
    function chosenAddress() {
      var checked = $(form, "input[name=address_id]:checked");
      var id = checked ? checked.value : "";
      return addresses.filter(function (a) { return a.id === id; })[0] || null;
    }
    function body() {
      var data = {
        lines: (config.lines || []).map(function (sku) { return { sku_id: sku, quantity: quantities[sku] || 1 }; }),
        source: form.getAttribute("data-source"), delivery_method: method(),
        note: ($(form, "[name=note]") || { value: "" }).value
      };
      if (data.delivery_method === "express") {
        var a = chosenAddress();
        data.address_id = a ? a.id : null;  /* one of the address book's: orders takes its snapshot */
      } else {
        var point = $(form, "input[name=pickup_point_id]:checked");
        data.pickup_point_id = point ? point.value : null;
      }
      return data;
    }
    function showFigures(preview) {
      $(form, "[data-kd-goods]").textContent = preview.goods_text;
      $(form, "[data-kd-freight]").textContent = preview.freight_text;
      $(form, "[data-kd-total]").textContent = preview.total_text;
      expected = preview.total_fen;
      (preview.lines || []).forEach(function (line) {
        var li = $(form, "[data-kd-line='" + line.sku_id + "'] [data-kd-unit]");
        if (li) { li.textContent = line.unit_text; }
      });
    }
    var asked = 0;  /* the newest quote asked for: an older answer arriving late is dropped */
    function refresh() {
      var data = body();
      var ticket = ++asked;
      expected = null;
      if (data.delivery_method === "express" && !data.address_id) {
        form.removeAttribute("aria-busy");
        $(form, "[data-kd-freight]").textContent = "—";
        $(form, "[data-kd-total]").textContent = "—";
        return;
      }
      form.setAttribute("aria-busy", "true");
      K.api("POST", "/api/store/checkout/preview", data, function (status, preview) {
        if (ticket !== asked) { return; }
        form.removeAttribute("aria-busy");
        if (status === 200) { showError(form, preview.deliverable === false ? labels.undeliverable : ""); showFigures(preview); }
        else { showError(form, message(preview, labels.failed)); }
      });
    }
    function drawAddresses() {
      var box = $(form, "[data-kd-addresses]");
      box.textContent = "";
      if (!addresses.length) {
        var p = document.createElement("p");
        p.className = "kd-muted";
        p.textContent = labels.noAddress;
        box.appendChild(p);
        return;
      }
      var chosen = addresses.filter(function (a) { return a.is_default; })[0] || addresses[0];
      addresses.forEach(function (a) {
        var label = document.createElement("label");
        label.className = "kd-radio";
        var input = document.createElement("input");
        input.type = "radio";
        input.name = "address_id";
        input.value = a.id;
        input.checked = a === chosen;
        input.addEventListener("change", refresh);
        var text = document.createElement("span");
        var who = document.createElement("strong");
        who.textContent = a.recipient + " " + a.mobile + (a.is_default && labels["default"] ? " · " + labels["default"] : "");
        var where = document.createElement("small");
        where.textContent = a.label || [a.province_name, a.city_name, a.district_name, a.detail].join(" ");
        text.appendChild(who);
        text.appendChild(document.createElement("br"));
        text.appendChild(where);
        label.appendChild(input);
        label.appendChild(document.createTextNode(" "));
        label.appendChild(text);
        box.appendChild(label);
      });
    }
    var manage = $(form, "[data-kd-manage-addresses]");
    if (manage) { manage.href = "/account/addresses?next=" + encodeURIComponent(location.pathname + location.search); }
    all(form, "input[name=delivery_method]").forEach(function (input) {
      input.addEventListener("change", function () {
        var pickup = method() === "pickup";
        $(form, "[data-kd-express]").hidden = pickup;
        var box = $(form, "[data-kd-pickup]");
        if (box) { box.hidden = !pickup; }
        refresh();
      });
    });
    all(form, "input[name=pickup_point_id]").forEach(function (input) { input.addEventListener("change", refresh); });
    K.api("GET", "/api/store/addresses", null, function (status, data) {
      addresses = status === 200 ? (data.addresses || []) : [];
      drawAddresses();
      refresh();
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (busy || !place || place.disabled) { return; }
      var data = body();
      if (data.delivery_method === "express" && !data.address_id) { showError(form, labels.noAddress); return; }
      if (expected === null) { refresh(); return; }
      data.idempotency_key = form.getAttribute("data-key");
      data.expected_total_fen = expected;
      busy = true;
      place.disabled = true;
      showError(form, "");
      K.api("POST", "/api/store/orders", data, function (status, result) {
        busy = false;
        place.disabled = false;
        if ((status === 200 || status === 201) && result.id) {
          window.location.href = "/orders/" + result.id + "/pay";
          return;
        }
        if (status === 409 && result.preview) {
          showFigures(result.preview);
          showError(form, labels.changed);
          return;
        }
        showError(form, message(result, labels.failed));
      });
    });
  }

  /* --- paying --------------------------------------------------------------------------------- */
  /* The server decides which channels this browser is offered (payments/channels.py) and draws one
     button each; the tapped button names its channel. After paying, the provider brings the shopper
     back to this page (?back=1, an absolute address the server gives the provider), which waits here
     for the notification. In a mini program's web-view the one button hands the order to the mini
     program's native pay page (data-kd-handoff, through WeChat's JS-SDK: Kaidian.miniProgram); this
     page waits meanwhile, so coming back from a paid order lands on the order. A standby hand-off
     (data-kd-standby, inside WeChat when the store has a mini program) replaces the other buttons if
     window.__wxjs_environment says this is a mini program's web-view after all. */
  function initPay(root) {
    var orderId = root.getAttribute("data-kd-pay");
    var labels = (json(root, "[data-kd-pay-data]").labels) || {};
    var buttons = all(root, "[data-kd-paynow]");
    var detail = "/orders/" + orderId;
    var polling = null;

    function checkPaid() {
      K.api("GET", "/api/store/orders/" + orderId, null, function (status, order) {
        if (status === 200 && order.status !== "pending_payment") { clearInterval(polling); window.location.href = detail; }
      });
    }
    function waitForPayment() {
      $(root, "[data-kd-status]").hidden = false;
      if (polling) { return; }
      polling = setInterval(checkPaid, 2500);
      document.addEventListener("visibilitychange", function () {  /* back from the mini program's pay page */
        if (document.visibilityState === "visible") { checkPaid(); }
      }, false);
    }
    function handOff(url) {
      var mini = K.miniProgram;
      if (!mini) { showError(root, labels.handoff_failed); return; }
      showError(root, "");
      mini.navigateTo(url, function () { showError(root, labels.handoff_failed); });
      waitForPayment();
    }
    function standBy() {  /* inside WeChat: only the hand-off if this turns out to be a mini program */
      var standby = all(root, "[data-kd-standby]");
      if (!standby.length) { return; }
      function check() {
        if (!(K.miniProgram && K.miniProgram.isInside())) { return; }
        buttons.forEach(function (b) { b.hidden = !b.hasAttribute("data-kd-handoff"); });
      }
      check();
      document.addEventListener("WeixinJSBridgeReady", check, false);
    }
    function disable(flag) { buttons.forEach(function (b) { b.disabled = flag; }); }
    function showQr(data) {
      $(root, "[data-kd-qr-img]").src = "/api/store/pay-qr?data=" + encodeURIComponent(data.code_url);
      if (data.cashier_url) {
        var link = $(root, "[data-kd-cashier]");
        link.href = data.cashier_url;
        link.hidden = false;
      }
      $(root, "[data-kd-qr]").hidden = false;
      waitForPayment();
    }
    function invokeJsapi(data) {
      if (data.cashier_url) { window.location.href = data.cashier_url; return; }  /* the sandbox's payment sheet */
      var invoke = function () {
        window.WeixinJSBridge.invoke("getBrandWCPayRequest", data.jsapi, function (res) {
          if (res.err_msg === "get_brand_wcpay_request:ok") { waitForPayment(); }
          else if (res.err_msg === "get_brand_wcpay_request:cancel") { showError(root, labels.cancelled); }
          else { showError(root, labels.failed); }
        });
      };
      if (window.WeixinJSBridge) { invoke(); } else { document.addEventListener("WeixinJSBridgeReady", invoke, false); }
    }
    function start(how) {
      disable(true);
      showError(root, "");
      K.api("POST", "/api/store/orders/" + orderId + "/pay", { channel: how }, function (status, data) {
        disable(false);
        if (status !== 200) { showError(root, message(data, labels.failed)); return; }
        if (data.jsapi) { invokeJsapi(data); return; }
        if (data.code_url) { showQr(data); return; }
        window.location.href = data.h5_url || data.pay_url;  /* WeChat H5 or Alipay: back here afterwards */
      });
    }
    countdown(root, root.getAttribute("data-deadline"), function () {
      disable(true);
      showError(root, labels.expired);
    });
    buttons.forEach(function (button) {
      button.addEventListener("click", function () {
        var url = button.getAttribute("data-kd-handoff");
        if (url) { handOff(url); } else { start(button.getAttribute("data-kd-paynow")); }
      });
    });
    standBy();
    if (/[?&]back=1/.test(location.search)) { waitForPayment(); }
  }

  /* --- an order ------------------------------------------------------------------------------- */
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function initOrder(root) {
    var orderId = root.getAttribute("data-kd-order");
    all(root, "time[data-kd-time]").forEach(function (el) {  /* the timeline in the shopper's own time zone */
      var at = new Date(el.getAttribute("datetime"));
      if (isNaN(at.getTime())) { return; }
      el.textContent = at.getFullYear() + "-" + pad(at.getMonth() + 1) + "-" + pad(at.getDate()) + " " +
        pad(at.getHours()) + ":" + pad(at.getMinutes());
    });
    var timer = $(root, "[data-deadline]");
    if (timer) { countdown(timer, timer.getAttribute("data-deadline"), function () { window.location.reload(); }); }
    all(root, "[data-kd-return-form]").forEach(function (form) {  /* a return's tracking number */
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var number = $(form, "[name=tracking_number]").value.replace(/^\s+|\s+$/g, "");
        if (!number) { $(form, "[name=tracking_number]").focus(); return; }
        K.api("POST", "/api/store/after-sales/" + form.getAttribute("data-kd-return-form") + "/return",
          { carrier: $(form, "[name=carrier]").value, tracking_number: number }, function (status, data) {
            if (status === 200) { window.location.reload(); return; }
            showError(root, message(data, ""));
          });
      });
    });
    all(root, "[data-kd-action]").forEach(function (button) {
      button.addEventListener("click", function () {
        var question = button.getAttribute("data-confirm-text");
        if (question && !window.confirm(question)) { return; }
        var action = button.getAttribute("data-kd-action");
        button.disabled = true;
        K.api("POST", "/api/store/orders/" + orderId + "/" + action, action === "cancel" ? { reason: "" } : {}, function (status, data) {
          if (status === 200) { window.location.reload(); return; }
          button.disabled = false;
          showError(root, message(data, ""));
        });
      });
    });
  }

  /* Photos are uploaded one by one as they are chosen (POST /api/store/after-sales/photos); the
     request then carries the tokens the uploads returned. */
  function initPhotos(form, labels) {
    var box = $(form, "[data-kd-as-photos]");
    var state = { tokens: [], pending: 0 };
    if (!box) { return state; }
    var limit = parseInt(box.getAttribute("data-kd-as-photos"), 10) || 6;
    var input = $(box, "[data-kd-as-photo-input]");
    var list = $(box, "[data-kd-as-previews]");
    function add(file) {
      var item = document.createElement("li");
      var slot = { token: null };
      state.pending += 1;
      list.appendChild(item);
      var body = new FormData();
      body.append("file", file);
      K.upload("/api/store/after-sales/photos", body, function (status, data) {
        state.pending -= 1;
        input.disabled = state.tokens.length + state.pending >= limit;
        if (status !== 201 || !data.token) { list.removeChild(item); showError(form, message(data, labels.failed)); return; }
        slot.token = data.token;
        state.tokens.push(slot);
        var img = document.createElement("img");
        img.src = data.url;
        img.alt = "";
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "kd-link-btn";
        remove.textContent = labels.remove || "×";
        remove.addEventListener("click", function () {
          state.tokens = state.tokens.filter(function (s) { return s !== slot; });
          list.removeChild(item);
          input.disabled = false;
        });
        item.appendChild(img);
        item.appendChild(remove);
      });
    }
    input.addEventListener("change", function () {
      showError(form, "");
      var files = Array.prototype.slice.call(input.files || []);
      var room = limit - state.tokens.length - state.pending;
      if (files.length > room) { showError(form, labels.too_many); }
      files.slice(0, Math.max(0, room)).forEach(add);
      input.value = "";
      input.disabled = state.tokens.length + state.pending >= limit;
    });
    return state;
  }

  function initAfterSale(form) {
    var orderId = form.getAttribute("data-kd-after-sale-form");
    var labels = (json(form, "[data-kd-as-data]").labels) || {};
    var photos = initPhotos(form, labels);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var kind = $(form, "input[name=kind]:checked");
      var reason = $(form, "[name=reason]").value.replace(/^\s+|\s+$/g, "");
      var items = all(form, "[data-kd-as-line]").filter(function (input) { return !input.disabled && parseInt(input.value, 10) > 0; })
        .map(function (input) { return { line_id: input.getAttribute("data-kd-as-line"), quantity: parseInt(input.value, 10) }; });
      if (!reason) { showError(form, labels.reason); return; }
      if (!items.length) { showError(form, labels.lines); return; }
      if (photos.pending) { showError(form, labels.uploading); return; }
      var submit = $(form, "[data-kd-submit]");
      submit.disabled = true;
      K.api("POST", "/api/store/orders/" + orderId + "/after-sales",
        { kind: kind ? kind.value : "refund_only", reason: reason, items: items,
          photos: photos.tokens.map(function (s) { return s.token; }) }, function (status, data) {
          if (status === 201 || status === 200) { window.location.href = "/orders/" + orderId; return; }
          submit.disabled = false;
          showError(form, message(data, labels.failed));
        });
    });
  }

  function once(fn) {
    return function (el) {
      if (el.getAttribute("data-kd-ready")) { return; }
      el.setAttribute("data-kd-ready", "1");
      fn(el);
    };
  }

  K.register("[data-kd-cart]", once(initCart));
  K.register("[data-kd-checkout-form]", once(initCheckout));
  K.register("[data-kd-pay]", once(initPay));
  K.register("[data-kd-order]", once(initOrder));
  K.register("[data-kd-after-sale-form]", once(initAfterSale));
})();
