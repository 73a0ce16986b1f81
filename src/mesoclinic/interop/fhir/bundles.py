"""Bundles, the CapabilityStatement, validation with ``fhir.resources.R4B`` and reading imported Patients."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError as PydanticValidationError

from mesoclinic.clinical_codes.words import N_, Worded
from mesoclinic.interop.fhir.codes import SEXES
from mesoclinic.interop.fhir.resources import Resource

FHIR_VERSION = "4.0.1"
"""R4 (technical correction 1): what ``/fhir/R4/`` serves and R4 clients check in the CapabilityStatement."""
FHIR_JSON = "application/fhir+json"
NDJSON = "application/fhir+ndjson"

BULK_TYPES = (
    "Organization",
    "Location",
    "Practitioner",
    "Device",
    "Patient",
    "Condition",
    "AllergyIntolerance",
    "MedicationStatement",
    "Consent",
    "Appointment",
    "Procedure",
    "MedicationAdministration",
    "AdverseEvent",
    "Media",
    "Observation",
)
"""The resource types a clinic export writes, one NDJSON file each, in this order."""


class InvalidResourceError(ValueError):
    """A resource that ``fhir.resources`` refuses; ``errors`` are (path, message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors))
        self.errors = errors


def validate(resource: Resource) -> Resource:
    """Parse ``resource`` with the R4B model of its type; raise ``InvalidResourceError`` if it is not valid."""
    resource_type = resource.get("resourceType") if isinstance(resource, dict) else None
    if not isinstance(resource_type, str):
        raise InvalidResourceError([("resourceType", "missing: this is not a FHIR resource")])
    try:
        model = get_fhir_model_class(resource_type)
    except ValueError:
        raise InvalidResourceError([("resourceType", f"{resource_type} is not a FHIR R4 resource")]) from None
    try:
        model.model_validate(resource)
    except PydanticValidationError as exc:
        raise InvalidResourceError(
            [(_fhir_path(e["loc"]) or resource_type, e["msg"]) for e in exc.errors()[:10]]
        ) from None
    return resource


