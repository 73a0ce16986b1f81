"""Screening a patient, loading the default rule table into a clinic, and editing one rule of it."""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from mesoclinic.accounts.models import Clinic
from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.catalog.models import Protocol
from mesoclinic.clinical_codes.vocabulary import FACTORS, MODALITIES
from mesoclinic.patients.models import Patient
from mesoclinic.safety.models import ClinicRuleTable, ScreeningRecord
from mesoclinic.safety.rules import PatientHistory, ProtocolSpec, Screening, screen
from mesoclinic.safety.rules.model import RuleTableError
from mesoclinic.safety.rules.table import default_rules_data, load_rule_table
from mesoclinic.safety.selectors import allergen_names, patient_history, protocol_spec, rule_table_for_clinic


@transaction.atomic
def load_default_rules(clinic: Clinic, *, actor: Actor) -> ClinicRuleTable:
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
    actor: Actor,
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
    history = history or patient_history(patient)
    result = screen(
        history,
        spec,
        on=on,
        rules=rule_table_for_clinic(patient.clinic),
        translate=gettext,  # recorded in the language of whoever screened: the clinic's working language
        ingredient_names=allergen_names(patient.clinic, history, spec),
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


SOURCE_KINDS = ("PR", "REG", "VND")  # what the core accepts (safety.rules.model.SourceKind)


def _field_of(error: RuleTableError) -> str:
    """The form field a core error is about (``rules[3].message: ...`` → ``message``)."""
    where = str(error).split(":", 1)[0]
    for field in ("message", "severity", "source"):
        if f".{field}" in where:
            return field
    return "source" if where.startswith("sources") else "__all__"


def _source_key(title: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "source"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def _add_source(sources: dict[str, Any], new_source: dict[str, str]) -> str:
    """Add a source to a table's ``sources`` (its key made from the title); refuses one without a title,
    a link or a known kind, naming the field."""
    title = (new_source.get("title") or "").strip()
    url = (new_source.get("url") or "").strip()
    kind = (new_source.get("kind") or "").strip()
    if not title:
        raise ValidationError({"source_title": ["Give the source's title."]})
    if not url:
        raise ValidationError(
            {"source_url": ["Give the source's link: a rule rests on something anyone can read."]}
        )
    if kind not in SOURCE_KINDS:
        raise ValidationError({"source_kind": ["Choose what kind of source it is."]})
    key = _source_key(title, set(sources))
    sources[key] = {"title": title, "url": url, "kind": kind}
    return key


@transaction.atomic
def update_screening_rule(
    clinic: Clinic,
    *,
    factor: str,
    severity: dict[str, str],
    message: str,
    source: str = "",
    new_source: dict[str, str] | None = None,
    actor: Actor,
    reason: str = "",
) -> ClinicRuleTable:
    """Set one factor's rule in the clinic's table: what it does per modality (``"block"``, ``"warn"``, or
    ``""`` for nothing), the message staff read, and its source — an existing key, or ``new_source``
    (``title``, ``url``, ``kind``) added to the table's sources.

    The whole previous table is kept (``ClinicRuleTable.history``); the audit row has the rule before and
    after (and ``reason``, kept as the history row's change reason too). A rule with no modality left is removed. Raises ``ValidationError`` naming the field (unknown
    factor or modality, a message with an unknown placeholder, a source without a title).
    """
    if factor not in FACTORS:
        raise ValidationError({"factor": [gettext("Unknown factor “%(factor)s”.") % {"factor": factor}]})
    unknown = sorted(set(severity) - set(MODALITIES))
    if unknown:
        raise ValidationError({"severity": [gettext("Unknown treatment “%(code)s”.") % {"code": unknown[0]}]})
    table = ClinicRuleTable.objects.select_for_update().filter(clinic=clinic).first()
    if table is None:
        table = load_default_rules(clinic, actor=actor)
    data = copy.deepcopy(table.data)
    if new_source:
        source = _add_source(data["sources"], new_source)
    wanted = {m: s for m, s in severity.items() if s}
    rules = data["rules"]
    index = next((i for i, rule in enumerate(rules) if rule["factor"] == factor), None)
    before = copy.deepcopy(rules[index]) if index is not None else None
    after: dict[str, Any] | None = {
        "factor": factor,
        "severity": wanted,
        "message": message.strip(),
        "source": source,
    }
    if not wanted:
        if index is not None:
            del rules[index]
        after = None
    elif index is None:
        rules.append(after)
    else:
        rules[index] = after
    if before == after:
        return table
    try:
        load_rule_table(data)
    except RuleTableError as exc:
        raise ValidationError({_field_of(exc): [str(exc).split(": ", 1)[-1]]}) from None
    table.data = data
    reason = reason.strip()
    if reason:
        table._change_reason = reason  # type: ignore[attr-defined]  # read by django-simple-history
    table.save()
    record_event(
        "rule_table.update",
        table,
        actor=actor,
        clinic=clinic,
        data={
            "factor": factor,
            "before": before,
            "after": after,
            "new_source": bool(new_source),
            **({"reason": reason} if reason else {}),
        },
    )
    return table
