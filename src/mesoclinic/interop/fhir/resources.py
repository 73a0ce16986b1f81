"""MesoClinic records as FHIR R4 (4.0.1) resources: plain dicts ready for ``json.dumps``.

Each ``*_resource`` function reads attributes of one record (a model instance or anything with the same
attributes; no Django import here) and returns the resource as a dict without empty elements. Building
dicts rather than ``fhir.resources`` models keeps the bulk export fast and its memory flat. The ``$everything``
endpoint parses each resource it sends with ``fhir.resources`` (``bundles.validate``); the tests check every
kind against HL7's official R4 JSON schema and R4's required value sets (``tests/r4_check.py``), which
``fhir.resources`` does not check. Every coded value comes from an explicit table in ``codes.py``: a value
with no FHIR code stops the export (``UnmappedCodeError``) instead of writing a code receivers refuse.

Ids are the database ids, prefixed where one MesoClinic record yields several resources of a type
(``room-3`` beside location ``3``; ``a12-glogau`` for one scale of assessment 12). References are relative
(``Patient/7``), as in a Bulk Data export.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from mesoclinic.interop.fhir import codes as c

Resource = dict[str, Any]


@dataclass(frozen=True)
class ExportContext:
    """What every mapping needs besides the record: the clinic, display names and the photo URL."""

    clinic_id: int
    clinic_slug: str
    media_url: Callable[[int], str] = lambda photo_id: f"/outcomes/photos/{photo_id}/image/"
    modality_names: Mapping[str, str] = field(default_factory=dict)
    zone_names: Mapping[str, str] = field(default_factory=dict)
    ingredient_names: Mapping[str, str] = field(default_factory=dict)
    condition_names: Mapping[str, str] = field(default_factory=dict)
    medication_names: Mapping[str, str] = field(default_factory=dict)
    implant_names: Mapping[str, str] = field(default_factory=dict)

    def identifier(self, kind: str, value: object) -> dict[str, str]:
        return {"system": c.id_system(self.clinic_slug, kind), "value": str(value)}

    @property
    def organization(self) -> dict[str, str]:
        return ref("Organization", self.clinic_id)


_ID_UNSAFE = re.compile(r"[^A-Za-z0-9\-.]")


def fhir_id(*parts: object) -> str:
    """A valid FHIR id (``[A-Za-z0-9-.]{1,64}``) from parts joined by ``-``; underscores become dashes."""
    return _ID_UNSAFE.sub("-", "-".join(str(p) for p in parts))[:64]


def ref(resource_type: str, pk: object, display: str = "") -> dict[str, str]:
    out = {"reference": f"{resource_type}/{pk}"}
    if display:
        out["display"] = display
    return out


def coding(system: str, code: str, display: str = "") -> dict[str, str]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str = "", *, text: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [coding(system, code, display)]}
    if text:
        out["text"] = text
    return out


def instant(value: datetime) -> str:
    """An aware datetime as a FHIR instant (aware datetimes only: MesoClinic stores UTC)."""
    if value.tzinfo is None:
        raise ValueError("FHIR instants need an aware datetime")
    return value.isoformat()


def _decimal(value: Decimal | float | int) -> float | int:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def prune(value: Any) -> Any:
    """Drop empty strings, lists, dicts and None, at any depth (FHIR forbids empty elements).

    Written as loops with type checks rather than one recursive call per leaf: it runs over every element
    of every exported resource, and was a quarter of the bulk export's time in the first version.
    """
    if type(value) is dict:
        out: dict[str, Any] = {}
        for key, item in value.items():
            kind = type(item)
            if kind is dict or kind is list:
                item = prune(item)  # noqa: PLW2901 — the pruned item replaces the raw one
                if not item:
                    continue
            elif item is None or item == "":
                continue
            out[key] = item
        return out
    if type(value) is list:
        items: list[Any] = []
        for item in value:
            kind = type(item)
            if kind is dict or kind is list:
                item = prune(item)  # noqa: PLW2901
                if not item:
                    continue
            elif item is None or item == "":
                continue
            items.append(item)
        return items
    return value


# --- Administrative ----------------------------------------------------------------------------------


def organization_resource(clinic: Any, ctx: ExportContext) -> Resource:
    return prune(
        {
            "resourceType": "Organization",
            "id": str(clinic.pk),
            "identifier": [ctx.identifier("clinic", clinic.slug)],
            "active": True,
            "name": clinic.name,
            "telecom": _telecom(clinic.phone, clinic.email),
            "address": [{"country": clinic.country}],
        }
    )


def location_resource(location: Any, ctx: ExportContext) -> Resource:
    return prune(
        {
            "resourceType": "Location",
            "id": str(location.pk),
            "extension": [{"url": c.EXT_TIMEZONE, "valueCode": location.timezone}],
            "status": "active",
            "name": location.name,
            "mode": "instance",
            "telecom": _telecom(location.phone, ""),
            "address": {"text": location.address},
            "physicalType": concept(c.LOCATION_PHYSICAL_TYPE, "bu", "Building"),
            "managingOrganization": ctx.organization,
        }
    )


def room_resource(room: Any, ctx: ExportContext) -> Resource:
    """A treatment room: a Location of physical type ``ro``, part of its site."""
    return prune(
        {
            "resourceType": "Location",
            "id": fhir_id("room", room.pk),
            "status": "active" if room.is_active else "inactive",
            "name": room.name,
            "mode": "instance",
            "physicalType": concept(c.LOCATION_PHYSICAL_TYPE, "ro", "Room"),
            "managingOrganization": ctx.organization,
            "partOf": ref("Location", room.location_id),
        }
    )


def practitioner_resource(staff: Any, ctx: ExportContext) -> Resource:
    """A staff member; the modalities they are qualified for are their qualifications."""
    return prune(
        {
            "resourceType": "Practitioner",
            "id": str(staff.pk),
            "identifier": [ctx.identifier("staff", staff.pk)],
            "active": bool(staff.is_active),
            "name": [{"text": staff.display_name, "prefix": [staff.title] if staff.title else []}],
            "qualification": [
                {"code": concept(c.CS_MODALITY, code, ctx.modality_names.get(code, ""))}
                for code in staff.modalities
            ],
        }
    )


def device_resource(device: Any, ctx: ExportContext) -> Resource:
    return prune(
        {
            "resourceType": "Device",
            "id": str(device.pk),
            "identifier": [ctx.identifier("device", device.pk)],
            "status": "active" if device.is_active else "inactive",
            "manufacturer": device.manufacturer,
            "deviceName": [{"name": device.name, "type": c.DEVICE_NAME_TYPE}],
            "modelNumber": device.model_name,
            "serialNumber": device.serial_number,
            "type": concept(c.CS_MODALITY, device.modality, ctx.modality_names.get(device.modality, "")),
            "owner": ctx.organization,
            "location": ref("Location", device.location_id),
        }
    )


# --- The patient and the history -------------------------------------------------------------------------


def patient_resource(
    patient: Any, ctx: ExportContext, external_ids: list[tuple[str, str]] | None = None
) -> Resource:
    """Identity and contact; ``external_ids`` are (system, value) pairs kept from imports."""
    return prune(
        {
            "resourceType": "Patient",
            "id": str(patient.pk),
            "identifier": [
                ctx.identifier("patient", patient.pk),
                *({"system": system, "value": value} for system, value in external_ids or ()),
            ],
            "active": True,
            "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
            "telecom": _telecom(patient.phone, patient.email),
            "gender": c.fhir_code(c.GENDERS, patient.sex, "Patient.gender"),
            "birthDate": patient.birth_date.isoformat(),
            "address": [{"text": patient.address}] if patient.address else [],
            "communication": [
                {
                    "language": concept(c.BCP47, patient.preferred_language),
                    "preferred": True,
                }
            ]
            if patient.preferred_language
            else [],
            "managingOrganization": ctx.organization,
        }
    )


def history_resources(history: Any, ctx: ExportContext) -> Iterator[Resource]:
    """Conditions, allergies, medications and implants of a structured medical history."""
    patient = ref("Patient", history.patient_id)
    recorded = instant(history.updated_at)
    for code in history.conditions:
        codings = [coding(c.CS_CONDITION, code, ctx.condition_names.get(code, ""))]
        if code in c.CONDITION_SNOMED:
            codings.append(coding(c.SNOMED, *c.CONDITION_SNOMED[code]))
        yield prune(
            {
                "resourceType": "Condition",
                "id": fhir_id(history.patient_id, "condition", code),
                "clinicalStatus": concept(c.CONDITION_CLINICAL, "active", "Active"),
                "category": [concept(c.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")],
                "code": {"coding": codings, "text": ctx.condition_names.get(code, code)},
                "subject": patient,
                "recordedDate": recorded,
            }
        )
    for code in history.implants:
        yield prune(
            {
                "resourceType": "Device",
                "id": fhir_id(history.patient_id, "implant", code),
                "status": "active",
                "type": concept(c.CS_IMPLANT, code, ctx.implant_names.get(code, "")),
                "patient": patient,
            }
        )
    for code in history.allergies:
        yield prune(
            {
                "resourceType": "AllergyIntolerance",
                "id": fhir_id(history.patient_id, "allergy", code),
                "clinicalStatus": concept(c.ALLERGY_CLINICAL, "active", "Active"),
                "type": "allergy",
                "category": ["medication"],
                "code": concept(c.CS_INGREDIENT, code, ctx.ingredient_names.get(code, "")),
                "patient": patient,
                "recordedDate": recorded,
            }
        )
    for item in history.medications:
        code, stopped = item.get("code", ""), item.get("stopped")
        yield prune(
            {
                "resourceType": "MedicationStatement",
                "id": fhir_id(history.patient_id, "medication", code),
                "status": "completed" if stopped else "active",
                "medicationCodeableConcept": concept(
                    c.CS_MEDICATION, code, ctx.medication_names.get(code, "")
                ),
                "subject": patient,
                "effectivePeriod": {"end": stopped} if stopped else {},
                "dateAsserted": recorded,
            }
        )


def skin_type_observations(patient: Any) -> Iterator[Resource]:
    """Fitzpatrick and Glogau as kept on the chart itself (assessments add dated ones)."""
    for code in ("fitzpatrick", "glogau"):
        value = getattr(patient, code)
        if value is None:
            continue
        yield _observation(
            fhir_id("p", patient.pk, code),
            patient_id=patient.pk,
            code=concept(c.CS_SCALE, code, c.SCALES[code]),
            category="exam",
            effective=instant(patient.updated_at),
            value={"valueInteger": int(value)},
        )


def consent_resource(consent: Any, ctx: ExportContext) -> Resource:
    """A signed consent: the template version as the policy, photo uses as the provision's purposes."""
    template = consent.template
    modality = template.modality
    return prune(
        {
            "resourceType": "Consent",
            "id": str(consent.pk),
            "status": "active" if consent.withdrawn_at is None else "inactive",
            "scope": concept(c.CONSENT_SCOPE, "treatment", "Treatment"),
            "category": [concept(c.LOINC, *c.CONSENT_DOCUMENT_LOINC)],
            "patient": ref("Patient", consent.patient_id),
            "dateTime": instant(consent.signed_at),
            "performer": [{"display": consent.signed_by}],
            "organization": [ctx.organization],
            "policy": [{"uri": f"{c.MC}/consent-template/{template.pk}", "authority": c.MC}],
            "provision": {
                "type": "permit",
                "period": {"end": instant(consent.withdrawn_at)} if consent.withdrawn_at else {},
                "code": [concept(c.CS_MODALITY, modality.code, modality.name, text=str(template))],
                "purpose": [coding(c.CS_PHOTO_USE, use) for use in consent.photo_use],
            },
        }
    )


