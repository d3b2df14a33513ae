/* zoufang pages: job progress polling and the phone's GPS point. No inline handlers. */
(function () {
  "use strict";
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  window.zoufang = { csrf: csrf };

  // A form with data-confirm asks before it is sent (e.g. disabling a user).
  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });

  // Planning job: poll /api/v1/jobs/<id> and move the progress bar.
  var box = document.getElementById("job-progress");
  if (box) {
    var url = box.getAttribute("data-url");
    var bar = box.querySelector("progress");
    var stage = box.querySelector(".stage");
    var poll = function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          if (!body.ok) { stage.textContent = body.error || "error"; return; }
          var job = body.job;
          bar.value = job.progress;
          stage.textContent = (job.stage_label || job.stage) + " · " + job.elapsed_s + " s";
          var done = box.querySelector(".cadres-done"), total = box.querySelector(".cadres-total");
          if (done && total) { done.textContent = job.cadres_done; total.textContent = job.cadres_total; }
          box.setAttribute("data-status", job.status);
          if (job.status === "done" || job.status === "failed") {
            window.location.reload();
          } else {
            window.setTimeout(poll, 1000);
          }
        }, function () { window.setTimeout(poll, 3000); });
    };
    if (box.getAttribute("data-status") === "queued" || box.getAttribute("data-status") === "running") {
      poll();
    }
  }

  // Visit form: fill lon/lat from the phone's GPS when asked.
  var gps = document.getElementById("gps-button");
  if (gps && navigator.geolocation) {
    gps.addEventListener("click", function (ev) {
      ev.preventDefault();
      navigator.geolocation.getCurrentPosition(function (p) {
        document.getElementById("lon").value = p.coords.longitude.toFixed(6);
        document.getElementById("lat").value = p.coords.latitude.toFixed(6);
      });
    });
  }
})();
