"""Face landmarks, fully offline: MediaPipe Face Mesh with the models its 0.10.21 wheel ships.

Face Mesh [1]_ finds faces with the BlazeFace short-range detector [2]_ and places 478 landmarks on each (468
mesh points and, with ``refine_landmarks``, 5 per iris). Both TensorFlow Lite models are inside the
``mediapipe==0.10.21`` wheel (Apache-2.0), the last release that still ships them: nothing is downloaded,
and the same wheel runs on every machine without a GPU. Why this landmarker and not dlib or OpenCV's Haar
cascades, and how it is installed beside numpy 2: ``docs/analysis.md``.

Landmarks are returned in the photo's pixel coordinates: ``x`` to the right, ``y`` down, ``z`` the relative
depth on the scale of ``x`` (smaller is nearer the camera; the face-mesh convention). MediaPipe's "left" is the
patient's left, as in :mod:`.face`.

The landmarker is one object per process (loading the graph takes tens of milliseconds), used under a lock
because MediaPipe graphs are not re-entrant. Its C++ code writes start-up notices straight to the process's
standard error; they are silenced while it runs so the command line keeps its one-line error contract.

References
----------
.. [1] Kartynnik, Y., Ablavatski, A., Grishchenko, I., Grundmann, M. (2019). Real-time facial surface geometry
    from monocular video on mobile GPUs. CVPR Workshop on Computer Vision for AR/VR. arXiv:1907.06724
.. [2] Bazarevsky, V., Kartynnik, Y., Vakunov, A., Raveendran, K., Grundmann, M. (2019). BlazeFace:
    Sub-millisecond neural face detection on mobile GPUs. arXiv:1907.05047
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from functools import cache
from typing import Any

import numpy as np

__all__ = [
    "LANDMARKER",
    "LandmarkerUnavailableError",
    "find_faces",
]

#: The landmarker and model version, stored with every analysis (part of the method).
LANDMARKER = "mediapipe-facemesh-0.10.21"
MESH_POINTS = 478
_LOCK = threading.Lock()


class LandmarkerUnavailableError(RuntimeError):
    """MediaPipe is not installed (``make install`` installs it); face regions cannot be placed."""


def find_faces(image: np.ndarray, *, max_faces: int = 3) -> list[np.ndarray]:
    """The landmarks of every face MediaPipe finds, largest face first.

    Parameters
    ----------
    image : (H, W, 3) float32 ndarray
        sRGB in [0, 1]. A copy whose longer side is about 1000 px is plenty: the mesh is computed on a
        192 px crop of the face whatever the photo's size.
    max_faces : int
        At most this many faces are looked for.

    Returns
    -------
    list of (478, 3) float64 ndarray
        ``x``, ``y`` in image pixels and ``z`` on the scale of ``x``; empty when there is no face.
    """
    height, width = image.shape[:2]
    rgb = np.ascontiguousarray((np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8))
    with _LOCK, _quiet_stderr():
        result = _mesh(max_faces).process(rgb)
    faces = []
    for face in result.multi_face_landmarks or ():
        points = np.array([(p.x, p.y, p.z) for p in face.landmark], dtype=np.float64)
        points *= (width, height, width)
        faces.append(points)
    faces.sort(key=lambda p: np.ptp(p[:, 0]) * np.ptp(p[:, 1]), reverse=True)
    return faces


@cache
def _mesh(max_faces: int) -> Any:
    """One Face Mesh graph per process (static images: each photo is detected afresh, nothing tracked)."""
    try:
        with _quiet_stderr():
            from mediapipe.python.solutions import face_mesh  # noqa: PLC0415 — loads TensorFlow Lite

            return face_mesh.FaceMesh(
                static_image_mode=True,
                max_num_faces=max_faces,
                refine_landmarks=True,
                min_detection_confidence=0.5,
            )
    except ImportError as exc:  # pragma: no cover - only on an installation without mediapipe
        raise LandmarkerUnavailableError(
            "the face landmarker is not installed (mediapipe==0.10.21, requirements/no-deps.lock): "
            "run make install"
        ) from exc


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null while MediaPipe's C++ code logs its start-up notices."""
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # pragma: no cover - no standard error to silence
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
