"""The screening form on the patient chart."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mesoclinic.catalog.models import Protocol
from mesoclinic.form_errors import set_choices


class ScreeningForm(forms.Form):
    """Which protocol is planned, and for which day (empty: today at the clinic)."""

    protocol = forms.ChoiceField(
        label=_("Planned treatment (protocol)"),
        error_messages={
            "required": _("Choose the treatment to check."),
            "invalid_choice": _("Choose one of the clinic's active protocols."),
        },
    )
    on = forms.DateField(
        label=_("Treatment date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for today."),
    )

    def __init__(self, *args: Any, protocols: Iterable[Protocol], birth_date: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.birth_date = birth_date
        groups: dict[str, list[tuple[str, str]]] = {}
        for protocol in protocols:
            groups.setdefault(str(protocol.modality), []).append((protocol.slug, str(protocol)))
        set_choices(self, "protocol", [("", _("Choose a protocol")), *sorted(groups.items())])

    def clean_on(self) -> date | None:
        on: date | None = self.cleaned_data.get("on")
        if on is not None and on < self.birth_date:
            raise ValidationError(_("The treatment date cannot be before the patient's date of birth."))
        return on
