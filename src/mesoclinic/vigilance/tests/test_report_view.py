"""The adverse event form: suggested sessions preselected with their lots, errors keep what was typed."""

from __future__ import annotations

from datetime import UTC, datetime

from django.urls import reverse

from mesoclinic.testing import client_for, make_lot, make_patient, make_signed_session
from mesoclinic.vigilance.models import AdverseEvent


def _url(patient):
    return reverse("vigilance:report", args=[patient.pk])


def test_it_preselects_recent_sessions_and_their_lots(clinic, practitioner):
    patient = make_patient(clinic)
    lot = make_lot(clinic, lot_number="L-77")
    record = make_signed_session(
        patient, practitioner, uses=[(lot, 1)], performed_at=datetime(2026, 6, 1, tzinfo=UTC)
    )
    response = client_for(practitioner).get(_url(patient), {"onset_on": "2026-07-10"})
    assert f'name="sessions" value="{record.pk}" checked' in response.text
    assert f'name="lots" value="{lot.pk}" checked' in response.text


def test_it_answers_htmx_with_the_suggestions_only(clinic, practitioner):
    patient = make_patient(clinic)
    response = client_for(practitioner).get(
        _url(patient), {"onset_on": "2026-07-10"}, headers={"HX-Request": "true"}
    )
    assert response.text.lstrip().startswith("<fieldset")


def test_it_records_the_event(clinic, practitioner):
    patient = make_patient(clinic)
    lot = make_lot(clinic)
    record = make_signed_session(
        patient, practitioner, uses=[(lot, 1)], performed_at=datetime(2026, 6, 1, tzinfo=UTC)
    )
    data = {
        "category": "atypical_mycobacterial_infection",
        "onset_on": "2026-07-20",
        "severity": "severe",
        "description": "Nodules",
        "zones": ["cheek_left"],
        "sessions": [record.pk],
        "lots": [lot.pk],
        "outcome": "ongoing",
    }
    response = client_for(practitioner).post(_url(patient), data)
    event = AdverseEvent.objects.get()
    assert response["Location"] == reverse("vigilance:event", args=[event.pk])
    event.refresh_from_db()
    assert (list(event.sessions.all()), list(event.lots.all()), event.zones) == (
        [record],
        [lot],
        ["cheek_left"],
    )


def test_it_keeps_what_was_typed_on_an_error(clinic, practitioner):
    patient = make_patient(clinic)
    data = {
        "category": "",
        "onset_on": "2026-07-20",
        "severity": "mild",
        "description": "Swollen lip",
        "outcome": "ongoing",
    }
    response = client_for(practitioner).post(_url(patient), data)
    assert response.status_code == 200
    assert "Swollen lip" in response.text
    assert not AdverseEvent.objects.exists()


def test_it_is_404_for_another_clinics_patient(clinic, other_clinic, practitioner):
    assert client_for(practitioner).get(_url(make_patient(other_clinic))).status_code == 404


def test_it_is_403_for_a_receptionist(clinic, receptionist):
    assert client_for(receptionist).get(_url(make_patient(clinic))).status_code == 403


def test_it_only_allows_get_and_post(clinic, practitioner):
    assert client_for(practitioner).put(_url(make_patient(clinic))).status_code == 405
