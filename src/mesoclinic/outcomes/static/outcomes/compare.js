// Before/after slider: the range input moves the clip edge of the (aligned) follow-up over the baseline.
(() => {
  const range = document.getElementById("slider-range");
  const slider = document.getElementById("slider");
  if (!range || !slider) return;
  const update = () => slider.style.setProperty("--pos", `${range.value}%`);
  range.addEventListener("input", update);
  update();
})();
