// The import wizard of /planner/import (zoufang.web.import_wizard): a chosen file is
// previewed (header row found, each column's meaning, the first rows); a column's meaning
// is corrected from its drop-down; "check" runs the import without writing and lists
// every problem by row and column, with the rejected rows as a CSV download; the form's
// own submit then imports with the meanings chosen (hidden fields columns, header_row).
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (!form) { return; }
  var L = {};
  try { L = JSON.parse(form.getAttribute("data-labels") || "{}"); } catch (e) { L = {}; }
  var previewUrl = form.getAttribute("data-preview");
  var validateUrl = form.getAttribute("data-validate");
  var file = form.querySelector("#file");
  var kind = form.querySelector("#kind");
  var headerRow = form.querySelector("#header_row");
  var columns = form.querySelector("#columns");
  var checkButton = document.getElementById("import-check");
  var box = document.getElementById("import-preview");
  var result = document.getElementById("import-check-result");
  var defaultKind = document.getElementById("default-kind-row");

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function chosen() {
    var m = {};
    box.querySelectorAll("select.meaning").forEach(function (s) {
      if (s.value) { m[s.value] = s.getAttribute("data-header"); }
    });
    return m;
  }

  function body(withColumns) {
    var fd = new FormData(form);
    fd.set("columns", withColumns ? JSON.stringify(chosen()) : "");
    return fd;
  }

  function problemsTable(problems, id) {
    var table = el("table", { "class": "data", id: id });
    var head = el("tr");
    [L.row, L.column, L.message, L.problem_value].forEach(function (h) { head.appendChild(el("th", {}, h)); });
    table.appendChild(head);
    problems.forEach(function (p) {
      var tr = el("tr", { "class": p.severity === "warning" ? "warning" : "error" });
      tr.appendChild(el("td", {}, p.row || ""));
      tr.appendChild(el("td", {}, p.field || ""));
      tr.appendChild(el("td", { "class": "text" }, p.message));
      tr.appendChild(el("td", {}, p.value || ""));
      table.appendChild(tr);
    });
    var wrap = el("div", { "class": "table-wrap" });
    wrap.appendChild(table);
    return wrap;
  }

  function refusal(target, answer) {
    target.innerHTML = "";
    target.appendChild(el("p", { "class": "flash error" }, answer.error || "?"));
    if (answer.errors && answer.errors.length) { target.appendChild(problemsTable(answer.errors, "import-file-problems")); }
  }

  function render(answer) {
    box.innerHTML = "";
    result.innerHTML = "";
    if (!answer.ok) { refusal(box, answer); return; }
    var p = answer.preview;
    columns.value = JSON.stringify(p.mapping || {});
    headerRow.value = p.header_row || "";
    if (defaultKind) { defaultKind.hidden = !(p.kind === "targets" && !(p.mapping || {}).kind); }
    box.appendChild(el("h2", {}, L.import_preview));
    box.appendChild(el("p", { id: "import-detected" },
      (p.header_row ? L.import_header_row + " " + p.header_row +
        (p.header_rows > 1 ? "–" + (p.header_row + p.header_rows - 1) : "") + " · " : "") +
      L.import_rows_total + " " + p.total_rows));
    if (p.remembered) { box.appendChild(el("p", { "class": "muted", id: "import-remembered" }, L.import_remembered)); }
    (p.notes || []).forEach(function (n) { box.appendChild(el("p", { "class": "muted" }, n)); });
    if (p.problems && p.problems.length) {
      box.appendChild(el("h3", {}, L.import_problems_file));
      box.appendChild(problemsTable(p.problems, "import-file-problems"));
    }
    var table = el("table", { "class": "data", id: "import-preview-table" });
    var meaningRow = el("tr");
    meaningRow.appendChild(el("th", {}, L.import_meaning));
    p.columns.forEach(function (c, i) {
      var th = el("th");
      var select = el("select", { "class": "meaning", "data-header": c.header, id: "meaning-" + i,
                                  "aria-label": L.import_meaning + " " + c.header });
      select.appendChild(el("option", { value: "" }, L.import_not_used));
      p.meanings.forEach(function (m) {
        var o = el("option", { value: m.key }, m.label + (m.required ? " *" : ""));
        if (m.key === c.meaning) { o.selected = true; }
        select.appendChild(o);
      });
      select.addEventListener("change", function () {
        if (select.value) {  // one column per meaning: another column with it lets it go
          box.querySelectorAll("select.meaning").forEach(function (s) {
            if (s !== select && s.value === select.value) { s.value = ""; }
          });
        }
        columns.value = JSON.stringify(chosen());
        load(true);
      });
      th.appendChild(select);
      meaningRow.appendChild(th);
    });
    table.appendChild(meaningRow);
    var headRow = el("tr");
    headRow.appendChild(el("th", {}, "#"));
    p.columns.forEach(function (c) { headRow.appendChild(el("th", {}, c.header)); });
    table.appendChild(headRow);
    p.rows.forEach(function (r, i) {
      var tr = el("tr");
      tr.appendChild(el("td", {}, p.row_numbers[i]));
      r.forEach(function (v) { tr.appendChild(el("td", {}, v === null ? "" : v)); });
      table.appendChild(tr);
    });
    var wrap = el("div", { "class": "table-wrap" });
    wrap.appendChild(table);
    box.appendChild(wrap);
    checkButton.hidden = false;
  }

  function post(url, fd) {
    return fetch(url, { method: "POST", body: fd, credentials: "same-origin",
                        headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .catch(function () { return { ok: false, error: "?", errors: [] }; });
  }

  function load(withColumns) {
    if (!file.files.length) { return; }
    box.setAttribute("aria-busy", "true");
    post(previewUrl, body(withColumns)).then(function (answer) {
      box.removeAttribute("aria-busy");
      render(answer);
    });
  }

  function check() {
    result.innerHTML = "";
    result.setAttribute("aria-busy", "true");
    post(validateUrl, body(true)).then(function (answer) {
      result.removeAttribute("aria-busy");
      if (!answer.ok) { refusal(result, answer); return; }
      var r = answer.report;
      var errors = (r.problems || []).filter(function (p) { return p.severity !== "warning"; });
      result.appendChild(el("h3", { id: "import-check-summary" },
        errors.length ? L.import_checked_bad + " · " + r.rejected + " / " + r.rows : L.import_checked_ok));
      if (r.problems && r.problems.length) { result.appendChild(problemsTable(r.problems, "import-check-problems")); }
      if (r.sample_points && r.sample_points.length) { pointsMap(r.sample_points); }
      if (r.rejected_rows) {
        var blob = new Blob(["\ufeff" + r.rejected_rows], { type: "text/csv;charset=utf-8" });
        var a = el("a", { id: "import-rejects", download: (r.source || "import").replace(/\.[^.]*$/, "") + ".问题行.csv",
                          href: URL.createObjectURL(blob), "class": "button" }, L.import_rejects_csv);
        result.appendChild(a);
      }
    });
  }

  // Where the first valid points fall against the township's grids, read in the CRS
  // chosen (points and grids in the basemap's datum, as the server sends them): a file in
  // the wrong CRS shows its points beside the grids, shifted by some hundred metres.
  var gridsLayer = null;
  function pointsMap(points) {
    if (typeof window.L === "undefined") { return; }
    var Lf = window.L;
    result.appendChild(el("h3", {}, (L.import_points_map || "").replace("{n}", points.length)));
    var div = el("div", { id: "import-points-map", "class": "map-box" });
    result.appendChild(div);
    var map = Lf.map(div);
    var tiles = form.getAttribute("data-tiles");
    if (tiles) { Lf.tileLayer(tiles, { attribution: form.getAttribute("data-attribution") || "" }).addTo(map); }
    var pts = Lf.featureGroup(points.map(function (p) {
      return Lf.circleMarker([p[1], p[2]], { radius: 4, color: "#c62828", weight: 1, fillOpacity: 0.8 })
        .bindTooltip(String(p[0]));
    })).addTo(map);
    map.fitBounds(pts.getBounds(), { padding: [20, 20], maxZoom: 17 });
    var done = function (n) { div.setAttribute("data-grids", String(n)); div.setAttribute("data-ready", "1"); };
    var draw = function (gj) {
      Lf.geoJSON(gj, { style: { color: "#1565c0", weight: 1, fillOpacity: 0.05 }, interactive: false }).addTo(map);
      pts.bringToFront();
      done((gj.features || []).length);
    };
    if (gridsLayer) { draw(gridsLayer); return; }
    fetch(form.getAttribute("data-grids"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (gj) { gridsLayer = gj; draw(gj); })
      .catch(function () { done(0); });
  }

  // A new file keeps the meanings chosen for the previous one (its columns that are there).
  file.addEventListener("change", function () { load(!!box.querySelector("select.meaning")); });
  kind.addEventListener("change", function () { load(false); });
  headerRow.addEventListener("change", function () { load(true); });
  checkButton.addEventListener("click", check);
  form.addEventListener("submit", function () {
    if (box.querySelector("select.meaning")) { columns.value = JSON.stringify(chosen()); }
  });
}());