def _fhir_path(loc: tuple[int | str, ...]) -> str:
    """Pydantic's error location as a FHIRPath-like string: ``name[0].given[0]``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def searchset(resources: Iterable[Resource], *, base_url: str, now: datetime) -> Resource:
    """A ``searchset`` Bundle (what ``$everything`` returns) with a full URL for each entry."""
    entries = [
        {
            "fullUrl": f"{base_url}/{r['resourceType']}/{r['id']}",
            "resource": r,
            "search": {"mode": "match" if r["resourceType"] == "Patient" else "include"},
        }
        for r in resources
    ]
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": now.isoformat()},
        "type": "searchset",
        "timestamp": now.isoformat(),
        "total": len(entries),
        "entry": entries,
    }


def capability_statement(*, base_url: str, software_version: str, now: datetime) -> Resource:
    """What this server does: read-only export of a patient and a clinic, create of Patient."""
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": now.isoformat(),
        "publisher": "MesoClinic",
        "kind": "instance",
        "software": {"name": "MesoClinic", "version": software_version},
        "implementation": {"description": "MesoClinic FHIR R4 export", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": ["json", FHIR_JSON],
        "rest": [
            {
                "mode": "server",
                "documentation": "Session or token authentication as staff of one clinic; every read is clinic-scoped and audited.",
                "resource": [
                    {
                        "type": "Patient",
                        "interaction": [{"code": "create"}],
                        "operation": [
                            {
                                "name": "everything",
                                "definition": "http://hl7.org/fhir/OperationDefinition/Patient-everything",
                            }
                        ],
                    },
                    *({"type": t} for t in BULK_TYPES if t != "Patient"),
                ],
                "interaction": [{"code": "transaction"}],
                "operation": [
                    {
                        "name": "export",
                        "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export",
                    }
                ],
            }
        ],
    }


# --- Import --------------------------------------------------------------------------------------------


@dataclass
class ImportedPatient:
    """The fields of one Patient to register, with the identifiers to keep, or the reasons it cannot be."""

    index: int
    fields: dict[str, Any] = field(default_factory=dict)
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    #: (element, why): MesoClinic's own words as ``Worded`` (shown in the reader's language by the Django
    #: layer), a FHIR model's refusal as its text.
    errors: list[tuple[str, str | Worded]] = field(default_factory=list)


def patients_in(payload: Any) -> list[ImportedPatient]:
    """The Patients of a Bundle (any type) or of a single Patient resource, each validated and read.

    A Bundle entry that is not a Patient is an error of that entry (the import takes Patients only).
    """
    if not isinstance(payload, dict):
        return [
            ImportedPatient(
                0, errors=[("", Worded(N_("Send a FHIR Patient or a Bundle of Patients as JSON.")))]
            )
        ]
    if payload.get("resourceType") == "Bundle":
        entries = payload.get("entry") or []
        if not isinstance(entries, list) or not entries:
            return [ImportedPatient(0, errors=[("entry", Worded(N_("The Bundle has no entries.")))])]
        resources = [e.get("resource") if isinstance(e, dict) else None for e in entries]
    else:
        resources = [payload]
    return [_read_patient(index, resource) for index, resource in enumerate(resources)]


def _read_patient(index: int, resource: Any) -> ImportedPatient:
    out = ImportedPatient(index)
    if not isinstance(resource, dict) or resource.get("resourceType") != "Patient":
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        out.errors.append(
            (
                "resourceType",
                Worded(N_("Only Patient resources are imported, not %(kind)s."), {"kind": kind})
                if kind
                else Worded(N_("Only Patient resources are imported, not this.")),
            )
        )
        return out
    try:
        validate(resource)
    except InvalidResourceError as exc:
        out.errors.extend(exc.errors)
        return out
    names = resource.get("name") or []
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    given = " ".join(name.get("given") or [])
    family = name.get("family") or ""
    if not given or not family:
        out.errors.append(("name", Worded(N_("A given and a family name are required."))))
    birth = resource.get("birthDate")
    try:
        birth_date = date.fromisoformat(birth) if isinstance(birth, str) else None
    except ValueError:
        birth_date = None
    if birth_date is None:
        out.errors.append(("birthDate", Worded(N_("A full date of birth (YYYY-MM-DD) is required."))))
    gender = resource.get("gender") or "unknown"
    if gender not in SEXES:
        out.errors.append(
            (
                "gender",
                Worded(
                    N_("%(value)s is not one of %(codes)s."),
                    {"value": repr(gender), "codes": ", ".join(SEXES)},
                ),
            )
        )
    telecom = resource.get("telecom") or []
    email = next((t.get("value", "") for t in telecom if t.get("system") == "email"), "")
    phone = next((t.get("value", "") for t in telecom if t.get("system") in {"phone", "sms"}), "")
    address = next(
        (
            a.get("text") or ", ".join([*(a.get("line") or []), a.get("postalCode", ""), a.get("city", "")])
            for a in resource.get("address") or []
        ),
        "",
    )
    language = next(
        (
            coding.get("code")
            for comm in resource.get("communication") or []
            for coding in (comm.get("language") or {}).get("coding") or []
            if coding.get("code")
        ),
        "",
    )
    out.fields = {
        "given_name": given,
        "family_name": family,
        "birth_date": birth_date,
        "sex": SEXES.get(gender, "unknown"),
        "email": email,
        "phone": phone,
        "address": address.strip(", "),
    }
    if language:
        out.fields["preferred_language"] = language[:10]
    out.identifiers = [
        (i["system"], i["value"])
        for i in resource.get("identifier") or []
        if isinstance(i.get("system"), str) and isinstance(i.get("value"), str)
    ]
    return out
