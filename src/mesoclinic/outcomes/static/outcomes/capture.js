// Capture guide: preview the chosen file with the baseline of the selected view as a faint ghost outline.
// Without JS the plain file input still works.
(() => {
  const form = document.getElementById("capture-form");
  if (!form) return;
  const input = form.querySelector('input[type="file"]');
  const box = document.getElementById("capture-preview");
  const photo = document.getElementById("preview-photo");
  const ghost = document.getElementById("preview-ghost");
  const note = document.getElementById("ghost-note");
  let url = null;
  const showGhost = () => {
    const checked = form.querySelector('input[name="view"]:checked');
    const src = checked && checked.dataset.ghost;
    ghost.hidden = note.hidden = !src;
    if (src) ghost.src = src;
  };
  input.addEventListener("change", () => {
    if (url) URL.revokeObjectURL(url);
    const file = input.files && input.files[0];
    box.hidden = !file;
    if (!file) return;
    url = URL.createObjectURL(file);
    photo.src = url;
    showGhost();
  });
  form.querySelectorAll('input[name="view"]').forEach((radio) => radio.addEventListener("change", showGhost));
})();
