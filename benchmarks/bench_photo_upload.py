"""The photo upload request, before the worker (analysis in the request) and with it (analysis queued).

The request: a practitioner posts the Take photos form with a 6 MP face JPEG (the photo of
``bench_analysis.py``); the server decodes it within the limits, checks its quality, strips it to pixels,
stores it and a thumbnail, and then either analyses it at once (django-tasks' immediate backend: how it was
before the worker) or logs a job and queues it for the worker (``mesoclinic.worker.backend.HueyBackend``
on a SQLite queue; no consumer runs during the timing, so nothing else competes for the CPU). Timed: the
whole request through Django's test client, first request excluded.

Database: SQLite at ``$MESOCLINIC_DATA_DIR/bench/upload-v1.sqlite3`` (built once), media in a temporary
folder. Prints table rows: operation, n, median per request, throughput.
"""
# ruff: noqa: E402 — Django is configured from the environment before the project is imported.

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

VERSION = 1
DATA_DIR = Path(os.environ.get("MESOCLINIC_DATA_DIR") or Path.cwd() / "data")
SQLITE_DB = DATA_DIR / "bench" / f"upload-v{VERSION}.sqlite3"
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
SQLITE_DB.parent.mkdir(parents=True, exist_ok=True)
os.environ["DATABASE_URL"] = f"sqlite:///{SQLITE_DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesoclinic.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import django

django.setup()

from bench_analysis import photo
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django_tasks import task_backends

from mesoclinic.accounts.models import Role
from mesoclinic.catalog.models import Modality
from mesoclinic.outcomes.models import AnalysisStatus, Photo
from mesoclinic.patients.services import publish_consent_template, record_consent
from mesoclinic.testing import client_for, make_clinic, make_patient, make_staff
from mesoclinic.worker.backend import forget_huey

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def worker_tasks(folder: Path) -> dict[str, object]:
    options = {"storage": "sqlite", "name": "bench-upload", "filename": str(folder / "queue.sqlite3")}
    return {"default": {"BACKEND": "mesoclinic.worker.backend.HueyBackend", "OPTIONS": options}}


def main() -> None:
    call_command("migrate", verbosity=0)
    clinic = make_clinic(f"Bench {time.time_ns()}")
    nurse = make_staff(clinic, Role.PRACTITIONER)
    patient = make_patient(clinic)
    needle = Modality.objects.get(clinic=clinic, code="needle")
    template = publish_consent_template(clinic, modality=needle, title="Needle", body="v1", actor=None)
    record_consent(patient, template=template, signed_by="Bench Patient", actor=None)
    client = client_for(nurse)
    url = reverse("outcomes:capture", args=[patient.pk])
    body = photo()

    def upload() -> float:
        started = time.perf_counter()
        response = client.post(url, {"view": "front", "file": SimpleUploadedFile("face.jpg", body)})
        elapsed = time.perf_counter() - started
        if response.status_code != 302:
            raise SystemExit(f"upload failed: {response.status_code}")
        return elapsed

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for label, tasks, analysed in (
            ("before: analysis in the request (immediate backend)", IMMEDIATE, AnalysisStatus.DONE),
            (
                "with the worker: analysis queued (SQLite queue)",
                worker_tasks(Path(folder)),
                AnalysisStatus.PENDING,
            ),
        ):
            with override_settings(TASKS=tasks, MEDIA_ROOT=folder):
                upload()  # warm-up: imports, caches
                times = [upload() for _ in range(RUNS)]
                latest = Photo.objects.filter(patient=patient).select_related("analysis").first()
                if latest is None or latest.analysis.status != analysed:
                    raise SystemExit(f"{label}: the analysis is not {analysed}")
                backend = task_backends["default"]
                if hasattr(backend, "huey"):
                    backend.huey.storage.flush_all()
                    forget_huey(backend.huey)
            rows.append((label, statistics.median(times)))
    for label, median in rows:
        print(f"| photo upload, 6 MP JPEG, {label} | {RUNS} | {median * 1e3:.0f} ms | {1 / median:.2f}/s |")
    print(f"| photo upload: before / with the worker | {RUNS} | ×{rows[0][1] / rows[1][1]:.1f} | |")


if __name__ == "__main__":
    main()
