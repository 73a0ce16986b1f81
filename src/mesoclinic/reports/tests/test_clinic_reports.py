"""Clinic reports: the index, no-shows per month and practitioner, maintenance recalls due; owner/physician only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from mesoclinic.catalog.models import Protocol
from mesoclinic.reports import views as report_views
from mesoclinic.scheduling.models import Appointment, AppointmentStatus, MaintenanceRecall
from mesoclinic.testing import client_for, csv_text, make_patient, make_schedulable
from mesoclinic.testing.scheduling import make_completed_course

pytestmark = pytest.mark.django_db


def _appointment(clinic, where, starts_at: datetime, status: str) -> Appointment:
    return Appointment.objects.create(
        clinic=clinic,
        location=where.location,
        patient=make_patient(clinic),
        protocol=Protocol.objects.filter(clinic=clinic).first(),
        practitioner=where.practitioner,
        room=where.room,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
        blocked_until=starts_at + timedelta(minutes=40),
        status=status,
    )


def test_it_lists_the_reports(owner) -> None:
    html = client_for(owner).get("/reports/").content.decode()
    for url in ("/reports/outcomes/", "/reports/no-shows/", "/reports/recalls/"):
        assert url in html


def test_it_counts_no_shows_per_month_and_practitioner(owner, clinic) -> None:
    where = make_schedulable(clinic)
    _appointment(clinic, where, datetime(2026, 3, 2, 9, tzinfo=UTC), AppointmentStatus.NO_SHOW)
    _appointment(clinic, where, datetime(2026, 3, 3, 9, tzinfo=UTC), AppointmentStatus.COMPLETED)
    _appointment(clinic, where, datetime(2026, 3, 4, 9, tzinfo=UTC), AppointmentStatus.CANCELLED)
    _appointment(clinic, where, datetime(2026, 4, 1, 9, tzinfo=UTC), AppointmentStatus.COMPLETED)
    response = client_for(owner).get("/reports/no-shows/?start=2026-03-01&end=2026-04-30&format=csv")
    lines = csv_text(response).splitlines()
    assert "month,2026-03,2,1,50.000" in lines
    assert "month,2026-04,1,0,0.000" in lines
    assert f"practitioner,{where.practitioner.display_name},3,1,33.333" in lines


def test_it_shows_the_no_show_tables(physician, clinic) -> None:
    response = client_for(physician).get("/reports/no-shows/")
    assert response.status_code == 200
    assert 'id="by-practitioner"' in response.content.decode()


def test_it_says_when_the_period_is_backwards(owner) -> None:
    response = client_for(owner).get("/reports/no-shows/?start=2026-05-01&end=2026-04-01")
    assert "The end of the period is before its start." in response.content.decode()


def test_it_lists_recalls_overdue_and_due_soon(owner, clinic, practitioner) -> None:
    today = clinic.today()
    for offset in (-5, 30, 90):
        course = make_completed_course(
            make_patient(clinic), practitioner, datetime(2025, 6, 1, 9, tzinfo=UTC)
        )
        MaintenanceRecall.objects.create(
            clinic=clinic, patient=course.patient, course=course, due_on=today + timedelta(days=offset)
        )
    lines = csv_text(client_for(owner).get("/reports/recalls/?format=csv")).splitlines()
    assert len(lines) == 3  # header, overdue, due in 30 days; not the one in 90
    assert lines[1].endswith(f"{today - timedelta(days=5)},yes")
    assert lines[2].endswith(f"{today + timedelta(days=30)},no")


def test_it_shows_overdue_in_words(owner, clinic, practitioner) -> None:
    course = make_completed_course(make_patient(clinic), practitioner, datetime(2025, 6, 1, 9, tzinfo=UTC))
    MaintenanceRecall.objects.create(
        clinic=clinic, patient=course.patient, course=course, due_on=date(2020, 1, 1)
    )
    assert "badge--warn" in client_for(owner).get("/reports/recalls/").content.decode()


@pytest.mark.parametrize("url", ["/reports/", "/reports/no-shows/", "/reports/recalls/"])
@pytest.mark.parametrize("role", ["receptionist", "practitioner"])
def test_it_is_403_for_staff_without_reports(url: str, role: str, request) -> None:
    assert client_for(request.getfixturevalue(role)).get(url).status_code == 403


@pytest.mark.parametrize("url", ["/reports/", "/reports/no-shows/", "/reports/recalls/"])
def test_it_only_allows_get(url: str, owner) -> None:
    assert client_for(owner).post(url).status_code == 405


def test_it_does_not_show_another_clinic_s_recalls(outsider, clinic, practitioner) -> None:
    course = make_completed_course(make_patient(clinic), practitioner, datetime(2025, 6, 1, 9, tzinfo=UTC))
    MaintenanceRecall.objects.create(
        clinic=clinic, patient=course.patient, course=course, due_on=date(2020, 1, 1)
    )
    assert (
        "No recall due in the next 60 days." in client_for(outsider).get("/reports/recalls/").content.decode()
    )


def test_the_recalls_due_come_page_by_page_and_the_csv_has_them_all(
    owner, clinic, practitioner, monkeypatch
) -> None:
    """A big clinic has thousands due (11,309 in issue 20's): the page reads one page of them in SQL."""
    monkeypatch.setattr(report_views, "RECALLS_PAGE", 2)
    today = clinic.today()
    for offset in (-5, 1, 30):
        course = make_completed_course(
            make_patient(clinic), practitioner, datetime(2025, 6, 1, 9, tzinfo=UTC)
        )
        MaintenanceRecall.objects.create(
            clinic=clinic, patient=course.patient, course=course, due_on=today + timedelta(days=offset)
        )
    client = client_for(owner)
    first = client.get("/reports/recalls/").content.decode()
    second = client.get("/reports/recalls/?page=2").content.decode()
    assert first.count("<tr><td><a href=") == 2
    assert 'rel="next"' in first
    assert second.count("<tr><td><a href=") == 1
    assert (today + timedelta(days=30)).strftime("%Y") in second
    assert len(csv_text(client.get("/reports/recalls/?format=csv")).splitlines()) == 4
