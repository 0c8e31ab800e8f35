/* Kiosque storefront: the few things HTML cannot do alone. Every page works without it.
 *
 * - « Autour de moi »: asks the browser for its position only on a tap, then loads
 *   /?lat=&lng= (the server keeps it in a cookie and comes back to the list).
 * - Maps: Leaflet (static/vendor/leaflet-1.9.4) is fetched only when a map is on the
 *   page; one circle marker per venue listed under the map. Without tiles (offline,
 *   tests) the markers stand on a blank layer and the list stays the primary view.
 * - Live lists ([data-poll-when-visible]) skip their polling while the tab is hidden.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setUpLocate(root) {
    root.querySelectorAll("[data-locate]").forEach(function (button) {
      if (!("geolocation" in navigator) || button.dataset.ready) return;
      button.dataset.ready = "1";
      button.hidden = false;
      var status = button.form && button.form.querySelector("[data-locate-status]");
      button.addEventListener("click", function () {
        if (status) status.textContent = button.dataset.waiting;
        button.disabled = true;
        navigator.geolocation.getCurrentPosition(function (position) {
          var params = new URLSearchParams(window.location.search);
          params.delete("page");
          params.set("lat", position.coords.latitude.toFixed(3));
          params.set("lng", position.coords.longitude.toFixed(3));
          window.location.assign(window.location.pathname + "?" + params.toString());
        }, function () {
          button.disabled = false;
          if (status) status.textContent = button.dataset.failed;
        }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 300000 });
      });
    });
  }

  var leaflet = null;

  function loadLeaflet(element) {
    if (window.L) return Promise.resolve(window.L);
    if (leaflet) return leaflet;
    leaflet = new Promise(function (resolve, reject) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = element.dataset.leafletCss;
      document.head.appendChild(css);
      var script = document.createElement("script");
      script.src = element.dataset.leaflet;
      script.onload = function () { resolve(window.L); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
    return leaflet;
  }

  function drawMap(element, L) {
    if (element.dataset.drawn) return;
    element.dataset.drawn = "1";
    var map = L.map(element, { scrollWheelZoom: false });
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, {
        maxZoom: 19, attribution: element.dataset.attribution
      }).addTo(map);
    }
    var scope = element.closest("section, #offers") || document;
    var points = [];
    if (element.dataset.hereLat) {
      // Where the spectator is: drawn first, under the venues, and never in their way.
      var here = [parseFloat(element.dataset.hereLat), parseFloat(element.dataset.hereLng)];
      points.push(here);
      L.circleMarker(here, { radius: 7, weight: 3, color: "#1a5fb4", fillColor: "#ffffff",
                             fillOpacity: 1, interactive: false, className: "map-here" })
        .addTo(map);
    }
    scope.querySelectorAll("[data-pin]").forEach(function (pin) {
      var at = [parseFloat(pin.dataset.lat), parseFloat(pin.dataset.lng)];
      points.push(at);
      L.circleMarker(at, { radius: 9, weight: 2, color: "#ffffff", fillColor: "#a3161c",
                           fillOpacity: 0.95, className: "map-marker" })
        .addTo(map).bindPopup(pin.innerHTML, { maxWidth: 260 });
    });
    var stops = 0;
    element.querySelectorAll("[data-stop]").forEach(function (stop) {
      // A transit stop near the venue: small, named, under the venue's pin.
      var at = [parseFloat(stop.dataset.lat), parseFloat(stop.dataset.lng)];
      points.push(at);
      stops += 1;
      L.circleMarker(at, { radius: 5, weight: 2, color: "#ffffff", fillColor: "#1c71d8",
                           fillOpacity: 0.95, className: "map-stop" })
        .addTo(map).bindTooltip(stop.textContent,
                                { permanent: true, direction: "right", className: "map-stop-name" });
    });
    if (points.length === 1) {
      map.setView(points[0], parseInt(element.dataset.zoom || "13", 10));
    } else if (points.length) {
      // Stops are a walk away: keep the venue's street-level zoom when they are drawn.
      var most = stops ? parseInt(element.dataset.zoom || "16", 10) : 14;
      map.fitBounds(points, { padding: [24, 24], maxZoom: most });
    }
  }

  function setUpMaps(root) {
    var maps = root.querySelectorAll("[data-map]");
    if (!maps.length) return;
    var draw = function (element) {
      loadLeaflet(element).then(function (L) { drawMap(element, L); }, function () {});
    };
    maps.forEach(function (element) {
      if (!("IntersectionObserver" in window)) return draw(element);
      // A map further down the page is fetched only when it comes into view.
      var watcher = new IntersectionObserver(function (entries) {
        if (entries[0].isIntersecting) { watcher.disconnect(); draw(element); }
      }, { rootMargin: "200px" });
      watcher.observe(element);
    });
  }

  function setUp(root) {
    setUpLocate(root);
    setUpMaps(root);
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  // Live lists poll only while someone looks at them (an htmx trigger filter would need
  // eval, which the Content-Security-Policy refuses).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail.elt;
    if (source && source.hasAttribute("data-poll-when-visible") &&
        document.visibilityState !== "visible") event.preventDefault();
  });
  // Filters swap the list (or the map) in place: set up what came in.
  document.addEventListener("htmx:afterSettle", function (event) { setUp(event.target); });
}());
