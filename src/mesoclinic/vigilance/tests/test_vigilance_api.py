"""The vigilance API: recall by id and by number, events, follow-ups, suggestions, report; isolation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from mesoclinic.testing import client_for, make_lot, make_patient, make_signed_session
from mesoclinic.testing.vigilance import make_event, make_preparation, make_reachable_patient
from mesoclinic.vigilance.models import AdverseEvent

API = "/api/v1/vigilance"


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_it_recalls_by_lot_id_through_a_preparation(clinic, practitioner):
    ingredient = make_lot(clinic, lot_number="I1")
    prep = make_preparation(ingredient, lot_number="P7")
    patient = make_reachable_patient(clinic)
    make_signed_session(patient, practitioner, uses=[(prep, 1)])
    response = client_for(practitioner).get(f"{API}/recall/lots/{ingredient.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["patients"][0]["phone"] == "+48600100200"
    assert body["sessions"][0]["via"] == ["lot I1", "preparation P7"]


def test_it_recalls_by_number_and_product(clinic, practitioner):
    make_lot(clinic, "ha_1pct_ampoule", lot_number="X9")
    make_lot(clinic, "lidocaine_2pct", lot_number="X9")
    client = client_for(practitioner)
    ambiguous = client.get(f"{API}/recall", {"lot_number": "X9"})
    assert (ambiguous.status_code, ambiguous.json()["products"]) == (
        409,
        ["ha_1pct_ampoule", "lidocaine_2pct"],
    )
    chosen = client.get(f"{API}/recall", {"lot_number": "X9", "product": "lidocaine_2pct"})
    assert chosen.json()["lots"][0]["product"] == "lidocaine_2pct"


def test_it_is_404_for_an_unknown_lot_number(clinic, practitioner):
    assert client_for(practitioner).get(f"{API}/recall", {"lot_number": "NOPE"}).status_code == 404


def test_it_hides_another_clinics_lot(clinic, other_clinic, practitioner):
    lot = make_lot(other_clinic)
    assert client_for(practitioner).get(f"{API}/recall/lots/{lot.pk}").status_code == 404


def test_it_refuses_the_recall_to_a_receptionist(clinic, receptionist):
    lot = make_lot(clinic)
    assert client_for(receptionist).get(f"{API}/recall/lots/{lot.pk}").status_code == 403


def test_it_creates_an_event_linked_to_a_session(clinic, practitioner):
    patient = make_patient(clinic)
    lot = make_lot(clinic)
    record = make_signed_session(
        patient, practitioner, uses=[(lot, 1)], performed_at=datetime(2026, 6, 1, tzinfo=UTC)
    )
    payload = {
        "patient_id": patient.pk,
        "category": "granuloma",
        "severity": "moderate",
        "onset_on": "2026-07-15",
        "description": "Nodule",
        "session_ids": [record.pk],
        "lot_ids": [lot.pk],
    }
    response = post(client_for(practitioner), f"{API}/events", payload)
    assert response.status_code == 201
    event = AdverseEvent.objects.get()
    assert list(event.sessions.all()) == [record]


def test_it_refuses_a_bad_category_with_422(clinic, practitioner):
    payload = {
        "patient_id": make_patient(clinic).pk,
        "category": "x",
        "severity": "mild",
        "onset_on": "2026-01-01",
        "description": "d",
    }
    response = post(client_for(practitioner), f"{API}/events", payload)
    assert response.status_code == 422
    assert "category" in response.json()["errors"]


def test_it_refuses_another_clinics_patient(clinic, other_clinic, practitioner):
    payload = {
        "patient_id": make_patient(other_clinic).pk,
        "category": "pain",
        "severity": "mild",
        "onset_on": "2026-01-01",
        "description": "d",
    }
    assert post(client_for(practitioner), f"{API}/events", payload).status_code == 404


def test_it_lists_and_filters_events(clinic, physician):
    make_event(make_patient(clinic), category="granuloma")
    make_event(make_patient(clinic), category="pruritus")
    response = client_for(physician).get(f"{API}/events", {"category": "granuloma"})
    assert [e["category"] for e in response.json()["items"]] == ["granuloma"]


def test_it_adds_a_follow_up(clinic, physician):
    event = make_event(make_patient(clinic))
    response = post(
        client_for(physician), f"{API}/events/{event.pk}/follow-ups", {"note": "ok", "outcome": "recovered"}
    )
    assert (response.status_code, response.json()["closed"]) == (201, True)
    event.refresh_from_db()
    assert event.outcome == "recovered"


def test_it_suggests_sessions(clinic, practitioner):
    patient = make_patient(clinic)
    record = make_signed_session(patient, practitioner, uses=[(make_lot(clinic), 1)])
    response = client_for(practitioner).get(
        f"{API}/patients/{patient.pk}/suggested-sessions", {"onset_on": "2026-07-01"}
    )
    assert [s["session_id"] for s in response.json()] == [record.pk]
    far = client_for(practitioner).get(
        f"{API}/patients/{patient.pk}/suggested-sessions", {"onset_on": "0001-01-01"}
    )  # schemathesis: the 12 weeks before year 1 overflowed (500)
    assert far.status_code == 422 and "onset_on" in far.json()["errors"]


def test_it_exports_the_regulator_report(clinic, physician):
    event = make_event(make_patient(clinic))
    body = client_for(physician).get(f"{API}/events/{event.pk}/report").json()
    assert set(body["patient"]) == {"age_at_onset", "sex"}


def test_it_hides_another_clinics_event(clinic, other_clinic, physician):
    event = make_event(make_patient(other_clinic))
    assert client_for(physician).get(f"{API}/events/{event.pk}").status_code == 404
