/* Kaidian storefront behaviour: carousels, copy buttons and live stock (the spec selector is
   sku_selector.js). Plain ES5-friendly JavaScript (WeChat's web views), no dependencies.
   The builder calls window.Kaidian.init(element) after swapping a section's HTML.

   Cached pages carry no stock levels (they change with every order): elements marked
   data-kd-product="<id>" get them from GET /api/store/stock?products=<ids> — "Sold out" badges
   ([data-kd-soldout]) are shown, and listeners (Kaidian.onStock, the spec selector) are told.
   Without JavaScript the page simply shows no stock.

   The cart tab's badge ([data-kd-cart-badge]) gets the cart's count from GET /api/store/cart/count,
   which also hands out the CSRF token the store's JSON writes carry (Kaidian.api); a cached page
   never holds either. */
(function () {
  "use strict";

  function each(root, selector, fn) {
    Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
  }

  function yuan(fen) {
    return "\u00a5" + (fen / 100).toFixed(2);
  }

  /* Nothing moves while the page is still loading (turning slides and a scrolling notice would repaint
     what the visitor is reading and count against the page's speed), nor at all for a visitor who asks
     for less motion: fn runs once the window's load event has fired. */
  var calm = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  function afterLoad(fn) {
    if (document.readyState === "complete") { fn(); } else { window.addEventListener("load", fn); }
  }
  afterLoad(function () { document.documentElement.className += " kd-settled"; });

  /* Slides start turning by themselves only once the visitor has engaged with the page (scrolled,
     touched, clicked or pressed a key) after it loaded: until then the first slide, the one the page
     was drawn with, stays — a page that changes under a visitor who has not moved yet repaints what
     they are reading and keeps the page "busy" for speed measurements (Lighthouse's speed index). */
  var engaged = false;
  var onEngage = [];
  function whenEngaged(fn) {
    if (engaged) { fn(); } else { onEngage.push(fn); }
  }
  afterLoad(function () {
    var events = ["scroll", "pointerdown", "keydown", "touchstart", "wheel"];
    var engage = function () {
      if (engaged) { return; }
      engaged = true;
      events.forEach(function (name) { window.removeEventListener(name, engage, true); });
      onEngage.splice(0).forEach(function (fn) { fn(); });
    };
    events.forEach(function (name) { window.addEventListener(name, engage, { capture: true, passive: true }); });
  });

  function initCarousel(el) {
    if (el.getAttribute("data-kd-ready")) { return; }
    el.setAttribute("data-kd-ready", "1");
    var track = el.querySelector(".kd-carousel");
    if (!track) { return; }
    var count = track.children.length;
    var dots = el.querySelectorAll(".kd-dots i");
    var counter = el.querySelector(".kd-counter-now");
    var current = 0;
    var timer = null;

    function show(index) {
      current = index;
      Array.prototype.forEach.call(dots, function (dot, i) { dot.className = i === index ? "on" : ""; });
      if (counter) { counter.textContent = String(index + 1); }
    }

    function go(index) {
      var left = Math.max(0, Math.min(count - 1, index)) * track.clientWidth;
      if (track.scrollTo) { track.scrollTo({ left: left, behavior: "smooth" }); } else { track.scrollLeft = left; }
    }

    // The track is focusable (tabindex=0): the arrow keys, Home and End move between slides.
    track.addEventListener("keydown", function (event) {
      var keys = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: count - 1 };
      if (!(event.key in keys)) { return; }
      event.preventDefault();
      go(keys[event.key]);
    });

    track.addEventListener("scroll", function () {
      var width = track.clientWidth || 1;
      var index = Math.min(count - 1, Math.max(0, Math.round(track.scrollLeft / width)));
      if (index !== current) { show(index); }
    }, { passive: true });

    var seconds = parseInt(el.getAttribute("data-autoplay") || "0", 10);
    if (seconds > 0 && count > 1 && !calm) {
      var stop = function () { if (timer) { clearInterval(timer); timer = null; } };
      var start = function () {
        stop();
        timer = setInterval(function () { go((current + 1) % count); }, seconds * 1000);
      };
      track.addEventListener("touchstart", stop, { passive: true });
      track.addEventListener("touchend", start, { passive: true });
      track.addEventListener("focusin", stop);  // a keyboard user reading a slide keeps it
      track.addEventListener("focusout", start);
      whenEngaged(start);
    }
  }

  function initCopy(button) {
    if (button.getAttribute("data-kd-ready")) { return; }
    button.setAttribute("data-kd-ready", "1");
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-copy");
      var label = button.querySelector("span");
      var done = function () { if (label) { label.textContent = button.getAttribute("data-copied"); } };
      var fallback = function () {
        var input = document.createElement("input");
        input.value = text;
        input.setAttribute("readonly", "");
        input.style.position = "absolute";
        input.style.left = "-9999px";
        document.body.appendChild(input);
        input.select();
        try { if (document.execCommand("copy")) { done(); } } catch (e) { /* nothing to copy with */ }
        document.body.removeChild(input);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
    });
  }

  var MAX_STOCK_IDS = 48;
  var stockListeners = [];

  function onStock(fn) { stockListeners.push(fn); }

  function showStock(root, products) {
    each(root, "[data-kd-product]", function (el) {
      var live = products[el.getAttribute("data-kd-product")];
      Array.prototype.forEach.call(el.querySelectorAll("[data-kd-soldout]"), function (badge) {
        badge.hidden = !(live && live.sold_out);
      });
    });
    stockListeners.forEach(function (fn) { fn(products); });
  }

  function liveStock(root) {
    var inline = document.getElementById("kd-live-stock");  /* a merchant's preview: never cached */
    if (inline) {
      try { showStock(root, JSON.parse(inline.textContent) || {}); } catch (e) { /* no figures then */ }
      return;
    }
    var ids = [];
    each(root, "[data-kd-product]", function (el) {
      var id = el.getAttribute("data-kd-product");
      if (id && ids.indexOf(id) < 0 && ids.length < MAX_STOCK_IDS) { ids.push(id); }
    });
    if (!ids.length || !window.XMLHttpRequest) { return; }
    var xhr = new XMLHttpRequest();
    xhr.open("GET", "/api/store/stock?products=" + ids.join(","));
    xhr.onload = function () {
      if (xhr.status !== 200) { return; }
      var data;
      try { data = JSON.parse(xhr.responseText); } catch (e) { return; }
      showStock(root, data.products || {});
    };
    xhr.send();
  }

  var csrfToken = null;

  function showCartCount(count) {
    each(document, "[data-kd-cart-badge]", function (badge) {
      badge.textContent = count > 99 ? "99+" : String(count);
      badge.hidden = !count;
    });
  }

  /* JSON to the store's API: cb(status, body). Writes fetch the CSRF token first. */
  function api(method, url, body, cb) {
    if (method !== "GET" && csrfToken === null) {
      refreshCart(function () { api(method, url, body, cb); });
      return;
    }
    var xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.setRequestHeader("Accept", "application/json");
    if (method !== "GET") {
      xhr.setRequestHeader("Content-Type", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrfToken || "");
    }
    xhr.onload = function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      if (data && typeof data.count === "number" && url.indexOf("/api/store/cart") === 0) { showCartCount(data.count); }
      cb(xhr.status, data || {});
    };
    xhr.onerror = function () { cb(0, {}); };
    xhr.send(body === undefined || body === null ? null : JSON.stringify(body));
  }

  /* A multipart upload to the store's API (one file field): cb(status, body). */
  function upload(url, formData, cb) {
    if (csrfToken === null) {
      refreshCart(function () { upload(url, formData, cb); });
      return;
    }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRFToken", csrfToken || "");
    xhr.onload = function () {
      var data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { data = null; }
      cb(xhr.status, data || {});
    };
    xhr.onerror = function () { cb(0, {}); };
    xhr.send(formData);
  }

  function refreshCart(done) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", "/api/store/cart/count");
    xhr.onload = function () {
      var data = {};
      try { data = JSON.parse(xhr.responseText) || {}; } catch (e) { data = {}; }
      if (data.csrf_token) { csrfToken = data.csrf_token; }
      if (typeof data.count === "number") { showCartCount(data.count); }
      if (done) { done(); }
    };
    xhr.onerror = function () { if (done) { csrfToken = ""; done(); } };
    xhr.send();
  }

  var parts = [["[data-kd-carousel]", initCarousel], ["[data-copy]", initCopy]];
  var ready = false;

  function init(root) {
    root = root || document;
    parts.forEach(function (part) { each(root, part[0], part[1]); });
    liveStock(root);
  }

  /* Other storefront scripts (sku_selector.js) add their part: init(root) wires it too. */
  function register(selector, fn) {
    parts.push([selector, fn]);
    if (ready) { each(document, selector, fn); }
  }

  window.Kaidian = { init: init, register: register, yuan: yuan, onStock: onStock, api: api, upload: upload, refreshCart: refreshCart };
  function start() {
    ready = true;
    init(document);
    if (document.querySelector("[data-kd-cart-badge]") && window.XMLHttpRequest) { refreshCart(); }
  }
  if (document.readyState === "complete") { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
