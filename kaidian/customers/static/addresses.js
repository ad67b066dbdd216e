// The address form's cascading selects: choosing a province loads its cities, a city its districts,
// from GET /api/store/regions?parent=CODE (China's administrative divisions, kaidian.customers.regions).
(function () {
  "use strict";
  function fill(select, regions, placeholder) {
    select.innerHTML = "";
    var first = document.createElement("option");
    first.value = "";
    first.textContent = placeholder;
    select.appendChild(first);
    regions.forEach(function (region) {
      var option = document.createElement("option");
      option.value = region.code;
      option.textContent = region.name;
      select.appendChild(option);
    });
  }
  function load(url, parent) {
    return fetch(url + "?parent=" + encodeURIComponent(parent), {credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : {regions: []}; })
      .then(function (body) { return body.regions || []; });
  }
  document.querySelectorAll("fieldset.kd-region").forEach(function (fieldset) {
    var url = fieldset.getAttribute("data-regions-url");
    var province = fieldset.querySelector("[data-level=province]");
    var city = fieldset.querySelector("[data-level=city]");
    var district = fieldset.querySelector("[data-level=district]");
    var cityLabel = city.options[0].textContent, districtLabel = district.options[0].textContent;
    province.addEventListener("change", function () {
      fill(city, [], cityLabel);
      fill(district, [], districtLabel);
      if (province.value) load(url, province.value).then(function (regions) { fill(city, regions, cityLabel); });
    });
    city.addEventListener("change", function () {
      fill(district, [], districtLabel);
      if (city.value) load(url, city.value).then(function (regions) { fill(district, regions, districtLabel); });
    });
  });
})();
