"""The notifications API: a patient's messages and preferences, the clinic's log, retry and timing; roles
and isolation between clinics."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from mesoclinic.notifications.models import ContactPreference, Delivery, NotificationSettings
from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.openapi import assert_documented

API = "/api/v1/notifications"


def put(client, url, data):
    return client.put(url, data=json.dumps(data), content_type="application/json")


def _delivery(patient, **extra):
    values = {
        "clinic": patient.clinic,
        "patient": patient,
        "kind": "aftercare",
        "object_id": patient.pk,
        "due_at": datetime(2026, 6, 10, 12, tzinfo=UTC),
        "channel": "sms",
        "status": "sent",
        "provider_id": "msg-1",
    }
    return Delivery.objects.create(**{**values, **extra})


def test_it_lists_a_patients_deliveries(clinic, receptionist):
    patient = make_patient(clinic)
    _delivery(patient)
    response = client_for(receptionist).get(f"{API}/patients/{patient.pk}/deliveries")
    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert (item["kind"], item["channel"], item["status"], item["provider_id"]) == (
        "aftercare",
        "sms",
        "sent",
        "msg-1",
    )


def test_preferences_default_to_no_consent_and_can_be_set(clinic, receptionist):
    patient = make_patient(clinic)
    client = client_for(receptionist)
    assert client.get(f"{API}/patients/{patient.pk}/preference").json()["consent"] is False
    response = put(
        client, f"{API}/patients/{patient.pk}/preference", {"consent": True, "sms": True, "email": False}
    )
    assert response.status_code == 200
    assert response.json()["sms"] is True
    preference = ContactPreference.objects.get(patient=patient)
    assert (preference.consent, preference.email, preference.sms) == (True, False, True)


def test_a_bad_language_is_422(clinic, receptionist):
    patient = make_patient(clinic)
    response = put(
        client_for(receptionist),
        f"{API}/patients/{patient.pk}/preference",
        {"consent": True, "language": "xx"},
    )
    assert response.status_code == 422
    assert not ContactPreference.objects.exists()


def test_another_clinics_patient_is_404(clinic, other_clinic, receptionist):
    other = make_patient(other_clinic)
    client = client_for(receptionist)
    assert client.get(f"{API}/patients/{other.pk}/deliveries").status_code == 404
    assert client.get(f"{API}/patients/{other.pk}/preference").status_code == 404
    assert put(client, f"{API}/patients/{other.pk}/preference", {"consent": True}).status_code == 404


def test_the_clinic_log_is_for_the_owner_and_filters(clinic, other_clinic, owner, physician):
    _delivery(make_patient(clinic), status="failed", error="down")
    _delivery(make_patient(clinic))
    _delivery(make_patient(other_clinic), status="failed")
    response = client_for(owner).get(f"{API}/deliveries", {"status": "failed"})
    assert [d["error"] for d in response.json()["items"]] == ["down"]
    assert client_for(physician).get(f"{API}/deliveries").status_code == 403


def test_retry_through_the_api(clinic, other_clinic, owner):
    failed = _delivery(make_patient(clinic), status="failed", attempts=4)
    client = client_for(owner)
    response = client.post(f"{API}/deliveries/{failed.pk}/retry")
    assert response.status_code == 200
    failed.refresh_from_db()
    assert failed.attempts == 0
    assert failed.next_attempt_at is not None
    elsewhere = _delivery(make_patient(other_clinic), status="failed")
    assert client.post(f"{API}/deliveries/{elsewhere.pk}/retry").status_code == 404
    sent = _delivery(make_patient(clinic))
    assert client.post(f"{API}/deliveries/{sent.pk}/retry").status_code == 422


def test_settings_through_the_api(clinic, owner, receptionist):
    client = client_for(owner)
    assert client.get(f"{API}/settings").json()["reminder_lead_hours"] == [48, 2]
    body = {
        "reminder_lead_hours": [24],
        "quiet_start": "22:00",
        "quiet_end": "07:30",
        "recall_lead_days": 7,
        "continuation_lead_days": 3,
    }
    response = put(client, f"{API}/settings", body)
    assert response.status_code == 200
    assert NotificationSettings.objects.get(clinic=clinic).reminder_lead_hours == [24]
    assert put(client, f"{API}/settings", {**body, "reminder_lead_hours": [0]}).status_code == 422
    aware = put(client, f"{API}/settings", {**body, "quiet_start": "22:00:00Z"})
    assert aware.status_code == 422  # the clinic's wall clock has no offset (it was a 500 on SQLite)
    assert "quiet_start" in aware.json()["errors"]
    assert client_for(receptionist).get(f"{API}/settings").status_code == 403


def test_wrong_methods_are_405(clinic, owner):
    client = client_for(owner)
    assert client.delete(f"{API}/settings").status_code == 405
    assert client.get(f"{API}/deliveries/1/retry").status_code == 405


def test_the_settings_answer_matches_its_documented_schema(clinic, owner):
    """schemathesis found the quiet hours documented as JSON Schema's "time" (RFC 3339, an offset required),
    which every answer ("21:00:00", the clinic's wall clock) violated."""
    assert_documented(client_for(owner).get(f"{API}/settings").json(), f"{API}/settings")
