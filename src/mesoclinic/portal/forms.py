"""The public booking page's forms: where and when, then the visitor's details, answers and consent, then the
code. Labels are written for a patient; every error is said next to its field."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from mesoclinic.patients.models import PhotoUse
from mesoclinic.portal.questions import Question

PARTS = (
    ("", _("Any time of day")),
    ("morning", _("Morning (before 12:00)")),
    ("afternoon", _("Afternoon (12:00–17:00)")),
    ("evening", _("Evening (after 17:00)")),
)
PHOTO_USE = (
    (PhotoUse.CLINICAL.value, _("Only in my own record, to follow my results")),
    (PhotoUse.TEACHING.value, _("Also, without my name, to teach other practitioners")),
    (PhotoUse.MARKETING.value, _("Also, without my name, in the clinic's publications")),
)


class SearchForm(forms.Form):
    location = forms.TypedChoiceField(label=_("Where"), coerce=int)
    earliest = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The first session is on this day or later."),
    )
    part = forms.ChoiceField(label=_("Time of day"), choices=PARTS, required=False)

    def __init__(self, *args: Any, locations: list[Any], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        cast(forms.ChoiceField, self.fields["location"]).choices = [(loc.pk, loc.name) for loc in locations]
        self.fields["earliest"].widget.attrs["min"] = today.isoformat()

    def clean_earliest(self) -> date:
        day: date = self.cleaned_data["earliest"]
        if day < self.today:
            raise forms.ValidationError(_("Choose today or a later day."))
        if (day - self.today).days > 365:
            raise forms.ValidationError(_("Choose a day within the next year."))
        return day


class DetailsForm(forms.Form):
    offer = forms.CharField(widget=forms.HiddenInput)
    given_name = forms.CharField(label=_("First name"), max_length=100)
    family_name = forms.CharField(label=_("Last name"), max_length=100)
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("We send a 6-digit code here to confirm the booking.")
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    conditions = forms.MultipleChoiceField(
        label=_("Does any of this apply to you now?"), widget=forms.CheckboxSelectMultiple, required=False
    )
    medications = forms.MultipleChoiceField(
        label=_("Do you take any of these medicines?"), widget=forms.CheckboxSelectMultiple, required=False
    )
    implants = forms.MultipleChoiceField(
        label=_("Do you have any of these implants?"), widget=forms.CheckboxSelectMultiple, required=False
    )
    allergies = forms.MultipleChoiceField(
        label=_("Are you allergic to any ingredient of this treatment?"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    accept = forms.BooleanField(label=_("I have read the consent above and agree to the treatment."))
    photo_use = forms.ChoiceField(
        label=_("Photos of my skin may be used"),
        choices=PHOTO_USE,
        initial=PhotoUse.CLINICAL.value,
        widget=forms.RadioSelect,
    )
    # A field people never see (hidden by CSS and from screen readers); bots fill every field.
    website = forms.CharField(required=False, label=_("Leave this empty"))

    def __init__(self, *args: Any, questions: list[Question], has_consent: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, kind in (
            ("conditions", "condition"),
            ("medications", "medication"),
            ("implants", "implant"),
            ("allergies", "allergy"),
        ):
            cast(forms.ChoiceField, self.fields[name]).choices = [
                (q.code, q.text) for q in questions if q.kind == kind
            ]
        if not cast(forms.ChoiceField, self.fields["allergies"]).choices:
            del self.fields["allergies"]
        if not has_consent:
            del self.fields["accept"]
        self.fields["given_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["family_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["birth_date"].widget.attrs["autocomplete"] = "bday"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs.update(autocomplete="tel", inputmode="tel")
        self.fields["website"].widget.attrs.update(autocomplete="off", tabindex="-1")


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code from the e-mail"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code is six digits.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            inputmode="numeric", autocomplete="one-time-code", maxlength="6", pattern=r"\d{6}"
        )


class SignInForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    birth_date = forms.DateField(
        label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["birth_date"].widget.attrs["autocomplete"] = "bday"
