from __future__ import annotations

from datetime import date

from django.urls import reverse

from mesoclinic.patients.services import update_medical_history
from mesoclinic.testing import client_for, make_patient


def _url(patient, tab=None):
    url = reverse("patients:detail", args=[patient.pk])
    return f"{url}?tab={tab}" if tab else url


def _patient(clinic):
    return make_patient(
        clinic,
        birth_date=date(1985, 3, 14),
        allergies=["lidocaine"],
        implants=["pacemaker"],
        conditions=["heart_disease"],
        medications=[{"code": "isotretinoin", "stopped": "2025-01-10"}],
        notes="Faints at the sight of needles.",
    )


def test_it_requires_login(client, clinic):
    patient = make_patient(clinic)
    assert client.get(_url(patient))["Location"].startswith(reverse("login"))


def test_it_only_allows_get(clinic, practitioner):
    patient = make_patient(clinic)
    assert client_for(practitioner).post(_url(patient)).status_code == 405


def test_it_refuses_an_auditor(clinic, auditor):
    patient = make_patient(clinic)
    assert client_for(auditor).get(_url(patient)).status_code == 403


def test_it_gives_404_for_another_clinics_patient(clinic, outsider):
    patient = make_patient(clinic)
    assert client_for(outsider).get(_url(patient)).status_code == 404


def test_it_gives_404_for_a_patient_that_does_not_exist(practitioner):
    assert client_for(practitioner).get(reverse("patients:detail", args=[999999])).status_code == 404


def test_it_shows_the_header_with_alerts_to_clinical_staff(clinic, practitioner):
    patient = _patient(clinic)
    body = client_for(practitioner).get(_url(patient)).content.decode()
    assert patient.full_name in body
    assert "1985-03-14" in body
    assert "Allergy: Lidocaine" in body
    assert "Pacemaker or implanted defibrillator" in body
    assert "Heart disease" in body
    assert "Isotretinoin (acne medicine) (stopped 2025-01-10)" in body


def test_it_opens_the_editable_history_for_clinical_staff(clinic, practitioner):
    patient = _patient(clinic)
    response = client_for(practitioner).get(_url(patient))
    body = response.content.decode()
    assert response.context["tab"] == "history"
    assert f'action="{reverse("patients:history", args=[patient.pk])}"' in body
    assert "Faints at the sight of needles." in body
    assert 'value="pacemaker"' in body and "checked" in body
    assert 'value="2025-01-10"' in body


def test_it_never_shows_a_receptionist_notes_or_clinical_chips(clinic, receptionist):
    patient = _patient(clinic)
    response = client_for(receptionist).get(_url(patient))
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["tab"] == "consents"
    assert "Faints" not in body
    assert "Lidocaine" not in body
    assert "Pacemaker" not in body
    assert "Heart disease" not in body
    assert reverse("safety:patient_screening", args=[patient.pk]) in body


def test_it_refuses_a_receptionist_the_history_tabs(clinic, receptionist):
    patient = _patient(clinic)
    client = client_for(receptionist)
    assert client.get(_url(patient, "history")).status_code == 403
    assert client.get(_url(patient, "versions")).status_code == 403


def test_it_lists_versions_newest_first_with_labels(clinic, practitioner):
    patient = make_patient(clinic, implants=["gold_threads"])
    update_medical_history(
        patient,
        actor=practitioner.user,
        implants=["pacemaker"],
        conditions=["epilepsy"],
        reason="New pacemaker",
    )
    response = client_for(practitioner).get(_url(patient, "versions"))
    body = response.content.decode()
    versions = response.context["versions"]
    assert versions[0].version.reason == "New pacemaker"
    assert versions[0].version.by == "Nina Nurse"
    changes = {c.field: (c.old, c.new) for c in versions[0].changes}
    assert changes["Implants"] == ("Gold threads", "Pacemaker or implanted defibrillator")
    assert changes["Conditions"] == ("—", "Epilepsy")
    assert body.index("New pacemaker") < body.index("Gold threads")


def test_it_falls_back_to_the_default_tab_for_an_unknown_one(clinic, practitioner):
    patient = make_patient(clinic)
    assert client_for(practitioner).get(_url(patient, "bogus")).context["tab"] == "history"
