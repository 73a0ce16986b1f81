"""Forms of the vigilance screens. They parse and validate; ``services.py`` writes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mesoclinic.catalog.data_file import zones
from mesoclinic.form_errors import set_choices
from mesoclinic.vigilance.models import EventCategory, Outcome, Severity
from mesoclinic.vigilance.selectors import SuggestedSession

# The taxonomy of DESIGN.md §4, grouped the way a clinician looks for it.
CATEGORY_GROUPS: list[tuple[str, list[str]]] = [
    (
        str(_("Local reaction at the treated site")),
        ["pain", "erythema", "oedema", "bruising", "pruritus", "persistent_papules"],
    ),
    (
        str(_("Infection and inflammation")),
        [
            "bacterial_infection",
            "atypical_mycobacterial_infection",
            "abscess_nodule",
            "granuloma",
            "herpes_reactivation",
        ],
    ),
    (str(_("Allergy")), ["allergic_reaction", "systemic_hypersensitivity"]),
    (
        str(_("Skin and tissue changes")),
        ["hyperpigmentation", "hypopigmentation", "necrosis", "scarring", "contour_deformity"],
    ),
    (str(_("Circulation")), ["vascular_event"]),
    (str(_("Other")), ["other"]),
]
LABELS = dict(EventCategory.choices)
GROUPED_CATEGORIES: list[tuple[str, Any]] = [
    ("", _("Choose…")),
    *[(group, [(code, LABELS[code]) for code in codes]) for group, codes in CATEGORY_GROUPS],
]


def _zone_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    regions: dict[str, list[tuple[str, str]]] = {}
    for zone in zones():
        regions.setdefault(zone.get("region", "") or str(_("Other")), []).append((zone["code"], zone["name"]))
    return [(region.title(), items) for region, items in regions.items()]


class AdverseEventForm(forms.Form):
    """What happened, when, how bad; the sessions and lots it may come from; what was done."""

    category = forms.ChoiceField(label=_("What happened"), choices=GROUPED_CATEGORIES)
    onset_on = forms.DateField(
        label=_("Onset date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("When it started; it may be weeks after the session."),
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, widget=forms.RadioSelect)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    zones = forms.MultipleChoiceField(
        label=_("Zones affected"), choices=_zone_choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    sessions = forms.TypedMultipleChoiceField(
        label=_("Sessions it may come from"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The patient's sessions in the 12 weeks before the onset."),
    )
    lots = forms.TypedMultipleChoiceField(
        label=_("Lots in question"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    actions = forms.CharField(
        label=_("Actions taken"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Treatment given, referral, product quarantined."),
    )
    outcome = forms.ChoiceField(label=_("Outcome so far"), choices=Outcome.choices, initial=Outcome.ONGOING)
    reported_to_regulator = forms.BooleanField(label=_("Reported to a regulator"), required=False)
    regulator_reference = forms.CharField(
        label=_("Regulator's reference"),
        required=False,
        max_length=200,
        help_text=_("e.g. the Yellow Card or MedWatch reference."),
    )

    def __init__(self, *args: Any, suggestions: list[SuggestedSession], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.suggestions = suggestions
        set_choices(self, "sessions", [(s.record.pk, str(s.record.pk)) for s in suggestions])
        lots: dict[int, str] = {}
        for suggestion in suggestions:
            for lot in suggestion.lots:
                lots.setdefault(lot.pk, str(lot))
        set_choices(self, "lots", list(lots.items()))

    def clean_onset_on(self) -> date:
        onset: date = self.cleaned_data["onset_on"]
        if onset > self.today:
            raise ValidationError(_("The onset cannot be in the future."))
        return onset

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("regulator_reference", "").strip() and not data.get("reported_to_regulator"):
            self.add_error(
                "reported_to_regulator", _("Tick this box when you give the regulator's reference.")
            )
        return data


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("What was seen or done"), widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(label=_("Outcome now"), choices=Outcome.choices)
    close = forms.BooleanField(
        label=_("Close the event"),
        required=False,
        help_text=_("Recovered and fatal outcomes close it by themselves."),
    )


class EventFilterForm(forms.Form):
    q = forms.CharField(label=_("Search by patient, description or reference"), required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All")), *GROUPED_CATEGORIES[1:]], required=False
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[("", _("All")), *Severity.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), ("open", _("Open")), ("closed", _("Closed"))],
        required=False,
    )
    onset_from = forms.DateField(
        label=_("Onset from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    onset_to = forms.DateField(
        label=_("Onset to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class RecallSearchForm(forms.Form):
    lot_number = forms.CharField(label=_("Lot number"), max_length=80)
    product = forms.ChoiceField(label=_("Product or cocktail"), required=False)

    def __init__(self, *args: Any, products: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "product", [("", _("Any")), *products])


class MarkRecalledForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the recall"),
        max_length=500,
        widget=forms.TextInput(),
        help_text=_("e.g. the supplier's field safety notice number."),
    )
    confirm = forms.BooleanField(
        label=_("I understand this lot, and every preparation made from it, can no longer be used."),
        error_messages={"required": _("Tick the box to confirm the recall.")},
    )


class CorrectionForm(AdverseEventForm):
    """The report form again, filled with the event as it stands, and why it is being corrected."""

    reason = forms.CharField(
        label=_("Why is the report corrected?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the earlier version in the event's history."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["outcome"]  # the outcome moves with follow-ups, not corrections
