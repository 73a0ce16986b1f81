"""The clinic's own test–retest: three photos of one view at one visit, stored and used by the viewer."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.outcomes.models import RepeatabilityStudy
from mesoclinic.outcomes.selectors import clinic_repeatability
from mesoclinic.outcomes.services import analyze_photo, record_repeatability_study, upload_photo
from mesoclinic.outcomes.tests.conftest import TAKEN, give_consent, skin_jpeg
from mesoclinic.testing import client_for, make_patient


def _photo(patient, seed_shift, minutes=0, view="close_up"):
    photo = upload_photo(
        patient,
        io.BytesIO(skin_jpeg(seed=4, shift=seed_shift)),
        view=view,
        taken_at=TAKEN + timedelta(minutes=minutes),
        conditions={},
        actor=None,
    )
    analyze_photo.enqueue(photo.pk)
    photo.analysis.refresh_from_db()
    return photo


@pytest.fixture
def three(patient):
    return [_photo(patient, (0.0, 0.0)), _photo(patient, (1.5, -1.0), 3), _photo(patient, (-1.0, 2.0), 6)]


def test_it_stores_the_spread_of_each_region_and_metric(patient, three, practitioner):
    study = record_repeatability_study(patient, three, actor=practitioner.user)
    study.refresh_from_db()
    assert study.view == "close_up"
    assert set(study.photos.values_list("pk", flat=True)) == {p.pk for p in three}
    spread = study.spreads["whole"]["lab_l_mean"]
    assert spread["df"] == 2 and spread["floor"] >= 0
    assert AuditEvent.objects.filter(action="photo.repeatability").count() == 1


def test_the_clinics_studies_replace_the_methods_default(patient, three):
    assert clinic_repeatability(patient.clinic_id, "close_up").source == "method"
    record_repeatability_study(patient, three, actor=None)
    repeatability = clinic_repeatability(patient.clinic_id, "close_up")
    assert repeatability.source == "clinic" and repeatability.studies == 1
    assert repeatability.spread("whole", "lab_l_mean").df == 2


def test_it_needs_three_photos(patient, three):
    with pytest.raises(ValidationError) as error:
        record_repeatability_study(patient, three[:2], actor=None)
    assert "photos" in error.value.message_dict


def test_it_needs_one_visit(patient, three):
    late = _photo(patient, (0.5, 0.5), minutes=60 * 24)
    with pytest.raises(ValidationError, match="one visit"):
        record_repeatability_study(patient, [*three[:2], late], actor=None)


def test_it_needs_one_patient(clinic, patient, three):
    other = make_patient(clinic)
    give_consent(other)
    with pytest.raises(ValidationError, match="this patient"):
        record_repeatability_study(other, three, actor=None)


def test_the_photos_tab_offers_the_check_and_records_it(patient, three, practitioner):
    client = client_for(practitioner)
    tab = client.get(reverse("outcomes:patient_photos", args=[patient.pk])).content.decode()
    assert "Repeatability check of your set-up" in tab and "as a check" in tab
    response = client.post(
        reverse("outcomes:record_repeatability", args=[patient.pk]), {"photos": [p.pk for p in three]}
    )
    assert response.status_code == 302
    assert RepeatabilityStudy.objects.filter(patient=patient).count() == 1


def test_the_view_refuses_another_clinics_patient(other_clinic, three, practitioner):
    foreign = make_patient(other_clinic)
    response = client_for(practitioner).post(
        reverse("outcomes:record_repeatability", args=[foreign.pk]), {"photos": [p.pk for p in three]}
    )
    assert response.status_code == 404
    assert not RepeatabilityStudy.objects.exists()


def test_the_view_only_allows_post(patient, practitioner):
    response = client_for(practitioner).get(reverse("outcomes:record_repeatability", args=[patient.pk]))
    assert response.status_code == 405
