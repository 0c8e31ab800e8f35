// Kiosque: shows the notifications the server pushes (alerts, followed venues, waiting-list
// offers) and opens the page a tap asks for. Registered with the scope /static/js/push/,
// where no page lives: it never controls a page nor sees a request, so the tickets'
// offline worker (scope /orders/) goes on alone there.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  const title = data.title || "Kiosque";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag || undefined,
    data: { url: data.url || "/" },
    lang: "fr",
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const wanted = new URL((event.notification.data && event.notification.data.url) || "/",
                         self.location.origin);
  // Only our own pages: a notification never sends anyone elsewhere.
  const url = wanted.origin === self.location.origin ? wanted.href : self.location.origin + "/";
  event.waitUntil(self.clients.openWindow(url));
});
