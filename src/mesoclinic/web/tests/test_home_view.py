from __future__ import annotations

from datetime import date
from unittest import mock

from django.urls import reverse

from mesoclinic.testing import client_for, make_patient

URL = reverse("web:home")


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_only_allows_get(receptionist):
    assert client_for(receptionist).post(URL).status_code == 405


def test_it_shows_todays_date_in_the_clinic_time_zone(clinic, receptionist):
    with mock.patch.object(type(clinic), "today", return_value=date(2031, 7, 4)):
        response = client_for(receptionist).get(URL)
    assert response.status_code == 200
    assert "Friday 4 July 2031" in response.content.decode()
    assert "Europe/Warsaw" in response.content.decode()


def test_it_counts_only_the_clinics_own_patients(clinic, other_clinic, receptionist):
    make_patient(clinic)
    make_patient(clinic)
    make_patient(other_clinic)
    response = client_for(receptionist).get(URL)
    assert response.context["patient_count"] == 2
    assert response.context["registered_today"] == 2
    assert len(response.context["recent_patients"]) == 2


def test_it_offers_a_search_that_goes_to_the_patient_list(receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    assert f'action="{reverse("patients:list")}"' in body
    assert 'name="q"' in body


def test_it_is_honest_about_what_is_not_built_yet(receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    assert "Not built yet" in body
    assert "scheduling" in body


def test_it_lays_out_the_page_accessibly(receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    assert '<html lang="en">' in body
    assert 'href="#main"' in body
    assert '"X-CSRFToken"' in body
    assert "htmx" in body
    assert "<script>" not in body  # no inline script: the CSP will forbid it


def test_it_shows_the_staff_member_and_a_logout_form(receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    assert "Rita Reception" in body
    assert "Receptionist" in body
    assert f'action="{reverse("logout")}"' in body


def test_it_shows_an_auditor_no_patient_figures(auditor):
    response = client_for(auditor).get(URL)
    assert response.status_code == 200
    assert "patient_count" not in response.context
    assert reverse("patients:list") not in response.content.decode()


def test_it_refuses_a_user_without_a_clinic(django_user_model, client):
    user = django_user_model.objects.create_user("loner", password="x" * 12)
    client.force_login(user)
    assert client.get(URL).status_code == 403
