"""Scales: range checks in plain words, audit row, and the form page."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.outcomes.models import Assessment
from mesoclinic.outcomes.services import record_assessment
from mesoclinic.testing import client_for, make_patient


def test_it_records_the_scales(patient, physician):
    assessment = record_assessment(
        patient,
        timing="baseline",
        assessed_on=date(2026, 1, 5),
        actor=physician.user,
        glogau=3,
        mmasi="7.5",
        wsrs_left=2,
    )
    assessment.refresh_from_db()
    assert (assessment.glogau, assessment.mmasi, assessment.wsrs_left) == (3, Decimal("7.5"), 2)
    assert AuditEvent.objects.filter(action="assessment.record", object_id=str(assessment.pk)).exists()


@pytest.mark.parametrize(
    ("scale", "value"),
    [
        ("glogau", 5),
        ("fitzpatrick", 0),
        ("wsrs_right", 6),
        ("mmasi", 25),
        ("gais_subject", 0),
        ("satisfaction", 2.5),
    ],
)
def test_it_refuses_a_score_out_of_range(patient, scale, value):
    with pytest.raises(ValidationError) as error:
        record_assessment(
            patient, timing="follow_up", assessed_on=date(2026, 1, 5), actor=None, **{scale: value}
        )
    assert "from" in error.value.message_dict[scale][0]
    assert not Assessment.objects.exists()


def test_it_refuses_a_date_before_the_patient_was_born(patient):
    with pytest.raises(ValidationError) as error:
        record_assessment(patient, timing="baseline", assessed_on=date(1970, 1, 5), glogau=2, actor=None)
    assert "before the patient was born" in error.value.message_dict["assessed_on"][0]
    assert not Assessment.objects.exists()


def test_it_needs_at_least_one_score(patient):
    with pytest.raises(ValidationError, match="at least one"):
        record_assessment(patient, timing="baseline", assessed_on=date(2026, 1, 5), actor=None)


def test_the_form_saves_and_lists_the_scales(patient, practitioner):
    client = client_for(practitioner)
    url = reverse("outcomes:assess", args=[patient.pk])
    response = client.post(
        url, {"timing": "baseline", "assessed_on": "2026-01-05", "glogau": "2", "gais_subject": "3"}
    )
    assert response.status_code == 302
    assert Assessment.objects.get().gais_subject == 3
    body = client.get(reverse("outcomes:patient_photos", args=[patient.pk])).content.decode()
    assert "Baseline" in body


def test_the_form_shows_errors_inline_and_keeps_the_input(patient, practitioner):
    url = reverse("outcomes:assess", args=[patient.pk])
    response = client_for(practitioner).post(
        url, {"timing": "baseline", "assessed_on": "2026-01-05", "glogau": "9", "notes": "dry skin"}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "less than or equal to 4" in body
    assert "dry skin" in body


def test_the_form_404s_for_another_clinics_patient(other_clinic, practitioner):
    url = reverse("outcomes:assess", args=[make_patient(other_clinic).pk])
    assert client_for(practitioner).get(url).status_code == 404


def test_the_form_only_allows_get_and_post(patient, practitioner):
    assert client_for(practitioner).delete(reverse("outcomes:assess", args=[patient.pk])).status_code == 405
