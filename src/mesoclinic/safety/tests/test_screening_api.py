"""The screening API: a registered patient against a catalog protocol, ad hoc JSON, and the rule table."""

from __future__ import annotations

import json

import pytest

from mesoclinic.catalog.models import Protocol
from mesoclinic.safety.models import ClinicRuleTable, ScreeningRecord
from mesoclinic.testing import client_for, make_patient

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def protocol_of(clinic, modality):
    return Protocol.objects.filter(clinic=clinic, modality__code=modality).first()


def test_it_blocks_electroporation_for_a_pacemaker_and_logs_it(clinic, receptionist):
    patient = make_patient(clinic, implants=["pacemaker"])
    protocol = protocol_of(clinic, "electroporation")
    response = post(
        client_for(receptionist),
        f"/api/v1/screening/patients/{patient.pk}",
        {"protocol": protocol.slug, "on": "2027-01-10"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decision"] == "block"
    assert [(f["severity"], f["factor"]) for f in body["findings"]] == [("block", "pacemaker")]
    assert "pacemaker" in body["findings"][0]["message"].lower()
    record = ScreeningRecord.objects.get(patient=patient)
    assert (record.decision, record.protocol, str(record.screened_on)) == ("block", protocol, "2027-01-10")


def test_it_warns_for_anticoagulants_with_needles_only(clinic, practitioner):
    patient = make_patient(clinic, medications=[{"code": "anticoagulant"}])
    client = client_for(practitioner)
    needle = post(
        client, f"/api/v1/screening/patients/{patient.pk}", {"protocol": protocol_of(clinic, "needle").slug}
    )
    oxygen = post(
        client,
        f"/api/v1/screening/patients/{patient.pk}",
        {"protocol": protocol_of(clinic, "oxygen_infusion").slug},
    )
    assert needle.json()["decision"] == "warn"
    assert oxygen.json() == {"decision": "ok", "findings": []}


def test_it_screens_against_an_ad_hoc_spec(clinic, practitioner):
    patient = make_patient(clinic, allergies=["lidocaine"])
    response = post(
        client_for(practitioner),
        f"/api/v1/screening/patients/{patient.pk}",
        {"spec": {"modality": "needle", "ingredients": ["hyaluronic_acid", "lidocaine"]}},
    )
    assert response.json()["findings"][0]["factor"] == "lidocaine"


def test_it_rejects_unknown_ingredients_and_both_or_no_targets(clinic, practitioner):
    patient = make_patient(clinic)
    client = client_for(practitioner)
    url = f"/api/v1/screening/patients/{patient.pk}"
    bad = post(client, url, {"spec": {"modality": "needle", "ingredients": ["unobtainium"]}})
    assert bad.status_code == 422 and "unobtainium" in bad.json()["detail"]
    assert post(client, url, {}).status_code == 422
    assert post(client, url, {"protocol": "x", "spec": {"modality": "needle"}}).status_code == 422
    assert post(client, url, {"protocol": "no-such-protocol"}).status_code == 404
    assert not ScreeningRecord.objects.exists()


def test_it_screens_patient_json_without_storing(clinic, receptionist):
    payload = {
        "patient": {"birth_date": "1980-01-01", "implants": ["pacemaker"], "allergies": ["lidocaine"]},
        "protocol": {"modality": "electroporation", "ingredients": ["hyaluronic_acid", "lidocaine"]},
        "on": "2027-01-01",
    }
    response = post(client_for(receptionist), "/api/v1/screening/check", payload)
    assert response.status_code == 200
    findings = {(f["severity"], f["factor"]) for f in response.json()["findings"]}
    assert findings == {("block", "pacemaker"), ("block", "lidocaine")}
    assert not ScreeningRecord.objects.exists()


def test_it_names_the_bad_field_of_patient_json(receptionist):
    payload = {"patient": {"birth_date": "1980-02-30"}, "protocol": {"modality": "needle"}}
    response = post(client_for(receptionist), "/api/v1/screening/check", payload)
    assert response.status_code == 422
    assert "birth_date" in response.json()["detail"]


def test_it_uses_the_clinics_own_rule_table(clinic, practitioner):
    table = ClinicRuleTable.objects.get(clinic=clinic)
    data = table.data
    for rule in data["rules"]:
        if rule["factor"] == "anticoagulant":
            rule["severity"]["needle"] = "block"
    ClinicRuleTable.objects.filter(pk=table.pk).update(data=data)
    patient = make_patient(clinic, medications=[{"code": "anticoagulant"}])
    response = post(
        client_for(practitioner),
        f"/api/v1/screening/patients/{patient.pk}",
        {"protocol": protocol_of(clinic, "needle").slug},
    )
    assert response.json()["decision"] == "block"


def test_it_hides_other_clinics_patients_and_protocols(clinic, other_clinic, outsider):
    patient = make_patient(clinic)
    client = client_for(outsider)
    assert (
        post(
            client,
            f"/api/v1/screening/patients/{patient.pk}",
            {"protocol": protocol_of(other_clinic, "needle").slug},
        ).status_code
        == 404
    )
    theirs = make_patient(other_clinic)
    mine_only = Protocol.objects.filter(clinic=clinic).first()
    mine_only_slug = mine_only.slug
    Protocol.objects.filter(clinic=other_clinic, slug=mine_only_slug).delete()
    assert (
        post(client, f"/api/v1/screening/patients/{theirs.pk}", {"protocol": mine_only_slug}).status_code
        == 404
    )


def test_it_serves_the_rule_table_with_sources(receptionist, auditor):
    response = client_for(receptionist).get("/api/v1/screening/rules")
    body = response.json()
    assert "medical lead" in body["note"]
    pacemaker = {r["modality"]: r["severity"] for r in body["rules"] if r["factor"] == "pacemaker"}
    assert pacemaker == {
        "electroporation": "block",
        "cryo_electroporation": "block",
        "iontophoresis": "block",
        "sonophoresis": "warn",
    }
    assert all(r["source"].startswith(("http", "")) and r["source"] for r in body["rules"])
    assert client_for(auditor).get("/api/v1/screening/rules").status_code == 403
