// Kiosque: « Turn on notifications » after an alert or a follow is confirmed. The block
// stays hidden unless this browser can receive Web Push; the e-mails come either way.
(() => {
  const offer = document.querySelector(".push-offer");
  if (!offer || !("serviceWorker" in navigator) || !("PushManager" in window)
      || !("Notification" in window)) {
    return;
  }
  const button = offer.querySelector(".push-offer__button");
  const status = offer.querySelector(".push-offer__status");
  const say = (kind) => { status.textContent = status.dataset[kind] || ""; };
  offer.hidden = false;
  if (Notification.permission === "denied") {
    button.hidden = true;
    say("denied");
    return;
  }

  const key = (text) => {
    const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };
  // The worker's own scope, where no page lives (see push-sw.js).
  const scope = offer.dataset.pushWorker.replace(/[^/]*$/, "") + "push/";
  const active = (registration) => new Promise((resolve) => {
    const worker = registration.active || registration.waiting || registration.installing;
    if (!worker || worker.state === "activated") {
      resolve(registration);
      return;
    }
    worker.addEventListener("statechange", () => {
      if (worker.state === "activated") resolve(registration);
    });
  });

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const permission = await Notification.requestPermission();
      if (permission !== "granted") {
        say("denied");
        return;
      }
      const registration = await active(
        await navigator.serviceWorker.register(offer.dataset.pushWorker, { scope }));
      const subscription = await registration.pushManager.getSubscription()
        || await registration.pushManager.subscribe({
          userVisibleOnly: true, applicationServerKey: key(offer.dataset.pushKey) });
      const response = await fetch(offer.dataset.pushUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": offer.dataset.csrf },
        body: JSON.stringify({ token: offer.dataset.pushToken, subscription }),
      });
      if (!response.ok) throw new Error(String(response.status));
      button.hidden = true;
      say("done");
    } catch (error) {
      say("failed");
    } finally {
      button.disabled = false;
    }
  });
})();
