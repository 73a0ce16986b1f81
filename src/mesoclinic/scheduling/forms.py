"""Forms of the scheduling screens. They parse and validate; ``services.py`` writes.

A chosen time slot travels between pages as one short token (``encode_slot``): the start in UTC and the
practitioner, room and device ids. Tokens are only a proposal: the booking and reschedule services check
every one again, and a token naming another clinic's rows resolves to nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mesoclinic.accounts.models import Location, StaffMember
from mesoclinic.form_errors import set_choices
from mesoclinic.scheduling.selectors import SessionChoice

VIEWS = (("day", _("Day")), ("week", _("Week")))
COLUMNS = (("practitioner", _("Practitioner")), ("room", _("Room")), ("device", _("Device")))
_TOKEN_TIME = "%Y%m%dT%H%MZ"  # noqa: S105 — a strftime format, not a secret


@dataclass(frozen=True)
class SlotToken:
    """A parsed slot token: the start (aware, UTC) and the ids of the rows it names (device 0: none)."""

    start: datetime
    practitioner_id: int
    room_id: int
    device_id: int


def encode_slot(choice: SessionChoice) -> str:
    """``20310317T0900Z~5~3~0``: start in UTC, practitioner, room, device (0 when none)."""
    device = choice.device.pk if choice.device is not None else 0
    return f"{choice.start.astimezone(UTC):{_TOKEN_TIME}}~{choice.practitioner.pk}~{choice.room.pk}~{device}"


def decode_slot(token: str) -> SlotToken | None:
    """The slot a token names, or None when it is not a well-formed token."""
    parts = (token or "").strip().split("~")
    if len(parts) != 4:
        return None
    try:
        start = datetime.strptime(parts[0], _TOKEN_TIME).replace(tzinfo=UTC)
        practitioner, room, device = (int(p) for p in parts[1:])
    except ValueError:
        return None
    if practitioner < 1 or room < 1 or device < 0:
        return None
    return SlotToken(start, practitioner, room, device)


class CalendarForm(forms.Form):
    """The calendar's filters (GET). Anything invalid falls back to its default, never to an error page."""

    location = forms.TypedChoiceField(label=_("Location"), coerce=int, required=False)
    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    view = forms.ChoiceField(label=_("View"), choices=VIEWS, required=False)
    by = forms.ChoiceField(label=_("Columns"), choices=COLUMNS, required=False)
    modality = forms.ChoiceField(label=_("Treatment type"), required=False)

    def __init__(
        self, *args: Any, locations: Iterable[Location], modalities: Iterable[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "location", [(loc.pk, loc.name) for loc in locations])
        set_choices(self, "modality", [("", _("All treatment types")), *modalities])

    def value(self, name: str, default: Any) -> Any:
        """The cleaned value of one filter, or ``default`` when it is missing or invalid."""
        if not self.is_bound:
            return default
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        value = cleaned.get(name) if name not in self.errors else None
        return default if value in (None, "") else value


class TreatedElsewhereForm(forms.Form):
    reason = forms.CharField(
        label=_("Why there is no session record here"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "For example: treated at our partner clinic; recorded on paper while the system was down."
        ),
        error_messages={"required": _("Say why the visit has no session record; it is kept with the visit.")},
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=200,
        help_text=_("For example: patient called, ill. It is kept with the appointment."),
        error_messages={"required": _("Say why the appointment is cancelled; it is kept with the record.")},
    )


class ResolveScreeningAlertForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"),
        max_length=300,
        help_text=_("For example: called the patient, booked a consultation, told the practitioner."),
        error_messages={"required": _("Say what was done about the changed screening; it is kept.")},
    )


class RescheduleSearchForm(forms.Form):
    """Which day to look at, and with whom (GET)."""

    date = forms.DateField(
        label=_("Day"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date like 2031-03-17.")},
    )
    practitioner = forms.ChoiceField(label=_("Practitioner"), required=False)

    def __init__(
        self, *args: Any, current: StaffMember, others: Iterable[StaffMember], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "practitioner",
            [
                ("", _("Keep %(name)s") % {"name": current.display_name}),
                ("any", _("Anyone free")),
                *((str(p.pk), p.display_name) for p in others if p.pk != current.pk),
            ],
        )


class RescheduleForm(forms.Form):
    """The chosen free start (POST)."""

    slot = forms.CharField(
        max_length=60, error_messages={"required": _("Choose one of the free times first.")}
    )

    def clean_slot(self) -> SlotToken:
        token = decode_slot(self.cleaned_data["slot"])
        if token is None:
            raise forms.ValidationError(_("That time could not be read; choose one of the free times."))
        return token


class PlanForm(forms.Form):
    """Where and from when to propose a series, and with whom (GET, the wizard's dates step)."""

    location = forms.TypedChoiceField(label=_("Location"), coerce=int)
    earliest = forms.DateField(
        label=_("First session on or after"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a date like 2031-03-17.")},
    )
    same = forms.TypedChoiceField(
        label=_("Same practitioner for every session"),
        choices=(("1", _("Yes")), ("0", _("No, whoever is free"))),
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    practitioner = forms.TypedChoiceField(
        label=_("Preferred practitioner"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        locations: Iterable[Location],
        practitioners: Iterable[StaffMember],
        today: date,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        set_choices(self, "location", [(loc.pk, loc.name) for loc in locations])
        set_choices(
            self,
            "practitioner",
            [
                ("", _("Anyone qualified")),
                *((p.pk, p.display_name) for p in practitioners),
            ],
        )

    def clean_earliest(self) -> date:
        earliest: date = self.cleaned_data["earliest"]
        if earliest < self.today:
            raise forms.ValidationError(_("Choose today or a later day."))
        return earliest
