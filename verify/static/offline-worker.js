/* The verifier page's service worker (scope /verify): answers the page, its scripts and
   the offline bundle from the cache when the network is gone. On install it keeps
   what the page lists in its "verify-offline" data block (``precache``: the page, its
   CSS and scripts, the vendored jsQR, the bundle); the page refreshes the same entries
   on each load and when the network returns (offline.js). Network first, so a
   connected page always gets the current page and bundle, and each successful fetch
   of a kept URL updates it. Nothing else is stored: POSTs and other URLs pass through. */
"use strict";
var CACHE = "onegate-verify-v1";

var LIST = /<script type="application\/json" id="verify-offline">([^<]*)<\/script>/;

function precache() {
  return fetch(new URL(self.registration.scope).pathname, { credentials: "same-origin" })
    .then(function (response) { return response.text(); })
    .then(function (html) {
      var found = LIST.exec(html);
      var urls = found ? JSON.parse(found[1]).precache : [];
      return caches.open(CACHE).then(function (cache) {
        return Promise.all(urls.map(function (url) {
          return fetch(url, { credentials: "same-origin", cache: "no-cache" })
            .then(function (response) { if (response.ok) return cache.put(url, response); })
            .catch(function () {});  // one missing entry does not lose the others
        }));
      });
    });
}

self.addEventListener("install", function (event) {
  self.skipWaiting();
  // A failed precache leaves the worker installed: the page fills the cache itself.
  event.waitUntil(precache().catch(function () {}));
});
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  var page = request.mode === "navigate";
  // The page is kept under its path alone (a language switch's query is the same page).
  var key = page ? url.pathname : url.pathname + url.search;
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) {
        return cache.match(key).then(function (kept) { if (kept) return cache.put(key, copy); });
      });
    }
    return response;
  }, function () {
    return caches.match(key).then(function (kept) {
      if (!kept) return Response.error();
      // Said so, for the page: a kept copy is not a refresh (offline.js tries again).
      var headers = new Headers(kept.headers);
      headers.set("X-Onegate-From-Cache", "1");
      return new Response(kept.body, { status: kept.status, headers: headers });
    });
  }));
});
