"""The chart's Messages tab: contact preferences (saved through the service) and the patient's delivery log."""

from __future__ import annotations

from datetime import UTC, datetime

from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.notifications.models import ContactPreference, Delivery
from mesoclinic.testing import client_for, make_patient


def _url(patient):
    return reverse("notifications:patient_messages", args=[patient.pk])


def _prefs_url(patient):
    return reverse("notifications:preferences", args=[patient.pk])


def _delivery(patient, **extra):
    values = {
        "clinic": patient.clinic,
        "patient": patient,
        "kind": "reminder",
        "object_id": 1,
        "due_at": datetime(2026, 6, 10, 12, tzinfo=UTC),
        "channel": "email",
        "status": "sent",
        "subject": "Your appointment",
        "to": "anna@example.org",
    }
    return Delivery.objects.create(**{**values, **extra})


def test_it_shows_this_patients_messages_only(clinic, receptionist):
    patient = make_patient(clinic)
    _delivery(patient, status="skipped", reason="no_consent", subject="")
    _delivery(make_patient(clinic), subject="Someone else's", object_id=2)
    response = client_for(receptionist).get(_url(patient))
    assert response.status_code == 200
    assert "Not sent: No consent to contact" in response.text
    assert "Someone else" not in response.text
    assert "No consent to be contacted is recorded" in response.text


def test_the_tab_is_linked_from_the_chart(clinic, receptionist):
    patient = make_patient(clinic)
    response = client_for(receptionist).get(reverse("patients:detail", args=[patient.pk]))
    assert _url(patient) in response.text


def test_it_saves_consent_and_channels(clinic, receptionist):
    patient = make_patient(clinic)
    response = client_for(receptionist).post(
        _prefs_url(patient), {"consent": "on", "sms": "on", "language": "pl"}
    )
    assert response.status_code == 302
    preference = ContactPreference.objects.get(patient=patient)
    assert (preference.consent, preference.email, preference.sms, preference.language) == (
        True,
        False,
        True,
        "pl",
    )
    assert preference.consent_changed_at is not None
    assert AuditEvent.objects.filter(action="notifications.preference", object_id=str(patient.pk)).exists()


def test_new_consent_clears_an_opt_out(clinic, receptionist):
    patient = make_patient(clinic)
    ContactPreference.objects.create(
        patient=patient, consent=True, opted_out_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    client_for(receptionist).post(_prefs_url(patient), {"consent": "", "email": "on"})
    client_for(receptionist).post(_prefs_url(patient), {"consent": "on", "email": "on"})
    assert ContactPreference.objects.get(patient=patient).opted_out_at is None


def test_a_bad_language_is_an_error_and_nothing_is_saved(clinic, receptionist):
    patient = make_patient(clinic)
    response = client_for(receptionist).post(_prefs_url(patient), {"consent": "on", "language": "xx"})
    assert response.status_code == 422
    assert not ContactPreference.objects.filter(patient=patient).exists()


def test_it_is_404_for_another_clinics_patient(clinic, other_clinic, receptionist):
    other = make_patient(other_clinic)
    assert client_for(receptionist).get(_url(other)).status_code == 404
    assert client_for(receptionist).post(_prefs_url(other), {"consent": "on"}).status_code == 404


def test_it_is_403_for_an_auditor(clinic, auditor):
    assert client_for(auditor).get(_url(make_patient(clinic))).status_code == 403


def test_it_only_allows_get_and_post(clinic, receptionist):
    patient = make_patient(clinic)
    assert client_for(receptionist).post(_url(patient)).status_code == 405
    assert client_for(receptionist).get(_prefs_url(patient)).status_code == 405
