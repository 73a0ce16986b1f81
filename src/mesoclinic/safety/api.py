"""Screening API: screen a patient (or PATIENT.json) against a protocol; read the clinic's rule table."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router
from ninja.errors import HttpError

from mesoclinic.accounts.api_auth import require
from mesoclinic.accounts.permissions import Capability
from mesoclinic.catalog.selectors import get_protocol_for_clinic
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.safety import selectors, services
from mesoclinic.safety.rules import (
    ProtocolSpec,
    ScreeningInputError,
    patient_from_json,
    protocol_from_json,
    screen,
)
from mesoclinic.safety.schemas import (
    AdHocScreeningIn,
    PatientScreeningIn,
    RuleTableOut,
    ScreeningOut,
    ScreeningRecordOut,
)

router = Router()


@router.post("/patients/{patient_id}", response={200: ScreeningOut})
def screen_registered_patient(request: HttpRequest, patient_id: int, payload: PatientScreeningIn) -> Any:
    staff = require(request, Capability.SCREEN)
    patient = get_patient_for_user(staff, patient_id)
    on = payload.on or staff.clinic.today()
    if payload.protocol is not None:
        protocol = get_protocol_for_clinic(staff.clinic, payload.protocol)
        result, _ = services.screen_patient(patient, protocol=protocol, on=on, actor=request.user)
    else:
        assert payload.spec is not None  # noqa: S101 — checked by the schema
        try:
            spec = protocol_from_json(
                payload.spec.dict(), known_ingredients=selectors.known_ingredients(staff.clinic)
            )
        except ScreeningInputError as exc:
            raise HttpError(422, str(exc)) from None
        result, _ = services.screen_patient(patient, spec=spec, on=on, actor=request.user)
    return result.as_dict()


@router.get("/patients/{patient_id}/records", response={200: list[ScreeningRecordOut]})
def screening_records(request: HttpRequest, patient_id: int) -> Any:
    staff = require(request, Capability.SCREEN)
    patient = get_patient_for_user(staff, patient_id)
    return [
        {
            **{
                f: getattr(r, f)
                for f in (
                    "id",
                    "modality",
                    "ingredients",
                    "screened_on",
                    "decision",
                    "findings",
                    "performed_at",
                )
            },
            "protocol": r.protocol.slug if r.protocol else None,
        }
        for r in selectors.screenings_for_patient(patient)[:100]
    ]


@router.post("/check", response={200: ScreeningOut})
def screen_ad_hoc(request: HttpRequest, payload: AdHocScreeningIn) -> Any:
    staff = require(request, Capability.SCREEN)
    known = selectors.known_ingredients(staff.clinic)
    try:
        history = patient_from_json(payload.patient, known_ingredients=known)
        if isinstance(payload.protocol, str):
            spec: ProtocolSpec = selectors.protocol_spec(
                get_protocol_for_clinic(staff.clinic, payload.protocol)
            )
        else:
            spec = protocol_from_json(payload.protocol, known_ingredients=known)
    except ScreeningInputError as exc:
        raise HttpError(422, str(exc)) from None
    on = payload.on or staff.clinic.today()
    rules = selectors.rule_table_for_clinic(staff.clinic)
    names = selectors.allergen_names(staff.clinic, history, spec)
    return screen(history, spec, on=on, rules=rules, translate=gettext, ingredient_names=names).as_dict()


@router.get("/rules", response={200: RuleTableOut})
def rule_table(request: HttpRequest) -> Any:
    staff = require(request, Capability.SCREEN)
    table = selectors.rule_table_for_clinic(staff.clinic)
    return {
        "note": table.note,
        "rules": [
            {
                "factor": r.factor,
                "modality": r.modality,
                "severity": str(r.severity),
                "message": r.message,
                "source": r.source.citation,
            }
            for r in table.rules
        ],
    }
