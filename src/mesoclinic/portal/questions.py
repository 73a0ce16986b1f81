"""The health questions of the public booking page, in plain words, each mapped to a code of the history.

The codes are screening's own vocabulary (``clinical_codes.vocabulary``), so the answers are screened exactly as
the history staff take at the desk; only the wording is written for the patient, not for the receptionist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from mesoclinic.clinical_codes.vocabulary import CONDITIONS, IMPLANTS, MEDICATIONS

PLAIN_CONDITIONS = {
    "pregnant": _("I am pregnant, or might be"),
    "breastfeeding": _("I am breastfeeding"),
    "bleeding_disorder": _("I bleed or bruise very easily (a bleeding disorder)"),
    "autoimmune_disease": _("I have an autoimmune disease (for example lupus or rheumatoid arthritis)"),
    "immunosuppression": _("My immune system is weakened (by an illness or its treatment)"),
    "diabetes_uncontrolled": _("I have diabetes that is not well controlled"),
    "keloid_tendency": _("My skin forms thick, raised scars (keloids)"),
    "epilepsy": _("I have epilepsy"),
    "heart_disease": _("I have a heart condition"),
    "active_cancer_treatment": _("I am being treated for cancer"),
    "cold_urticaria": _("Cold gives me hives"),
    "cryoglobulinaemia": _("I have cryoglobulinaemia"),
    "raynaud": _("My fingers turn white or blue in the cold (Raynaud's)"),
    "active_herpes": _("I have a cold sore right now"),
    "active_skin_infection": _("I have a skin infection where I would be treated"),
}
PLAIN_MEDICATIONS = {
    "anticoagulant": _("I take a blood thinner (for example warfarin, apixaban, rivaroxaban)"),
    "antiplatelet": _("I take aspirin or another medicine against blood clots (for example clopidogrel)"),
    "isotretinoin": _("I take isotretinoin for acne, or stopped less than six months ago"),
    "immunosuppressant": _("I take medicine that suppresses the immune system"),
}
PLAIN_IMPLANTS = {
    "pacemaker": _("I have a pacemaker or an implanted defibrillator"),
    "implanted_electronic_device": _("I have another electronic implant (for example an insulin pump)"),
    "metal_implant_in_area": _("I have metal (plates, screws, wires) in the area to be treated"),
    "gold_threads": _("I have had gold threads placed in my skin"),
}


@dataclass(frozen=True)
class Question:
    code: str
    kind: str  # condition | medication | implant | allergy
    text: str


def questions(allergens: list[tuple[str, str]]) -> list[Question]:
    """Every question for a treatment whose cocktail holds ``allergens`` (code, name) pairs."""
    # Every code of the vocabulary is asked; one added there without wording here is asked by its label.
    out = [Question(c, "condition", str(PLAIN_CONDITIONS.get(c, label))) for c, label in CONDITIONS.items()]
    out += [
        Question(c, "medication", str(PLAIN_MEDICATIONS.get(c, label))) for c, label in MEDICATIONS.items()
    ]
    out += [Question(c, "implant", str(PLAIN_IMPLANTS.get(c, label))) for c, label in IMPLANTS.items()]
    out += [
        Question(code, "allergy", str(_("I am allergic to %(ingredient)s") % {"ingredient": name}))
        for code, name in allergens
    ]
    return out


def plain_label(code: str) -> str:
    """The patient's wording of a code (for the "a consultation is needed" page)."""
    for table in (PLAIN_CONDITIONS, PLAIN_MEDICATIONS, PLAIN_IMPLANTS):
        if code in table:
            return str(table[code])
    return ""
