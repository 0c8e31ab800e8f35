/* Kiosque venue portal: small enhancements; every page works without them. */
(function () {
  "use strict";

  // Buttons that change something for good ask first (data-confirm on their form).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A select that shows a block of fields only for its empty choice ("a new show").
  function syncToggles() {
    document.querySelectorAll("select[data-toggles]").forEach(function (select) {
      var block = document.querySelector(select.dataset.toggles);
      if (block) block.hidden = select.value !== "";
    });
    var curve = document.getElementById("curve");
    var steps = document.getElementById("step-minutes");
    if (curve && steps) steps.hidden = curve.value !== "steps";
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-toggles], #curve")) syncToggles();
  });

  // "Copy" buttons (the API token shown once).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) return;
    var source = document.querySelector(button.dataset.copy);
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.textContent = "✓";
    });
  });

  // The venue's position: a small map with a pin to drag (tiles need the network; the
  // coordinates fields stay the reference without it).
  function venueMap() {
    var box = document.getElementById("venue-map");
    var lat = document.getElementById("lat");
    var lng = document.getElementById("lng");
    if (!box || !lat || !lng) return;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = box.dataset.leafletCss;
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = box.dataset.leafletJs;
    script.onload = function () {
      var L = window.L;
      var point = [parseFloat(lat.value) || 43.3, parseFloat(lng.value) || 5.4];
      var map = L.map(box, { scrollWheelZoom: false }).setView(point, 16);
      L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
        maxZoom: 19,
        attribution: "&copy; OpenStreetMap"
      }).addTo(map);
      var pin = L.marker(point, { draggable: true, keyboard: true }).addTo(map);
      pin.on("dragend", function () {
        var at = pin.getLatLng();
        lat.value = at.lat.toFixed(6);
        lng.value = at.lng.toFixed(6);
      });
      [lat, lng].forEach(function (input) {
        input.addEventListener("change", function () {
          var moved = [parseFloat(lat.value), parseFloat(lng.value)];
          if (!isNaN(moved[0]) && !isNaN(moved[1])) {
            pin.setLatLng(moved);
            map.panTo(moved);
          }
        });
      });
    };
    document.head.appendChild(script);
  }

  document.addEventListener("DOMContentLoaded", function () {
    syncToggles();
    venueMap();
  });
})();
