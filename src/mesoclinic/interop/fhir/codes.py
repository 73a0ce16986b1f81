"""Code systems and identifier systems of the FHIR export (docs/interop.md lists them).

Standard terminologies are used where a code is known to be equivalent (HL7's own code systems, a handful of
SNOMED CT findings, UCUM units); everything else carries a MesoClinic code system under ``MC``, so a receiver
always gets a stable code and a display and can map it locally. No code here is guessed: a SNOMED CT or LOINC
code appears only where it names exactly the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

MC: Final = "https://mesoclinic.org/fhir"
"""Base of MesoClinic's own code systems, identifier systems and extensions."""

CS_MODALITY: Final = f"{MC}/CodeSystem/modality"
CS_PROTOCOL: Final = f"{MC}/CodeSystem/protocol"
CS_PRODUCT: Final = f"{MC}/CodeSystem/product"
CS_COCKTAIL: Final = f"{MC}/CodeSystem/cocktail"
CS_INGREDIENT: Final = f"{MC}/CodeSystem/ingredient"
CS_CONDITION: Final = f"{MC}/CodeSystem/condition"
CS_MEDICATION: Final = f"{MC}/CodeSystem/medication-class"
CS_IMPLANT: Final = f"{MC}/CodeSystem/implant"
CS_ZONE: Final = f"{MC}/CodeSystem/zone"
CS_SCALE: Final = f"{MC}/CodeSystem/clinical-scale"
CS_SKIN_METRIC: Final = f"{MC}/CodeSystem/skin-metric"
CS_PHOTO_VIEW: Final = f"{MC}/CodeSystem/photo-view"
CS_PHOTO_USE: Final = f"{MC}/CodeSystem/photo-use"
CS_ADVERSE_EVENT: Final = f"{MC}/CodeSystem/adverse-event"
CS_SESSION_PARAMETER: Final = f"{MC}/CodeSystem/session-parameter"

EXT_DESCRIPTION: Final = f"{MC}/StructureDefinition/description"
EXT_ACTIONS: Final = f"{MC}/StructureDefinition/actions-taken"
EXT_REGULATOR_REF: Final = f"{MC}/StructureDefinition/regulator-reference"
EXT_SESSION_PARAMETER: Final = f"{MC}/StructureDefinition/session-parameter"
EXT_TIMEZONE: Final = "http://hl7.org/fhir/StructureDefinition/timezone"


def id_system(clinic_slug: str, kind: str) -> str:
    """The identifier system of one clinic's ``kind`` of record (``patient``, ``lot``...)."""
    return f"{MC}/sid/{clinic_slug}/{kind}"


LOINC: Final = "http://loinc.org"
SNOMED: Final = "http://snomed.info/sct"
UCUM: Final = "http://unitsofmeasure.org"
BCP47: Final = "urn:ietf:bcp:47"

OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/condition-category"
ALLERGY_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
CONSENT_SCOPE: Final = "http://terminology.hl7.org/CodeSystem/consentscope"
MEDIA_TYPE: Final = "http://terminology.hl7.org/CodeSystem/media-type"
AE_SERIOUSNESS: Final = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
AE_SEVERITY: Final = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"
AE_OUTCOME: Final = "http://terminology.hl7.org/CodeSystem/adverse-event-outcome"
LOCATION_PHYSICAL_TYPE: Final = "http://terminology.hl7.org/CodeSystem/location-physical-type"
DEVICE_NAME_TYPE: Final = "user-friendly-name"

CONSENT_DOCUMENT_LOINC: Final = ("59284-0", "Patient Consent")
"""LOINC's document code for a patient consent (the category FHIR's own Consent examples use)."""

CONDITION_SNOMED: Final[dict[str, tuple[str, str]]] = {
    "pregnant": ("77386006", "Pregnancy"),
    "epilepsy": ("84757009", "Epilepsy"),
    "heart_disease": ("56265001", "Heart disease"),
    "raynaud": ("266261006", "Raynaud's phenomenon"),
}
"""History codes with an equivalent SNOMED CT concept, added beside the MesoClinic code."""

SCALES: Final[dict[str, str]] = {
    "fitzpatrick": "Fitzpatrick skin type (1–6 for I–VI)",
    "glogau": "Glogau photoaging class (1–4 for I–IV)",
    "wsrs_left": "Wrinkle Severity Rating Scale, left (1–5)",
    "wsrs_right": "Wrinkle Severity Rating Scale, right (1–5)",
    "mmasi": "Modified Melasma Area and Severity Index (0–24)",
    "gais_investigator": "Global Aesthetic Improvement Scale, investigator (1–5)",
    "gais_subject": "Global Aesthetic Improvement Scale, subject (1–5)",
    "satisfaction": "Patient satisfaction (1–5)",
}
"""Clinical scales, code -> display. Subject-reported scales are in ``SURVEY_SCALES``."""

