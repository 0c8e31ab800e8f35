/* The door page: the camera scanner (html5-qrcode) feeding the code form, and feedback.
   Typing the code (or a keyboard-like handheld scanner) works without any of this. */
(function () {
  "use strict";

  // The ticket stays in front of the camera for a while: the same code seen again within
  // this is not sent again (its answer stays on screen). Typing it sends it anyway.
  var REPEAT_IGNORED_MS = 10000;
  var form = document.getElementById("checkin-form");
  var input = document.getElementById("checkin-code");
  if (!form || !input) return;

  // After each answer: empty the field for the next ticket, and buzz (long when refused).
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "checkin-answer") return;
    var answer = event.detail.target.querySelector("[data-outcome]");
    var outcome = answer ? answer.dataset.outcome : "";
    if (navigator.vibrate) navigator.vibrate(outcome === "ok" ? 80 : [200, 80, 200]);
    input.value = "";
    if (!scanning) input.focus();
  });

  var toggle = document.getElementById("scanner-toggle");
  var panel = document.getElementById("scanner");
  var statusLine = document.getElementById("scanner-status");
  var errorLine = document.getElementById("scanner-error");
  var scanner = null;
  var scanning = false;
  var last = { code: "", at: 0 };

  if (!toggle || !panel || !errorLine) return;
  toggle.hidden = false;

  // Why the camera cannot help, in the page's language (the sentences are in the page):
  // the browser's own error ("Error getting userMedia, error = NotFoundError…") means
  // nothing to someone at the door with a queue in front of them.
  function cameraProblem(error) {
    if (!window.isSecureContext) return "insecure";
    if (!window.Html5Qrcode || !navigator.mediaDevices ||
        !navigator.mediaDevices.getUserMedia) return "unsupported";
    // html5-qrcode rejects with a string naming the DOMException; getUserMedia with the
    // DOMException itself.
    var text = error && error.name ? error.name + " " + String(error.message || "")
      : String(error || "");
    // The DOMException's name first: its message varies by browser and may mislead.
    var named = /(NotFound|DevicesNotFound|Overconstrained|ConstraintNotSatisfied|NotAllowed|PermissionDenied|Security|NotReadable|TrackStart|Abort|NotSupported)Error/.exec(text);
    var name = named ? named[1] : "";
    if (/^(NotFound|DevicesNotFound|Overconstrained|ConstraintNotSatisfied)$/.test(name)) return "notFound";
    if (/^(NotAllowed|PermissionDenied|Security)$/.test(name)) return "notAllowed";
    if (/^(NotReadable|TrackStart|Abort)$/.test(name)) return "busy";
    if (name === "NotSupported" || /support navigator|not supported/i.test(text)) return "unsupported";
    if (/no camera|not found/i.test(text)) return "notFound";
    if (/permission/i.test(text)) return "notAllowed";
    return "other";
  }

  function showProblem(kind) {
    errorLine.textContent = errorLine.dataset[kind] || errorLine.dataset.other;
    errorLine.hidden = false;
    panel.hidden = true;
    scanning = false;
    toggle.textContent = toggle.dataset.start;
    input.focus();  // the typed code takes over at once
  }

  // Where the browser has no BarcodeDetector of its own (iPhones, Firefox, desktop Linux),
  // the polyfill gives it ZXing-C++'s, from our server: html5-qrcode's built-in zxing-js
  // never reads some perfectly valid ticket codes. Should that WebAssembly not arrive (a
  // poor connection at the door), the scanner makes do with zxing-js rather than nothing.
  var DECODER_WAIT_MS = 10000;
  var decoderFiles = {
    locateFile: function (path, prefix) {
      return path.endsWith(".wasm") ? panel.dataset.decoderWasm : prefix + path;
    }
  };

  function decoderReady() {
    var polyfilled = window.BarcodeDetectionAPI && window.BarcodeDetector &&
      !/\[native code\]/.test(String(window.BarcodeDetector));
    if (!polyfilled) return Promise.resolve(Boolean(window.BarcodeDetector));
    var loaded = window.BarcodeDetectionAPI.prepareZXingModule(
      { overrides: decoderFiles, fireImmediately: true });
    var late = new Promise(function (resolve) {
      setTimeout(function () { resolve(false); }, DECODER_WAIT_MS);
    });
    return Promise.race([
      Promise.resolve(loaded).then(function () { return true; }, function () { return false; }),
      late
    ]);
  }

  function onCode(text) {
    var now = Date.now();
    if (text === last.code && now - last.at < REPEAT_IGNORED_MS) return;
    last = { code: text, at: now };
    input.value = text;
    form.requestSubmit();
  }

  function start() {
    errorLine.hidden = true;
    var problem = !window.isSecureContext || !window.Html5Qrcode || !navigator.mediaDevices ||
      !navigator.mediaDevices.getUserMedia;
    if (problem) {
      showProblem(cameraProblem(null));
      return;
    }
    panel.hidden = false;
    var ready = scanner ? Promise.resolve(null) : decoderReady();
    ready.then(function (withDetector) {
      if (!scanner) {
        scanner = new window.Html5Qrcode("qr-reader", {
          verbose: false,
          formatsToSupport: [window.Html5QrcodeSupportedFormats.QR_CODE],  // tickets: QR codes
          useBarCodeDetectorIfSupported: withDetector
        });
        panel.dataset.decoder = withDetector ? "barcode-detector" : "zxing-js";
      }
      return scanner.start({ facingMode: "environment" },
        { fps: 10, qrbox: { width: 240, height: 240 } }, onCode, function () {});
    })
      .then(function () {
        scanning = true;
        statusLine.textContent = "";
        toggle.textContent = toggle.dataset.stop;
      })
      .catch(function (error) {
        // No camera, permission refused, camera busy…: say so in words, and leave the
        // typed code to do the job.
        statusLine.textContent = "";
        showProblem(cameraProblem(error));
      });
  }

  function stop() {
    if (!scanner) return;
    scanner.stop().finally(function () {
      scanning = false;
      panel.hidden = true;
      toggle.textContent = toggle.dataset.start;
    });
  }

  toggle.addEventListener("click", function () {
    if (scanning) stop(); else start();
  });
})();
