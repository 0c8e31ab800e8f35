/* Kiosque agency dashboard: draws the charts (Chart.js 4, static/vendor) from the figures
 * the page carries in #agency-charts, again after each htmx swap of the filters.
 * Without JavaScript, or without Chart.js, the table beside each chart says the same:
 * the tables start open and are folded only once their chart is drawn.
 * The sell-through map (Leaflet 1.9, static/vendor) takes its markers from the rows of
 * the table under it ([data-venue-point]): venues and their sell-through, nothing else.
 * Without tiles (MAP_TILES_URL empty: tests, offline) the markers stand on a blank layer.
 */
(function () {
  "use strict";

  var INK = "#1f1a17";
  var INK_SOFT = "#5b534c";
  var ACCENT = "#a3161c";
  var LINE = "#e3dbd0";

  function percentTicks(value) { return value + " %"; }

  function dataset(series, index, spec) {
    var line = series.kind === "line";
    return {
      type: line ? "line" : "bar",
      label: series.label,
      data: series.data,
      backgroundColor: line ? "rgba(31, 26, 23, 0.08)" : (index === 0 ? ACCENT : INK_SOFT),
      borderColor: line ? INK : ACCENT,
      borderWidth: line ? 2 : 0,
      fill: false,
      borderRadius: spec.horizontal ? 4 : 3,
      pointRadius: 0,
      pointHitRadius: 8,
      tension: 0,
      order: line ? 0 : 1,
      maxBarThickness: 40,
      yAxisID: series.axis === "right" ? "right" : undefined
    };
  }

  function config(spec) {
    var value = { beginAtZero: true, grid: { color: LINE }, ticks: { precision: 0 } };
    var many = spec.labels.length > 12;
    var category = { grid: { display: false }, ticks: { autoSkip: many, maxRotation: many ? 0 : 45 } };
    if (spec.percent) {
      value.max = 100;
      value.ticks = { callback: percentTicks };
    }
    return {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (series, index) { return dataset(series, index, spec); })
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: spec.series.length > 1, position: "bottom",
                    labels: { boxWidth: 12, color: INK } },
          tooltip: spec.percent ? { callbacks: { label: function (item) {
            return item.dataset.label + ": " + item.formattedValue + " %";
          } } } : {}
        },
        scales: scales(spec, value, category)
      }
    };
  }

  // A series on the right has its own axis (revenue in euros beside seats, say).
  function scales(spec, value, category) {
    if (spec.horizontal) return { x: value, y: category };
    var axes = { x: category, y: value };
    if (spec.series.some(function (series) { return series.axis === "right"; })) {
      axes.right = { position: "right", beginAtZero: true, grid: { display: false },
                     ticks: { precision: 0 } };
    }
    return axes;
  }

  function drawAll() {
    var source = document.getElementById("agency-charts");
    if (!source || !window.Chart) return;
    var charts = JSON.parse(source.textContent);
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.color = INK_SOFT;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var spec = charts[canvas.dataset.chart];
      if (!spec || !spec.labels.length) return;
      var previous = window.Chart.getChart(canvas);
      if (previous) previous.destroy();
      new window.Chart(canvas, config(spec));
      canvas.closest(".chart-card").classList.add("chart-card--drawn");
      var table = canvas.closest(".chart-card").querySelector("details.chart-table");
      if (table) table.open = false;
    });
  }

  var maps = [];

  // Sell-through 0..1 → a circle from small and pale to large and dark.
  function markerStyle(share) {
    var s = Math.max(0, Math.min(1, share || 0));
    return { radius: 6 + 10 * s, weight: 2, color: "#ffffff", fillColor: ACCENT,
             fillOpacity: 0.35 + 0.6 * s, className: "map-marker" };
  }

  function drawMaps() {
    if (!window.L) return;
    document.querySelectorAll("[data-agency-map]").forEach(function (element) {
      if (element.dataset.drawn) return;
      element.dataset.drawn = "1";
      var L = window.L;
      var map = L.map(element, { scrollWheelZoom: false });
      maps.push(map);
      if (element.dataset.tiles) {
        L.tileLayer(element.dataset.tiles, {
          maxZoom: 19, attribution: element.dataset.attribution
        }).addTo(map);
      }
      var section = element.closest("section") || document;
      var points = [];
      section.querySelectorAll("[data-venue-point]").forEach(function (row) {
        var at = [parseFloat(row.dataset.lat), parseFloat(row.dataset.lng)];
        if (isNaN(at[0]) || isNaN(at[1])) return;
        points.push(at);
        var text = row.dataset.name + " : " + row.dataset.label;
        L.circleMarker(at, markerStyle(parseFloat(row.dataset.share)))
          .addTo(map).bindTooltip(text).bindPopup(text);  // a tap opens it on a phone
      });
      if (points.length === 1) {
        map.setView(points[0], 12);
      } else if (points.length) {
        map.fitBounds(points, { padding: [24, 24], maxZoom: 12 });
      }
      section.classList.add("agency-map--drawn");
      var table = section.querySelector("details.chart-table");
      if (table && points.length) table.open = false;
    });
  }

  function destroyMaps() {
    maps.forEach(function (map) { map.remove(); });
    maps = [];
  }

  function destroyAll() {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var chart = window.Chart.getChart(canvas);
      if (chart) chart.destroy();
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawAll(); drawMaps(); });
  document.addEventListener("htmx:beforeSwap", function () { destroyAll(); destroyMaps(); });
  document.addEventListener("htmx:afterSettle", function () { drawAll(); drawMaps(); });
})();
