"""The cohort report: change vs baseline by delivery, modality and cocktail, with n and 95 % CI; CSV too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mesoclinic.accounts.models import StaffMember
from mesoclinic.testing import client_for, csv_text, make_patient
from mesoclinic.testing.outcomes import make_analysed_photo, make_assessment, wrinkles
from mesoclinic.testing.scheduling import make_completed_course

pytestmark = pytest.mark.django_db
URL = "/reports/outcomes/"
START = datetime(2026, 1, 10, 9, tzinfo=UTC)


def treat(
    clinic, practitioner, *, modality: str, after: float, cocktail: str | None = None, baseline: float = 0.050
):
    patient = make_patient(clinic)
    make_analysed_photo(patient, START - timedelta(days=1), wrinkles(baseline))
    make_completed_course(patient, practitioner, START, modality=modality, cocktail_code=cocktail)
    make_analysed_photo(patient, START + timedelta(days=170), wrinkles(after))
    return patient


@pytest.fixture
def cohort(clinic, practitioner):
    for after in (0.040, 0.041, 0.042):  # −20 %, −18 %, −16 %
        treat(clinic, practitioner, modality="needle", after=after, cocktail="hydration_ha_lidocaine")
    for after in (0.048, 0.047, 0.049):  # −4 %, −6 %, −2 %
        treat(clinic, practitioner, modality="electroporation", after=after)
    treat(clinic, practitioner, modality="oxygen_infusion", after=0.050)


def test_it_compares_needle_with_needle_free(owner: StaffMember, cohort) -> None:
    html = client_for(owner).get(URL).content.decode()
    assert 'data-label="Needle" data-n="3" data-mean="-18"' in html
    assert 'data-label="Needle-free" data-n="4" data-mean="-3"' in html


def test_it_gives_the_confidence_interval(owner: StaffMember, cohort) -> None:
    html = client_for(owner).get(URL).content.decode()
    # −18 ± t(2) · 2 / √3 = −18 ± 4.3027 · 1.1547 = −18 ± 4.9683
    assert 'data-ci-low="-22.9683" data-ci-high="-13.0317"' in html


def test_it_says_plainly_when_n_is_too_small(owner: StaffMember, cohort) -> None:
    html = client_for(owner).get(URL).content.decode()
    assert "n too small for a CI (needs 3)" in html  # oxygen infusion: one course


def test_it_groups_by_cocktail(owner: StaffMember, cohort) -> None:
    html = client_for(owner).get(URL).content.decode()
    assert "No cocktail recorded" in html
    assert html.count('class="chart__row"') == 2 + 3 + 2


def test_it_leaves_out_courses_without_a_late_enough_follow_up(
    owner: StaffMember, clinic, practitioner
) -> None:
    treat(clinic, practitioner, modality="needle", after=0.040)
    response = client_for(owner).get(URL + "?months=7")
    assert "1 course without a baseline and a follow-up photo is left out." in response.content.decode()


def test_it_exports_csv(owner: StaffMember, cohort) -> None:
    response = client_for(owner).get(URL + "?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = csv_text(response).splitlines()
    assert lines[0] == "grouping,group,n,mean_change_pct,sd_pct,ci95_low_pct,ci95_high_pct"
    assert "delivery,Needle,3,-18.000,2.000,-22.968,-13.032" in lines


def test_it_summarises_scales_by_modality(owner: StaffMember, clinic, practitioner) -> None:
    patient = treat(clinic, practitioner, modality="needle", after=0.040)
    make_assessment(
        patient, (START + timedelta(days=170)).date(), gais_investigator=2, gais_subject=3, satisfaction=4
    )
    html = client_for(owner).get(URL).content.decode()
    assert "Needle mesotherapy" in html
    assert "4.0 <span" in html


def test_it_reads_a_bounded_number_of_queries(
    owner: StaffMember, clinic, practitioner, django_assert_max_num_queries
) -> None:
    for i in range(12):
        treat(clinic, practitioner, modality="needle" if i % 2 else "electroporation", after=0.045)
    client = client_for(owner)
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200


def test_it_does_not_count_another_clinic_s_courses(outsider: StaffMember, cohort) -> None:
    html = client_for(outsider).get(URL).content.decode()
    assert 'class="chart__row"' not in html


@pytest.mark.parametrize("role", ["receptionist", "practitioner"])
def test_it_is_403_for_staff_without_reports(role: str, request) -> None:
    staff = request.getfixturevalue(role)
    assert client_for(staff).get(URL).status_code == 403


def test_it_only_allows_get(owner: StaffMember) -> None:
    assert client_for(owner).post(URL).status_code == 405
