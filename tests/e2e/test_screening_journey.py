"""A practitioner logs in, registers a patient with a pacemaker, screens electroporation: blocked, with why."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.catalog.models import Protocol
from mesoclinic.patients.models import Patient
from mesoclinic.testing import PASSWORD, make_clinic, make_patient, make_staff
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients")).to_be_visible()


def test_a_pacemaker_blocks_electroporation_with_the_reason(page):
    clinic = make_clinic("Rosa Aesthetics")
    practitioner = make_staff(clinic, Role.PRACTITIONER, name="Nina Nurse")
    protocol = Protocol.objects.filter(clinic=clinic, modality__code="electroporation").first()
    log_in(page, practitioner.user.username)

    page.goto("/patients/new/")
    page.get_by_label("First name").fill("Maria")
    page.get_by_label("Last name").fill("Kowalczyk")
    page.get_by_label("Date of birth").fill("1979-04-02")
    page.get_by_role("group", name=re.compile("^May we send reminders")).get_by_label(
        "No", exact=True
    ).check()
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_role("heading", name="Maria Kowalczyk")).to_be_visible()
    patient = Patient.objects.get(clinic=clinic, family_name="Kowalczyk")

    page.get_by_label("Pacemaker or implanted defibrillator").check()
    page.get_by_label("I went through it with the patient (confirmed by me, now)").check()
    page.get_by_label("Reason for the change").fill("Intake questionnaire")
    page.get_by_role("button", name="Save medical history").click()
    expect(page.locator("#patient-alerts")).to_contain_text("Pacemaker")
    patient.medical_history.refresh_from_db()
    assert patient.medical_history.implants == ["pacemaker"]

    page.get_by_role("link", name="Screening", exact=True).click()
    page.get_by_label("Planned treatment (protocol)").select_option(protocol.slug)
    page.get_by_role("button", name="Screen", exact=True).click()
    result = page.locator("#screening-result")
    expect(result).to_contain_text("Blocked")
    expect(result).to_contain_text(re.compile("pacemaker", re.I))
    expect(result).to_contain_text("Do not treat")
    expect(page.locator("#screening-busy")).to_have_css("opacity", "0")
    page.set_viewport_size({"width": 1280, "height": 1180})
    screenshot(page, "patient-screening")
    assert patient.screenings.get().decision == "block"


def test_another_clinics_staff_cannot_open_the_chart(page):
    clinic = make_clinic("Rosa Aesthetics")
    other = make_clinic("Other Clinic")
    outsider = make_staff(other, Role.PHYSICIAN)
    patient = make_patient(clinic, implants=["pacemaker"])
    log_in(page, outsider.user.username)
    response = page.goto(f"/patients/{patient.pk}/")
    assert response is not None and response.status == 404
    page.goto(f"/patients/?q={patient.family_name}")
    expect(page.locator("#patient-count")).to_contain_text("0 patients match")
    expect(page.locator("main table")).to_have_count(0)
