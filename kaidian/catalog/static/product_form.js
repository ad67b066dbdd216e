/* Product form: the SKU table follows the specs as they are typed (keeping what was typed for each
   combination), "apply to all", and a small rich-text editor. Without JavaScript the form still works:
   the "Update the SKU table" button asks the server for the new table. */
(function () {
  "use strict";
  var SEPARATORS = /[,，、;；\n\r]+/;
  var FIELDS = ["price", "original_price", "stock", "weight_grams", "code", "barcode"];
  var MAX_SKUS = 600;

  function dimensions(form) {
    var result = [];
    for (var i = 0; i < 3; i++) {
      var name = (form.elements["spec_name_" + i].value || "").trim();
      var seen = {}, values = [];
      (form.elements["spec_values_" + i].value || "").split(SEPARATORS).forEach(function (v) {
        v = v.trim();
        if (v && !seen[v]) { seen[v] = true; values.push(v); }
      });
      if (name && values.length) { result.push({ name: name, values: values }); }
    }
    return result;
  }

  function combinations(dims) {
    return dims.reduce(function (acc, dim) {
      var next = [];
      acc.forEach(function (prefix) { dim.values.forEach(function (v) { next.push(prefix.concat([v])); }); });
      return next;
    }, [[]]);
  }

  function typedRows(tbody) {
    var rows = {};
    Array.prototype.forEach.call(tbody.rows, function (tr) {
      var key = JSON.stringify(JSON.parse(tr.getAttribute("data-key")));
      var row = { stock_shown: (tr.querySelector("input[name^=sku_stock_shown_]") || {}).value || "" };
      FIELDS.forEach(function (f) { row[f] = tr.querySelector("[data-field=" + f + "]").value; });
      rows[key] = row;
    });
    return rows;
  }

  function input(name, value, field, attrs) {
    var el = document.createElement("input");
    el.name = name; el.value = value || "";
    if (field) { el.setAttribute("data-field", field); }
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }

  function rebuild(form, table) {
    var dims = dimensions(form), combos = combinations(dims), tbody = table.tBodies[0];
    if (combos.length > MAX_SKUS) { return; }
    var typed = typedRows(tbody), label = table.getAttribute("data-default-label");
    var fresh = document.createElement("tbody");
    combos.forEach(function (values, index) {
      var key = JSON.stringify(values), old = typed[key] || {}, tr = document.createElement("tr");
      tr.setAttribute("data-key", key);
      var cell = document.createElement("td");
      cell.className = "sku-label";
      cell.appendChild(document.createTextNode(values.join(" / ") || label));
      cell.appendChild(input("sku_key_" + index, key, null, { type: "hidden" }));
      cell.appendChild(input("sku_stock_shown_" + index, old.stock_shown, null, { type: "hidden" }));
      tr.appendChild(cell);
      FIELDS.forEach(function (f) {
        var td = document.createElement("td");
        var numeric = f === "stock" || f === "weight_grams";
        var money = f === "price" || f === "original_price";
        td.appendChild(input("sku_" + f + "_" + index, old[f], f,
          money ? { inputmode: "decimal" } : numeric ? { inputmode: "numeric" } : { maxlength: "64" }));
        tr.appendChild(td);
      });
      fresh.appendChild(tr);
    });
    table.replaceChild(fresh, tbody);
  }

  function fillAll(table) {
    table.querySelectorAll("[data-fill]").forEach(function (source) {
      if (!source.value.trim()) { return; }
      table.tBodies[0].querySelectorAll("[data-field=" + source.getAttribute("data-fill") + "]")
        .forEach(function (target) { target.value = source.value.trim(); });
      source.value = "";
    });
  }

  function richText(form) {
    var source = form.querySelector(".rte-source"), editor = form.querySelector(".rte-editor"),
        toolbar = form.querySelector(".rte-toolbar");
    if (!source || !editor || !document.execCommand) { return; }
    editor.innerHTML = source.value;
    editor.hidden = false; toolbar.hidden = false; source.hidden = true;
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("[data-cmd]");
      if (!button) { return; }
      var arg = button.getAttribute("data-arg");
      if (button.hasAttribute("data-prompt")) {
        arg = window.prompt(button.getAttribute("data-prompt"), "https://");
        if (!arg || !/^https?:\/\//i.test(arg)) { return; }
      }
      editor.focus();
      document.execCommand(button.getAttribute("data-cmd"), false, arg);
    });
    form.addEventListener("submit", function () { source.value = editor.innerHTML; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("product-form"), table = document.getElementById("sku-table");
    if (form && table) {
      form.querySelectorAll("[data-spec-name], [data-spec-values]").forEach(function (el) {
        el.addEventListener("input", function () { rebuild(form, table); });
      });
      var refresh = form.querySelector("[data-refresh]");
      if (refresh) { refresh.hidden = true; }
      var apply = table.querySelector("[data-fill-apply]");
      if (apply) { apply.addEventListener("click", function () { fillAll(table); }); }
      richText(form);
    }
  });
})();
