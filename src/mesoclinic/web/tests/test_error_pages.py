from __future__ import annotations

from django.urls import reverse

from mesoclinic.testing import client_for, make_patient


def test_it_explains_a_refusal_in_the_layout(clinic, auditor):
    patient = make_patient(clinic)
    response = client_for(auditor).get(reverse("patients:detail", args=[patient.pk]))
    body = response.content.decode()
    assert response.status_code == 403
    assert "Your role does not allow this" in body
    assert 'href="#main"' in body


def test_it_does_not_reveal_another_clinics_patient(clinic, outsider):
    patient = make_patient(clinic)
    response = client_for(outsider).get(reverse("patients:detail", args=[patient.pk]))
    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in body
    assert patient.family_name not in body
