"""The background analysis: a close-up, a face, a follow-up compared with its baseline, and failures."""

from __future__ import annotations

import io
from datetime import timedelta

import numpy as np
import pytest
from django.core.files.storage import default_storage
from PIL import Image

from mesoclinic.outcomes.models import METHOD_VERSION, AnalysisStatus, Photo
from mesoclinic.outcomes.services import analyze_photo, upload_photo
from mesoclinic.outcomes.tests.conftest import TAKEN, face_jpeg, skin_jpeg


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
    before, after = analysis.baseline_metrics["whole"], analysis.metrics["whole"]
    assert after["spot_count"] == pytest.approx(before["spot_count"], abs=0.5)


def test_it_takes_the_earliest_photo_as_the_baseline(patient):
    first = _analysed(patient, skin_jpeg(seed=1))
    _analysed(patient, skin_jpeg(seed=1, shift=(1.0, 1.0)), days=30)
    third = _analysed(patient, skin_jpeg(seed=1, shift=(2.0, 0.0)), days=60)
    assert third.analysis.baseline == first


def test_it_measures_the_face_regions_of_a_front_photo(patient):
    photo = _analysed(patient, face_jpeg(), view="front")
    analysis = photo.analysis
    assert analysis.status == AnalysisStatus.DONE
    assert analysis.region_mode == "face"
    assert {"forehead", "chin"} <= set(analysis.metrics)
    assert analysis.method_version == METHOD_VERSION
    assert analysis.landmarker.startswith("mediapipe")
    assert 180 < analysis.face["eye_distance_px"] < 240
    assert len(analysis.face["polygons"]["chin"]) >= 4


def test_a_front_follow_up_is_registered_onto_its_baseline_with_the_residual(patient):
    baseline = _analysed(patient, face_jpeg(), view="front")
    follow_up = _analysed(
        patient, face_jpeg(shift=(18.0, -10.0), rotation=1.5, scale=1.03), view="front", days=30
    )
    analysis = follow_up.analysis
    assert analysis.baseline == baseline
    assert analysis.registration["method"] == "landmarks+ecc"
    assert analysis.registration["residual_px"] < 0.05 * analysis.face["eye_distance_px"]
    assert set(analysis.baseline_metrics) == set(analysis.metrics)
    assert "aligned" in analysis.overlays


def test_photos_analysed_by_an_older_method_are_not_a_baseline(patient):
    old = _analysed(patient, face_jpeg(), view="front")
    old.analysis.method_version = "1"
    old.analysis.save(update_fields=["method_version"])
    follow_up = _analysed(patient, face_jpeg(shift=(5.0, 5.0)), view="front", days=30)
    old.analysis.refresh_from_db()
    assert follow_up.analysis.baseline is None
    assert old.analysis.method_version == "1"  # the old analysis is kept as it was


def test_it_records_a_failure_instead_of_raising(patient):
    photo = _upload(patient, skin_jpeg())
    default_storage.delete(photo.image.name)
    result = analyze_photo.enqueue(photo.pk)
    photo.analysis.refresh_from_db()
    assert result.return_value == "failed"
    assert photo.analysis.status == AnalysisStatus.FAILED
    assert photo.analysis.error
    assert "\n" not in photo.analysis.error
