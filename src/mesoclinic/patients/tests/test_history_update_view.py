from __future__ import annotations

from django.urls import reverse

from mesoclinic.patients.selectors import medical_history_versions
from mesoclinic.testing import client_for, make_patient


def _url(patient):
    return reverse("patients:history", args=[patient.pk])


def _data(**overrides):
    data = {
        "conditions": ["epilepsy"],
        "medications": ["anticoagulant", "isotretinoin"],
        "stopped_isotretinoin": "2025-02-01",
        "implants": ["pacemaker"],
        "allergies": ["lidocaine", "hyaluronic_acid"],
        "notes": "Anxious about needles.",
        "status": "confirmed",
        "reason": "First visit questionnaire",
    }
    data.update(overrides)
    return data


def test_it_requires_login(client, clinic):
    patient = make_patient(clinic)
    assert client.post(_url(patient), _data())["Location"].startswith(reverse("login"))


def test_it_only_allows_post(clinic, practitioner):
    patient = make_patient(clinic)
    assert client_for(practitioner).get(_url(patient)).status_code == 405


def test_it_refuses_a_receptionist(clinic, receptionist):
    patient = make_patient(clinic)
    assert client_for(receptionist).post(_url(patient), _data()).status_code == 403
    patient.medical_history.refresh_from_db()
    assert patient.medical_history.implants == []


def test_it_gives_404_for_another_clinics_patient(clinic, outsider):
    patient = make_patient(clinic)
    assert client_for(outsider).post(_url(patient), _data()).status_code == 404
    patient.medical_history.refresh_from_db()
    assert patient.medical_history.implants == []


def test_it_saves_the_history_and_a_new_version(clinic, practitioner):
    patient = make_patient(clinic)
    before = len(medical_history_versions(patient))
    response = client_for(practitioner).post(_url(patient), _data())
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:detail", args=[patient.pk]) + "?tab=history"
    history = patient.medical_history
    history.refresh_from_db()
    assert history.conditions == ["epilepsy"]
    assert history.implants == ["pacemaker"]
    assert history.allergies == ["hyaluronic_acid", "lidocaine"]
    assert history.medications == [
        {"code": "anticoagulant", "stopped": None},
        {"code": "isotretinoin", "stopped": "2025-02-01"},
    ]
    assert history.notes == "Anxious about needles."
    versions = medical_history_versions(patient)
    assert len(versions) == before + 1
    assert versions[0].reason == "First visit questionnaire"
    assert versions[0].by == "Nina Nurse"


def test_it_requires_a_reason_for_a_change_and_keeps_what_was_ticked(clinic, practitioner):
    patient = make_patient(clinic)
    response = client_for(practitioner).post(_url(patient), _data(reason=""))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Say briefly why the history changed" in body
    assert "Anxious about needles." in body
    assert 'value="2025-02-01"' in body
    assert body.count("checked") >= 6
    patient.medical_history.refresh_from_db()
    assert patient.medical_history.implants == []


def test_it_wants_a_ticked_medication_for_a_stop_date(clinic, practitioner):
    patient = make_patient(clinic)
    body = (
        client_for(practitioner)
        .post(_url(patient), _data(medications=["anticoagulant"], stopped_isotretinoin="2025-02-01"))
        .content.decode()
    )
    assert "Tick the medication too, or clear this date." in body
    patient.medical_history.refresh_from_db()
    assert patient.medical_history.medications == []


def test_it_rejects_an_ingredient_the_clinic_does_not_have(clinic, practitioner):
    patient = make_patient(clinic)
    body = client_for(practitioner).post(_url(patient), _data(allergies=["unobtainium"])).content.decode()
    assert "Select a valid choice" in body
    patient.medical_history.refresh_from_db()
    assert patient.medical_history.allergies == []


def test_it_saves_no_version_when_nothing_changed(clinic, practitioner):
    patient = make_patient(clinic, implants=["pacemaker"])
    before = len(medical_history_versions(patient))
    response = client_for(practitioner).post(
        _url(patient), {"implants": ["pacemaker"], "status": "confirmed"}, follow=True
    )
    assert "Nothing changed" in response.content.decode()
    assert len(medical_history_versions(patient)) == before


def test_it_saves_no_version_for_a_reason_alone(clinic, practitioner):
    patient = make_patient(clinic, implants=["pacemaker"])
    before = len(medical_history_versions(patient))
    response = client_for(practitioner).post(
        _url(patient),
        {"implants": ["pacemaker"], "status": "confirmed", "reason": "Just checking"},
        follow=True,
    )
    assert "Nothing changed" in response.content.decode()
    assert len(medical_history_versions(patient)) == before


def test_taking_a_new_patients_history_with_nothing_to_report_is_saved(clinic, practitioner):
    patient = make_patient(clinic, history_taken=False)
    response = client_for(practitioner).post(_url(patient), {"status": "confirmed", "reason": "Intake"})
    assert response.status_code == 302
    history = patient.medical_history
    history.refresh_from_db()
    assert history.status == "confirmed"
    assert history.confirmed_by == practitioner.user
    assert history.confirmed_at is not None
    assert history.conditions == []


def test_it_asks_how_the_history_was_taken(clinic, practitioner):
    patient = make_patient(clinic, history_taken=False)
    response = client_for(practitioner).post(_url(patient), {"implants": ["pacemaker"], "reason": "Intake"})
    assert response.status_code == 200
    assert "Say how the history was taken" in response.content.decode()
    patient.medical_history.refresh_from_db()
    assert patient.medical_history.status == "not_taken"
    assert patient.medical_history.implants == []


def test_free_text_allergies_and_medicines_are_saved_one_per_line(clinic, practitioner):
    patient = make_patient(clinic)
    data = _data(other_allergies="latex\n chlorhexidine \n\n", other_medications="Xarelto 20 mg")
    assert client_for(practitioner).post(_url(patient), data).status_code == 302
    history = patient.medical_history
    history.refresh_from_db()
    assert history.other_allergies == ["latex", "chlorhexidine"]
    assert history.other_medications == ["Xarelto 20 mg"]
