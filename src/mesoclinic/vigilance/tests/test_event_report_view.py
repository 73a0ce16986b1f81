"""The regulator's report of an event: no name; age, sex, products, lots, dates, outcome."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from django.urls import reverse

from mesoclinic.testing import client_for, csv_text, make_lot, make_patient, make_signed_session
from mesoclinic.testing.vigilance import make_event, make_preparation


def _event(clinic, practitioner):
    patient = make_patient(clinic, birth_date=date(1990, 7, 1))
    ingredient = make_lot(clinic, "lidocaine_2pct", lot_number="ING-1")
    prep = make_preparation(ingredient, lot_number="P7")
    record = make_signed_session(
        patient, practitioner, uses=[(prep, 1)], performed_at=datetime(2026, 6, 1, 9, tzinfo=UTC)
    )
    event = make_event(patient, category="granuloma", severity="serious", onset_on=date(2026, 7, 20))
    event.sessions.set([record])
    event.lots.set([prep])
    return event


def test_it_exports_json_without_the_name(clinic, practitioner, physician):
    event = _event(clinic, practitioner)
    response = client_for(physician).get(reverse("vigilance:event_report", args=[event.pk]))
    data = json.loads(response.content)
    assert data["patient"] == {"age_at_onset": 36, "sex": "female"}
    assert data["sessions"][0]["days_to_onset"] == 49
    assert data["event"]["serious"] is True
    assert [p["lot_number"] for p in data["products"]] == ["P7", "ING-1"]
    assert data["products"][1]["ingredient_of"] == "P7"
    assert event.patient.family_name not in response.content.decode()


def test_it_exports_csv(clinic, practitioner, physician):
    event = _event(clinic, practitioner)
    response = client_for(physician).get(
        reverse("vigilance:event_report", args=[event.pk]), {"format": "csv"}
    )
    lines = csv_text(response).splitlines()
    assert len(lines) == 3
    assert "ING-1" in lines[2]


def test_it_is_404_for_another_clinics_event(clinic, other_clinic, physician):
    event = make_event(make_patient(other_clinic))
    assert client_for(physician).get(reverse("vigilance:event_report", args=[event.pk])).status_code == 404


def test_it_is_403_for_a_receptionist(clinic, receptionist):
    event = make_event(make_patient(clinic))
    assert client_for(receptionist).get(reverse("vigilance:event_report", args=[event.pk])).status_code == 403


def test_it_only_allows_get(clinic, physician):
    event = make_event(make_patient(clinic))
    assert client_for(physician).post(reverse("vigilance:event_report", args=[event.pk])).status_code == 405
