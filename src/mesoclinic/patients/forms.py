"""Forms of the patient screens. They parse and validate; the services in ``services.py`` write."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mesoclinic.clinical_codes.vocabulary import CONDITIONS, IMPLANTS, MEDICATIONS
from mesoclinic.form_errors import set_choices
from mesoclinic.patients.identity import InvalidPhoneError, clean_name, normalise_phone
from mesoclinic.patients.models import (
    NOTES_MAX,
    ConsentTemplate,
    HistoryStatus,
    MedicalHistory,
    Patient,
    PhotoUse,
)
from mesoclinic.patients.services import OLDEST_AGE_YEARS, PATIENT_FIELDS
from mesoclinic.patients.signals import ContactAnswer
from mesoclinic.patients.signature import SignatureError, decode_data_url


def _model_field(name: str, **kwargs: Any) -> forms.Field:
    model_field = Patient._meta.get_field(name)
    assert isinstance(model_field, models.Field)  # noqa: S101 — a patient's own column, not a relation
    field = model_field.formfield(**kwargs)
    assert field is not None  # noqa: S101 — every patient field is editable
    return field


class PatientForm(forms.Form):
    """Identity, contact and skin classification, in the receptionist's words."""

    given_name = _model_field("given_name")
    family_name = _model_field("family_name")
    birth_date = _model_field(
        "birth_date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("For example 1985-03-14."),
    )
    sex = _model_field("sex")
    phone = _model_field("phone", widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    email = _model_field("email", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    address = _model_field("address", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=settings.LANGUAGES, initial="en"
    )
    fitzpatrick = _model_field("fitzpatrick")
    glogau = _model_field("glogau")
    allow_duplicate = forms.BooleanField(required=False, widget=forms.HiddenInput)

    field_order = PATIENT_FIELDS

    def __init__(
        self, *args: Any, today: date, ask_contact: bool = False, region: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        self.region = region
        if ask_contact:  # registration asks; later changes are on the chart's Messages tab
            self.fields["contact_consent"] = forms.ChoiceField(
                label=_("May we send reminders and recalls?"),
                choices=[("yes", _("Yes")), ("no", _("No"))],
                widget=forms.RadioSelect,
                error_messages={"required": _("Ask the patient: yes or no.")},
            )
            self.fields["contact_channels"] = forms.MultipleChoiceField(
                label=_("How?"),
                choices=[("email", _("E-mail")), ("sms", _("Text message (SMS)"))],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        self.fields["sex"].label = _("Sex")
        self.fields["email"].label = _("E-mail")
        self.fields["phone"].label = _("Phone")
        self.fields["phone"].help_text = _(
            "Any format; without a country code it is read as this clinic's country."
        )
        self.fields["address"].label = _("Address")
        for scale in ("fitzpatrick", "glogau"):
            field = self.fields[scale]
            assert isinstance(field, forms.ChoiceField)  # noqa: S101 — the model field has choices
            scale_choices = cast(list[tuple[Any, Any]], field.choices)  # read back: the normalised list
            field.choices = [("", _("Not assessed")), *scale_choices[1:]]

    def _name(self, field: str, what: str) -> str:
        try:
            return clean_name(str(self.cleaned_data[field]), what=what)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def clean_given_name(self) -> str:
        return self._name("given_name", "first name")

    def clean_family_name(self) -> str:
        return self._name("family_name", "last name")

    def clean_phone(self) -> str:
        """The number as E.164 when the clinic's country is known (the service checks it again)."""
        phone = str(self.cleaned_data["phone"]).strip()
        if self.region is None:
            return phone
        try:
            return normalise_phone(phone, self.region)
        except InvalidPhoneError as exc:
            raise ValidationError(str(exc)) from None

    def clean_birth_date(self) -> date:
        born: date = self.cleaned_data["birth_date"]
        if born > self.today:
            raise ValidationError(_("The date of birth cannot be in the future."))
        if self.today.year - born.year > OLDEST_AGE_YEARS:
            raise ValidationError(_("Check the year: that would make the patient older than 130."))
        return born

    def contact_answer(self) -> ContactAnswer | None:
        """The patient's answer about being contacted (registration only)."""
        if "contact_consent" not in self.fields:
            return None
        channels = set(self.cleaned_data.get("contact_channels") or ())
        consent = self.cleaned_data["contact_consent"] == "yes"
        return ContactAnswer(
            consent=consent, email=consent and "email" in channels, sms=consent and "sms" in channels
        )

    def patient_fields(self) -> dict[str, Any]:
        """Cleaned data as keyword arguments of ``register_patient`` / ``update_patient``."""
        return {name: self.cleaned_data[name] for name in PATIENT_FIELDS}

    @classmethod
    def initial_for(cls, patient: Patient) -> dict[str, Any]:
        return {name: getattr(patient, name) for name in PATIENT_FIELDS}


def _lines(text: str) -> list[str]:
    """Free-text entries typed one per line (a semicolon also separates them)."""
    return [part.strip() for part in re.split(r"[\n;]", text) if part.strip()]


def _stopped_field_name(code: str) -> str:
    return f"stopped_{code}"


class MedicalHistoryForm(forms.Form):
    """The coded history: conditions, medications (with an optional stop date each), implants, allergies."""

    conditions = forms.MultipleChoiceField(
        label=_("Conditions"),
        choices=[(code, _(label)) for code, label in CONDITIONS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    medications = forms.MultipleChoiceField(
        label=_("Medications"),
        choices=[(code, _(label)) for code, label in MEDICATIONS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    implants = forms.MultipleChoiceField(
        label=_("Implants"),
        choices=[(code, _(label)) for code, label in IMPLANTS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    allergies = forms.MultipleChoiceField(
        label=_("Allergies (ingredients)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick every ingredient the patient is allergic to."),
    )
    other_allergies = forms.CharField(
        label=_("Other allergies (not in the list)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, e.g. latex, chlorhexidine. Screening warns about each, with your words."),
    )
    other_medications = forms.CharField(
        label=_("Other medicines (not in the list)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, as the patient names them. Screening warns about each."),
    )
    notes = forms.CharField(
        label=_("Clinical notes"),
        required=False,
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Free text, seen by clinical staff only."),
    )
    status = forms.ChoiceField(
        label=_("How was this history taken?"),
        choices=[
            (HistoryStatus.CONFIRMED.value, _("I went through it with the patient (confirmed by me, now)")),
            (HistoryStatus.SELF_REPORTED.value, _("The patient's own answers, not yet confirmed by staff")),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Say how the history was taken: confirmed with the patient, or self-reported.")
        },
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=100,
        required=False,
        help_text=_("Kept with this version, e.g. 'Patient started a blood thinner'."),
    )

    def __init__(self, *args: Any, ingredients: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "allergies", sorted(ingredients.items(), key=lambda item: item[1].lower()))
        for code, label in MEDICATIONS.items():
            self.fields[_stopped_field_name(code)] = forms.DateField(
                label=_("%(medication)s: stopped on") % {"medication": _(label)},
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )

    @classmethod
    def initial_for(cls, history: MedicalHistory) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "conditions": list(history.conditions),
            "medications": [item["code"] for item in history.medications],
            "implants": list(history.implants),
            "allergies": list(history.allergies),
            "other_allergies": "\n".join(history.other_allergies),
            "other_medications": "\n".join(history.other_medications),
            "notes": history.notes,
        }
        if history.is_taken:
            initial["status"] = history.status
        for item in history.medications:
            if item.get("stopped"):
                initial[_stopped_field_name(item["code"])] = date.fromisoformat(item["stopped"])
        return initial

    def medication_rows(self) -> Iterator[tuple[Any, forms.BoundField]]:
        """Each medication's checkbox beside its "stopped on" date, for the template."""
        boxes = {str(box.data["value"]): box for box in self["medications"]}
        for code in MEDICATIONS:
            yield boxes[code], self[_stopped_field_name(code)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        ticked = set(cleaned.get("medications") or ())
        for code in MEDICATIONS:
            name = _stopped_field_name(code)
            if cleaned.get(name) and code not in ticked:
                self.add_error(name, _("Tick the medication too, or clear this date."))
        if self.history_changed() and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say briefly why the history changed; it is kept with this version."))
        return cleaned

    def history_changed(self) -> bool:
        """Whether anything but the reason differs from the saved history."""
        return any(name != "reason" for name in self.changed_data)

    def history_fields(self) -> dict[str, Any]:
        """Cleaned data as keyword arguments of ``update_medical_history``."""
        data = self.cleaned_data
        stopped = {code: data.get(_stopped_field_name(code)) for code in MEDICATIONS}
        return {
            "conditions": data["conditions"],
            "medications": [
                {"code": code, "stopped": day.isoformat() if (day := stopped[code]) else None}
                for code in data["medications"]
            ],
            "implants": data["implants"],
            "allergies": data["allergies"],
            "other_allergies": _lines(data["other_allergies"]),
            "other_medications": _lines(data["other_medications"]),
            "notes": data["notes"],
            "status": data["status"],
            "reason": data["reason"].strip(),
        }


class ConsentForm(forms.Form):
    """Record that the patient signed the current version of a modality's consent form."""

    template = forms.TypedChoiceField(label=_("Consent form"), coerce=int)
    signed_by = forms.CharField(
        label=_("Signed by"), max_length=200, help_text=_("The name of the person who signed.")
    )
    photo_use = forms.MultipleChoiceField(
        label=_("Photos may also be used for"),
        choices=[
            (PhotoUse.TEACHING.value, PhotoUse.TEACHING.label),
            (PhotoUse.MARKETING.value, PhotoUse.MARKETING.label),
        ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Photos are always kept in the clinical record."),
    )

    signature = forms.CharField(
        label=_("Signature"),
        required=False,
        widget=forms.HiddenInput,
        help_text=_("Drawn with a finger or stylus; leave empty for a signature on paper."),
    )

    def __init__(self, *args: Any, templates: list[ConsentTemplate], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "template",
            [
                ("", _("Choose a consent form")),
                *(
                    (
                        t.pk,
                        _("%(modality)s — %(title)s (version %(version)s)")
                        % {"modality": t.modality.name, "title": t.title, "version": t.version},
                    )
                    for t in templates
                ),
            ],
        )

    def clean_signature(self) -> bytes:
        """The drawn signature's PNG bytes (``b""`` if none); the service checks the image itself."""
        try:
            return decode_data_url(self.cleaned_data.get("signature") or "")
        except SignatureError as exc:
            raise forms.ValidationError(gettext(str(exc))) from None  # marked N_ in the pure module


class WithdrawConsentForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=300,
        error_messages={"required": _("Say why the consent is withdrawn; it is kept with the record.")},
    )
