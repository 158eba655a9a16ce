// cmdai's service worker: keeps the app shell (HTML, JS, wasm, CSS) of this build in a
// versioned cache so the app opens offline; models live in IndexedDB, not here.
const VERSION = "__BUILD_VERSION__";
const CACHE = `cmdai-shell-${VERSION}`;
const FILES = ["./", "__APP_FILES__"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("cmdai-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// Same-origin GETs: the network first (so an update shows at once), the cache when offline.
// Model downloads go to other origins (the Hub) and are never cached here.
self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && response.status === 200) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() => caches.match(request, { ignoreSearch: true }).then((hit) => hit || caches.match("./"))),
  );
});
