// progress.js — the charts of /leader/progress (挂图作战), drawn with the vendored uPlot:
// per chart the plan's cumulative curve (dashed) and the visited one (to the as-of day),
// against the group's number of targets. The data come in data- attributes, so that no
// inline script is needed (the page's CSP allows none). When every chart is drawn the
// container gets data-ready="1" and data-charts (how many were drawn).
(function () {
  "use strict";
  var box = document.getElementById("progress-charts");
  if (!box || typeof window.uPlot === "undefined") { return; }
  var L = JSON.parse(box.getAttribute("data-labels") || "{}");
  var days = JSON.parse(box.getAttribute("data-days") || "[]");
  var xs = days.map(function (_d, i) { return i; });
  var label = function (i) { return days[i] ? days[i].slice(5) : ""; };
  var canvases = box.querySelectorAll(".progress-chart");
  var drawn = 0;
  Array.prototype.forEach.call(canvases, function (holder) {
    var s = JSON.parse(holder.getAttribute("data-series") || "{}");
    var visited = xs.map(function (i) { return i < s.visited.length ? s.visited[i] : null; });
    var width = Math.max(240, holder.clientWidth || 320);
    var opts = {
      width: width, height: holder.classList.contains("small") ? 180 : 240,
      scales: { x: { time: false }, y: { range: [0, Math.max(1, s.targets)] } },
      axes: [
        { values: function (_u, ticks) { return ticks.map(label); } },
        { label: (L["progress.targets"] || "") + " " + s.targets }
      ],
      series: [
        { label: L["progress.day"] || "", value: function (_u, i) { return label(i); } },
        { label: L["progress.planned"], stroke: "#1565c0", dash: [6, 4], width: 2,
          points: { show: false } },
        { label: L["progress.visited"], stroke: "#c62828", fill: "rgba(198,40,40,0.12)",
          width: 2 }
      ]
    };
    holder.textContent = "";
    holder.uplot = new window.uPlot(opts, [xs, s.planned, visited], holder);
    drawn += 1;
  });
  box.setAttribute("data-charts", String(drawn));
  box.setAttribute("data-ready", "1");
}());
