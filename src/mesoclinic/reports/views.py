"""Report pages: a patient's progress, the cohort's outcomes, and the clinic reports (UI.md §9).

Every page is a GET with its filters in the query string; ``?format=csv`` gives the same table as CSV.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.csv_export import csv_export, wants_csv
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.patients.views import chart_context
from mesoclinic.reports import charts, selectors, stats
from mesoclinic.reports.forms import CohortForm, MetricForm, PeriodForm


def _pct(value: float | None) -> str:
    """“+1.5 %” (“+1,5 %” in Polish): the reader's decimal mark, a true minus sign."""
    if value is None:
        return "—"
    return f"{value:+.1f} %".replace("-", "−").replace(".", str(get_format("DECIMAL_SEPARATOR")))


def _chart_words() -> charts.Words:
    """The charts' words and formats in the language of this request."""
    return charts.Words(
        no_measurements=_("No measurements yet"),
        date_axis=_("Date"),
        no_change=_("no change"),
        no_groups=_("No groups to compare yet"),
        decimal_separator=str(get_format("DECIMAL_SEPARATOR")),
        day=lambda day: date_format(day, "d M Y"),
    )


def change_in_words(progress: selectors.Progress) -> str:
    """“−18 % vs baseline, beyond the method's repeatability (6 %)” or “… within repeatability”."""
    change = progress.change
    if change is None:
        return _("Not enough measurements yet: a change needs a baseline and a later photo.")
    if change.percent is None:
        return _("The baseline is zero, so there is no percentage change (absolute change %(abs).3g).") % {
            "abs": change.absolute
        }
    cv = f"±{progress.repeatability:.1f} %"
    if progress.beyond:
        return _("%(pct)s vs baseline, beyond the method's repeatability (%(cv)s).") % {
            "pct": _pct(change.percent),
            "cv": cv,
        }
    return _("%(pct)s vs baseline, within the method's repeatability (%(cv)s): no measurable change.") % {
        "pct": _pct(change.percent),
        "cv": cv,
    }


@require_GET
@staff_required(Capability.VIEW_REPORTS)
def index(request: ClinicRequest) -> HttpResponse:
    clinic_reports = [
        (
            "reports:adherence",
            _("Course adherence"),
            _("sessions on time, early or late, missed, per protocol"),
        ),
        ("reports:no_shows", _("No-shows"), _("rate per month and per practitioner")),
        ("reports:recalls", _("Maintenance recalls due"), _("overdue and due in the next 60 days")),
    ]
    return render(request, "reports/index.html", {"section": "reports", "clinic_reports": clinic_reports})


