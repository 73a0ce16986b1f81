"""Reads for screening: the clinic's rule table and a patient's history as the core's input."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from mesoclinic.accounts.models import Clinic
from mesoclinic.catalog.models import Protocol
from mesoclinic.catalog.selectors import ingredient_codes, ingredients, protocol_ingredient_codes
from mesoclinic.patients.models import Patient
from mesoclinic.safety.models import ClinicRuleTable, ScreeningRecord
from mesoclinic.safety.rules import PatientHistory, ProtocolSpec, RuleTable
from mesoclinic.safety.rules.parse import patient_from_json
from mesoclinic.safety.rules.table import default_rule_table, default_rules_data, load_rule_table


def rule_table_for_clinic(clinic: Clinic) -> RuleTable:
    """The clinic's own rule table, or the shipped default when the clinic has not got one yet."""
    stored = ClinicRuleTable.objects.filter(clinic=clinic).values_list("data", flat=True).first()
    return default_rule_table() if stored is None else load_rule_table(stored)


def patient_history(patient: Patient) -> PatientHistory:
    """The patient's coded history in the form the screening core reads."""
    return patient_from_json(patient.medical_history.as_screening_json(), known_ingredients=None)


def protocol_spec(protocol: Protocol) -> ProtocolSpec:
    return ProtocolSpec(modality=protocol.modality.code, ingredients=protocol_ingredient_codes(protocol))


def known_ingredients(clinic: Clinic) -> set[str]:
    return ingredient_codes(clinic)


def allergen_names(clinic: Clinic, history: PatientHistory, spec: ProtocolSpec) -> dict[str, str]:
    """Code -> catalog name of the ingredients of ``spec`` the patient is allergic to, for the allergy finding's
    message (no query when there are none, the usual case)."""
    codes = history.allergies & set(spec.ingredients)
    if not codes:
        return {}
    return dict(ingredients(clinic).filter(code__in=codes).values_list("code", "name"))


def screenings_for_patient(patient: Patient) -> QuerySet[ScreeningRecord]:
    return ScreeningRecord.objects.filter(patient=patient).select_related("protocol", "performed_by")


def rule_table_data(clinic: Clinic) -> dict[str, Any]:
    """The clinic's rule table in its JSON form (the default's until the clinic has its own copy)."""
    stored = ClinicRuleTable.objects.filter(clinic=clinic).values_list("data", flat=True).first()
    return default_rules_data() if stored is None else stored


def rule_table_versions(clinic: Clinic) -> QuerySet[Any]:
    """The table's kept versions, newest first, with who saved each."""
    return (
        ClinicRuleTable.history.filter(clinic=clinic).select_related("history_user").order_by("-history_date")
    )
