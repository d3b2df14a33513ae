/* field-route.js — the route page's map: numbered stops, fitted to the stops, tap → card.
 *
 * Reads the stop numbers from #route-numbers[data-numbers] ([[stop, lat, lon], …] in the
 * basemap's datum) once zoufang-map.js has drawn the route (data-ready="1"). Each number
 * is a marker; tapping it scrolls to the stop's card (#stop-N) and marks both. The map is
 * fitted to the stops, not to the commute from the base. data-stop-labels on the map
 * container counts the numbers drawn. No inline script (CSP).
 */
(function () {
  "use strict";
  var holder = document.getElementById("route-numbers");
  if (!holder) { return; }
  var numbers = [];
  try { numbers = JSON.parse(holder.getAttribute("data-numbers") || "[]"); } catch (e) { numbers = []; }
  var markers = {};
  var tries = 0;

  function pick(n, scroll) {
    Array.prototype.forEach.call(document.querySelectorAll(".stop-card.picked"), function (c) {
      c.classList.remove("picked");
    });
    Object.keys(markers).forEach(function (k) {
      var el = markers[k].getElement();
      if (el) { el.classList.toggle("picked", String(k) === String(n)); }
    });
    var card = document.getElementById("stop-" + n);
    if (card) {
      card.classList.add("picked");
      if (scroll) { card.scrollIntoView({ behavior: "smooth", block: "start" }); }
    }
  }

  function label() {
    var entry = window.zoufangMaps && window.zoufangMaps.route;
    if (!entry || entry.map.getContainer().getAttribute("data-ready") !== "1") {
      if (tries++ < 200) { setTimeout(label, 50); }
      return;
    }
    var drawn = 0, pts = [];
    numbers.forEach(function (n) {
      var box = document.createElement("div");
      box.textContent = String(Number(n[0]));
      var m = L.marker([n[1], n[2]], {
        icon: L.divIcon({ className: "zf-stop-no", html: box, iconSize: [26, 26] }),
        keyboard: true, title: String(Number(n[0]))
      }).addTo(entry.map);
      m.on("click", function () { pick(n[0], true); });
      markers[n[0]] = m;
      pts.push([n[1], n[2]]);
      drawn += 1;
    });
    if (pts.length) {
      entry.map.fitBounds(L.latLngBounds(pts), { padding: [28, 28], maxZoom: 17 });
    }
    var c = entry.map.getContainer();
    c.setAttribute("data-stop-labels", String(drawn));
    c.setAttribute("data-fitted", pts.length ? "stops" : "none");
  }
  label();

  Array.prototype.forEach.call(document.querySelectorAll(".stop-card .stop-head"), function (h) {
    h.addEventListener("click", function () {
      var n = h.parentNode.getAttribute("data-stop");
      pick(n, false);
      var m = markers[n];
      var entry = window.zoufangMaps && window.zoufangMaps.route;
      if (m && entry) { entry.map.panTo(m.getLatLng()); }
    });
  });
})();
