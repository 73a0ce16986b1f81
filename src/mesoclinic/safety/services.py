"""Screening a patient, and loading the default rule table into a clinic."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from mesoclinic.accounts.models import Clinic
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.catalog.models import Protocol
from mesoclinic.patients.models import Patient
from mesoclinic.safety.models import ClinicRuleTable, ScreeningRecord
from mesoclinic.safety.rules import PatientHistory, ProtocolSpec, Screening, screen
from mesoclinic.safety.rules.table import default_rules_data
from mesoclinic.safety.selectors import patient_history, protocol_spec, rule_table_for_clinic


@transaction.atomic
def load_default_rules(clinic: Clinic, *, actor: Any) -> ClinicRuleTable:
    """Give the clinic its own editable copy of the default rule table (once; edits are never overwritten)."""
    table, created = ClinicRuleTable.objects.get_or_create(
        clinic=clinic, defaults={"data": default_rules_data()}
    )
    if created:
        record_event("rule_table.load_defaults", table, actor=actor, clinic=clinic)
    return table


@transaction.atomic
def screen_patient(
    patient: Patient,
    *,
    protocol: Protocol | None = None,
    spec: ProtocolSpec | None = None,
    on: date,
    actor: Any,
    history: PatientHistory | None = None,
) -> tuple[Screening, ScreeningRecord]:
    """Screen the patient's current history against a catalog protocol (or an ad hoc spec) and log it.

    ``history`` replaces the stored history for this one screening (the day-of screening adds the day's
    answers to it) without changing what is stored.
    """
    if (protocol is None) == (spec is None):
        raise TypeError("give exactly one of protocol or spec")
    if protocol is not None:
        if protocol.clinic_id != patient.clinic_id:
            raise ValueError("protocol and patient belong to different clinics")
        spec = protocol_spec(protocol)
    assert spec is not None  # noqa: S101 — narrowed by the check above
    result = screen(
        history or patient_history(patient),
        spec,
        on=on,
        rules=rule_table_for_clinic(patient.clinic),
        translate=gettext,  # recorded in the language of whoever screened: the clinic's working language
    )
    record = ScreeningRecord.objects.create(
        clinic=patient.clinic,
        patient=patient,
        protocol=protocol,
        modality=spec.modality,
        ingredients=list(spec.ingredients),
        screened_on=on,
        decision=str(result.decision),
        findings=[finding.as_dict() for finding in result.findings],
        performed_by=acting_user(actor),
    )
    record_event(
        "patient.screen",
        patient,
        actor=actor,
        data={"screening": record.pk, "modality": spec.modality, "decision": str(result.decision)},
    )
    return result, record
