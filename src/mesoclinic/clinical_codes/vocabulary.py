"""The coded vocabulary of a medical history and of treatment modalities.

Every code maps to a label a receptionist understands. Codes are stable identifiers stored in the
database and exchanged in JSON; labels may be reworded freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from mesoclinic.clinical_codes.words import N_

__all__ = [
    "AGE_UNDER_18",
    "ALLERGY",
    "BUILT_IN_FACTORS",
    "CONDITIONS",
    "FACTORS",
    "HISTORY_LISTS",
    "HISTORY_NEEDED",
    "IMPLANTS",
    "MAX_ENTRY_TEXT",
    "MEDICATIONS",
    "MODALITIES",
    "OTHER_ALLERGY",
    "OTHER_MEDICATION",
    "OTHER_REPORT",
]

HISTORY_LISTS: Final = (
    "conditions",
    "medications",
    "implants",
    "allergies",
    "other_allergies",
    "other_medications",
)
"""The lists a medical history is made of, as a history document, a screening's patient and a chart name them
(a history adds its ``status`` and free-text ``notes``)."""

MAX_ENTRY_TEXT: Final = 200
"""The longest free-text entry of a history (another allergy, medication or report), in characters."""

CONDITIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "pregnant": N_("Pregnant"),
        "breastfeeding": N_("Breastfeeding"),
        "bleeding_disorder": N_("Bleeding disorder"),
        "autoimmune_disease": N_("Autoimmune disease"),
        "immunosuppression": N_("Weakened immune system (immunosuppression)"),
        "diabetes_uncontrolled": N_("Uncontrolled diabetes"),
        "keloid_tendency": N_("Tendency to form keloid scars"),
        "epilepsy": N_("Epilepsy"),
        "heart_disease": N_("Heart disease"),
        "active_cancer_treatment": N_("Active cancer treatment"),
        "cold_urticaria": N_("Cold urticaria (hives from cold)"),
        "cryoglobulinaemia": N_("Cryoglobulinaemia"),
        "raynaud": N_("Raynaud's phenomenon"),
        "active_herpes": N_("Active herpes (cold sore)"),
        "active_skin_infection": N_("Active skin infection"),
    }
)
"""Medical conditions, code -> label."""

MEDICATIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "anticoagulant": N_("Anticoagulant (blood thinner)"),
        "antiplatelet": N_("Antiplatelet medicine (e.g. aspirin, clopidogrel)"),
        "isotretinoin": N_("Isotretinoin (acne medicine)"),
        "immunosuppressant": N_("Immunosuppressant medicine"),
    }
)
"""Medication classes, code -> label."""

IMPLANTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "pacemaker": N_("Pacemaker or implanted defibrillator"),
        "implanted_electronic_device": N_("Other implanted electronic device"),
        "metal_implant_in_area": N_("Metal implant in the treatment area"),
        "gold_threads": N_("Gold threads"),
    }
)
"""Implants, code -> label."""

MODALITIES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "needle": N_("Needle mesotherapy"),
        "electroporation": N_("Electroporation"),
        "cryo_electroporation": N_("Cryo-electroporation"),
        "sonophoresis": N_("Sonophoresis (ultrasound)"),
        "iontophoresis": N_("Iontophoresis (galvanic current)"),
        "oxygen_infusion": N_("Oxygen infusion"),
    }
)
"""Treatment modalities, code -> label."""

AGE_UNDER_18: Final = "age_under_18"
"""Factor code of the finding raised for a patient younger than 18 years."""

ALLERGY: Final = "allergy"
"""Rule-table pseudo factor: an allergy to an ingredient of the protocol's cocktail.

A finding raised by this rule carries the ingredient code as its factor.
"""

HISTORY_NEEDED: Final = "history_needed"
"""Factor code of the finding raised when the history was never taken (not a rule-table factor)."""

OTHER_ALLERGY: Final = "other_allergy"
"""Factor code of the warning for allergies recorded as free text (not a rule-table factor)."""

OTHER_MEDICATION: Final = "other_medication"
"""Factor code of the warning for medicines recorded as free text (not a rule-table factor)."""

OTHER_REPORT: Final = "other_report"
"""Factor code of the warning for anything else reported on the day (not a rule-table factor)."""

BUILT_IN_FACTORS: Final[Mapping[str, str]] = MappingProxyType(
    {
        HISTORY_NEEDED: N_("History needed (never taken)"),
        OTHER_ALLERGY: N_("Other allergy (not in the list)"),
        OTHER_MEDICATION: N_("Other medicine (not in the list)"),
        OTHER_REPORT: N_("Reported on the day"),
    }
)
"""Factors of the findings screening raises by itself (no rule table names them), code -> label."""

FACTORS: Final[Mapping[str, str]] = MappingProxyType(
    {
        **CONDITIONS,
        **MEDICATIONS,
        **IMPLANTS,
        AGE_UNDER_18: N_("Under 18 years old"),
        ALLERGY: N_("Allergy to an ingredient"),
    }
)
"""Every factor a rule may name, code -> label."""
