"""The auditor's filters; choices come from what the clinic's log actually contains."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mesoclinic.audit.selectors import EventFilter
from mesoclinic.form_errors import set_choices


class AuditFilterForm(forms.Form):
    actor = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object number"), required=False, max_length=64)
    patient = forms.IntegerField(label=_("Patient number"), required=False, min_value=1)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(
        self,
        *args: Any,
        actors: list[tuple[int, str]],
        actions: list[str],
        object_types: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "actor", [("", _("Anyone")), *actors])
        set_choices(self, "action", [("", _("Any")), *((a, a) for a in actions)])
        set_choices(self, "object_type", [("", _("Any")), *((t, t) for t in object_types)])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filters(self) -> EventFilter:
        """The valid filters; an invalid form filters nothing rather than hiding the log."""
        if not self.is_valid():
            return EventFilter()
        d = self.cleaned_data
        return EventFilter(
            actor=d.get("actor"),
            action=d.get("action") or "",
            object_type=d.get("object_type") or "",
            object_id=(d.get("object_id") or "").strip(),
            patient=d.get("patient"),
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )
