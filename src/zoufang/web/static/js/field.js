/* field.js — the field cadre's phone app: outbox, sync, record form, search, offline.
 *
 * - Outbox: every visit saved on the record form goes first to IndexedDB (through the
 *   vendored `idb`, database "zoufang-field", store "outbox", keyed by the id the phone
 *   makes for it, `client_id`), then to POST /api/v1/me/sync. The server stores each
 *   record once however often it is sent; what it stored leaves the outbox, what it
 *   refused stays there, marked, with the reason (nothing typed is ever dropped). The
 *   banner shows "N 条待同步"; the outbox is sent on load, when the network comes back and
 *   every 30 s.
 * - Record form (#record-form): GPS from navigator.geolocation, with the integrity
 *   warning (farther than data-gps-far-m from the target, or none) shown before saving;
 *   any number of issues; an error keeps the form as typed and lists what to fix.
 * - Home: search of the households by name, address or door number.
 * - Offline: registers the service worker (/field/sw.js) and asks it to keep the pages the
 *   route page lists (#route-numbers[data-prefetch]); signing out with a non-empty outbox
 *   asks first, and signing out clears the kept pages.
 * No inline script (CSP): everything is read from data- attributes.
 */
(function () {
  "use strict";
  var app = document.getElementById("field-app");
  if (!app) { return; }
  var msg = function (name, n) {
    var m = app.getAttribute("data-msg-" + name) || "";
    return n === undefined ? m : m.replace("{n}", String(n));
  };
  var SYNC_URL = app.getAttribute("data-sync");
  var FLASH_KEY = "zoufang-field-flash", BACK_KEY = "zoufang-field-back";
  var dbp = null;

  function db() {
    if (!dbp) {
      dbp = window.idb.openDB("zoufang-field", 1, {
        upgrade: function (d) { d.createObjectStore("outbox", { keyPath: "client_id" }); }
      });
    }
    return dbp;
  }
  function csrf() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }
  function newId() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID().replace(/-/g, ""); }
    var a = new Uint8Array(16);
    window.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  // ------------------------------------------------------------------ the outbox
  function all() { return db().then(function (d) { return d.getAll("outbox"); }); }

  function banner() {
    return all().then(function (items) {
      var pending = items.filter(function (x) { return x.state !== "failed"; });
      var failed = items.filter(function (x) { return x.state === "failed"; });
      var box = document.getElementById("outbox-banner");
      if (box) {
        box.hidden = pending.length === 0;
        box.setAttribute("data-pending", String(pending.length));
        document.getElementById("outbox-count").textContent = msg("pending", pending.length);
      }
      var fb = document.getElementById("outbox-failed");
      if (fb) {
        fb.hidden = failed.length === 0;
        document.getElementById("outbox-failed-title").textContent = msg("failed", failed.length);
        var ul = fb.querySelector("ul");
        ul.textContent = "";
        failed.forEach(function (x) {
          var li = el("li", (x.item.target || "") + " " + (x.item.at || "") + "：" + (x.error || "") + " ");
          var rm = el("button", msg("remove_failed"), "small remove-failed");
          rm.type = "button";
          rm.addEventListener("click", function () {  // the cadre read why; it leaves the phone
            if (!window.confirm(msg("remove_failed_confirm"))) { return; }
            db().then(function (d) { return d.delete("outbox", x.client_id); }).then(banner);
          });
          li.appendChild(rm);
          ul.appendChild(li);
        });
      }
      return items;
    }, function () { return []; });
  }

  var syncing = null;
  function sync() {
    // A sync already under way has not read what was saved since: wait for it, then send
    // again (else a record saved meanwhile would look unsent, as if the phone were offline).
    if (syncing) { return syncing.then(function () { return sync(); }, function () { return sync(); }); }
    syncing = all().then(function (items) {
      var pending = items.filter(function (x) { return x.state !== "failed"; }).slice(0, 200);
      if (!pending.length) { return {}; }
      return fetch(SYNC_URL, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRF-Token": csrf() },
        body: JSON.stringify({ visits: pending.map(function (x) { return x.item; }) })
      }).then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok || !body.ok) { return { _error: body.error || ("HTTP " + r.status) }; }
          return db().then(function (d) {
            var tx = d.transaction("outbox", "readwrite");
            var out = {};
            body.results.forEach(function (res) {
              out[res.client_id] = res;
              if (res.result === "created" || res.result === "duplicate") {
                tx.store.delete(res.client_id);
              } else {
                var item = pending.filter(function (x) { return x.client_id === res.client_id; })[0];
                if (item) {
                  item.state = "failed";
                  item.error = res.error;
                  tx.store.put(item);
                }
              }
            });
            return tx.done.then(function () { return out; });
          });
        });
      }, function () { return { _offline: true }; });
    }).then(function (out) {
      syncing = null;
      return banner().then(function () { return out; });
    }, function (e) { syncing = null; throw e; });
    return syncing;
  }
  window.zoufangField = { sync: sync, banner: banner, all: all };

  // ------------------------------------------------------------------ flash across pages
  function showFlash(kind, text) {
    var box = document.getElementById("js-flash");
    if (!box) { return; }
    box.appendChild(el("div", text, "flash " + kind));
  }
  function keepFlash(list) {
    try { window.sessionStorage.setItem(FLASH_KEY, JSON.stringify(list)); } catch (e) { /* private mode */ }
  }
  try {
    var kept = JSON.parse(window.sessionStorage.getItem(FLASH_KEY) || "[]");
    window.sessionStorage.removeItem(FLASH_KEY);
    kept.forEach(function (f) { showFlash(f[0], f[1]); });
  } catch (e) { /* nothing kept */ }

  // ------------------------------------------------------------------ where "back" goes
  // The list pages (my visits, a route day) are where a card or a form returns to; the
  // links carry no ?next= so that the phone keeps one copy of each card and form.
  var back = null;
  try {
    if (document.getElementById("stop-cards") || document.getElementById("my-area")) {
      window.sessionStorage.setItem(BACK_KEY, window.location.pathname + window.location.search);
    }
    back = window.sessionStorage.getItem(BACK_KEY);
  } catch (e) { back = null; }
  if (back && back.indexOf("/field/") === 0 && back.indexOf("//") < 0) {
    Array.prototype.forEach.call(document.querySelectorAll("a.js-back"), function (a) { a.href = back; });
    var rf = document.getElementById("record-form");
    if (rf) {
      rf.setAttribute("data-next", back);
      if (rf.elements.next) { rf.elements.next.value = back; }
    }
  }

  // ------------------------------------------------------------------ the record form
  var form = document.getElementById("record-form");
  if (form) { recordForm(form); }

  function recordForm(f) {
    var fmsg = function (name) { return f.getAttribute("data-msg-" + name) || ""; };
    var tlon = parseFloat(f.getAttribute("data-target-lon"));
    var tlat = parseFloat(f.getAttribute("data-target-lat"));
    var limit = parseFloat(f.getAttribute("data-gps-far-m")) || 300;
    var status = document.getElementById("gps-status");
    var warn = document.getElementById("integrity-warn");
    if (!f.elements.client_id.value) { f.elements.client_id.value = newId(); }

    function mode() {
      var m = f.querySelector("input[name=mode]:checked");
      return m ? m.value : "in_home";
    }
    function distance(lon, lat) {
      var r = 6371008.8, rad = Math.PI / 180;
      var dp = (tlat - lat) * rad, dl = (tlon - lon) * rad;
      var a = Math.sin(dp / 2) * Math.sin(dp / 2) +
        Math.cos(lat * rad) * Math.cos(tlat * rad) * Math.sin(dl / 2) * Math.sin(dl / 2);
      return 2 * r * Math.asin(Math.min(1, Math.sqrt(a)));
    }
    function check() {
      var lon = parseFloat(f.elements.lon.value), lat = parseFloat(f.elements.lat.value);
      var text = "", state = "none";
      if (isNaN(lon) || isNaN(lat)) {
        text = fmsg("gps-none");
      } else if (!isNaN(tlon) && !isNaN(tlat)) {
        var d = Math.round(distance(lon, lat));
        if (d > limit) {
          state = "far";
          text = fmsg("gps-far").replace("{m}", d.toLocaleString("zh-CN")).replace("{limit}", String(Math.round(limit)));
        } else {
          state = "ok";
          status.textContent = fmsg("gps-ok").replace("{m}", String(d));
        }
      } else {  // a target with no position: the point is kept, no distance to check
        state = "ok";
        status.textContent = fmsg("gps-no-target").replace("{lon}", lon.toFixed(5))
          .replace("{lat}", lat.toFixed(5));
      }
      status.setAttribute("data-state", state);
      if (state !== "ok") { status.textContent = text; }
      var show = mode() === "in_home" && state !== "ok";
      warn.hidden = !show;
      warn.textContent = show ? text : "";
      warn.setAttribute("data-code", show ? (state === "far" ? "gps_far" : "gps_missing") : "");
    }
    function locate() {
      if (!navigator.geolocation) { check(); return; }
      status.setAttribute("data-state", "wait");
      status.textContent = fmsg("gps-wait");
      navigator.geolocation.getCurrentPosition(function (p) {
        f.elements.lon.value = p.coords.longitude.toFixed(6);
        f.elements.lat.value = p.coords.latitude.toFixed(6);
        check();
      }, function () { check(); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    }
    if (f.elements.lon.value && f.elements.lat.value) { check(); } else { locate(); }
    document.getElementById("gps-retry").addEventListener("click", locate);
    Array.prototype.forEach.call(f.querySelectorAll("input[name=mode]"), function (r) {
      r.addEventListener("change", check);
    });

    var issues = document.getElementById("issues");
    var tpl = document.getElementById("issue-template");
    document.getElementById("add-issue").addEventListener("click", function () {
      var row = tpl.content.firstElementChild.cloneNode(true);
      issues.appendChild(row);
      var sel = row.querySelector("select");
      if (sel) { sel.focus(); }
    });
    issues.addEventListener("click", function (e) {
      if (e.target.classList.contains("remove-issue")) {
        var row = e.target.closest(".issue-row");
        if (row) { row.remove(); }
      }
    });

    function errors(list) {
      var box = document.getElementById("form-errors");
      var ul = box.querySelector("ul");
      ul.textContent = "";
      Array.prototype.forEach.call(f.querySelectorAll(".has-error"), function (x) { x.classList.remove("has-error"); });
      list.forEach(function (m) { ul.appendChild(el("li", m)); });
      box.hidden = list.length === 0;
      if (list.length) { box.scrollIntoView({ behavior: "smooth", block: "start" }); }
    }

    function collect() {
      var v = function (n) { return f.elements[n] ? f.elements[n].value : ""; };
      var outcome = f.querySelector("input[name=outcome]:checked");
      var item = {
        client_id: v("client_id"), target: v("target"), at: v("at").replace("T", " "),
        mode: mode(), outcome: outcome ? outcome.value : "", notes: v("notes"),
        lon: v("lon") ? parseFloat(v("lon")) : null, lat: v("lat") ? parseFloat(v("lat")) : null,
        issues: []
      };
      ["card", "survey", "leaflet", "solved"].forEach(function (k) {
        item[k] = !!(f.elements[k] && f.elements[k].checked);
      });
      Array.prototype.forEach.call(issues.querySelectorAll(".issue-row"), function (row) {
        var text = row.querySelector("[name=issue_text]").value.trim();
        var cat = row.querySelector("[name=issue_category]").value;
        if (!text && !cat) { return; }
        if (!row.getAttribute("data-client-id")) { row.setAttribute("data-client-id", newId()); }
        item.issues.push({ client_id: row.getAttribute("data-client-id"), category: cat,
          responsibility: row.querySelector("[name=issue_responsibility]").value,
          urgency: row.querySelector("[name=issue_urgency]").value, text: text });
      });
      return item;
    }

    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var item = collect();
      if (!item.outcome) {
        document.getElementById("outcome-choices").classList.add("has-error");
        errors([fmsg("pick-outcome")]);
        return;
      }
      var save = document.getElementById("save");
      save.disabled = true;
      var next = f.getAttribute("data-next") || "/field/route";
      db().then(function (d) {
        return d.put("outbox", { client_id: item.client_id, item: item, state: "pending",
                                 saved_at: new Date().toISOString() });
      }).then(function () {
        return navigator.onLine ? sync() : { _offline: true };
      }).then(function (out) {
        var res = out[item.client_id];
        if (res && (res.result === "created" || res.result === "duplicate")) {
          var list = [["ok", msg("saved") + ": " + item.target + " · " + item.at]];
          (res.flags || []).forEach(function (fl) { list.push(["warning", msg("flagged") + ": " + fl.message]); });
          keepFlash(list);
          window.location.assign(next);
        } else if (res) {  // refused: the form keeps everything; the outbox forgets it
          db().then(function (d) { return d.delete("outbox", item.client_id); }).then(banner);
          f.elements.client_id.value = newId();
          save.disabled = false;
          errors([res.error || fmsg("fix")]);
        } else if (out._error) {  // the whole batch was refused (e.g. the session ended)
          save.disabled = false;
          errors([out._error]);
        } else {  // no network: kept on the phone
          keepFlash([["warning", msg("queued") + ": " + item.target + " · " + item.at]]);
          window.location.assign(next);
        }
      }, function (err) {
        save.disabled = false;
        errors([String(err)]);
      });
    });
  }

  // ------------------------------------------------------------------ home: search
  var search = document.getElementById("area-search");
  if (search) {
    search.addEventListener("input", function () {
      var qv = search.value.trim().toLowerCase();
      var shown = 0;
      Array.prototype.forEach.call(document.querySelectorAll("#my-area .hh-card"), function (c) {
        var hit = !qv || (c.getAttribute("data-search") || "").indexOf(qv) >= 0;
        c.hidden = !hit;
        if (hit) { shown += 1; }
      });
      document.getElementById("area-no-match").hidden = shown > 0;
    });
  }

  // ------------------------------------------------------------------ sign-out
  var logout = document.getElementById("logout");
  var logoutForm = logout ? logout.form : null;
  if (logoutForm) {
    logoutForm.addEventListener("submit", function (e) {
      if (logoutForm.getAttribute("data-confirmed") === "1") { return; }
      e.preventDefault();
      all().then(function (items) {
        var n = items.length;
        if (n > 0 && !window.confirm(msg("logout", n))) { return; }
        var submitted = false;
        var done = function () {
          if (submitted) { return; }
          submitted = true;
          logoutForm.setAttribute("data-confirmed", "1");
          logoutForm.submit();
        };
        // Nothing of this cadre's stays on the phone for the next one to sign in on it:
        // the outbox (residents' ids, notes, issue texts) and the cached pages go.
        try { window.sessionStorage.removeItem(FLASH_KEY); window.sessionStorage.removeItem(BACK_KEY); } catch (err) { /* private mode */ }
        db().then(function (d) { return d.clear("outbox"); }).catch(function () { return null; }).then(function () {
          var ctl = navigator.serviceWorker && navigator.serviceWorker.controller;
          if (!ctl) { done(); return; }
          var ch = new MessageChannel();
          ch.port1.onmessage = done;
          ctl.postMessage({ type: "clear" }, [ch.port2]);
          setTimeout(done, 1500);
        });
      }, function () { logoutForm.setAttribute("data-confirmed", "1"); logoutForm.submit(); });
    });
  }

  // ------------------------------------------------------------------ offline support
  var offline = document.getElementById("offline-note");
  function onlineState() {
    if (offline) { offline.hidden = navigator.onLine; }
    document.documentElement.setAttribute("data-online", navigator.onLine ? "1" : "0");
  }
  window.addEventListener("online", function () { onlineState(); sync(); });
  window.addEventListener("offline", onlineState);
  onlineState();
  banner().then(function () { if (navigator.onLine) { sync(); } });
  window.setInterval(function () { if (navigator.onLine) { sync(); } }, 30000);
  var syncNow = document.getElementById("sync-now");
  if (syncNow) { syncNow.addEventListener("click", function () { sync(); }); }

  if ("serviceWorker" in navigator && app.getAttribute("data-sw")) {
    navigator.serviceWorker.register(app.getAttribute("data-sw"),
                                     { scope: app.getAttribute("data-scope") }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (reg) {
      var urls = [window.location.pathname + window.location.search, app.getAttribute("data-scope")];
      var holder = document.getElementById("route-numbers");
      if (holder) {
        try { urls = urls.concat(JSON.parse(holder.getAttribute("data-prefetch") || "[]")); } catch (e) { /* none */ }
      }
      if (!navigator.onLine || !reg.active) { return; }
      var ch = new MessageChannel();
      ch.port1.onmessage = function () { document.documentElement.setAttribute("data-kept", String(urls.length)); };
      var assets = [];
      Array.prototype.forEach.call(document.querySelectorAll("script[src], link[rel=stylesheet], link[rel=manifest], link[rel=apple-touch-icon], link[rel=icon]"), function (x) {
        assets.push(x.getAttribute("src") || x.getAttribute("href"));
      });
      reg.active.postMessage({ type: "keep", urls: urls, assets: assets }, [ch.port2]);
    }, function () { /* no service worker: the pages still work online */ });
  }
})();
