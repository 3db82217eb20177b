/* The verifier page's service worker (scope /verify): answers the page, its scripts and
   the offline bundle from the cache when the network is gone. Network first, so a
   connected page always gets the current page and bundle; what the page put in the
   cache (verify/static/offline.js refresh) is kept fresh on each successful fetch.
   Nothing else is stored: POSTs and URLs the page did not keep pass through. */
"use strict";
var CACHE = "onegate-verify-v1";

self.addEventListener("install", function () { self.skipWaiting(); });
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
    return caches.match(key).then(function (kept) { return kept || Response.error(); });
  }));
});
