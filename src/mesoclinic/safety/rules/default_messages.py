"""The default rule table's messages (default_rules.json), marked for the translation catalog.

Screening looks each rule's message up in the catalog (``screen(translate=gettext)``): a clinic that kept
the default wording reads it in its language; its own wording is shown as written. test_default_messages
checks that this list and default_rules.json agree (regenerate it with the snippet there).
"""

from __future__ import annotations

from mesoclinic.clinical_codes.words import N_

MESSAGES = (
    N_("Pregnant: mesotherapy is not done during pregnancy because its safety for the baby is not known."),
    N_(
        "Breastfeeding: mesotherapy is not done while breastfeeding because its safety for the baby is not known."
    ),
    N_("Under 18: this clinic does not give mesotherapy to patients younger than 18."),
    N_(
        "Active herpes (cold sore): treating the skin now can spread the infection; wait until it has fully healed."
    ),
    N_("Active skin infection: treating the skin now can spread the infection; wait until it has healed."),
    N_(
        "Active cancer treatment: mesotherapy is not done during chemotherapy, radiotherapy or other cancer treatment."
    ),
    N_(
        "Allergy to {ingredient}: the cocktail of this treatment contains it and can cause an allergic reaction."
    ),
    N_("Bleeding disorder: needle injections can cause heavy bruising or bleeding."),
    N_("Blood thinner (anticoagulant): needle injections can cause more bruising and bleeding."),
    N_("Antiplatelet medicine (such as aspirin): needle injections can cause more bruising and bleeding."),
    N_("Tendency to keloid scars: needle marks can heal as raised scars."),
    N_("Autoimmune disease: injections can trigger a flare or an unusual skin reaction."),
    N_("Weakened immune system: needle injections carry a higher risk of infection."),
    N_("Immunosuppressant medicine: needle injections carry a higher risk of infection."),
    N_("Uncontrolled diabetes: the skin heals more slowly and infections are more likely after injections."),
    N_(
        "Isotretinoin (now or in the last 6 months): the skin is fragile and can heal slowly or scar after injections."
    ),
    N_("Pacemaker or implanted defibrillator: {modality} can disturb how the device works."),
    N_("Implanted electronic device: {modality} can disturb how the device works."),
    N_(
        "Metal implant in the treatment area: metal concentrates the energy of {modality} and can cause burns."
    ),
    N_("Gold threads: the gold concentrates the energy of {modality} and can cause burns."),
    N_("Epilepsy: the electrical pulses of {modality} can trigger a seizure."),
    N_("Heart disease: the electrical current of {modality} can affect the heart."),
    N_("Cold urticaria: the cold of {modality} can cause hives and swelling."),
    N_(
        "Cryoglobulinaemia: the cold of {modality} can make proteins in the blood clump and block small blood vessels."
    ),
    N_("Raynaud's phenomenon: the cold of {modality} can cut off the blood flow to the skin."),
)
