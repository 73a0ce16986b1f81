"""The coded vocabulary of a medical history and of treatment modalities.

Every code maps to a label a receptionist understands. Codes are stable identifiers stored in the
database and exchanged in JSON; labels may be reworded freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = [
    "AGE_UNDER_18",
    "ALLERGY",
    "BUILT_IN_FACTORS",
    "CONDITIONS",
    "FACTORS",
    "HISTORY_NEEDED",
    "IMPLANTS",
    "MAX_ENTRY_TEXT",
    "MEDICATIONS",
    "MODALITIES",
    "OTHER_ALLERGY",
    "OTHER_MEDICATION",
    "OTHER_REPORT",
]

MAX_ENTRY_TEXT: Final = 200
"""The longest free-text entry of a history (another allergy, medication or report), in characters."""

CONDITIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "pregnant": "Pregnant",
        "breastfeeding": "Breastfeeding",
        "bleeding_disorder": "Bleeding disorder",
        "autoimmune_disease": "Autoimmune disease",
        "immunosuppression": "Weakened immune system (immunosuppression)",
        "diabetes_uncontrolled": "Uncontrolled diabetes",
        "keloid_tendency": "Tendency to form keloid scars",
        "epilepsy": "Epilepsy",
        "heart_disease": "Heart disease",
        "active_cancer_treatment": "Active cancer treatment",
        "cold_urticaria": "Cold urticaria (hives from cold)",
        "cryoglobulinaemia": "Cryoglobulinaemia",
        "raynaud": "Raynaud's phenomenon",
        "active_herpes": "Active herpes (cold sore)",
        "active_skin_infection": "Active skin infection",
    }
)
"""Medical conditions, code -> label."""

MEDICATIONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "anticoagulant": "Anticoagulant (blood thinner)",
        "antiplatelet": "Antiplatelet medicine (e.g. aspirin, clopidogrel)",
        "isotretinoin": "Isotretinoin (acne medicine)",
        "immunosuppressant": "Immunosuppressant medicine",
    }
)
"""Medication classes, code -> label."""

IMPLANTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "pacemaker": "Pacemaker or implanted defibrillator",
        "implanted_electronic_device": "Other implanted electronic device",
        "metal_implant_in_area": "Metal implant in the treatment area",
        "gold_threads": "Gold threads",
    }
)
"""Implants, code -> label."""

MODALITIES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "needle": "Needle mesotherapy",
        "electroporation": "Electroporation",
        "cryo_electroporation": "Cryo-electroporation",
        "sonophoresis": "Sonophoresis (ultrasound)",
        "iontophoresis": "Iontophoresis (galvanic current)",
        "oxygen_infusion": "Oxygen infusion",
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
        HISTORY_NEEDED: "History needed (never taken)",
        OTHER_ALLERGY: "Other allergy (not in the list)",
        OTHER_MEDICATION: "Other medicine (not in the list)",
        OTHER_REPORT: "Reported on the day",
    }
)
"""Factors of the findings screening raises by itself (no rule table names them), code -> label."""

FACTORS: Final[Mapping[str, str]] = MappingProxyType(
    {
        **CONDITIONS,
        **MEDICATIONS,
        **IMPLANTS,
        AGE_UNDER_18: "Under 18 years old",
        ALLERGY: "Allergy to an ingredient",
    }
)
"""Every factor a rule may name, code -> label."""
