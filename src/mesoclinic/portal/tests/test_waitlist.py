"""The waiting list for earlier dates (issue 18, item 5): join from the portal, a cancelled session's time is
offered by message to the first patient waiting whose series it fits, the first to accept gets it; staff see
the list."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from mesoclinic.portal.models import WaitlistEntry, WaitlistStatus
from mesoclinic.scheduling.services import cancel_appointment
from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.portal import WARSAW, at, open_booking
from mesoclinic.testing.scheduling import book

pytestmark = pytest.mark.django_db

MONDAY = datetime(2031, 3, 3, 9, 0, tzinfo=WARSAW)


def portal_client(clinic, patient):
    """A browser signed in to the portal as ``patient`` (the e-mailed code typed in)."""
    client = Client()
    with at(), TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("portal:portal_sign_in", args=[clinic.slug]),
            {"email": patient.email, "birth_date": patient.birth_date.isoformat()},
        )
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    with at():
        signed = client.post(response["Location"], {"code": code})
    assert signed.status_code == 302 and "/portal/me/" in signed["Location"]
    return client


def with_email(patient, email):
    patient.email = email
    patient.save(update_fields=["email"])
    return patient


@pytest.fixture
def two_series(clinic):
    setup = open_booking(clinic)
    first = book(
        clinic, setup.location, patient=with_email(make_patient(clinic), "a@example.com"), earliest=MONDAY
    )
    later = with_email(make_patient(clinic), "b@example.com")
    second = book(clinic, setup.location, patient=later, earliest=MONDAY + timedelta(days=1))
    return first, second, later


def test_a_cancelled_session_is_offered_to_the_first_waiting_and_taken(clinic, two_series, practitioner):
    first, second, later = two_series
    theirs = second.appointments.get(session_index=1)
    freed = first.appointments.get(session_index=1)
    client = portal_client(clinic, later)
    with at():
        response = client.post(reverse("portal:portal_waitlist_join", args=[clinic.slug, theirs.pk]))
        assert response.status_code == 302
        page = client.get(reverse("portal:portal_home", args=[clinic.slug])).content.decode()
        assert "On the waiting list" in page
        staff = client_for(practitioner).get(reverse("waitlist:list")).content.decode()
        assert later.family_name in staff
        with TestCase.captureOnCommitCallbacks(execute=True):
            cancel_appointment(freed, reason="Patient ill", actor=None)
        entry = WaitlistEntry.objects.get(appointment=theirs)
        assert entry.status == WaitlistStatus.OFFERED and entry.offered_start == freed.starts_at
        assert mail.outbox[-1].to == ["b@example.com"] and "earlier date" in mail.outbox[-1].body
        page = client.get(reverse("portal:portal_home", args=[clinic.slug])).content.decode()
        assert "Take the earlier date" in page
        client.post(reverse("portal:portal_waitlist_accept", args=[clinic.slug, entry.pk]))
    theirs.refresh_from_db()
    entry.refresh_from_db()
    assert theirs.starts_at == freed.starts_at and entry.status == WaitlistStatus.ACCEPTED


def test_a_taken_offer_keeps_the_patient_waiting(clinic, two_series):
    first, second, later = two_series
    theirs = second.appointments.get(session_index=1)
    freed = first.appointments.get(session_index=1)
    client = portal_client(clinic, later)
    with at():
        client.post(reverse("portal:portal_waitlist_join", args=[clinic.slug, theirs.pk]))
        cancel_appointment(freed, reason="Patient ill", actor=None)
        entry = WaitlistEntry.objects.get(appointment=theirs)
        # The desk books the freed time for someone else first.
        book(clinic, freed.location, patient=make_patient(clinic), earliest=freed.starts_at)
        response = client.post(reverse("portal:portal_waitlist_accept", args=[clinic.slug, entry.pk]))
        assert response.status_code == 302
    entry.refresh_from_db()
    theirs.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING and theirs.starts_at != freed.starts_at


def test_another_patient_cannot_touch_an_entry(clinic, two_series):
    first, second, later = two_series
    theirs = second.appointments.get(session_index=1)
    with at():
        portal_client(clinic, later).post(
            reverse("portal:portal_waitlist_join", args=[clinic.slug, theirs.pk])
        )
        entry = WaitlistEntry.objects.get(appointment=theirs)
        stranger = portal_client(clinic, with_email(first.patient, "a@example.com"))
        assert (
            stranger.post(reverse("portal:portal_waitlist_leave", args=[clinic.slug, entry.pk])).status_code
            == 404
        )
        assert (
            stranger.post(reverse("portal:portal_waitlist_join", args=[clinic.slug, theirs.pk])).status_code
            == 404
        )
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.WAITING
