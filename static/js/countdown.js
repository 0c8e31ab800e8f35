// Kiosque checkout: the minutes left on a hold. Without JavaScript the page still says
// until when the seats are held; this only adds the ticking minutes.
document.querySelectorAll("[data-seconds-left]").forEach((box) => {
  const end = Date.now() + Number(box.dataset.secondsLeft) * 1000;
  const left = box.querySelector(".countdown__left");
  const tick = () => {
    const seconds = Math.max(0, Math.round((end - Date.now()) / 1000));
    left.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    if (seconds === 0) {
      box.classList.add("countdown--over");
      box.querySelector(".countdown__text").textContent = box.dataset.over;
      return;
    }
    setTimeout(tick, 1000);
  };
  tick();
});
