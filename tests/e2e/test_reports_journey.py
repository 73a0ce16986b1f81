"""Journey: a physician opens a treated patient's Progress tab, then the cohort report (needle vs needle-free)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from mesoclinic.accounts.models import Role
from mesoclinic.testing import PASSWORD, make_clinic, make_patient, make_staff
from mesoclinic.testing.outcomes import make_analysed_photo, wrinkles
from mesoclinic.testing.scheduling import make_completed_course
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)
START = datetime(2026, 1, 12, 9, tzinfo=UTC)


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports")).to_be_visible()


def treated(clinic, practitioner, modality: str, after: float, *, second: float | None = None):
    patient = make_patient(clinic)
    make_analysed_photo(patient, START - timedelta(days=2), wrinkles(0.050))
    make_completed_course(patient, practitioner, START, modality=modality, sessions=3)
    if second is not None:
        make_analysed_photo(patient, START + timedelta(days=70), wrinkles(second))
    make_analysed_photo(patient, START + timedelta(days=180), wrinkles(after))
    return patient


def test_progress_and_cohort(page) -> None:
    clinic = make_clinic("Rosa Aesthetics")
    physician = make_staff(clinic, Role.PHYSICIAN, name="Dr Paula Physician", modalities=["needle"])
    nurse = make_staff(clinic, Role.PRACTITIONER, name="Nina Nurse", modalities=["needle", "electroporation"])
    patient = treated(clinic, nurse, "needle", 0.030, second=0.045)
    for after in (0.029, 0.031):
        treated(clinic, nurse, "needle", after)
    for after in (0.048, 0.047, 0.049):
        treated(clinic, nurse, "electroporation", after)

    log_in(page, physician.user.username)
    page.goto(f"/patients/{patient.pk}/")
    page.get_by_role("link", name="Progress").click()
    chart = page.locator("svg#progress-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("circle.chart__point")).to_have_count(3)
    expect(chart.locator("g.chart__session")).to_have_count(3)
    expect(chart.locator("g.chart__durability")).to_have_count(1)
    expect(page.locator("#progress-change")).to_contain_text(
        "−40.0 % vs baseline, beyond the method's repeatability (±31.0 %)"
    )
    screenshot(page, "progress")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Outcomes by modality and cocktail").click()
    table = page.locator("#by-delivery-table")
    needle_row = table.locator("tbody tr").first
    expect(needle_row.locator("th")).to_have_text("Needle")
    expect(needle_row).to_contain_text("3")  # n
    expect(needle_row).to_contain_text("-40.0 %")
    expect(needle_row).to_contain_text("-45.0 % to -35.0 %")  # 95 % CI
    expect(table.locator("tbody tr").nth(1).locator("th")).to_have_text("Needle-free")
    expect(page.locator("svg#by-delivery g.chart__row")).to_have_count(2)
    expect(page.locator("svg#by-delivery line.chart__zero")).to_have_count(1)
