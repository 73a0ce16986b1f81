"""The Progress tab: chart, sessions, 6-month line, change in words; clinical staff only, own clinic only."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest

from mesoclinic.accounts.models import StaffMember
from mesoclinic.outcomes.analysis.repeatability import METHOD_SPREAD
from mesoclinic.testing import client_for, make_patient, make_signed_session
from mesoclinic.testing.outcomes import make_analysed_photo, make_assessment, wrinkles
from mesoclinic.testing.scheduling import make_completed_course

pytestmark = pytest.mark.django_db


def _url(patient_id: int, query: str = "") -> str:
    return f"/reports/patients/{patient_id}/progress/{query}"


@pytest.fixture
def treated(clinic, practitioner):
    """Baseline 0.050, follow-ups 0.046 and 0.030, after a completed two-session needle series."""
    patient = make_patient(clinic)
    make_analysed_photo(patient, datetime(2026, 1, 5, 9, tzinfo=UTC), wrinkles(0.050))
    make_completed_course(patient, practitioner, datetime(2026, 1, 6, 9, tzinfo=UTC))
    make_analysed_photo(patient, datetime(2026, 3, 3, 9, tzinfo=UTC), wrinkles(0.046))
    make_analysed_photo(patient, datetime(2026, 7, 6, 9, tzinfo=UTC), wrinkles(0.030))
    make_assessment(patient, date(2026, 7, 6), glogau=2, gais_investigator=2, satisfaction=4)
    return patient


def test_it_draws_the_points_sessions_and_the_six_month_line(physician: StaffMember, treated) -> None:
    html = client_for(physician).get(_url(treated.pk)).content.decode()
    assert html.count('class="chart__point"') == 3
    assert html.count('class="chart__session"') == 2
    assert 'class="chart__durability" data-date="2026-08-03"' in html


def test_it_says_the_change_in_words(physician: StaffMember, treated) -> None:
    response = client_for(physician).get(_url(treated.pk))
    # the limit is the repeatability coefficient 1.96·√2·SD at the baseline's level, in % of the baseline
    sd = METHOD_SPREAD["wrinkle_area_fraction"].sd(0.050)
    limit = 1.96 * math.sqrt(2) * sd / 0.050 * 100
    words = f"−40.0 % vs baseline, beyond the method&#x27;s repeatability (±{limit:.1f} %)"
    assert words in response.content.decode()


def test_it_says_when_a_change_is_within_repeatability(physician: StaffMember, clinic, practitioner) -> None:
    patient = make_patient(clinic)
    make_analysed_photo(patient, datetime(2026, 1, 5, tzinfo=UTC), wrinkles(0.050))
    make_signed_session(patient, practitioner, performed_at=datetime(2026, 1, 6, tzinfo=UTC))
    make_analysed_photo(patient, datetime(2026, 6, 5, tzinfo=UTC), wrinkles(0.049))
    response = client_for(physician).get(_url(patient.pk))
    assert "within the method&#x27;s repeatability" in response.content.decode()


def test_without_a_session_the_first_measurement_is_the_baseline(physician: StaffMember, clinic) -> None:
    patient = make_patient(clinic)
    make_analysed_photo(patient, datetime(2026, 1, 5, tzinfo=UTC), wrinkles(0.050))
    make_analysed_photo(patient, datetime(2026, 3, 5, tzinfo=UTC), wrinkles(0.040))
    make_analysed_photo(patient, datetime(2026, 6, 5, tzinfo=UTC), wrinkles(0.030))
    response = client_for(physician).get(_url(patient.pk))
    assert "−40.0 % vs baseline" in response.content.decode()


def test_it_shows_the_chosen_metric_and_region(physician: StaffMember, clinic) -> None:
    patient = make_patient(clinic)
    make_analysed_photo(
        patient,
        datetime(2026, 1, 5, tzinfo=UTC),
        {"cheek_left": {"spot_count": 10}, "cheek_right": {"spot_count": 14}},
    )
    response = client_for(physician).get(_url(patient.pk, "?metric=spot_count&region=cheeks"))
    assert 'data-value="12"' in response.content.decode()


def test_it_falls_back_to_the_metric_s_usual_region_on_bad_input(physician: StaffMember, treated) -> None:
    response = client_for(physician).get(_url(treated.pk, "?metric=nonsense&region=elbow"))
    assert response.status_code == 200
    assert response.content.decode().count('class="chart__point"') == 3


def test_it_lists_the_scales_over_time(physician: StaffMember, treated) -> None:
    html = client_for(physician).get(_url(treated.pk)).content.decode()
    assert 'id="progress-scales"' in html
    assert "6 Jul 2026" in html


def test_it_says_so_without_measurements(physician: StaffMember, clinic) -> None:
    patient = make_patient(clinic)
    response = client_for(physician).get(_url(patient.pk))
    assert "Not enough measurements yet" in response.content.decode()


def test_it_shows_the_tab_in_the_chart(physician: StaffMember, treated) -> None:
    html = client_for(physician).get(_url(treated.pk)).content.decode()
    assert f'href="/reports/patients/{treated.pk}/progress/" aria-current="page"' in html


def test_it_is_404_for_another_clinic_s_patient(outsider: StaffMember, treated) -> None:
    assert client_for(outsider).get(_url(treated.pk)).status_code == 404


def test_it_is_403_without_clinical_access(receptionist: StaffMember, treated) -> None:
    assert client_for(receptionist).get(_url(treated.pk)).status_code == 403


def test_it_only_allows_get(physician: StaffMember, treated) -> None:
    assert client_for(physician).post(_url(treated.pk)).status_code == 405


def test_it_compares_only_measurements_of_the_newest_method(
    physician: StaffMember, clinic, practitioner
) -> None:
    patient = make_patient(clinic)
    old = make_analysed_photo(patient, datetime(2026, 1, 5, tzinfo=UTC), wrinkles(0.090))
    old.method_version = "1"
    old.save(update_fields=["method_version"])
    make_analysed_photo(patient, datetime(2026, 3, 5, tzinfo=UTC), wrinkles(0.050))
    make_signed_session(patient, practitioner, performed_at=datetime(2026, 3, 6, tzinfo=UTC))
    make_analysed_photo(patient, datetime(2026, 6, 5, tzinfo=UTC), wrinkles(0.049))
    html = client_for(physician).get(_url(patient.pk)).content.decode()
    assert html.count('class="chart__point"') == 2
    assert "1 older measurement was made by an earlier version of the analysis" in html
    assert "within the method&#x27;s repeatability" in html
