"""Settings → Screening rules: one factor's rule edited with its source; the earlier table is kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mesoclinic.audit.models import AuditEvent
from mesoclinic.safety.models import ClinicRuleTable
from mesoclinic.safety.selectors import rule_table_for_clinic
from mesoclinic.testing import client_for

pytestmark = pytest.mark.django_db

MODALITIES = (
    "needle",
    "electroporation",
    "cryo_electroporation",
    "iontophoresis",
    "sonophoresis",
    "oxygen_infusion",
)


def _form(**changes: str) -> dict[str, str]:
    data = {f"severity_{code}": "" for code in MODALITIES}
    data.update({"message": "Heart disease: ask the cardiologist before {modality}.", "source": ""})
    data.update(changes)
    return data


def _severity(clinic, factor: str, modality: str) -> str:
    found = [r for r in rule_table_for_clinic(clinic).rules if r.factor == factor and r.modality == modality]
    return str(found[0].severity) if found else ""


def test_a_rule_is_tightened_with_a_new_source_and_the_earlier_table_is_kept(owner):
    url = reverse("settings:screening_rule_edit", args=["heart_disease"])
    assert _severity(owner.clinic, "heart_disease", "needle") == ""
    data = _form(
        severity_needle="warn",
        severity_electroporation="block",
        source_title="Clinic medical lead's decision 2026",
        source_kind="VND",
        source_url="https://clinic.example/policies/heart-2026",
    )
    response = client_for(owner).post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _severity(owner.clinic, "heart_disease", "needle") == "warn"
    assert _severity(owner.clinic, "heart_disease", "electroporation") == "block"
    table = ClinicRuleTable.objects.get(clinic=owner.clinic)
    assert table.history.count() == 2  # as loaded, and after the edit
    earlier = table.history.order_by("history_date").first()
    assert not any(
        r["factor"] == "heart_disease" and "needle" in r["severity"] for r in earlier.data["rules"]
    )
    event = AuditEvent.objects.get(action="rule_table.update")
    assert event.data["after"]["severity"] == {"needle": "warn", "electroporation": "block"}
    page = client_for(owner).get(reverse("settings:screening_rules")).content.decode()
    assert "Clinic medical lead&#x27;s decision 2026" in page or "Clinic medical lead's decision 2026" in page


def test_a_message_with_an_unknown_placeholder_is_refused_beside_it(owner):
    url = reverse("settings:screening_rule_edit", args=["heart_disease"])
    source = next(iter(ClinicRuleTable.objects.get(clinic=owner.clinic).data["sources"]))
    response = client_for(owner).post(
        url, _form(severity_needle="warn", message="Ask about {pacemaker}.", source=source)
    )
    assert response.status_code == 422
    assert "unknown placeholder" in response.content.decode()
    assert not AuditEvent.objects.filter(action="rule_table.update").exists()


def test_a_source_is_required(owner):
    url = reverse("settings:screening_rule_edit", args=["heart_disease"])
    response = client_for(owner).post(url, _form(severity_needle="warn"))
    assert response.status_code == 422
    assert "Choose a source" in response.content.decode()


def test_nothing_for_every_treatment_removes_the_rule(owner):
    url = reverse("settings:screening_rule_edit", args=["epilepsy"])
    source = next(iter(ClinicRuleTable.objects.get(clinic=owner.clinic).data["sources"]))
    assert client_for(owner).post(url, _form(source=source)).status_code == 302
    assert _severity(owner.clinic, "epilepsy", "electroporation") == ""


def test_an_unknown_factor_is_not_found_and_others_may_not_edit(owner, physician):
    assert client_for(owner).get(reverse("settings:screening_rule_edit", args=["nope"])).status_code == 404
    url = reverse("settings:screening_rule_edit", args=["heart_disease"])
    assert client_for(physician).post(url, _form(severity_needle="block")).status_code == 403
