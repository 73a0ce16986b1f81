from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.catalog.models import Protocol
from mesoclinic.safety.models import ScreeningRecord
from mesoclinic.testing import client_for, make_patient


@pytest.fixture
def electroporation(clinic):
    return Protocol.objects.filter(clinic=clinic, modality__code="electroporation").first()


@pytest.fixture
def with_pacemaker(clinic):
    return make_patient(clinic, implants=["pacemaker"])


def _url(patient):
    return reverse("safety:screen_patient", args=[patient.pk])


HTMX = {"HX-Request": "true"}


def test_it_requires_login(client, with_pacemaker, electroporation):
    response = client.post(_url(with_pacemaker), {"protocol": electroporation.slug})
    assert response["Location"].startswith(reverse("login"))
    assert not ScreeningRecord.objects.exists()


def test_it_only_allows_post(receptionist, with_pacemaker):
    assert client_for(receptionist).get(_url(with_pacemaker)).status_code == 405


def test_it_refuses_an_auditor(auditor, with_pacemaker, electroporation):
    assert (
        client_for(auditor).post(_url(with_pacemaker), {"protocol": electroporation.slug}).status_code == 403
    )
    assert not ScreeningRecord.objects.exists()


def test_it_gives_404_for_another_clinics_patient(outsider, with_pacemaker, electroporation):
    response = client_for(outsider).post(_url(with_pacemaker), {"protocol": electroporation.slug})
    assert response.status_code == 404
    assert not ScreeningRecord.objects.exists()


def test_it_blocks_electroporation_for_a_pacemaker_in_the_htmx_partial(
    receptionist, with_pacemaker, electroporation
):
    response = client_for(receptionist).post(
        _url(with_pacemaker), {"protocol": electroporation.slug}, headers=HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="screening-panel"' in body
    assert "Blocked" in body
    assert "Pacemaker or implanted defibrillator: electroporation can disturb how the device works." in body
    assert "Beautech" in body  # the rule's source
    record = ScreeningRecord.objects.get()
    assert record.patient == with_pacemaker
    assert record.decision == "block"
    assert record.performed_by == receptionist.user


def test_it_keeps_the_chosen_protocol_selected_after_screening(receptionist, with_pacemaker, electroporation):
    body = (
        client_for(receptionist)
        .post(_url(with_pacemaker), {"protocol": electroporation.slug}, headers=HTMX)
        .content.decode()
    )
    assert f'<option value="{electroporation.slug}" selected>' in body


def test_it_puts_block_findings_before_warnings(clinic, receptionist, electroporation):
    patient = make_patient(clinic, conditions=["heart_disease"], implants=["pacemaker"])
    body = (
        client_for(receptionist)
        .post(_url(patient), {"protocol": electroporation.slug}, headers=HTMX)
        .content.decode()
    )
    assert body.index("Pacemaker or implanted defibrillator:") < body.index("Heart disease:")
    assert "Caution" in body


def test_it_says_ok_when_nothing_stands_against_the_treatment(clinic, receptionist, electroporation):
    patient = make_patient(clinic)
    body = (
        client_for(receptionist)
        .post(_url(patient), {"protocol": electroporation.slug}, headers=HTMX)
        .content.decode()
    )
    assert "OK" in body
    assert "nothing in the recorded history stands against this treatment" in body
    assert ScreeningRecord.objects.get().decision == "ok"


def test_it_redirects_to_the_chart_without_javascript(receptionist, with_pacemaker, electroporation):
    client = client_for(receptionist)
    response = client.post(_url(with_pacemaker), {"protocol": electroporation.slug})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("safety:patient_screening", args=[with_pacemaker.pk]))
    page = client.get(response["Location"]).content.decode()
    assert "<html" in page
    assert with_pacemaker.full_name in page
    assert "Blocked" in page
    assert "electroporation can disturb how the device works" in page


def test_it_screens_for_the_date_given(clinic, receptionist, electroporation):
    patient = make_patient(clinic)
    client_for(receptionist).post(_url(patient), {"protocol": electroporation.slug, "on": "2031-01-15"})
    assert str(ScreeningRecord.objects.get().screened_on) == "2031-01-15"


def test_it_screens_for_today_at_the_clinic_by_default(clinic, receptionist, electroporation):
    patient = make_patient(clinic)
    client_for(receptionist).post(_url(patient), {"protocol": electroporation.slug, "on": ""})
    assert ScreeningRecord.objects.get().screened_on == clinic.today()


def test_it_refuses_another_clinics_protocol(other_clinic, receptionist, with_pacemaker):
    foreign = Protocol.objects.filter(clinic=other_clinic).first()
    foreign.slug = "foreign-only"
    foreign.save(update_fields=["slug"])
    body = (
        client_for(receptionist)
        .post(_url(with_pacemaker), {"protocol": "foreign-only"}, headers=HTMX)
        .content.decode()
    )
    assert "Choose one of the clinic&#x27;s active protocols." in body
    assert not ScreeningRecord.objects.exists()


def test_it_shows_errors_and_keeps_the_date(receptionist, with_pacemaker):
    response = client_for(receptionist).post(_url(with_pacemaker), {"protocol": "", "on": "2031-01-15"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" in body
    assert "Choose the treatment to check." in body
    assert 'value="2031-01-15"' in body
    assert not ScreeningRecord.objects.exists()


def test_it_refuses_a_date_before_birth(receptionist, with_pacemaker, electroporation):
    body = (
        client_for(receptionist)
        .post(_url(with_pacemaker), {"protocol": electroporation.slug, "on": "1900-01-01"}, headers=HTMX)
        .content.decode()
    )
    assert "cannot be before the patient" in body
    assert not ScreeningRecord.objects.exists()
