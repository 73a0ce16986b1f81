"""Reporting an adverse event: linked to past sessions and lots, validated, audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.audit.models import AuditEvent
from mesoclinic.testing import make_lot, make_patient, make_signed_session
from mesoclinic.vigilance.models import AdverseEvent
from mesoclinic.vigilance.services import report_adverse_event

FIELDS = {
    "category": "atypical_mycobacterial_infection",
    "severity": "severe",
    "onset_on": date(2026, 7, 20),
    "description": "Nodules on both cheeks, discharging.",
}


def test_it_links_a_session_seven_weeks_earlier(clinic, practitioner):
    patient = make_patient(clinic)
    lot = make_lot(clinic)
    record = make_signed_session(patient, practitioner, uses=[(lot, 1)])
    event = report_adverse_event(patient, **FIELDS, sessions=[record], lots=[lot], actor=practitioner.user)
    event.refresh_from_db()
    assert list(event.sessions.all()) == [record]
    assert list(event.lots.all()) == [lot]
    assert event.reported_by == practitioner.user


def test_it_writes_an_audit_row(clinic, practitioner):
    event = report_adverse_event(make_patient(clinic), **FIELDS, actor=practitioner.user)
    assert AuditEvent.objects.filter(action="adverse_event.report", object_id=str(event.pk)).exists()


def test_it_refuses_another_patients_session(clinic, practitioner):
    record = make_signed_session(make_patient(clinic), practitioner)
    with pytest.raises(ValidationError) as error:
        report_adverse_event(make_patient(clinic), **FIELDS, sessions=[record], actor=None)
    assert "sessions" in error.value.message_dict
    assert not AdverseEvent.objects.exists()


def test_it_refuses_a_session_after_the_onset(clinic, practitioner):
    patient = make_patient(clinic)
    record = make_signed_session(patient, practitioner)
    with pytest.raises(ValidationError) as error:
        report_adverse_event(
            patient, **{**FIELDS, "onset_on": date(2026, 5, 1)}, sessions=[record], actor=None
        )
    assert "after the onset" in error.value.message_dict["sessions"][0]


def test_it_refuses_another_clinics_lot(clinic, other_clinic):
    with pytest.raises(ValidationError) as error:
        report_adverse_event(make_patient(clinic), **FIELDS, lots=[make_lot(other_clinic)], actor=None)
    assert "lots" in error.value.message_dict


def test_it_refuses_an_onset_in_the_future(clinic):
    with pytest.raises(ValidationError) as error:
        report_adverse_event(make_patient(clinic), **{**FIELDS, "onset_on": date(2999, 1, 1)}, actor=None)
    assert "onset_on" in error.value.message_dict


def test_it_refuses_an_unknown_zone(clinic):
    with pytest.raises(ValidationError) as error:
        report_adverse_event(make_patient(clinic), **FIELDS, zones=["elbow_tip"], actor=None)
    assert "elbow_tip" in error.value.message_dict["zones"][0]


def test_it_closes_an_event_reported_as_recovered(clinic):
    event = report_adverse_event(make_patient(clinic), **FIELDS, outcome="recovered", actor=None)
    event.refresh_from_db()
    assert event.closed_at is not None


def test_it_refuses_a_reference_without_the_reported_box(clinic):
    with pytest.raises(ValidationError) as error:
        report_adverse_event(make_patient(clinic), **FIELDS, regulator_reference="YC-1", actor=None)
    assert "reported_to_regulator" in error.value.message_dict


def test_it_refuses_an_onset_before_the_patient_was_born(clinic):
    patient = make_patient(clinic, birth_date=date(1990, 6, 1))
    with pytest.raises(ValidationError) as error:
        report_adverse_event(patient, **{**FIELDS, "onset_on": date(1990, 5, 31)}, actor=None)
    assert "before the patient was born" in error.value.message_dict["onset_on"][0]
    assert not AdverseEvent.objects.exists()


def test_it_refuses_a_description_longer_than_a_page(clinic):
    with pytest.raises(ValidationError) as error:
        report_adverse_event(make_patient(clinic), **{**FIELDS, "description": "x" * 5001}, actor=None)
    assert "under 5000 characters" in error.value.message_dict["description"][0]
