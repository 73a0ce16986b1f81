"""The background analysis: a close-up, a face, a follow-up compared with its baseline, and failures."""

from __future__ import annotations

import io
from datetime import timedelta

import numpy as np
from django.core.files.storage import default_storage
from PIL import Image
from skimage import data as skdata

from mesoclinic.outcomes.models import AnalysisStatus, Photo
from mesoclinic.outcomes.services import analyze_photo, upload_photo
from mesoclinic.outcomes.tests.conftest import TAKEN, encode, skin_jpeg


def _upload(patient, data, *, view="close_up", days=0):
    return upload_photo(
        patient,
        io.BytesIO(data),
        view=view,
        taken_at=TAKEN + timedelta(days=days),
        conditions={},
        actor=None,
    )


def _analysed(patient, data, **kwargs) -> Photo:
    photo = _upload(patient, data, **kwargs)
    analyze_photo.enqueue(photo.pk)
    photo.analysis.refresh_from_db()
    return photo


def test_it_measures_a_close_up_as_one_whole_region(patient):
    photo = _analysed(patient, skin_jpeg())
    analysis = photo.analysis
    assert analysis.status == AnalysisStatus.DONE
    assert analysis.region_mode == "whole"
    assert set(analysis.metrics) == {"whole"}
    assert analysis.metrics["whole"]["spot_count"] >= 1
    assert analysis.baseline is None
    assert analysis.finished_at is not None


def test_it_stores_transparent_overlays(patient):
    analysis = _analysed(patient, skin_jpeg()).analysis
    assert set(analysis.overlays) == {"wrinkles", "spots"}
    with default_storage.open(analysis.overlays["spots"]) as handle, Image.open(handle) as overlay:
        assert overlay.mode == "RGBA"
        assert overlay.size == (256, 256)
        alpha = np.asarray(overlay)[..., 3]
    assert 0 < (alpha > 0).mean() < 0.5


def test_it_compares_a_follow_up_with_the_baseline_of_its_view(patient):
    baseline = _analysed(patient, skin_jpeg(seed=1))
    follow_up = _analysed(patient, skin_jpeg(seed=1, shift=(3.0, -2.0), exposure=1.05), days=60)
    analysis = follow_up.analysis
    assert analysis.status == AnalysisStatus.DONE
    assert analysis.baseline == baseline
    assert analysis.registration["score"] > 0.5
    assert "aligned" in analysis.overlays
    before, after = baseline.analysis.metrics["whole"], analysis.metrics["whole"]
    assert after["spot_count"] == before["spot_count"]


def test_it_takes_the_earliest_photo_as_the_baseline(patient):
    first = _analysed(patient, skin_jpeg(seed=1))
    _analysed(patient, skin_jpeg(seed=1, shift=(1.0, 1.0)), days=30)
    third = _analysed(patient, skin_jpeg(seed=1, shift=(2.0, 0.0)), days=60)
    assert third.analysis.baseline == first


def test_it_finds_the_face_on_a_face_photo(patient):
    photo = _analysed(patient, encode(skdata.astronaut(), quality=92), view="front")
    analysis = photo.analysis
    assert analysis.status == AnalysisStatus.DONE
    assert analysis.region_mode == "face"
    assert {"forehead", "chin"} <= set(analysis.metrics)


def test_it_falls_back_to_the_whole_photo_when_no_face_is_found(patient):
    photo = _analysed(patient, skin_jpeg(), view="front")
    assert photo.analysis.status == AnalysisStatus.DONE
    assert photo.analysis.region_mode == "whole"


def test_it_records_a_failure_instead_of_raising(patient):
    photo = _upload(patient, skin_jpeg())
    default_storage.delete(photo.image.name)
    result = analyze_photo.enqueue(photo.pk)
    photo.analysis.refresh_from_db()
    assert result.return_value == "failed"
    assert photo.analysis.status == AnalysisStatus.FAILED
    assert photo.analysis.error
    assert "\n" not in photo.analysis.error
