"""Forms for the clinic's notification settings and templates, a patient's contact preferences and the
patient-facing complication check."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mesoclinic.notifications.models import Answer, Language


class ContactPreferenceForm(forms.Form):
    consent = forms.BooleanField(label=_("Consents to be contacted"), required=False)
    email = forms.BooleanField(label=_("By e-mail"), required=False)
    sms = forms.BooleanField(label=_("By SMS"), required=False)
    language = forms.ChoiceField(
        label=_("Language of messages"),
        choices=[("", _("As the patient's preferred language")), *Language.choices],
        required=False,
    )


class NotificationSettingsForm(forms.Form):
    reminder_lead_hours = forms.CharField(
        label=_("Reminders, hours before the appointment"),
        help_text=_("Comma-separated, e.g. 48, 2. Empty: no reminders."),
        required=False,
    )
    quiet_start = forms.TimeField(
        label=_("Quiet hours start"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    quiet_end = forms.TimeField(label=_("Quiet hours end"), widget=forms.TimeInput(attrs={"type": "time"}))
    recall_lead_days = forms.IntegerField(
        label=_("Maintenance recall, days before due"), min_value=0, max_value=90
    )
    continuation_lead_days = forms.IntegerField(
        label=_("Series continuation, days before the next window opens"), min_value=0, max_value=60
    )

    def clean_reminder_lead_hours(self) -> list[int]:
        raw: str = self.cleaned_data["reminder_lead_hours"]
        try:
            hours = [int(part) for part in raw.replace(";", ",").split(",") if part.strip()]
        except ValueError:
            raise forms.ValidationError(_("Write whole numbers of hours separated by commas.")) from None
        if any(h <= 0 or h > 336 for h in hours):
            raise forms.ValidationError(_("Each lead time is between 1 and 336 hours."))
        return hours


class MessageTemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 10}))

    def __init__(self, *args: Any, channel: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if channel != "email":
            del self.fields["subject"]


class DeliveryFilterForm(forms.Form):
    q = forms.CharField(label=_("Patient"), required=False)
    kind = forms.ChoiceField(label=_("Message"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)


class ComplicationAnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=Answer.choices)
    description = forms.CharField(
        label=_("What do you notice, and where?"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    details = forms.CharField(
        label=_("Anything else (since when, does it hurt, fever)?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
