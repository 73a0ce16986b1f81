from __future__ import annotations

from django.urls import reverse

from mesoclinic.catalog.models import Protocol
from mesoclinic.safety.services import screen_patient
from mesoclinic.testing import client_for, make_patient


def _url(patient):
    return reverse("safety:patient_screening", args=[patient.pk])


def test_it_requires_login(client, clinic):
    patient = make_patient(clinic)
    assert client.get(_url(patient))["Location"].startswith(reverse("login"))


def test_it_only_allows_get(clinic, receptionist):
    patient = make_patient(clinic)
    assert client_for(receptionist).post(_url(patient)).status_code == 405


def test_it_refuses_an_auditor(clinic, auditor):
    patient = make_patient(clinic)
    assert client_for(auditor).get(_url(patient)).status_code == 403


def test_it_gives_404_for_another_clinics_patient(clinic, outsider):
    patient = make_patient(clinic)
    assert client_for(outsider).get(_url(patient)).status_code == 404


def test_it_shows_the_chart_with_the_screening_form(clinic, receptionist):
    patient = make_patient(clinic)
    response = client_for(receptionist).get(_url(patient))
    body = response.content.decode()
    assert response.context["tab"] == "screening"
    assert patient.full_name in body
    assert f'action="{reverse("safety:screen_patient", args=[patient.pk])}"' in body
    assert 'hx-post="' in body
    assert "has not been screened yet" in body


def test_it_offers_only_the_clinics_active_protocols(clinic, other_clinic, receptionist):
    patient = make_patient(clinic)
    Protocol.objects.filter(clinic=other_clinic).update(name="Foreign protocol")
    inactive = Protocol.objects.filter(clinic=clinic).first()
    inactive.is_active = False
    inactive.save(update_fields=["is_active"])
    body = client_for(receptionist).get(_url(patient)).content.decode()
    assert "Foreign protocol" not in body
    assert f'value="{inactive.slug}"' not in body
    active = Protocol.objects.filter(clinic=clinic, is_active=True).first()
    assert f'value="{active.slug}"' in body


def test_it_shows_the_latest_screening_and_earlier_ones(clinic, practitioner):
    patient = make_patient(clinic, implants=["pacemaker"])
    needle = Protocol.objects.filter(clinic=clinic, modality__code="needle").first()
    electroporation = Protocol.objects.filter(clinic=clinic, modality__code="electroporation").first()
    screen_patient(patient, protocol=needle, on=clinic.today(), actor=practitioner.user)
    screen_patient(patient, protocol=electroporation, on=clinic.today(), actor=practitioner.user)
    response = client_for(practitioner).get(_url(patient))
    body = response.content.decode()
    assert response.context["latest"].record.protocol == electroporation
    assert [item.record.protocol for item in response.context["earlier"]] == [needle]
    assert "Latest screening" in body
    assert "Earlier screenings" in body
    assert "by Nina Nurse" in body


def test_it_shows_a_receptionist_the_decision_but_no_clinical_chips(clinic, receptionist):
    patient = make_patient(clinic, implants=["pacemaker"], notes="Private note")
    electroporation = Protocol.objects.filter(clinic=clinic, modality__code="electroporation").first()
    screen_patient(patient, protocol=electroporation, on=clinic.today(), actor=None)
    body = client_for(receptionist).get(_url(patient)).content.decode()
    assert "Blocked" in body
    assert "Private note" not in body
    assert 'id="patient-alerts"' not in body
