// Kiosque tickets page: a print button, and an offline copy so that the tickets stay
// readable at the door without network once they have been shown once.
const CACHE = "kiosque-tickets-v1";  // the service worker (tickets_sw.js) reads it back

document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});

const worker = document.currentScript && document.currentScript.dataset.serviceWorker;
if (worker && "serviceWorker" in navigator && "caches" in window) {
  navigator.serviceWorker.register(worker, { scope: worker.replace(/[^/]*$/, "") })
    .then(() => caches.open(CACHE))
    .then((cache) => cache.addAll([
      location.href,
      ...Array.from(document.querySelectorAll("link[rel=stylesheet]"), (link) => link.href),
    ]))
    .then(() => document.documentElement.setAttribute("data-offline-ready", ""))
    .catch(() => {});
}
