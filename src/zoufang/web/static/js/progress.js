// progress.js — the charts of /leader/progress (挂图作战), drawn with the vendored
// Chart.js: per chart the plan's cumulative curve and the visited one (to the as-of day),
// against the group's number of targets. The data come in data- attributes, so that no
// inline script is needed (the page's CSP allows none). When every chart is drawn the
// container gets data-ready="1".
(function () {
  "use strict";
  var box = document.getElementById("progress-charts");
  if (!box || typeof window.Chart === "undefined") { return; }
  var L = JSON.parse(box.getAttribute("data-labels") || "{}");
  var days = JSON.parse(box.getAttribute("data-days") || "[]").map(function (d) { return d.slice(5); });
  var canvases = box.querySelectorAll("canvas.progress-chart");
  Array.prototype.forEach.call(canvases, function (c) {
    var s = JSON.parse(c.getAttribute("data-series") || "{}");
    new window.Chart(c, {
      type: "line",
      data: {
        labels: days,
        datasets: [
          { label: L["progress.planned"], data: s.planned, borderColor: "#1565c0",
            borderDash: [6, 4], pointRadius: 0, borderWidth: 2 },
          { label: L["progress.visited"], data: s.visited, borderColor: "#c62828",
            backgroundColor: "rgba(198,40,40,0.12)", fill: true, pointRadius: 2, borderWidth: 2 }
        ]
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, suggestedMax: s.targets,
                       title: { display: true, text: L["progress.targets"] + " " + s.targets } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  });
  box.setAttribute("data-charts", String(canvases.length));
  box.setAttribute("data-ready", "1");
}());
