"""Four weeks after a needle session the patient gets the late-complication check by e-mail, opens its
link, answers "yes" with a description; a practitioner sees the patient on Today, with the adverse event
opened on the session, and marks it seen (screenshot "complication-check")."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.notifications.models import ContactPreference, NotificationSettings
from mesoclinic.notifications.services import send_due_notifications
from mesoclinic.patients.services import register_patient
from mesoclinic.testing import PASSWORD, make_clinic, make_signed_session, make_staff
from mesoclinic.vigilance.models import AdverseEvent
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_patient_reports_a_late_complication_and_the_clinic_sees_it(page, live_server, settings):
    settings.MESOCLINIC_BASE_URL = live_server.url
    clinic = make_clinic("Rosa Aesthetics")
    NotificationSettings.objects.create(clinic=clinic, quiet_start=time(0), quiet_end=time(0))
    nurse = make_staff(clinic, Role.PRACTITIONER, name="Nina Nurse", modalities=["needle"])
    patient = register_patient(
        clinic,
        actor=None,
        given_name="Ewa",
        family_name="Kowalska",
        birth_date=date(1980, 2, 2),
        sex="female",
        email="ewa@example.org",
    )
    ContactPreference.objects.create(patient=patient, consent=True, email=True)
    performed = timezone.now() - timedelta(weeks=4, hours=1)
    record = make_signed_session(patient, nurse, performed_at=performed)

    send_due_notifications(performed + timedelta(weeks=4))
    (message,) = mail.outbox
    link = re.search(r"http\S+/notifications/check/\S+/", message.body).group(0)

    page.goto(link)
    expect(page.get_by_role("heading", name="How is the treated skin?")).to_be_visible()
    page.get_by_label("What do you notice, and where?").fill("A red, tender lump on the left cheek")
    page.get_by_label("Anything else").fill("Since last week, no fever")
    screenshot(page, "complication-check")
    page.get_by_role("button", name="Tell the clinic").click()
    expect(page.get_by_text("has been told and will contact you")).to_be_visible()
    event = AdverseEvent.objects.get()
    assert list(event.sessions.all()) == [record]

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(nurse.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    alerts = page.locator(
        "section", has=page.get_by_role("heading", name="Patients reporting a possible late complication")
    )
    expect(alerts).to_contain_text("Ewa Kowalska")
    expect(alerts).to_contain_text("A red, tender lump on the left cheek")
    expect(alerts.get_by_role("link", name="Adverse event opened")).to_have_attribute(
        "href", f"/vigilance/events/{event.pk}/"
    )
    alerts.get_by_role("button", name="Seen, the patient will be called").click()
    expect(page.get_by_text("Marked as seen.")).to_be_visible()
    expect(page.get_by_role("heading", name="Patients reporting a possible late complication")).to_have_count(
        0
    )
