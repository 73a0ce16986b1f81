"""Forms of the privacy screens: recording and withdrawing an erasure request."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mesoclinic.privacy.models import Channel


class ErasureRequestForm(forms.Form):
    requested_by = forms.CharField(
        label=_("Asked by"), max_length=200, help_text=_("The patient, or who asked on their behalf.")
    )
    channel = forms.ChoiceField(label=_("How"), choices=Channel.choices)
    requested_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("Reason given"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class WithdrawRequestForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=300)
