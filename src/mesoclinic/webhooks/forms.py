"""Forms of the webhook screens: an endpoint (URL, events, description, active) and the delivery log filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mesoclinic.form_errors import set_choices
from mesoclinic.webhooks.models import SUBSCRIBABLE, DeliveryStatus, EventType


class EndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Address (URL)"),
        max_length=500,
        help_text=_("Where to send events, e.g. https://hooks.example.com/mesoclinic. Must be https."),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=[(c.value, c.label) for c in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("Description"), max_length=200, required=False, help_text=_("What receives them, for whom.")
    )
    is_active = forms.BooleanField(label=_("Active (send events)"), required=False, initial=True)


class DeliveryFilterForm(forms.Form):
    endpoint = forms.TypedChoiceField(label=_("Endpoint"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *DeliveryStatus.choices]
    )
    type = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("Any event")), *EventType.choices]
    )

    def __init__(self, *args: Any, endpoints: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "endpoint", [("", _("Any endpoint")), *endpoints])

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is ignored, as on every list)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {"endpoint_id": data["endpoint"], "status": data["status"], "event_type": data["type"]}
