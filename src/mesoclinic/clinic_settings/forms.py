"""The Settings forms. They check the shape of what was typed; the services check the rules (one owner
at least, no overlapping hours, a holiday once a day) and their errors are put back beside the fields."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from phonenumbers.geodata.locale import LOCALE_DATA

from mesoclinic.accounts.models import ClinicLanguage, Location, Role
from mesoclinic.catalog.models import RegulatoryClass, Unit
from mesoclinic.scheduling.models import Weekday
from mesoclinic.scheduling.public_holidays import supported_countries

TIMEZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]
WEEKDAYS = list(Weekday.choices)


#: Codes the holiday package knows that are not ISO 3166-1 alpha-2 countries of their own ("UK" is GB's
#: alias), and a name phonenumbers' table lacks (Kosovo's user-assigned "XK").
_NOT_COUNTRIES = frozenset({"UK"})
_EXTRA_NAMES = {"XK": {"en": "Kosovo", "pl": "Kosowo"}}


def country_name(code: str, language: str | None = None) -> str:
    """A country's name in ``language`` (the active one by default), from phonenumbers' locale table.

    Why that table: phonenumbers is already a dependency (phone numbers are parsed in the clinic's
    country) and ships country names in English, Polish and many more languages, offline; no new package
    is needed. Falls back to English, then to the code itself.
    """
    names = LOCALE_DATA.get(code) or _EXTRA_NAMES.get(code) or {}
    language = (language or get_language() or "en").split("-")[0]
    for lang in (language, "en"):
        name = names.get(lang, "")
        if name.startswith("*"):  # "*xx": the same name as the language xx's entry
            name = names.get(name[1:], "")
        if name:
            return name
    return code


def country_choices() -> list[tuple[str, str]]:
    """The countries with a public-holiday calendar (ISO alpha-2), by name: "Poland (PL)"."""
    codes = [c for c in supported_countries() if len(c) == 2 and c not in _NOT_COUNTRIES]
    choices = [(code, f"{country_name(code)} ({code})") for code in codes]
    return sorted(choices, key=lambda choice: choice[1].casefold())


class ClinicDetailsForm(forms.Form):
    name = forms.CharField(label=_("Clinic name"), max_length=200)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        help_text=_("Printed in every message to patients: required before messages go out."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("Patients' replies and questions; required before messages go out."),
    )
    address = forms.CharField(
        label=_("Address"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES)
    country = forms.ChoiceField(
        label=_("Country"), help_text=_("Its public holidays and how phone numbers are written.")
    )
    language = forms.ChoiceField(label=_("Language"), choices=ClinicLanguage.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a (Model)ChoiceField


class LocationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    timezone = forms.ChoiceField(label=_("Time zone"), choices=TIMEZONE_CHOICES)
    address = forms.CharField(
        label=_("Address"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )


class WeeklyHoursForm(forms.Form):
    """One span per weekday: both times, or neither (closed / not working that day)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for value, label in WEEKDAYS:
            widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            self.fields[f"starts_{value}"] = forms.TimeField(
                label=_("%(day)s from") % {"day": label}, required=False, widget=widget
            )
            widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            self.fields[f"ends_{value}"] = forms.TimeField(
                label=_("%(day)s until") % {"day": label}, required=False, widget=widget
            )

    @staticmethod
    def initial_for(spans: list[tuple[int, time, time]]) -> dict[str, time]:
        initial: dict[str, time] = {}
        for weekday, starts, ends in spans:
            initial.setdefault(f"starts_{weekday}", starts)
            initial.setdefault(f"ends_{weekday}", ends)
        return initial

    def days(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(str(label), self[f"starts_{value}"], self[f"ends_{value}"]) for value, label in WEEKDAYS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for value, _label in WEEKDAYS:
            starts, ends = data.get(f"starts_{value}"), data.get(f"ends_{value}")
            if (starts is None) != (ends is None):
                missing = f"ends_{value}" if ends is None else f"starts_{value}"
                if missing not in self.errors:
                    self.add_error(missing, _("Give both times, or neither for a closed day."))
            elif starts is not None and ends is not None and ends <= starts:
                self.add_error(f"ends_{value}", _("The end must be after the start."))
        return data

    def spans(self) -> list[tuple[int, time, time]]:
        data = self.cleaned_data
        return [
            (value, data[f"starts_{value}"], data[f"ends_{value}"])
            for value, _label in WEEKDAYS
            if data.get(f"starts_{value}") is not None and data.get(f"ends_{value}") is not None
        ]


class HolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=100)


class PublicHolidaysForm(forms.Form):
    """Pick public holidays from the country's list for a year."""

    country = forms.ChoiceField(label=_("Country"))
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2100)
    days = forms.MultipleChoiceField(label=_("Close on"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, holidays: list[tuple[date, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]  # an empty tuple as the read-only default; only iterated
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a (Model)ChoiceField
        self.fields["days"].choices = [  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a (Model)ChoiceField
            (day.isoformat(), f"{day:%a %d %b} · {name}") for day, name in holidays
        ]

    def chosen_days(self) -> list[date]:
        return [date.fromisoformat(value) for value in self.cleaned_data.get("days", [])]


def _choices(values: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(code, label) for code, label in values]


class StaffForm(forms.Form):
    """Role, name, qualifications and locations of a staff member (the invitation adds the e-mail)."""

    display_name = forms.CharField(label=_("Name"), max_length=200)
    title = forms.CharField(label=_("Title"), max_length=100, required=False, help_text=_("e.g. Dr, RN"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    modalities = forms.MultipleChoiceField(
        label=_("Qualified for"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The treatments this person may perform (practitioners and physicians)."),
    )
    locations = forms.ModelMultipleChoiceField(
        label=_("Works at"),
        queryset=Location.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, modalities: list[tuple[str, str]], locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["modalities"].choices = _choices(modalities)  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a (Model)ChoiceField
        self.fields["locations"].queryset = locations  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a (Model)ChoiceField


class InviteForm(StaffForm):
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("The invitation goes here; it is also the sign-in name.")
    )
    field_order = ["email", "display_name", "title", "role", "modalities", "locations"]


class IntervalForm(forms.Form):
    """A span of time (time off, extra hours, downtime) in the clinic's local time."""

    starts_at = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        label=_("Until"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts: datetime | None = data.get("starts_at")
        ends: datetime | None = data.get("ends_at")
        if starts is not None and ends is not None and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        return data


class ExtraHoursForm(IntervalForm):
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none())
    field_order = ["location", "starts_at", "ends_at", "reason"]

    def __init__(self, *args: Any, locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a (Model)ChoiceField


class RoomForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    modalities = forms.MultipleChoiceField(
        label=_("Equipped for"), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args: Any, modalities: list[tuple[str, str]], locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["modalities"].choices = _choices(modalities)  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a (Model)ChoiceField
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a (Model)ChoiceField


class DeviceForm(forms.Form):
    location = forms.ModelChoiceField(label=_("Location"), queryset=Location.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    modality = forms.ChoiceField(label=_("Delivers"))
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=200, required=False)
    model_name = forms.CharField(label=_("Model"), max_length=200, required=False)
    serial_number = forms.CharField(label=_("Serial number"), max_length=100, required=False)
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args: Any, modalities: list[tuple[str, str]], locations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["modality"].choices = _choices(modalities)  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a (Model)ChoiceField
        self.fields["location"].queryset = locations  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a (Model)ChoiceField


class ConsentTemplateForm(forms.Form):
    """A new version of a modality's consent text: the versions already signed never change."""

    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text the patient reads and signs"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 14}),
    )


class ProtocolForm(forms.Form):
    """A protocol's description and its series; the modality stays (another modality is another protocol).

    The price is not here: it lives in the price list (billing), shown and linked beside this form.
    """

    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    cocktail: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Cocktail"), queryset=None, required=False, empty_label=_("No cocktail")
    )
    sessions = forms.IntegerField(label=_("Sessions in the series"), min_value=1, max_value=20)
    interval_days = forms.IntegerField(
        label=_("Days between sessions"),
        min_value=1,
        max_value=365,
        help_text=_("The spacing of the series."),
    )
    tolerance_days = forms.IntegerField(
        label=_("Tolerance (± days)"),
        min_value=0,
        max_value=364,
        help_text=_("How far a session may move from its planned day; shorter than the spacing."),
    )
    maintenance_interval_months = forms.IntegerField(
        label=_("Maintenance after (months)"), min_value=1, max_value=36
    )
    session_minutes = forms.IntegerField(label=_("Session length (minutes)"), min_value=5, max_value=240)
    buffer_minutes = forms.IntegerField(label=_("Cleaning time after (minutes)"), min_value=0, max_value=120)
    is_active = forms.BooleanField(label=_("Offered (can be booked)"), required=False)
    bookable_online = forms.BooleanField(
        label=_("Patients may book it online"),
        required=False,
        help_text=_("Shown on the clinic's public booking page, where patients book the whole series."),
    )

    def __init__(self, *args: Any, cocktails: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cocktail"].queryset = cocktails  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ModelChoiceField

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        interval, tolerance = data.get("interval_days"), data.get("tolerance_days")
        if interval is not None and tolerance is not None and tolerance >= interval:
            self.add_error(
                "tolerance_days", _("The tolerance must be shorter than the days between sessions.")
            )
        return data


SEVERITY_CHOICES = [("", _("Nothing")), ("warn", _("Caution")), ("block", _("Blocks"))]
SOURCE_KIND_CHOICES = [
    ("PR", _("Peer-reviewed")),
    ("REG", _("Regulator")),
    ("VND", _("Vendor or clinic page (indicative)")),
]


class ScreeningRuleForm(forms.Form):
    """One factor's rule: what it does per treatment, the words staff read, and the source it rests on."""

    message = forms.CharField(
        label=_("What staff read"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("{modality} is replaced by the treatment's name."),
    )
    source = forms.ChoiceField(label=_("Source"), required=False)
    source_title = forms.CharField(label=_("New source: title"), max_length=500, required=False)
    source_url = forms.URLField(
        label=_("New source: link"), max_length=500, required=False, assume_scheme="https"
    )
    source_kind = forms.ChoiceField(
        label=_("New source: kind"), choices=[("", "—"), *SOURCE_KIND_CHOICES], required=False
    )

    def __init__(
        self, *args: Any, modalities: list[tuple[str, str]], sources: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.modalities = modalities
        for code, name in modalities:
            self.fields[f"severity_{code}"] = forms.ChoiceField(
                label=name, choices=SEVERITY_CHOICES, required=False
            )
        self.fields["source"].choices = [("", _("A new source (below)")), *sources]  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a ChoiceField

    def severity_fields(self) -> list[forms.BoundField]:
        return [self[f"severity_{code}"] for code, _name in self.modalities]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("source") and not data.get("source_title"):
            self.add_error("source_title", _("Choose a source, or give a new one's title."))
        if not data.get("source") and data.get("source_title"):
            if not data.get("source_kind"):
                self.add_error("source_kind", _("Say what kind of source it is."))
            if not data.get("source_url") and "source_url" not in self.errors:
                self.add_error("source_url", _("Give the source's link."))
        return data

    def severity(self) -> dict[str, str]:
        return {code: self.cleaned_data.get(f"severity_{code}") or "" for code, _name in self.modalities}

    def new_source(self) -> dict[str, str] | None:
        data = self.cleaned_data
        if data.get("source"):
            return None
        return {
            "title": data["source_title"],
            "url": data.get("source_url") or "",
            "kind": data["source_kind"],
        }


class IngredientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    category = forms.CharField(label=_("Category"), max_length=40, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    manufacturer = forms.CharField(label=_("Manufacturer"), max_length=200)
    regulatory_class = forms.ChoiceField(label=_("Regulatory class"), choices=RegulatoryClass.choices)
    form = forms.CharField(label=_("Form"), max_length=60, required=False, help_text=_("e.g. ampoule, vial"))
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    package_size = forms.DecimalField(
        label=_("Package size"), max_digits=8, decimal_places=2, min_value=0, required=False
    )


class CompositionForm(forms.Form):
    """A product's or a cocktail's ingredients with their amounts (a row left without ingredient is dropped),
    a cocktail's products, and why it changes. Saved as a new version; the earlier one is kept."""

    EXTRA_ROWS = 3

    reason = forms.CharField(
        label=_("Reason for the change"), max_length=500, help_text=_("Kept with the new version.")
    )

    def __init__(
        self,
        data: Any = None,
        *,
        ingredients: list[tuple[str, str]],
        rows: list[dict[str, Any]],
        products: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        initial = dict(kwargs.pop("initial", None) or {})
        self.row_count = len(rows) + self.EXTRA_ROWS
        for index, row in enumerate(rows):
            initial[f"ingredient_{index}"] = row["ingredient"]
            initial[f"concentration_{index}"] = row["concentration"]
            initial[f"unit_{index}"] = row["unit"]
        super().__init__(data, initial=initial, **kwargs)
        choices = [("", _("(none)")), *ingredients]
        for index in range(self.row_count):
            self.fields[f"ingredient_{index}"] = forms.ChoiceField(
                label=_("Ingredient %(n)s") % {"n": index + 1}, choices=choices, required=False
            )
            self.fields[f"concentration_{index}"] = forms.DecimalField(
                label=_("Concentration"), max_digits=10, decimal_places=4, min_value=0, required=False
            )
            self.fields[f"unit_{index}"] = forms.CharField(
                label=_("Unit"), max_length=10, required=False, help_text=_("e.g. mg/ml or %")
            )
        if products is not None:
            self.fields["products"] = forms.MultipleChoiceField(
                label=_("Products it is prepared from"),
                choices=products,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def row_fields(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"ingredient_{i}"], self[f"concentration_{i}"], self[f"unit_{i}"])
            for i in range(self.row_count)
        ]

    def composition(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "ingredient": data[f"ingredient_{i}"],
                "concentration": data.get(f"concentration_{i}"),
                "unit": data.get(f"unit_{i}") or "",
            }
            for i in range(self.row_count)
            if data.get(f"ingredient_{i}")
        ]
