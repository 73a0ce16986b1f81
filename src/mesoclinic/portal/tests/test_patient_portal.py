"""The patient portal: sign in by a code to the chart's e-mail, see the sessions, cancel within the policy."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from mesoclinic.catalog.models import Protocol
from mesoclinic.patients.services import update_patient
from mesoclinic.portal.models import PortalSignIn
from mesoclinic.scheduling.models import AppointmentStatus
from mesoclinic.scheduling.selectors import propose_series
from mesoclinic.scheduling.services import book_series
from mesoclinic.testing import make_patient
from mesoclinic.testing.portal import NEEDLE, NOW, at, open_booking

pytestmark = pytest.mark.django_db
BORN = date(1990, 5, 6)


@pytest.fixture
def booked(clinic):
    setup = open_booking(clinic)
    patient = make_patient(clinic, birth_date=BORN)
    update_patient(patient, email="ola@example.com", actor=None)
    needle = Protocol.objects.get(clinic=clinic, slug=NEEDLE)
    with at():
        sessions = propose_series(setup.location, needle, earliest=NOW + timedelta(days=2)).sessions
        course = book_series(patient, needle, setup.location, sessions, actor=None)
    return patient, list(course.appointments.order_by("starts_at"))


def sign_in(client, clinic, email="ola@example.com", born=BORN):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("portal:portal_sign_in", args=[clinic.slug]),
            {"email": email, "birth_date": born.isoformat()},
        )
    assert response.status_code == 302
    return response["Location"]


def code():
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def test_a_patient_signs_in_with_the_emailed_code_and_sees_the_series(clinic, booked):
    patient, _appointments = booked
    client = Client()
    with at():
        code_url = sign_in(client, clinic)
        assert mail.outbox[-1].to == ["ola@example.com"]
        response = client.post(code_url, {"code": code()})
        assert response["Location"] == reverse("portal:portal_home", args=[clinic.slug])
        page = client.get(response["Location"]).content.decode()
    assert f"Hello, {patient.given_name}" in page and page.count('class="button button--danger"') == 4
    with at(NOW + timedelta(minutes=31)):  # short sessions
        assert client.get(reverse("portal:portal_home", args=[clinic.slug])).status_code == 302


def test_an_unknown_address_or_birth_date_gets_the_same_answer_and_no_code(clinic, booked):
    client = Client()
    with at():
        first = sign_in(client, clinic, email="nobody@example.com")
        second = sign_in(client, clinic, born=date(1991, 1, 1))
        assert not mail.outbox
        for url in (first, second):
            response = client.post(url, {"code": "123456"})
            assert response.status_code == 422
    assert PortalSignIn.objects.count() == 2


def test_a_code_works_once_and_five_wrong_tries_end_it(clinic, booked):
    client = Client()
    with at():
        url = sign_in(client, clinic)
        right = code()
        wrong = "000000" if right != "000000" else "111111"
        for _n in range(5):
            client.post(url, {"code": wrong})
        assert client.post(url, {"code": right}).status_code == 422


def test_a_session_is_cancelled_within_the_policy_and_not_later(clinic, booked):
    _patient, appointments = booked
    client = Client()
    with at():
        client.post(sign_in(client, clinic), {"code": code()})
        last = appointments[-1]
        response = client.post(reverse("portal:portal_cancel", args=[clinic.slug, last.pk]))
        assert response.status_code == 302
    last.refresh_from_db()
    assert last.status == AppointmentStatus.CANCELLED
    first = appointments[0]
    with at(first.starts_at - timedelta(hours=3)):
        client = Client()
        client.post(sign_in(client, clinic), {"code": code()})
        client.post(reverse("portal:portal_cancel", args=[clinic.slug, first.pk]))
        page = client.get(reverse("portal:portal_home", args=[clinic.slug])).content.decode()
    first.refresh_from_db()
    assert first.status == AppointmentStatus.BOOKED and "24 hours before" in page


def test_another_patients_session_is_404_and_staff_pages_stay_closed(clinic, booked):
    patient, appointments = booked
    other = make_patient(clinic)
    update_patient(other, email="other@example.com", actor=None)
    client = Client()
    with at():
        client.post(
            sign_in(client, clinic, email="other@example.com", born=other.birth_date), {"code": code()}
        )
        response = client.post(reverse("portal:portal_cancel", args=[clinic.slug, appointments[-1].pk]))
        assert response.status_code == 404
        staff_page = client.get(reverse("patients:detail", args=[patient.pk]))
    assert staff_page.status_code == 302 and "/accounts/login/" in staff_page["Location"]
    appointments[-1].refresh_from_db()
    assert appointments[-1].status == AppointmentStatus.BOOKED


def test_signed_in_to_one_clinic_is_not_signed_in_to_another(clinic, other_clinic, booked):
    client = Client()
    with at():
        client.post(sign_in(client, clinic), {"code": code()})
        response = client.get(reverse("portal:portal_home", args=[other_clinic.slug]))
    assert response.status_code == 302
