"""No personal data in logs or error reports: a 500 on a patient's page and a validation failure leave no
name, birth date, e-mail or phone in what the handlers write or in the e-mailed error report."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from datetime import date

import pytest
from django.core import mail
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.views.debug import get_exception_reporter_class

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.audit.redaction import RedactPersonalData, scrub
from mesoclinic.patients.models import Patient
from mesoclinic.patients.services import register_patient
from mesoclinic.testing import client_for

pytestmark = pytest.mark.django_db
SECRETS = ("Zofia", "Wiśniewska", "1979-02-28", "zofia.w@example.org", "+48 601 234 567", "601234567")


@pytest.fixture
def patient(clinic: Clinic) -> Patient:
    return register_patient(
        clinic,
        actor=None,
        given_name="Zofia",
        family_name="Wiśniewska",
        birth_date=date(1979, 2, 28),
        sex="female",
        email="zofia.w@example.org",
        phone="+48 601 234 567",
    )


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the configured console handler writes (the handler the settings install, with its filter)."""
    handler = next(h for h in logging.getLogger("django").handlers if isinstance(h, logging.StreamHandler))
    stream = io.StringIO()
    old = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(old)


def _assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


@override_settings(ADMINS=[("Ops", "ops@example.org")], DEBUG=False)
def test_a_500_on_a_patient_page_logs_and_mails_no_personal_data(
    patient: Patient, physician: StaffMember, log_output: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(request: object, patient: Patient, tab: str) -> None:
        raise RuntimeError(f"cannot draw {patient} born {patient.birth_date} {patient.email} {patient.phone}")

    monkeypatch.setattr("mesoclinic.patients.views._render_chart", explode)
    client = client_for(physician)
    client.raise_request_exception = False
    url = reverse("patients:detail", args=[patient.pk])
    response = client.get(f"{url}?q=Zofia+Wi%C5%9Bniewska&email=zofia.w@example.org")
    assert response.status_code == 500
    logged = log_output.getvalue()
    assert "Internal Server Error" in logged
    assert "RuntimeError" in logged  # the stack is kept, only the message is withheld
    _assert_clean(logged)
    [report] = mail.outbox
    assert "RuntimeError" in report.body
    _assert_clean(report.subject + report.body)
    for _, content, _ in report.alternatives or []:
        _assert_clean(str(content))


@override_settings(ADMINS=[("Ops", "ops@example.org")], DEBUG=False)
def test_a_500_on_a_patient_form_mails_no_posted_values(
    patient: Patient, physician: StaffMember, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr("mesoclinic.patients.views.PatientForm.is_valid", explode)
    client = client_for(physician)
    client.raise_request_exception = False
    data = {
        "given_name": "Zofia",
        "family_name": "Wiśniewska",
        "birth_date": "1979-02-28",
        "email": "zofia.w@example.org",
        "phone": "+48 601 234 567",
    }
    response = client.post(reverse("patients:edit", args=[patient.pk]), data)
    assert response.status_code == 500
    [report] = mail.outbox
    assert "RuntimeError" in report.body
    _assert_clean(report.body)


def test_the_error_report_keeps_field_names_and_hides_values(patient: Patient) -> None:
    """The reporter on its own (as Django's technical 500 page uses it): POST keys, no values, no locals.

    The values come from ``SECRETS``: the report quotes the source lines around the failure, which is code.
    """
    posted = {"given_name": SECRETS[0], "email": SECRETS[3]}
    request = RequestFactory().post(f"/patients/{patient.pk}/edit/?q={SECRETS[1]}", posted)
    try:
        who = patient  # a local variable holding the patient
        raise ValueError(f"{who.full_name} {who.phone}")
    except ValueError:
        reporter = get_exception_reporter_class(request)(request, *sys.exc_info())
        text = reporter.get_traceback_text() + reporter.get_traceback_html()
    assert "given_name" in text
    assert f"&lt;patients.patient {patient.pk}&gt;" in text or f"<patients.patient {patient.pk}>" in text
    _assert_clean(text)


def test_a_validation_failure_logs_no_personal_data(
    patient: Patient, physician: StaffMember, log_output: io.StringIO
) -> None:
    client = client_for(physician)
    body = {
        "email": "zofia.w@example.org",
        "phone": "+48 601 234 567",
        "birth_date": "1979-02-30",
        "given_name": "Zofia",
    }
    response = client.patch(
        f"/api/v1/patients/{patient.pk}?name=Zofia", body, content_type="application/json"
    )
    assert response.status_code in (400, 422)
    logged = log_output.getvalue()
    assert f"/api/v1/patients/{patient.pk}" in logged
    _assert_clean(logged)


def test_the_filter_withholds_queries_addresses_numbers_and_sql() -> None:
    record = logging.LogRecord(
        "django.server", logging.INFO, "x", 1, '"%s" %s', ("GET /patients/?q=Zofia HTTP/1.1", 200), None
    )
    RedactPersonalData().filter(record)
    assert record.getMessage() == '"GET /patients/?[withheld] HTTP/1.1" 200'
    assert scrub("mail zofia.w@example.org or call +48 601 234 567") == "mail [e-mail] or call [number]"
    sql = logging.LogRecord(
        "django.db.backends",
        logging.DEBUG,
        "x",
        1,
        "(%.3f) %s; args=%s; alias=%s",
        (0.002, "SELECT 'Zofia'", ("Zofia",), "default"),
        None,
    )
    sql.duration, sql.alias, sql.sql = 0.002, "default", "SELECT 'Zofia'"
    RedactPersonalData().filter(sql)
    assert "Zofia" not in sql.getMessage() + str(sql.sql)
