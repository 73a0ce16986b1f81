"""The patient portal's own sessions: moving one within the series' tolerance, cancelling with its cost shown
first; another patient's session is 404."""

from __future__ import annotations

import io
import itertools
import json
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing.models import CancellationPolicy
from mesoclinic.billing.services import create_invoice, issue_invoice
from mesoclinic.patients.models import Consent
from mesoclinic.patients.services import update_patient
from mesoclinic.portal import selectors
from mesoclinic.portal.models import ProblemReport
from mesoclinic.portal.tests.test_patient_portal import booked, code, sign_in  # noqa: F401 — booked is a fixture
from mesoclinic.portal.views import SESSION_KEY
from mesoclinic.scheduling.models import AppointmentStatus
from mesoclinic.testing import client_for, make_patient
from mesoclinic.testing.billing import line
from mesoclinic.testing.portal import NOW, WARSAW, at
from mesoclinic.testing.treatments import ready_draft
from mesoclinic.treatments.models import SessionRecord

pytestmark = pytest.mark.django_db


def signed_in_client(clinic, email="ola@example.com", born=None):
    client = Client()
    kwargs = {"email": email} if born is None else {"email": email, "born": born}
    client.post(sign_in(client, clinic, **kwargs), {"code": code()})
    return client


def days_apart(appointments):
    days = [a.starts_at.astimezone(WARSAW).date() for a in appointments]
    return [(b - a).days for a, b in itertools.pairwise(days)]


def test_a_patient_moves_one_session_and_the_series_stays_within_tolerance(clinic, booked):  # noqa: F811
    _patient, appointments = booked
    second = appointments[1]
    course = second.course
    with at():
        client = signed_in_client(clinic)
        url = reverse("portal:portal_reschedule", args=[clinic.slug, second.pk])
        page = client.get(url)
        assert page.status_code == 200
        tokens = re.findall(r'name="slot" value="([^"]+)"', page.content.decode())
        assert tokens
        offered = [selectors.resolve_slots(second.location, [t])[0].start for t in tokens]
        assert second.starts_at not in offered
        response = client.post(url, {"slot": tokens[-1]})
        assert response.status_code == 302
        home = client.get(response["Location"]).content.decode()
    assert "Your session is moved" in home
    second.refresh_from_db()
    assert second.starts_at == offered[-1] and second.status == AppointmentStatus.BOOKED
    for a in appointments:
        a.refresh_from_db()
    low, high = course.interval_days - course.tolerance_days, course.interval_days + course.tolerance_days
    assert all(low <= gap <= high for gap in days_apart(appointments))


def test_every_offered_day_keeps_the_spacing(clinic, booked):  # noqa: F811
    _patient, appointments = booked
    second = appointments[1]
    course = second.course
    with at():
        offers = selectors.reschedule_offers(second, now=NOW)
    assert offers
    prev = appointments[0].starts_at.astimezone(WARSAW).date()
    nxt = appointments[2].starts_at.astimezone(WARSAW).date()
    for offer in offers:
        day = offer.choice.start.astimezone(WARSAW).date()
        assert course.interval_days - course.tolerance_days <= (day - prev).days
        assert (day - prev).days <= course.interval_days + course.tolerance_days
        assert course.interval_days - course.tolerance_days <= (nxt - day).days
        assert (nxt - day).days <= course.interval_days + course.tolerance_days


def test_a_forged_or_out_of_window_slot_moves_nothing(clinic, booked):  # noqa: F811
    _patient, appointments = booked
    second, last = appointments[1], appointments[-1]
    with at():
        client = signed_in_client(clinic)
        url = reverse("portal:portal_reschedule", args=[clinic.slug, second.pk])
        assert client.post(url, {"slot": "nonsense"}).status_code == 409
        # The last session's own time is outside the second session's window.
        page = client.get(reverse("portal:portal_reschedule", args=[clinic.slug, last.pk])).content.decode()
        token = re.findall(r'name="slot" value="([^"]+)"', page)[0]
        response = client.post(url, {"slot": token})
    assert response.status_code == 409 and "no longer offered" in response.content.decode()
    before = second.starts_at
    second.refresh_from_db()
    assert second.starts_at == before


def test_cancelling_shows_the_fee_first_and_cancels_only_when_confirmed(clinic, booked):  # noqa: F811
    _patient, appointments = booked
    CancellationPolicy.objects.create(
        clinic=clinic, late_cancel_hours=72, late_cancel_cost="fee", fee=Decimal("80.00")
    )
    first = appointments[0]
    with at(first.starts_at - timedelta(hours=48)):
        client = signed_in_client(clinic)
        url = reverse("portal:portal_cancel", args=[clinic.slug, first.pk])
        page = client.get(url).content.decode()
        first.refresh_from_db()
        assert first.status == AppointmentStatus.BOOKED
        assert "fee of 80.00" in page
        last_page = client.get(reverse("portal:portal_cancel", args=[clinic.slug, appointments[-1].pk]))
        assert "costs nothing" in last_page.content.decode()
        client.post(url)
    first.refresh_from_db()
    assert first.status == AppointmentStatus.CANCELLED


