// Live capture guide: MediaPipe Face Mesh in the browser (WebAssembly and model served by MesoClinic itself)
// compares the camera's view with the baseline of the chosen view: head turn and tilt, distance (eye distance
// in the frame) and lighting evenness (left against right cheek), says in words what to change, and takes the
// photo when everything matches for a moment. Without a camera or the Face Mesh files the plain file input
// stays as it is. Pose is measured as the analysis core measures it (outcomes/analysis/face.py).
(() => {
  const root = document.getElementById("live-guide");
  const form = document.getElementById("capture-form");
  if (!root || !form || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  const base = root.dataset.faceMesh;
  const targets = JSON.parse(document.getElementById("guide-targets").textContent);
  const texts = JSON.parse(document.getElementById("guide-texts").textContent);
  const video = document.getElementById("guide-video");
  const overlay = document.getElementById("guide-overlay");
  const status = document.getElementById("guide-status");
  const fpsOut = document.getElementById("guide-fps");
  const start = document.getElementById("guide-start");
  const stop = document.getElementById("guide-stop");
  const auto = document.getElementById("guide-auto");
  const input = form.querySelector('input[type="file"]');
  const sampler = document.createElement("canvas");
  const TOL = { yaw: 4, pitch: 5, roll: 4, size: 0.06, light: 4 };
  const HOLD_FRAMES = 8;
  let mesh = null;
  let stream = null;
  let running = false;
  let matched = 0;
  let frames = [];
  root.hidden = false;

  const loadScript = (src) =>
    new Promise((resolve, reject) => {
      if (window.FaceMesh) return resolve();
      const s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = () => reject(new Error("face mesh script"));
      document.head.appendChild(s);
    });

  const view = () => (form.querySelector('input[name="view"]:checked') || {}).value || "front";
  const deg = (r) => (r * 180) / Math.PI;

  // Pose from the mesh, as in face.py: roll from the iris centres, yaw and pitch from the depth (z).
  function pose(lm, w, h) {
    const p = (i) => [lm[i].x * w, lm[i].y * h, lm[i].z * w];
    const [rx, ry] = p(468);
    const [lx, ly] = p(473);
    const roll = deg(Math.atan2(ly - ry, lx - rx));
    const eye = Math.hypot(lx - rx, ly - ry);
    const sub = (a, b) => a.map((v, i) => v - b[i]);
    const norm = (v) => { const n = Math.hypot(...v) || 1; return v.map((x) => x / n); };
    const across = norm(sub(p(263), p(33)));
    let down = sub(p(152), p(168));
    const d = down[0] * across[0] + down[1] * across[1] + down[2] * across[2];
    down = norm(down.map((v, i) => v - across[i] * d));
    const yaw = deg(Math.asin(Math.max(-1, Math.min(1, -across[2]))));
    const pitch = deg(Math.atan2(down[2], down[1])) - 9.0;
    return { roll, yaw, pitch, size: eye / w, eye };
  }

  // Lighting evenness: L* of a patch on each cheek (sRGB to linear luminance to CIE L*), left minus right.
  function lighting(lm, w, h) {
    const sw = 160;
    const sh = Math.round((sw * h) / w);
    sampler.width = sw;
    sampler.height = sh;
    const ctx = sampler.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, sw, sh);
    const patch = (i) => {
      const cx = Math.round(lm[i].x * sw);
      const cy = Math.round(lm[i].y * sh);
      const r = 3;
      const data = ctx.getImageData(Math.max(0, cx - r), Math.max(0, cy - r), 2 * r + 1, 2 * r + 1).data;
      const lin = (v) => { const c = v / 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
      let sum = 0;
      for (let k = 0; k < data.length; k += 4) sum += 0.2126 * lin(data[k]) + 0.7152 * lin(data[k + 1]) + 0.0722 * lin(data[k + 2]);
      const y = sum / (data.length / 4);
      return y > 0.008856 ? 116 * Math.cbrt(y) - 16 : 903.3 * y;
    };
    return patch(425) - patch(205); // patient's left cheek minus right cheek
  }

  function advice(now, target) {
    const out = [];
    const dy = now.yaw - target.yaw;
    if (Math.abs(dy) > TOL.yaw) out.push(dy > 0 ? texts.turn_left : texts.turn_right);
    const dp = now.pitch - target.pitch;
    if (Math.abs(dp) > TOL.pitch) out.push(dp > 0 ? texts.chin_down : texts.chin_up);
    const dr = now.roll - target.roll;
    if (Math.abs(dr) > TOL.roll) out.push(texts.level);
    if (target.size) {
      const ds = now.size / target.size - 1;
      if (Math.abs(ds) > TOL.size) out.push(ds > 0 ? texts.further : texts.closer);
    } else if (now.eye < target.min_eye_px) {
      out.push(texts.closer);
    }
    if (target.light !== null && target.light !== undefined && Math.abs(now.light - target.light) > TOL.light) {
      out.push(texts.light);
    }
    return out;
  }

  function draw(lm, ok) {
    const ctx = overlay.getContext("2d");
    overlay.width = video.videoWidth;
    overlay.height = video.videoHeight;
    ctx.clearRect(0, 0, overlay.width, overlay.height);
    ctx.fillStyle = ok ? "#1a7f37" : "#b35900";
    for (let i = 0; i < 468; i += 4) ctx.fillRect(lm[i].x * overlay.width - 1, lm[i].y * overlay.height - 1, 3, 3);
  }

  function say(lines, ok) {
    status.replaceChildren(...lines.map((line) => { const li = document.createElement("li"); li.textContent = line; return li; }));
    status.className = ok ? "guide-status guide-status--ok" : "guide-status";
  }

  function useBlob(blob) {
    if (!blob) return;
    const file = new File([blob], `guide-${Date.now()}.jpg`, { type: "image/jpeg" });
    const transfer = new DataTransfer();
    transfer.items.add(file);
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
    halt();
    say([texts.taken], true);
    root.dataset.taken = String(Number(root.dataset.taken || 0) + 1);
  }

  // A full-resolution still where the browser can take one (ImageCapture), else the video frame.
  async function takePhoto() {
    const track = stream && stream.getVideoTracks()[0];
    if (window.ImageCapture && track) {
      try {
        return useBlob(await new window.ImageCapture(track).takePhoto());
      } catch (error) {
        // the camera cannot take stills: fall back to the video frame
      }
    }
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob(useBlob, "image/jpeg", 0.95);
  }

  function onResults(results) {
    const now = performance.now();
    frames.push(now);
    frames = frames.filter((t) => now - t < 2000);
    const fps = frames.length > 1 ? ((frames.length - 1) * 1000) / (frames[frames.length - 1] - frames[0]) : 0;
    fpsOut.textContent = `${fps.toFixed(1)} ${texts.fps}`;
    root.dataset.fps = fps.toFixed(2);
    const faces = results.multiFaceLandmarks || [];
    if (!faces.length) {
      matched = 0;
      say([texts.no_face], false);
      return;
    }
    const lm = faces[0];
    const w = video.videoWidth;
    const h = video.videoHeight;
    const measured = pose(lm, w, h);
    measured.light = lighting(lm, w, h);
    const target = targets[view()] || targets.front;
    const lines = advice(measured, target);
    const ok = lines.length === 0;
    matched = ok ? matched + 1 : 0;
    draw(lm, ok);
    say(ok ? [target.size ? texts.hold : texts.hold_view] : lines, ok);
    if (ok && matched >= HOLD_FRAMES && auto.checked) {
      matched = -1000; // one photo per match; start again to take another
      takePhoto();
    }
  }

  // The mesh needs no more than ~480 px: a small copy of the frame keeps the guide fast on a tablet; the photo
  // itself is taken at the camera's full resolution.
  const small = document.createElement("canvas");
  async function loop() {
    if (!running) return;
    if (video.readyState >= 2) {
      const scale = Math.min(1, 480 / video.videoWidth);
      small.width = Math.round(video.videoWidth * scale);
      small.height = Math.round(video.videoHeight * scale);
      small.getContext("2d").drawImage(video, 0, 0, small.width, small.height);
      await mesh.send({ image: small });
    }
    requestAnimationFrame(loop);
  }

  start.addEventListener("click", async () => {
    start.disabled = true;
    say([texts.starting], false);
    try {
      await loadScript(`${base}face_mesh.js`);
      mesh = mesh || new window.FaceMesh({ locateFile: (file) => `${base}${file}` });
      // only these two: setting minDetectionConfidence breaks the 0.4 release's detection graph (options_.has_num_classes)
      mesh.setOptions({ maxNumFaces: 1, refineLandmarks: true });
      mesh.onResults(onResults);
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "user", width: { ideal: 1920 }, height: { ideal: 1440 } },
        audio: false,
      });
      video.srcObject = stream;
      await video.play();
      running = true;
      matched = 0;
      stop.disabled = false;
      loop();
    } catch (error) {
      say([texts.unavailable], false);
      start.disabled = false;
    }
  });

  // The photo is taken (or the practitioner stops): the camera is released until the guide is started again.
  function halt() {
    running = false;
    if (stream) stream.getTracks().forEach((t) => t.stop());
    stop.disabled = true;
    start.disabled = false;
  }
  stop.addEventListener("click", halt);
})();
