from __future__ import annotations

from django.urls import reverse

from mesoclinic.safety.models import ClinicRuleTable
from mesoclinic.testing import client_for

URL = reverse("safety:rules")


def test_it_requires_login(client):
    assert client.get(URL)["Location"].startswith(reverse("login"))


def test_it_only_allows_get(receptionist):
    assert client_for(receptionist).post(URL).status_code == 405


def test_it_refuses_an_auditor(auditor):
    assert client_for(auditor).get(URL).status_code == 403


def test_it_shows_the_matrix_of_factors_and_modalities(receptionist):
    response = client_for(receptionist).get(URL)
    body = response.content.decode()
    rows = {row.factor: row for row in response.context["rows"]}
    pacemaker = {cell.modality: cell.severity for cell in rows["pacemaker"].cells}
    assert pacemaker == {
        "needle": "",
        "electroporation": "block",
        "cryo_electroporation": "block",
        "iontophoresis": "block",
        "sonophoresis": "warn",
        "oxygen_infusion": "",
    }
    assert response.context["modalities"][0] == ("needle", "Needle mesotherapy")
    assert "Pacemaker or implanted defibrillator" in body
    assert "Block" in body and "Caution" in body


def test_it_shows_messages_and_linked_sources(receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    assert "the treatment can disturb how the device works" in body
    assert '<a href="https://beautech.it/' in body


def test_it_shows_the_note_that_the_medical_lead_must_review(receptionist):
    body = client_for(receptionist).get(URL).content.decode()
    assert "medical lead must review" in body


def test_it_shows_the_clinics_own_table(clinic, other_clinic, receptionist):
    table = ClinicRuleTable.objects.get(clinic=other_clinic)
    table.data = {**table.data, "note": "Reviewed by the other clinic."}
    table.save(update_fields=["data"])
    body = client_for(receptionist).get(URL).content.decode()
    assert "Reviewed by the other clinic." not in body


def test_it_exports_the_rule_table_as_csv(clinic, receptionist):
    from mesoclinic.audit.models import AuditEvent  # noqa: PLC0415
    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    rows = csv_rows(client_for(receptionist).get(URL, {"format": "csv"}))
    header = rows[0]
    assert header[:3] == ["factor", "label", "needle"]
    by_factor = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_factor["pregnant"]["needle"] == "block"
    assert by_factor["bleeding_disorder"]["needle"] == "block"
    assert by_factor["bleeding_disorder"]["electroporation"] == ""
    assert by_factor["pacemaker"]["sonophoresis"] == "warn"
    assert AuditEvent.objects.filter(action="export", data__list="safety.rules").exists()