@require_GET
@staff_required(Capability.VIEW_CLINICAL)
def patient_progress(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for_user(request.staff, patient_id)
    form = MetricForm(request.GET or None)
    metric, region = form.choice()
    progress = selectors.patient_progress(patient, metric=metric, region=region)
    name, unit, _cv = selectors.METRICS[metric]
    band = None
    if progress.measurements and progress.limit is not None:
        base = (progress.measurements[0]).value
        for m in progress.measurements:
            if progress.sessions and m.on <= progress.sessions[0].on:
                base = m.value
        band = (base - progress.limit, base + progress.limit)
    chart = charts.LineChart(
        title=f"{name}, {selectors.REGIONS[region].lower()}",
        description=_("%(n)d measurements, %(s)d sessions; %(words)s")
        % {"n": len(progress.measurements), "s": len(progress.sessions), "words": change_in_words(progress)},
        y_label=f"{name} ({unit})",
        points=[charts.Point(m.on, m.value) for m in progress.measurements],
        sessions=[charts.Marker(s.on, s.label) for s in progress.sessions],
        durability=[charts.Marker(d, _("6 months after the series")) for d in progress.durability],
        band=band,
        band_label=_("baseline ± the repeatability coefficient (1.96·√2·SD)"),
    )
    context = chart_context(request, patient, tab="progress")
    context.update(
        form=form,
        metric=metric,
        region=region,
        metric_name=name,
        unit=unit,
        progress=progress,
        svg=mark_safe(charts.line_chart(chart, words=_chart_words())),  # noqa: S308 — charts escapes every text it writes
        words=change_in_words(progress),
    )
    return render(request, "reports/patient_progress.html", context)


def _forest(rows: list[selectors.GroupRow], ident: str, title: str, x_label: str) -> str:
    forest_rows = [
        charts.ForestRow(
            r.label,
            r.summary.n,
            r.summary.mean,
            r.summary.ci_low,
            r.summary.ci_high,
            note="" if r.summary.has_ci else _("too few for a CI"),
        )
        for r in rows
    ]
    description = "; ".join(
        _("%(group)s: n = %(n)s, mean %(mean)s")
        % {"group": r.label, "n": r.summary.n, "mean": _pct(r.summary.mean)}
        + (
            _(", 95 %% CI %(low)s to %(high)s")
            % {"low": _pct(r.summary.ci_low), "high": _pct(r.summary.ci_high)}
            if r.summary.has_ci
            else ""
        )
        for r in rows
    )
    return mark_safe(  # noqa: S308 — charts escapes every text it writes
        charts.forest_plot(
            forest_rows,
            title=title,
            description=description or title,
            x_label=x_label,
            ident=ident,
            words=_chart_words(),
        )
    )


@require_GET
@staff_required(Capability.VIEW_REPORTS)
def outcomes(request: ClinicRequest) -> HttpResponse:
    form = CohortForm(request.GET or None)
    metric, region = form.choice()
    months = form.window()
    cohort = selectors.cohort_outcomes(request.clinic, metric=metric, region=region, months=months)
    name, _unit, cv = selectors.METRICS[metric]
    if wants_csv(request):
        groups = [
            ("delivery", cohort.by_delivery),
            ("modality", cohort.by_modality),
            ("cocktail", cohort.by_cocktail),
        ]
        return csv_export(
            request,
            f"outcomes-{metric}-{region}.csv",
            ["grouping", "group", "n", "mean_change_pct", "sd_pct", "ci95_low_pct", "ci95_high_pct"],
            (
                [
                    kind,
                    r.label,
                    r.summary.n,
                    *(_num(v) for v in (r.summary.mean, r.summary.sd, r.summary.ci_low, r.summary.ci_high)),
                ]
                for kind, rows in groups
                for r in rows
            ),
            list_name="reports.outcomes",
        )
    x_label = _("change of %(name)s vs baseline (%%)") % {"name": name.lower()}
    context = {
        "section": "reports",
        "form": form,
        "metric_name": name,
        "region_name": selectors.REGIONS[region],
        "months": months,
        "cv": cv,
        "cohort": cohort,
        "groups": [
            (title, ident, rows, _forest(rows, ident, title, x_label))
            for title, ident, rows in (
                (_("Needle vs needle-free"), "by-delivery", cohort.by_delivery),
                (_("By modality"), "by-modality", cohort.by_modality),
                (_("By cocktail"), "by-cocktail", cohort.by_cocktail),
            )
        ],
        "min_n": stats.MIN_N_FOR_CI,
    }
    return render(request, "reports/outcomes.html", context)


def _num(value: float | None) -> Decimal | None:
    """Three decimals, kept a number, so the CSV writer gives it the dialect's decimal mark."""
    return None if value is None else Decimal(f"{value:.3f}")


def _period(request: ClinicRequest) -> tuple[PeriodForm, date, date, int | None]:
    locations = list(request.clinic.locations.order_by("name").values_list("pk", "name"))
    form = PeriodForm(request.GET or None, locations=locations)
    today = request.clinic.today()
    data = form.cleaned_data if form.is_valid() else {}
    end = data.get("end") or today
    start = data.get("start") or end - timedelta(days=90)
    return form, start, end, data.get("location")


@require_GET
@staff_required(Capability.VIEW_REPORTS)
def no_shows(request: ClinicRequest) -> HttpResponse:
    form, start, end, location = _period(request)
    by_month, by_practitioner = selectors.no_shows(
        request.clinic, first=start, last=end, location_id=location
    )
    if wants_csv(request):
        return csv_export(
            request,
            "no-shows.csv",
            ["grouping", "group", "appointments", "no_shows", "rate_pct"],
            [
                [kind, r.label, r.appointments, r.no_shows, _num(r.rate)]
                for kind, rows in (("month", by_month), ("practitioner", by_practitioner))
                for r in rows
            ],
            list_name="reports.no_shows",
        )
    context = {
        "section": "reports",
        "form": form,
        "start": start,
        "end": end,
        "tables": [
            (_("By month"), "by-month", by_month),
            (_("By practitioner"), "by-practitioner", by_practitioner),
        ],
    }
    return render(request, "reports/no_shows.html", context)


@require_GET
@staff_required(Capability.VIEW_REPORTS)
def adherence(request: ClinicRequest) -> HttpResponse:
    form, start, end, location = _period(request)
    rows = selectors.adherence(
        request.clinic, first=start, last=end, location_id=location, now=timezone.now()
    )
    if wants_csv(request):
        return csv_export(
            request,
            "course-adherence.csv",
            [
                "protocol",
                "courses",
                "sessions_done",
                "on_time",
                "early_or_late",
                "missed",
                "upcoming",
                "adherence_pct",
                "treated_elsewhere",
            ],
            [
                [
                    r.label,
                    r.courses,
                    r.done,
                    r.on_time,
                    r.off_interval,
                    r.missed,
                    r.upcoming,
                    _num(r.adherence),
                    r.elsewhere,
                ]
                for r in rows
            ],
            list_name="reports.adherence",
        )
    context = {"section": "reports", "form": form, "start": start, "end": end, "rows": rows}
    return render(request, "reports/adherence.html", context)


@require_GET
@staff_required(Capability.VIEW_REPORTS)
def recalls(request: ClinicRequest) -> HttpResponse:
    today = request.clinic.today()
    rows = selectors.recalls_due(request.clinic, today=today)
    if wants_csv(request):
        return csv_export(
            request,
            "recalls-due.csv",
            ["patient", "protocol", "due_on", "overdue"],
            [[r.patient, r.protocol, r.due_on.isoformat(), "yes" if r.overdue else "no"] for r in rows],
            list_name="reports.recalls_due",
        )
    return render(request, "reports/recalls.html", {"section": "reports", "rows": rows, "today": today})