# --- Scheduling and treatment ----------------------------------------------------------------------------


def appointment_resource(appointment: Any, ctx: ExportContext) -> Resource:
    protocol = appointment.protocol
    participants = [
        _participant("Patient", appointment.patient_id),
        _participant("Practitioner", appointment.practitioner_id),
        _participant("Location", appointment.location_id),
        _participant("Location", fhir_id("room", appointment.room_id)),
    ]
    if appointment.device_id:
        participants.append(_participant("Device", appointment.device_id))
    modality = protocol.modality.code
    return prune(
        {
            "resourceType": "Appointment",
            "id": str(appointment.pk),
            "status": c.fhir_code(c.APPOINTMENT_STATUS, appointment.status, "Appointment.status"),
            "cancelationReason": {"text": appointment.cancel_reason} if appointment.cancel_reason else {},
            "serviceType": [concept(c.CS_MODALITY, modality, ctx.modality_names.get(modality, ""))],
            "appointmentType": concept(c.CS_PROTOCOL, protocol.slug, protocol.name),
            "description": f"{protocol.name}, session {appointment.session_index}",
            "start": instant(appointment.starts_at),
            "end": instant(appointment.ends_at),
            "minutesDuration": int((appointment.ends_at - appointment.starts_at).total_seconds() // 60),
            "created": instant(appointment.created_at),
            "comment": appointment.notes,
            "participant": participants,
        }
    )


def procedure_resource(record: Any, ctx: ExportContext, zones: list[Any] = ()) -> Resource:  # type: ignore[assignment]  # an empty tuple as the read-only default; only iterated
    """A session record: signed ones are ``completed``, drafts ``in-progress``."""
    return prune(
        {
            "resourceType": "Procedure",
            "id": str(record.pk),
            "extension": [
                {
                    "url": c.EXT_SESSION_PARAMETER,
                    "extension": [
                        {"url": "code", "valueCode": fhir_id(name)},
                        {"url": "value", "valueString": str(value)},
                    ],
                }
                for name, value in sorted(record.parameters.items())
                if value not in (None, "")
            ],
            "status": c.fhir_code(c.PROCEDURE_STATUS, record.status, "Procedure.status"),
            "code": concept(c.CS_MODALITY, record.modality, ctx.modality_names.get(record.modality, "")),
            "subject": ref("Patient", record.patient_id),
            "performedDateTime": instant(record.performed_at),
            "performer": [{"actor": ref("Practitioner", record.practitioner_id)}],
            "location": ref("Location", record.appointment.location_id) if record.appointment_id else {},
            "bodySite": [
                concept(c.CS_ZONE, z.zone, ctx.zone_names.get(z.zone, ""))
                for z in zones
                if z.voided_by_id is None
            ],
            "focalDevice": [{"manipulated": ref("Device", record.device_id)}] if record.device_id else [],
            "note": [{"text": text} for text in (record.notes, record.aftercare) if text],
        }
    )


def medication_administration_resource(line: Any, record: Any, ctx: ExportContext) -> Resource:
    """A product line of a session: the lot number and expiry ride on a contained Medication."""
    lot = line.lot
    if lot.product_id:
        item = concept(c.CS_PRODUCT, lot.product.code, lot.product.name)
    else:
        item = concept(c.CS_COCKTAIL, lot.cocktail.code, lot.cocktail.name)
    dose: dict[str, Any] = {"value": _decimal(line.quantity), "unit": line.unit}
    if line.unit == "ml":
        dose |= {"system": c.UCUM, "code": "mL"}
    return prune(
        {
            "resourceType": "MedicationAdministration",
            "id": str(line.pk),
            "contained": [
                {
                    "resourceType": "Medication",
                    "id": "lot",
                    "code": item,
                    "manufacturer": {"display": lot.product.manufacturer} if lot.product_id else {},
                    "batch": {"lotNumber": lot.lot_number, "expirationDate": lot.expires_on.isoformat()},
                }
            ],
            "status": "entered-in-error" if line.voided_by_id else "completed",
            "medicationReference": {"reference": "#lot", "display": f"{item['coding'][0]['display']}"},
            "subject": ref("Patient", record.patient_id),
            "partOf": [ref("Procedure", record.pk)],
            "effectiveDateTime": instant(record.performed_at),
            "performer": [{"actor": ref("Practitioner", record.practitioner_id)}],
            "dosage": {"dose": dose},
        }
    )


def adverse_event_resource(
    event: Any,
    ctx: ExportContext,
    session_ids: Sequence[int] = (),
    lots: Sequence[Any] = (),
) -> Resource:
    severity, severity_display, seriousness = c.fhir_code(
        c.AE_SEVERITIES, event.severity, "AdverseEvent.severity"
    )
    outcome, outcome_display = c.fhir_code(c.AE_OUTCOMES, event.outcome, "AdverseEvent.outcome")
    return prune(
        {
            "resourceType": "AdverseEvent",
            "id": str(event.pk),
            "extension": [
                {"url": c.EXT_DESCRIPTION, "valueString": event.description},
                {"url": c.EXT_ACTIONS, "valueString": event.actions},
                {"url": c.EXT_REGULATOR_REF, "valueString": event.regulator_reference},
            ],
            "actuality": "actual",
            "event": concept(c.CS_ADVERSE_EVENT, event.category, str(event.get_category_display())),
            "subject": ref("Patient", event.patient_id),
            "date": event.onset_on.isoformat(),
            "recordedDate": instant(event.reported_at),
            "seriousness": concept(c.AE_SERIOUSNESS, seriousness, c.AE_SERIOUSNESS_DISPLAY[seriousness]),
            "severity": concept(c.AE_SEVERITY, severity, severity_display),
            "outcome": concept(c.AE_OUTCOME, outcome, outcome_display),
            "suspectEntity": [{"instance": ref("Procedure", pk)} for pk in session_ids]
            + [
                {
                    "instance": {
                        "identifier": ctx.identifier("lot", lot.lot_number),
                        "display": f"lot {lot.lot_number}",
                    }
                }
                for lot in lots
            ],
        }
    )


# --- Photos and outcomes ---------------------------------------------------------------------------------


def media_resource(photo: Any, ctx: ExportContext) -> Resource:
    """A photo by reference: the URL is the access-checked file view, never the bytes."""
    return prune(
        {
            "resourceType": "Media",
            "id": str(photo.pk),
            "status": "completed",
            "type": concept(c.MEDIA_TYPE, "image", "Image"),
            "view": concept(c.CS_PHOTO_VIEW, photo.view, str(photo.get_view_display())),
            "subject": ref("Patient", photo.patient_id),
            "partOf": [ref("Procedure", photo.session_id)] if photo.session_id else [],
            "createdDateTime": instant(photo.taken_at),
            "issued": instant(photo.uploaded_at),
            "height": photo.height,
            "width": photo.width,
            "content": {
                "contentType": photo.content_type,
                "url": ctx.media_url(photo.pk),
                "size": photo.size_bytes,
                "creation": instant(photo.taken_at),
            },
        }
    )


def assessment_observations(assessment: Any) -> Iterator[Resource]:
    """One Observation per scale the clinician (or the patient) filled in."""
    effective = assessment.assessed_on.isoformat()
    for code, display in c.SCALES.items():
        value = getattr(assessment, code)
        if value is None:
            continue
        typed = {"valueQuantity": {"value": _decimal(value)}} if code == "mmasi" else {"valueInteger": value}
        yield _observation(
            fhir_id("a", assessment.pk, code),
            patient_id=assessment.patient_id,
            code=concept(c.CS_SCALE, code, display),
            category="survey" if code in c.SURVEY_SCALES else "exam",
            effective=effective,
            value=typed,
            procedure_id=assessment.session_id,
        )


def metric_observations(analysis: Any, patient_id: int, ctx: ExportContext) -> Iterator[Resource]:
    """One Observation per face region of a finished photo analysis, a component per metric."""
    if analysis.status != "done":
        return
    effective = instant(analysis.photo.taken_at)
    for region, metrics in sorted(analysis.metrics.items()):
        components = []
        for name, value in sorted(metrics.items()):
            if name not in c.SKIN_METRICS or value is None:
                continue
            display, unit, ucum = c.SKIN_METRICS[name]
            components.append(
                {
                    "code": concept(c.CS_SKIN_METRIC, name, display),
                    "valueQuantity": {
                        "value": round(float(value), 6),
                        "unit": unit,
                        "system": c.UCUM,
                        "code": ucum,
                    },
                }
            )
        if not components:
            continue
        resource = _observation(
            fhir_id("m", analysis.pk, region),
            patient_id=patient_id,
            code=concept(c.CS_SKIN_METRIC, "skin-analysis", "Skin analysis from a standardized photo"),
            category="imaging",
            effective=effective,
            value={},
        )
        resource["bodySite"] = concept(c.CS_ZONE, region, ctx.zone_names.get(region, ""))
        resource["derivedFrom"] = [ref("Media", analysis.photo_id)]
        resource["method"] = {"text": f"MesoClinic skin analysis {analysis.method_version}".strip()}
        resource["component"] = components
        yield prune(resource)


def _observation(
    pk: str,
    *,
    patient_id: int,
    code: dict[str, Any],
    category: str,
    effective: str,
    value: dict[str, Any],
    procedure_id: int | None = None,
) -> Resource:
    return prune(
        {
            "resourceType": "Observation",
            "id": pk,
            "status": "final",
            "category": [concept(c.OBSERVATION_CATEGORY, category)],
            "code": code,
            "subject": ref("Patient", patient_id),
            "partOf": [ref("Procedure", procedure_id)] if procedure_id else [],
            "effectiveDateTime": effective,
            **value,
        }
    )


def _participant(resource_type: str, pk: object) -> dict[str, Any]:
    return {"actor": ref(resource_type, pk), "required": "required", "status": "accepted"}


def _telecom(phone: str, email: str) -> list[dict[str, str]]:
    out = []
    if phone:
        out.append({"system": "phone", "value": phone})
    if email:
        out.append({"system": "email", "value": email})
    return out
