"""Frames per second of the live capture guide (MediaPipe Face Mesh in the browser), with a throttled CPU.

The guide's own script (``outcomes/static/outcomes/capture_guide.js``) runs on a minimal page with the capture
form's elements, served from a temporary folder on 127.0.0.1 together with the Face Mesh files ``make
face-mesh`` installed. Chromium's fake camera plays a real public-domain portrait (1280×1500). After the guide
starts, frames are counted for ``SECONDS`` without throttling and then with the CPU slowed ``RATE`` times by
the DevTools protocol (``Emulation.setCPUThrottlingRate``), Chrome's own stand-in for a mid-range device.
Headless Chromium has no GPU here: WebGL runs in SwiftShader (software), which a tablet's GPU does not need, so
these are floors. Prints table rows: operation, n (frames), median time per frame, frames per second.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mesoclinic.outcomes.analysis.fake_camera import write_face_video

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src/mesoclinic/outcomes/static/outcomes"
SECONDS = 20
RATES = (1, 4)
PAGE = """<!doctype html><html><body>
<form id="capture-form"><input type="radio" name="view" value="front" checked><input type="file" name="file"></form>
<section id="live-guide" data-face-mesh="face_mesh/" hidden>
<button type="button" id="guide-start">Start</button><button type="button" id="guide-stop">Stop</button>
<input type="checkbox" id="guide-auto"><video id="guide-video" playsinline muted></video>
<canvas id="guide-overlay"></canvas><ul id="guide-status"></ul><p id="guide-fps"></p></section>
<script type="application/json" id="guide-targets">{"front": {"yaw": 0, "pitch": 0, "roll": 0, "size": null,
"light": null, "min_eye_px": 180}}</script>
<script type="application/json" id="guide-texts">{"fps": "fps", "no_face": "no face", "hold": "hold", "hold_view": "hold",
"starting": "starting", "unavailable": "unavailable", "taken": "taken", "turn_left": "l", "turn_right": "r",
"chin_down": "d", "chin_up": "u", "level": "level", "closer": "closer", "further": "further", "light": "light"}</script>
<script src="capture_guide.js"></script></body></html>"""


def main() -> None:
    if not (STATIC / "face_mesh" / "face_mesh.js").exists():
        print("| capture guide: Face Mesh not installed (make face-mesh) | 0 | – | – |")
        return
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    folder = Path(tempfile.mkdtemp())
    try:
        shutil.copytree(STATIC / "face_mesh", folder / "face_mesh")
        shutil.copy(STATIC / "capture_guide.js", folder / "capture_guide.js")
        (folder / "index.html").write_text(PAGE, encoding="utf-8")
        video = write_face_video(folder / "face.y4m")
        server = subprocess.Popen(  # noqa: S603 — our own interpreter serving a temporary folder on loopback
            [sys.executable, "-m", "http.server", "18766", "--bind", "127.0.0.1", "-d", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(2)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium",
                    headless=True,
                    args=[
                        "--no-sandbox",
                        "--use-fake-ui-for-media-stream",
                        "--use-fake-device-for-media-stream",
                        f"--use-file-for-fake-video-capture={video}",
                        "--use-angle=swiftshader",
                        "--enable-unsafe-swiftshader",
                    ],
                )
                page = browser.new_page()
                cdp = page.context.new_cdp_session(page)
                page.goto("http://127.0.0.1:18766/index.html")
                page.click("#guide-start")
                page.wait_for_function(
                    "document.getElementById('live-guide').dataset.fps !== undefined", timeout=120_000
                )
                for rate in RATES:
                    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                    time.sleep(3)  # let the two-second window forget the previous rate
                    samples = []
                    for _ in range(SECONDS):
                        time.sleep(1)
                        samples.append(
                            float(page.evaluate("document.getElementById('live-guide').dataset.fps"))
                        )
                    fps = sorted(samples)[len(samples) // 2]
                    label = f"capture guide: Face Mesh on the camera, CPU throttled {rate}× (SwiftShader)"
                    print(f"| {label} | {SECONDS} s | {1000 / max(fps, 1e-6):.0f} ms | {fps:.1f}/s |")
                browser.close()
        finally:
            server.terminate()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