SURVEY_SCALES: Final = frozenset({"gais_subject", "satisfaction"})

SKIN_METRICS: Final[dict[str, tuple[str, str, str]]] = {
    "spot_count": ("Spot count", "{count}", "1"),
    "spot_area_fraction": ("Spot area fraction", "%", "%"),
    "pore_count": ("Pore count", "{count}", "1"),
    "wrinkle_area_fraction": ("Wrinkle area fraction", "%", "%"),
    "wrinkle_length_density": ("Wrinkle length density", "1/mm", "/mm"),
    "lab_l_mean": ("Mean CIE L*", "L*", "1"),
    "lab_a_mean": ("Mean CIE a* (redness)", "a*", "1"),
    "lab_b_mean": ("Mean CIE b*", "b*", "1"),
    "ita_deg": ("Individual typology angle (ITA°)", "deg", "deg"),
    "redness_area_fraction": ("Redness area fraction", "%", "%"),
    "texture_roughness": ("Texture roughness", "1", "1"),
}
"""Photo metrics, code -> (display, unit shown, UCUM code)."""


class UnmappedCodeError(ValueError):
    """A value a MesoClinic record holds that has no FHIR code in the tables below (a new model choice that
    was not mapped): the export stops rather than write a code a receiver would refuse."""


def fhir_code(table: Mapping[str, Any], value: str, element: str) -> Any:
    """``table[value]``, or an ``UnmappedCodeError`` naming the FHIR element and the value."""
    try:
        return table[value]
    except KeyError:
        raise UnmappedCodeError(f"{element}: no FHIR code for {value!r}") from None


# Every table below maps every value of the model choice it names, explicitly: no default, no fall-through
# (test_fhir_codes.py walks each choice). The FHIR codes are R4's required value sets.

APPOINTMENT_STATUS: Final[dict[str, str]] = {
    "booked": "booked",
    "checked_in": "checked-in",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "no_show": "noshow",
    "held": "pending",  # an online visitor's hold, awaiting the e-mailed code (never exported: no patient)
}
"""``scheduling.AppointmentStatus`` -> ``Appointment.status`` (http://hl7.org/fhir/ValueSet/appointmentstatus)."""

PROCEDURE_STATUS: Final[dict[str, str]] = {"draft": "in-progress", "signed": "completed"}
"""``treatments.SessionRecord.Status`` -> ``Procedure.status`` (http://hl7.org/fhir/ValueSet/event-status)."""

AE_SEVERITIES: Final[dict[str, tuple[str, str, str]]] = {
    "mild": ("mild", "Mild", "Non-serious"),
    "moderate": ("moderate", "Moderate", "Non-serious"),
    "severe": ("severe", "Severe", "Non-serious"),
    "serious": ("severe", "Severe", "Serious"),
}
"""``vigilance.Severity`` -> (``AdverseEvent.severity`` code, its display, ``AdverseEvent.seriousness`` code).

R4 grades severity mild/moderate/severe and says apart whether the event was *serious* (a regulatory
notion: hospitalisation, disability, life-threatening...); MesoClinic's "serious" is both."""

AE_SERIOUSNESS_DISPLAY: Final[dict[str, str]] = {"Serious": "Serious", "Non-serious": "Non-serious"}
"""``adverse-event-seriousness`` code -> HL7's display (R4's codes are capitalised: ``Serious``)."""

AE_OUTCOMES: Final[dict[str, tuple[str, str]]] = {
    "ongoing": ("ongoing", "Ongoing"),
    "recovering": ("recovering", "Recovering"),
    "recovered": ("resolved", "Resolved"),
    "recovered_with_sequelae": ("resolvedWithSequelae", "Resolved with Sequelae"),
    "not_recovered": ("ongoing", "Ongoing"),
    "fatal": ("fatal", "Fatal"),
    "unknown": ("unknown", "Unknown"),
}
"""``vigilance.Outcome`` -> ``AdverseEvent.outcome`` (http://hl7.org/fhir/ValueSet/adverse-event-outcome)."""

GENDERS: Final[dict[str, str]] = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}
"""``patients.Sex`` -> ``Patient.gender`` (http://hl7.org/fhir/ValueSet/administrative-gender)."""

SEXES: Final[dict[str, str]] = {fhir: sex for sex, fhir in GENDERS.items()}
"""``Patient.gender`` of an imported Patient -> ``patients.Sex`` (the same four codes both ways)."""
