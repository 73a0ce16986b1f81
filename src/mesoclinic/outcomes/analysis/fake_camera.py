"""A face video for Chromium's fake camera (``--use-file-for-fake-video-capture``): the capture guide's tests.

Chromium plays a YUV4MPEG2 file in a loop as the camera. The frames here are a real public-domain portrait
(:func:`.portraits.studio_portrait`) drifting by a pixel or two, so the face mesh tracks a face that is alive
but holds the pose the guide asks for.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from .portraits import studio_portrait

__all__ = ["write_face_video"]


def write_face_video(path: str | Path, *, frames: int = 12, size: tuple[int, int] = (1280, 1500)) -> Path:
    """Write ``frames`` frames of ``size`` (width, height; even numbers) as 4:2:0 YUV4MPEG2 to ``path``."""
    width, height = size
    portrait = studio_portrait()
    scale = max(width / portrait.shape[1], height / portrait.shape[0])
    resized = cv2.resize(portrait, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    top = (resized.shape[0] - height) // 2
    left = (resized.shape[1] - width) // 2
    base = (np.clip(resized[top : top + height, left : left + width], 0, 1) * 255 + 0.5).astype(np.uint8)
    path = Path(path)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F15:1 Ip A1:1 C420jpeg\n".encode())
        for k in range(frames):
            shift = np.array([[1, 0, np.sin(k / 2)], [0, 1, np.cos(k / 3)]], dtype=np.float32)
            frame = cv2.warpAffine(base, shift, (width, height), borderMode=cv2.BORDER_REFLECT)
            yuv = cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420)
            out.write(b"FRAME\n")
            out.write(yuv.tobytes())
    return path