def test_another_patients_session_cannot_be_moved_or_priced(clinic, booked):  # noqa: F811
    _patient, appointments = booked
    other = make_patient(clinic)
    update_patient(other, email="other@example.com", actor=None)
    with at():
        client = signed_in_client(clinic, email="other@example.com", born=other.birth_date)
        for name in ("portal:portal_reschedule", "portal:portal_cancel"):
            assert client.get(reverse(name, args=[clinic.slug, appointments[1].pk])).status_code == 404
            assert client.post(reverse(name, args=[clinic.slug, appointments[1].pk])).status_code == 404
        signed_out = Client().get(reverse("portal:portal_reschedule", args=[clinic.slug, appointments[1].pk]))
    assert signed_out.status_code == 302


def portal_session(clinic, patient):
    """A browser holding the patient's portal session, as the e-mailed code leaves it."""
    client = Client()
    session = client.session
    session[SESSION_KEY] = {
        "clinic": clinic.pk,
        "patient": patient.pk,
        "until": timezone.now().timestamp() + 1800,
    }
    session.save()
    return client


def test_past_sessions_show_signed_aftercare_and_documents_are_listed(clinic, physician):
    record = ready_draft(clinic)
    SessionRecord.objects.filter(pk=record.pk).update(
        status="signed",
        signed_by=physician.user,
        signed_at=timezone.now(),
        aftercare="No make-up for 12 hours.",
    )
    appointment = record.appointment
    patient = appointment.patient
    issued = issue_invoice(
        create_invoice(patient, lines=[line("Serum", unit_price="100.00", vat_rate="20")], actor=None),
        actor=None,
    )
    create_invoice(patient, lines=[line("Draft thing", unit_price="5.00", vat_rate="20")], actor=None)
    with time_machine.travel(appointment.ends_at + timedelta(days=1), tick=False):
        page = portal_session(clinic, patient).get(reverse("portal:portal_home", args=[clinic.slug]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Aftercare instructions" in text and "No make-up for 12 hours." in text
    assert issued.number in text and "100.00" in text and "5.00" not in text
    assert "Signed consents" in text and Consent.objects.get(patient=patient).template.title in text


def test_a_patient_changes_their_contact_details_and_language(clinic, booked):  # noqa: F811
    patient, _appointments = booked
    url = reverse("portal:portal_profile", args=[clinic.slug])
    with at():
        client = portal_session(clinic, patient)
        assert client.get(url).status_code == 200
        bad = client.post(url, {"email": "not-an-address", "phone": "", "preferred_language": "pl"})
        assert bad.status_code == 422 and "email" in bad.content.decode()
        response = client.post(
            url, {"email": "ola.new@example.com", "phone": "07400 123456", "preferred_language": "pl"}
        )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.email, patient.phone, patient.preferred_language) == (
        "ola.new@example.com",
        "+447400123456",
        "pl",
    )
    assert AuditEvent.objects.filter(action="patient.update", object_id=str(patient.pk)).exists()


def test_a_reported_problem_reaches_staff_linked_to_the_last_sessions(clinic, booked, physician):  # noqa: F811
    patient, appointments = booked
    after_second = appointments[1].starts_at + timedelta(days=2)
    with time_machine.travel(after_second, tick=False):
        client = portal_session(clinic, patient)
        url = reverse("portal:portal_problem", args=[clinic.slug])
        assert client.get(url).status_code == 200
        future = (after_second + timedelta(days=3)).date().isoformat()
        bad = client.post(url, {"description": "Swelling", "started_on": future})
        assert bad.status_code == 422 and "future" in bad.content.decode()
        empty = client.post(url, {"description": "  ", "started_on": after_second.date().isoformat()})
        assert empty.status_code == 422
        response = client.post(
            url,
            {"description": "A swelling on the left cheek", "started_on": after_second.date().isoformat()},
        )
        assert response.status_code == 302
        report = ProblemReport.objects.get(patient=patient)
        assert report.appointments == [appointments[1].pk, appointments[0].pk]
        staff = client_for(physician)
        page = staff.get(reverse("online_bookings:index")).content.decode()
        assert (
            "A swelling on the left cheek" in page and reverse("vigilance:report", args=[patient.pk]) in page
        )
        staff.post(reverse("online_bookings:handle_problem", args=[report.pk]), {"status": "recorded"})
    report.refresh_from_db()
    assert report.status == "recorded" and report.handled_by == physician.user
    assert AuditEvent.objects.filter(action="portal.problem_report").exists()


def test_a_patient_downloads_their_own_data_and_nobody_else_can(clinic, booked):  # noqa: F811
    patient, _appointments = booked
    url = reverse("portal_export", args=[clinic.slug])
    with at():
        response = portal_session(clinic, patient).get(url)
        body = b"".join(response.streaming_content)
        signed_out = Client().get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        exported = json.loads(archive.read("patient.json"))
    assert exported["patient"]["email"] == "ola@example.com"
    assert signed_out.status_code == 302
    event = AuditEvent.objects.get(action="patient.export", object_id=str(patient.pk))
    assert event.data == {"channel": "portal"}
