"""The small filter forms of the reports (GET forms: a report's URL is its filter, so it can be shared)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from mesoclinic.form_errors import set_choices
from mesoclinic.reports.selectors import DEFAULT_REGION, METRICS, REGIONS

METRIC_CHOICES = [(code, format_lazy("{} ({})", name, unit)) for code, (name, unit, _cv) in METRICS.items()]
REGION_CHOICES = list(REGIONS.items())


class MetricForm(forms.Form):
    """Which metric and region to show; a metric without a region gets its usual region."""

    metric = forms.ChoiceField(label=_("Metric"), choices=METRIC_CHOICES, required=False)
    region = forms.ChoiceField(label=_("Region"), choices=REGION_CHOICES, required=False)

    def choice(self) -> tuple[str, str]:
        data: dict[str, Any] = self.cleaned_data if self.is_valid() else {}
        metric = data.get("metric") or "wrinkle_area_fraction"
        region = data.get("region") or DEFAULT_REGION.get(metric, "forehead")
        return metric, region


class CohortForm(MetricForm):
    months = forms.IntegerField(
        label=_("Follow-up at least (months after the first session)"),
        min_value=1,
        max_value=36,
        required=False,
    )

    def window(self) -> int:
        return (self.cleaned_data.get("months") if self.is_valid() else None) or 5


class PeriodForm(forms.Form):
    """A report's period (default: the last 90 days) and, optionally, one location."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    location = forms.TypedChoiceField(label=_("Location"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, locations: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "location", [("", _("All locations")), *locations])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period is before its start."))
        return data


class MoneyForm(PeriodForm):
    """The money report's period, location and how revenue over time is grouped."""

    group = forms.ChoiceField(
        label=_("Revenue by"),
        required=False,
        choices=[("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
    )
