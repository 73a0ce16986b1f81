"""``import_csv``: patients and appointments from another system, every bad row reported, nothing partial."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mesoclinic import testing
from mesoclinic.audit.models import AuditEvent
from mesoclinic.interop.models import ExternalIdentifier
from mesoclinic.interop.services import import_csv
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import Appointment

pytestmark = pytest.mark.django_db

PATIENTS = {
    "external_id": "ID",
    "given_name": "First",
    "family_name": "Last",
    "birth_date": "Born",
    "email": "Email",
    "sex": "Sex",
}
HEADER = "ID,First,Last,Born,Email,Sex\n"


def run_patients(clinic, text, *, dry_run=False, source="oldsys"):
    return import_csv(clinic, "patients", text, PATIENTS, source=source, dry_run=dry_run, actor=None)


def test_it_imports_every_patient_with_the_external_id_kept(clinic, owner):
    text = HEADER + "A1,Zofia,Kowalska,1985-03-14,z@example.org,F\nA2,Jan,Nowak,02.11.1979,,m\n"
    report = import_csv(clinic, "patients", text, PATIENTS, source="oldsys", dry_run=False, actor=owner.user)
    assert report.saved and report.created == 2 and report.errors == []
    zofia = Patient.objects.get(clinic=clinic, family_name="Kowalska")
    assert (zofia.birth_date, zofia.sex, zofia.email) == (date(1985, 3, 14), "female", "z@example.org")
    assert ExternalIdentifier.objects.get(patient=zofia).value == "A1"
    assert Patient.objects.get(clinic=clinic, family_name="Nowak").birth_date == date(1979, 11, 2)
    assert AuditEvent.objects.filter(action="import", clinic=clinic, data__created=2).exists()


def test_it_reports_every_bad_row_by_row_and_column_and_saves_nothing(clinic):
    text = (
        HEADER
        + "A1,Zofia,Kowalska,1985-03-14,z@example.org,F\n"  # fine
        + "A2,,Nowak,1979-11-02,,M\n"  # no first name
        + "A3,Ewa,Lis,31.02.1990,,F\n"  # no such date
        + "A4,Ola,Wrona,1990-01-01,not-an-email,Q\n"  # bad e-mail, bad sex
    )
    before = Patient.objects.count()
    report = run_patients(clinic, text)
    assert not report.saved
    found = {(e.row, e.column) for e in report.errors}
    assert {(3, "First"), (4, "Born"), (5, "Sex")} <= found
    assert Patient.objects.count() == before
    assert not ExternalIdentifier.objects.exists()


def test_the_patient_models_own_checks_come_back_as_row_errors(clinic):
    report = run_patients(
        clinic,
        HEADER + "A1,Zofia,Kowalska,1985-03-14,z@example.org,F\nA4,Ola,Wrona,1990-01-01,not-an-email,F\n",
    )
    assert [(e.row, e.column) for e in report.errors] == [(3, "Email")]
    assert not Patient.objects.filter(clinic=clinic).exists()


def test_a_dry_run_reports_the_count_and_saves_nothing(clinic):
    report = run_patients(clinic, HEADER + "A1,Zofia,Kowalska,1985-03-14,,F\n", dry_run=True)
    assert report.created == 1 and report.errors == [] and not report.saved
    assert not Patient.objects.filter(clinic=clinic).exists()


def test_duplicates_in_the_file_and_against_the_clinic_are_errors(clinic):
    run_patients(clinic, HEADER + "A1,Zofia,Kowalska,1985-03-14,,F\n")
    text = (
        HEADER
        + "A1,Other,Person,1970-01-01,,F\n"  # id already imported
        + "B1,Zofia,Kowalska,1985-03-14,,F\n"  # same person already registered
        + "B2,Jan,Nowak,1979-11-02,,M\n"
        + "B2,Janek,Nowak,1979-11-03,,M\n"  # id twice in this file
        + "B3,JAN,nowak,1979-11-02,,M\n"  # same person twice in this file
    )
    report = run_patients(clinic, text)
    messages = {e.row: e.message for e in report.errors}
    assert "already imported" in messages[2]
    assert "Already registered as patient" in messages[3]
    assert "appears twice" in messages[5]
    assert "Same person as row 4" in messages[6]
    assert Patient.objects.filter(clinic=clinic).count() == 1


def test_the_same_name_without_its_diacritics_is_the_same_person_and_a_shared_email_is_no_error(clinic):
    run_patients(clinic, HEADER + "A1,Zofia,Zając,1985-03-14,family@example.org,F\n")
    text = HEADER + "B1,ZOFIA,Zajac,1985-03-14,,F\nB2,Jan,Zając,2010-05-01,family@example.org,M\n"
    report = run_patients(clinic, text)
    assert [(e.row, e.message[:26]) for e in report.errors] == [(2, "Already registered as pati")]
    report = run_patients(clinic, HEADER + "B2,Jan,Zając,2010-05-01,family@example.org,M\n")
    assert report.saved and report.created == 1


def test_the_same_external_id_from_another_system_is_another_patient(clinic):
    run_patients(clinic, HEADER + "A1,Zofia,Kowalska,1985-03-14,,F\n", source="one")
    report = run_patients(clinic, HEADER + "A1,Jan,Nowak,1979-11-02,,M\n", source="two")
    assert report.saved


def test_a_mapping_without_a_required_field_is_refused_before_any_row(clinic):
    with pytest.raises(ValidationError, match="Choose the column for Date of birth"):
        import_csv(
            clinic,
            "patients",
            HEADER,
            {"given_name": "First", "family_name": "Last"},
            dry_run=True,
            actor=None,
        )


# --- Appointments -----------------------------------------------------------------------------------------

APPOINTMENTS = {
    "patient_external_id": "Patient",
    "starts_at": "Start",
    "practitioner": "With",
    "location": "Where",
    "modality": "Treatment",
    "status": "Status",
}
APPT_HEADER = "Patient,Start,With,Where,Treatment,Status\n"


@pytest.fixture
def site(clinic):
    sched = testing.make_schedulable(clinic)
    run_patients(
        clinic, HEADER + "A1,Zofia,Kowalska,1985-03-14,z@example.org,F\nA2,Jan,Nowak,1979-11-02,,M\n"
    )
    return sched


def next_weekday_at(hour: int, days: int = 14) -> str:
    """A wall-clock time at the site (Europe/Warsaw) on a weekday ``days`` or more ahead."""
    day = timezone.now().astimezone(ZoneInfo("Europe/Warsaw")).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return f"{day.isoformat()} {hour:02d}:00"


def run_appointments(clinic, text, mapping=APPOINTMENTS, *, dry_run=False):
    return import_csv(clinic, "appointments", text, mapping, source="oldsys", dry_run=dry_run, actor=None)


def test_past_appointments_import_as_history_with_their_status(clinic, site):
    text = (
        APPT_HEADER
        + "A1,2024-05-06 10:00,Nina Nurse,Main,needle,attended\nA2,2024-05-06 10:00,Nina Nurse,Main,needle,cancelled\n"
    )
    report = run_appointments(clinic, text)
    assert report.saved, report.errors
    done = Appointment.objects.get(patient__family_name="Kowalska")
    assert done.status == "completed"
    assert (
        done.completion == "imported"
    )  # history from the old system: shown as such, never a session done here
    assert done.starts_at == datetime(2024, 5, 6, 8, 0, tzinfo=UTC)  # 10:00 in Warsaw (CEST)
    assert done.practitioner == site.practitioner and done.room == site.room and done.device is None
    assert Appointment.objects.get(patient__family_name="Nowak").status == "cancelled"


def test_a_past_appointment_without_a_status_is_completed_and_a_future_one_booked(clinic, site):
    text = (
        APPT_HEADER
        + f"A1,2024-05-06 10:00,Nina Nurse,Main,needle,\nA2,{next_weekday_at(10)},Nina Nurse,Main,needle,\n"
    )
    assert run_appointments(clinic, text).saved
    assert Appointment.objects.get(patient__family_name="Kowalska").status == "completed"
    assert Appointment.objects.get(patient__family_name="Nowak").status == "booked"


def test_future_appointments_go_through_the_schedule_conflict_checks(clinic, site):
    when = next_weekday_at(10)
    text = (
        APPT_HEADER
        + f"A1,{when},Nina Nurse,Main,needle,booked\n"
        + f"A2,{when},Nina Nurse,Main,needle,booked\n"  # the same practitioner and room at the same time
        + f"A2,{next_weekday_at(6)},Nina Nurse,Main,needle,booked\n"  # before the practitioner's hours
        + f"A2,{next_weekday_at(11)},Nina Nurse,Main,needle,completed\n"  # a future one cannot be completed
    )
    report = run_appointments(clinic, text)
    rows = {e.row: e.message for e in report.errors}
    assert set(rows) == {3, 4, 5}
    assert "not free" in rows[3] or "overlaps" in rows[3]
    assert "not free" in rows[4]
    assert "only be imported as booked" in rows[5]
    assert not Appointment.objects.exists()


def test_unknown_patients_practitioners_locations_and_modalities_are_row_errors(clinic, site):
    text = (
        APPT_HEADER
        + "ZZ,2024-05-06 10:00,Nina Nurse,Main,needle,\n"
        + "A1,2024-05-06 10:00,Nobody,Main,needle,\n"
        + "A1,2024-05-06 10:00,Nina Nurse,Moon base,needle,\n"
        + "A1,2024-05-06 10:00,Nina Nurse,Main,laser,\n"
        + "A1,yesterday,Nina Nurse,Main,needle,\n"
    )
    report = run_appointments(clinic, text)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "Patient"),
        (3, "With"),
        (4, "Where"),
        (5, "Treatment"),
        (6, "Start"),
    ]
    assert not Appointment.objects.exists()


def test_patients_are_found_by_email_too(clinic, site):
    mapping = {**APPOINTMENTS, "patient_email": "Email"}
    del mapping["patient_external_id"]
    text = "Email,Start,With,Where,Treatment,Status\nZ@example.org,2024-05-06 10:00,Nina Nurse,Main,needle,\n"
    assert run_appointments(clinic, text, mapping).saved
    assert Appointment.objects.get().patient.family_name == "Kowalska"


def test_overlapping_history_rows_are_refused_by_the_database(clinic, site):
    text = (
        APPT_HEADER
        + "A1,2024-05-06 10:00,Nina Nurse,Main,needle,\nA2,2024-05-06 10:15,Nina Nurse,Main,needle,\n"
    )
    report = run_appointments(clinic, text)
    assert [(e.row, "overlaps" in e.message) for e in report.errors] == [(3, True)]
    assert not Appointment.objects.exists()
