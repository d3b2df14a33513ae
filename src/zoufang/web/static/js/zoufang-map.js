/* zoufang-map.js — draws the layers of a zoufang map (see zoufang/web/maps.py).
 *
 * Every popup and tooltip is built from DOM text nodes (textContent), never from HTML
 * strings, so text typed by users (names, addresses, issue text) cannot run as HTML.
 * When every layer is drawn the map container gets data-features (features per layer)
 * and data-ready="1".
 */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function table(rows) {
    var t = el("table", "zf-popup-table");
    rows.forEach(function (r) {
      if (r[1] === undefined || r[1] === null || r[1] === "") { return; }
      var tr = el("tr");
      tr.appendChild(el("th", null, r[0]));
      var v = r[1];
      if (Array.isArray(v)) { v = v.join("、"); }
      tr.appendChild(el("td", null, v));
      t.appendChild(tr);
    });
    return t;
  }

  function colorOf(layer, props) {
    if (layer.fill_prop && props[layer.fill_prop]) { return props[layer.fill_prop]; }
    if (layer.color_by && layer.colors) {
      var c = layer.colors[props[layer.color_by]];
      if (c) { return c; }
    }
    return layer.default_color || "#3388ff";
  }

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) { return { status: r.status, body: body }; },
          function () { return { status: r.status, body: null }; });
      });
  }

  function popupFor(layer, props, labels) {
    var box = el("div", "zf-popup");
    if (!layer.popup_url) {
      box.appendChild(table(layer.popup_fields.map(function (f) { return [f[1], props[f[0]]]; })));
      return box;
    }
    box.appendChild(el("div", "zf-muted", labels.loading || "…"));
    var url = layer.popup_url.replace("{id}", encodeURIComponent(props.id));
    fetchJSON(url).then(function (res) {
      box.textContent = "";
      if (res.status !== 200 || !res.body || !res.body.ok) {
        var msg = (res.body && res.body.error) || ("HTTP " + res.status);
        box.appendChild(el("div", "zf-muted", msg));
        return;
      }
      var item = res.body.item || {};
      box.appendChild(table((layer.popup_fields || []).map(function (f) { return [f[1], item[f[0]]]; })));
      if (item.page) {
        var a = el("a", null, labels.details || "details");
        a.href = item.page;
        box.appendChild(a);
      }
    }, function () {
      box.textContent = labels.load_failed || "load failed";
    });
    return box;
  }

  function tooltipFor(layer, props) {
    var box = el("div", "zf-tooltip");
    box.appendChild(table(layer.tooltip.map(function (f) { return [f[1], props[f[0]]]; })));
    return box;
  }

  function drawPoints(layer, data, labels) {
    var markers = [];
    (data.features || []).forEach(function (f) {
      if (!f.geometry || f.geometry.type !== "Point") { return; }
      var c = f.geometry.coordinates, p = f.properties || {};
      var fill = colorOf(layer, p);
      var ring = layer.ring_by ? layer.rings[p[layer.ring_by]] : null;
      var m = L.circleMarker([c[1], c[0]], {
        radius: layer.radius || 5, color: ring || fill, weight: ring ? 3 : (layer.weight || 1),
        fillColor: fill, fillOpacity: 0.85
      });
      if (layer.popup_url || (layer.popup_fields && layer.popup_fields.length)) {
        m.bindPopup(function () { return popupFor(layer, p, labels); });
      }
      if (layer.tooltip && layer.tooltip.length) {
        m.bindTooltip(function () { return tooltipFor(layer, p); });
      }
      m.featureId = p.id;
      markers.push(m);
    });
    var group;
    if (layer.cluster) {
      group = L.markerClusterGroup({ chunkedLoading: true, disableClusteringAtZoom: 18,
        showCoverageOnHover: false, maxClusterRadius: 50 });
      group.addLayers(markers);
    } else {
      group = L.featureGroup(markers);
    }
    return { group: group, count: markers.length };
  }

  function drawHeat(layer, data) {
    var pts = [];
    (data.features || []).forEach(function (f) {
      if (f.geometry && f.geometry.type === "Point") {
        pts.push([f.geometry.coordinates[1], f.geometry.coordinates[0], 1]);
      }
    });
    var group = L.heatLayer(pts, { radius: 18, blur: 22, minOpacity: 0.35, maxZoom: 16 });
    return { group: group, count: pts.length };
  }

  function drawPolygons(layer, data) {
    var n = 0;
    var group = L.geoJSON(data, {
      style: function (f) {
        var c = colorOf(layer, f.properties || {});
        return { color: layer.fill_prop ? "#333333" : c, weight: layer.weight || 1,
          fillColor: c, fillOpacity: layer.fill_opacity };
      },
      onEachFeature: function (f, lyr) {
        n += 1;
        if (layer.tooltip && layer.tooltip.length) {
          lyr.bindTooltip(function () { return tooltipFor(layer, f.properties || {}); },
            { sticky: true });
        }
      }
    });
    return { group: group, count: n };
  }

  function legendControl(items) {
    var ctl = L.control({ position: "bottomright" });
    ctl.onAdd = function () {
      var box = el("div", "zf-legend");
      items.forEach(function (it) {
        var row = el("div", "zf-legend-row");
        var sw = el("span", "zf-swatch");
        sw.style.background = it[0];
        row.appendChild(sw);
        row.appendChild(el("span", null, it[1]));
        box.appendChild(row);
      });
      return box;
    };
    return ctl;
  }

  function init(map, cfg) {
    var labels = cfg.labels || {};
    var container = map.getContainer();
    var counts = {}, overlays = {}, pending = cfg.layers.length, fitted = false;
    window.zoufangMaps = window.zoufangMaps || {};
    var groups = {};
    window.zoufangMaps[cfg.name] = { map: map, counts: counts, layers: groups };
    var control = L.control.layers(null, {}, { collapsed: window.innerWidth < 700 }).addTo(map);
    if (cfg.legend && cfg.legend.length) { legendControl(cfg.legend).addTo(map); }

    function done() {
      pending -= 1;
      if (pending <= 0) {
        container.setAttribute("data-features", JSON.stringify(counts));
        container.setAttribute("data-ready", "1");
      }
    }

    cfg.layers.forEach(function (layer) {
      var load = layer.data ? Promise.resolve({ status: 200, body: layer.data })
        : fetchJSON(layer.url);
      load.then(function (res) {
        if (res.status !== 200 || !res.body || res.body.ok === false) {
          counts[layer.id] = 0;
          container.setAttribute("data-error-" + layer.id,
            (res.body && res.body.error) || ("HTTP " + res.status));
          done();
          return;
        }
        var drawn;
        if (layer.kind === "heat") { drawn = drawHeat(layer, res.body); }
        else if (layer.kind === "polygons") { drawn = drawPolygons(layer, res.body); }
        else { drawn = drawPoints(layer, res.body, labels); }
        counts[layer.id] = drawn.count;
        groups[layer.id] = drawn.group;
        if (layer.show !== false) { drawn.group.addTo(map); }
        control.addOverlay(drawn.group, layer.label + " (" + drawn.count + ")");
        if (layer.fit && !fitted && drawn.count > 0 && drawn.group.getBounds) {
          var b = drawn.group.getBounds();
          if (b.isValid()) { map.fitBounds(b, { padding: [10, 10] }); fitted = true; }
        }
        done();
      }, function () {
        counts[layer.id] = 0;
        container.setAttribute("data-error-" + layer.id, labels.load_failed || "load failed");
        done();
      });
    });
    if (!cfg.layers.length) { done(); }
  }

  window.zoufangMap = { init: init };
})();
