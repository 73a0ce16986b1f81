"""Choosing a baseline (with a reason, the earlier kept, audited) and retaking a photo that failed the quality
check before it becomes anyone's baseline: the services, the Photos tab and the API."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.outcomes.analysis.synthetic import SkinSpec, capture, make_scene
from mesoclinic.outcomes.models import BaselineChoice
from mesoclinic.outcomes.selectors import baseline_photo
from mesoclinic.outcomes.services import analyze_photo, choose_baseline, upload_photo
from mesoclinic.outcomes.tests.conftest import TAKEN, encode, skin_jpeg
from mesoclinic.testing import client_for

pytestmark = pytest.mark.django_db


def _analysed(patient, data, *, days=0, retake_of=None, view="close_up"):
    photo = upload_photo(
        patient,
        io.BytesIO(data),
        view=view,
        taken_at=TAKEN + timedelta(days=days),
        conditions={},
        retake_of=retake_of,
        actor=None,
    )
    analyze_photo.enqueue(photo.pk)
    photo.refresh_from_db()
    return photo


def _blurred():
    """A synthetic skin close-up: smooth enough that the quality check calls it blurred."""
    return skin_jpeg(seed=2)


def _sharp(seed=1, shift=(0.0, 0.0)):
    """The same kind of close-up with fine grain: sharp and well exposed, it passes the quality check."""
    scene = make_scene(SkinSpec(size=256), seed=seed)
    image = capture(scene, shift=shift, seed=seed).image
    grain = np.random.default_rng(seed).normal(0, 0.03, image.shape[:2])[..., None]
    return encode(image + grain, quality=95)


def test_a_chosen_photo_is_the_baseline_from_then_on_and_the_earlier_one_is_kept(patient, practitioner):
    first = _analysed(patient, skin_jpeg(seed=1))
    second = _analysed(patient, skin_jpeg(seed=1, shift=(2.0, 1.0)), days=7)
    assert baseline_photo(patient, "close_up") == first

    choice = choose_baseline(second, reason="  First one taken before cleansing ", actor=practitioner.user)

    assert baseline_photo(patient, "close_up") == second
    choice.refresh_from_db()
    assert (choice.previous, choice.reason, choice.chosen_by) == (
        first,
        "First one taken before cleansing",
        practitioner.user,
    )
    event = AuditEvent.objects.get(action="photo.baseline")
    assert event.data["previous"] == first.pk
    assert event.data["reason"] == "First one taken before cleansing"
    follow_up = _analysed(patient, skin_jpeg(seed=1, shift=(1.0, 1.0)), days=40)
    assert follow_up.analysis.baseline_id == second.pk


def test_choosing_needs_a_reason_and_a_photo_that_is_not_the_baseline_already(patient):
    first = _analysed(patient, skin_jpeg(seed=1))
    second = _analysed(patient, skin_jpeg(seed=1), days=3)
    with pytest.raises(ValidationError) as no_reason:
        choose_baseline(second, reason=" ", actor=None)
    assert "reason" in no_reason.value.message_dict
    with pytest.raises(ValidationError, match="baseline already"):
        choose_baseline(first, reason="Again", actor=None)
    assert not BaselineChoice.objects.exists()


def test_the_earlier_choices_stay_as_the_history(patient):
    first = _analysed(patient, skin_jpeg(seed=1))
    second = _analysed(patient, skin_jpeg(seed=1), days=3)
    choose_baseline(second, reason="Sharper", actor=None)
    choose_baseline(first, reason="Back to the first", actor=None)
    assert baseline_photo(patient, "close_up") == first
    assert list(BaselineChoice.objects.order_by("id").values_list("photo", "previous")) == [
        (second.pk, first.pk),
        (first.pk, second.pk),
    ]


def test_a_photo_that_failed_the_quality_check_is_retaken_and_never_a_baseline(patient):
    dark = _analysed(patient, _blurred())
    assert dark.quality["passed"] is False
    retake = _analysed(patient, _sharp(), retake_of=dark)
    assert retake.quality["passed"] is True
    assert retake.retake_of == dark
    assert baseline_photo(patient, "close_up") == retake
    with pytest.raises(ValidationError, match="retaken"):
        choose_baseline(dark, reason="Try", actor=None)
    event = AuditEvent.objects.filter(action="photo.upload").order_by("-id").first()
    assert event.data["retake_of"] == dark.pk


def test_a_retake_is_refused_for_a_good_photo_another_view_or_twice(patient):
    good = _analysed(patient, _sharp())
    with pytest.raises(ValidationError, match="passed the quality check"):
        _analysed(patient, skin_jpeg(seed=3), retake_of=good)
    dark = _analysed(patient, _blurred(), days=1)
    _analysed(patient, skin_jpeg(seed=4), days=1, retake_of=dark)
    with pytest.raises(ValidationError, match="retaken already"):
        _analysed(patient, skin_jpeg(seed=5), days=1, retake_of=dark)


def test_a_photo_already_compared_with_cannot_be_retaken(patient):
    dark = _analysed(patient, _blurred())
    follow_up = _analysed(patient, skin_jpeg(seed=1), days=30)
    assert follow_up.analysis.baseline_id == dark.pk
    with pytest.raises(ValidationError, match="choose another baseline"):
        _analysed(patient, skin_jpeg(seed=2), days=30, retake_of=dark)


def test_the_photos_tab_marks_the_baseline_offers_a_retake_and_lists_the_choices(patient, practitioner):
    first = _analysed(patient, _sharp())
    dark = _analysed(patient, _blurred(), days=2)
    good = _analysed(patient, _sharp(shift=(2.0, 1.0)), days=3)
    client = client_for(practitioner)
    url = reverse("outcomes:patient_photos", args=[patient.pk])
    page = client.get(url).content.decode()
    assert f"?retake={dark.pk}" in page
    assert f"?retake={first.pk}" not in page and f"?retake={good.pk}" not in page
    assert f'id="baseline-{first.pk}"' in page

    response = client.post(reverse("outcomes:choose_baseline", args=[good.pk]), {"reason": "Sharp"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert f'id="baseline-{good.pk}"' in page and f'id="baseline-{first.pk}"' not in page
    assert 'id="baseline-history"' in page and "Sharp" in page


def test_the_choice_without_a_reason_is_explained_and_changes_nothing(patient, practitioner):
    _analysed(patient, skin_jpeg(seed=1))
    second = _analysed(patient, skin_jpeg(seed=1), days=2)
    response = client_for(practitioner).post(
        reverse("outcomes:choose_baseline", args=[second.pk]), {"reason": ""}, follow=True
    )
    assert "Say why this photo becomes the baseline" in response.content.decode()
    assert not BaselineChoice.objects.exists()


def test_the_capture_page_says_which_photo_is_retaken(patient, practitioner):
    dark = _analysed(patient, _blurred())
    page = (
        client_for(practitioner)
        .get(reverse("outcomes:capture", args=[patient.pk]), {"retake": dark.pk})
        .content.decode()
    )
    assert 'id="retake-notice"' in page
    assert 'value="close_up" checked' in page


def test_the_api_chooses_a_baseline(patient, practitioner, outsider):
    _analysed(patient, skin_jpeg(seed=1))
    second = _analysed(patient, skin_jpeg(seed=1), days=2)
    url = f"/api/v1/outcomes/photos/{second.pk}/baseline"
    body = json.dumps({"reason": "Sharper"})
    assert client_for(outsider).post(url, body, content_type="application/json").status_code == 404
    response = client_for(practitioner).post(url, body, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["photo_id"] == second.pk
    empty = client_for(practitioner).post(url, json.dumps({"reason": ""}), content_type="application/json")
    assert empty.status_code == 422


def test_the_before_after_pickers_tell_photos_apart(patient, practitioner):
    first = _analysed(patient, skin_jpeg(seed=1))
    second = _analysed(patient, skin_jpeg(seed=1), days=2)
    page = (
        client_for(practitioner)
        .get(reverse("outcomes:compare", args=[patient.pk]), {"before": first.pk, "after": second.pk})
        .content.decode()
    )
    assert '<optgroup label="Close-up">' in page
    assert "Close-up · 02 Mar 2026 11:00 · baseline</option>" in page
    assert "Close-up · 04 Mar 2026 11:00</option>" in page
