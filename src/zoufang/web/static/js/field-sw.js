/* field-sw.js — the field app's service worker (served as /field/sw.js, scope /field/).
 *
 * Built with Workbox (static/vendor/workbox-7.4.1, served by the app: no CDN). It keeps on
 * the phone what a cadre needs with no network:
 * - the field pages (my visits, the routes of the days the pages fetched ahead, the stops'
 *   cards and record forms): network first, the kept copy when the network is down;
 * - the cadre's area and route from the API (network first);
 * - the app's scripts, styles and icons (kept copy first, refreshed in the background);
 * - the map tiles served by the app (/tiles/…), when a tile server is configured: kept
 *   copy first, at most 2,000 tiles for 30 days.
 * Writes (the sync POST) are never cached: the page keeps them in its IndexedDB outbox.
 * Signing out (the page posts {type: "clear"}) deletes every cache: no resident's name
 * stays on the phone after logging out.
 */
/* global importScripts, workbox */
"use strict";
importScripts(new URL("../static/vendor/workbox-7.4.1/workbox-sw.js", self.location).href);
workbox.setConfig({
  debug: false,
  modulePathPrefix: new URL("../static/vendor/workbox-7.4.1/", self.location).href
});

var PAGES = "zf-field-pages-v1", API = "zf-field-api-v1", ASSETS = "zf-field-assets-v1",
  TILES = "zf-field-tiles-v1";
var ALL = [PAGES, API, ASSETS, TILES];

workbox.core.clientsClaim();
self.skipWaiting();

// keep only complete answers of this app: no redirect to the log-in page, no error page
var onlyOk = {
  cacheWillUpdate: function (args) {
    var r = args.response;
    return Promise.resolve(r && r.status === 200 && !r.redirected ? r : null);
  }
};
var fieldBase = new URL("./", self.location).pathname;          // /field/
var staticBase = new URL("../static/", self.location).pathname;  // /static/
var apiBase = new URL("../api/v1/me/", self.location).pathname;  // /api/v1/me/
var tilesBase = new URL("../tiles/", self.location).pathname;    // /tiles/

workbox.routing.registerRoute(function (o) {
  return o.request.method === "GET" && o.url.origin === self.location.origin &&
    o.url.pathname.indexOf(fieldBase) === 0 && o.request.mode === "navigate";
}, new workbox.strategies.NetworkFirst({
  cacheName: PAGES, networkTimeoutSeconds: 6, plugins: [onlyOk,
    new workbox.expiration.ExpirationPlugin({ maxEntries: 300, maxAgeSeconds: 14 * 86400 })]
}));

workbox.routing.registerRoute(function (o) {
  return o.request.method === "GET" && o.url.origin === self.location.origin &&
    (o.url.pathname === apiBase + "area" || o.url.pathname === apiBase + "route" ||
     o.url.pathname === apiBase + "issues");
}, new workbox.strategies.NetworkFirst({ cacheName: API, networkTimeoutSeconds: 6,
  plugins: [onlyOk] }));

workbox.routing.registerRoute(function (o) {
  return o.request.method === "GET" && o.url.origin === self.location.origin &&
    o.url.pathname.indexOf(staticBase) === 0;
}, new workbox.strategies.StaleWhileRevalidate({ cacheName: ASSETS, plugins: [onlyOk] }));

workbox.routing.registerRoute(function (o) {
  return o.request.method === "GET" && o.url.origin === self.location.origin &&
    o.url.pathname.indexOf(tilesBase) === 0;
}, new workbox.strategies.CacheFirst({ cacheName: TILES, plugins: [onlyOk,
  new workbox.expiration.ExpirationPlugin({ maxEntries: 2000, maxAgeSeconds: 30 * 86400 })] }));

// the page asks to keep URLs (the next days, the stops' cards) or to forget everything
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "clear") {
    event.waitUntil(Promise.all(ALL.map(function (n) { return caches.delete(n); })).then(
      function () { if (event.ports && event.ports[0]) { event.ports[0].postMessage("cleared"); } }));
  } else if (data.type === "keep") {
    var keep = function (name, urls, base) {
      return caches.open(name).then(function (cache) {
        return Promise.all((urls || []).map(function (u) {
          var url = new URL(u, self.location);
          if (url.origin !== self.location.origin || url.pathname.indexOf(base) !== 0) {
            return null;
          }
          // X-Zoufang-Keep: a page fetched to be kept must not take the cadre's flash
          // messages (they belong to the page the cadre is shown next)
          return fetch(url.href, { credentials: "same-origin",
                                   headers: { "X-Zoufang-Keep": "1" } }).then(function (r) {
            return r.ok && !r.redirected ? cache.put(url.href, r) : null;
          }, function () { return null; });
        }));
      });
    };
    event.waitUntil(Promise.all([keep(PAGES, data.urls, fieldBase),
                                 keep(ASSETS, data.assets, staticBase)]).then(function () {
      if (event.ports && event.ports[0]) { event.ports[0].postMessage("kept"); }
    }));
  }
});
