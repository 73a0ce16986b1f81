"""Report pages: a patient's progress, the cohort's outcomes, and the clinic reports (UI.md §9).

Every page is a GET with its filters in the query string; ``?format=csv`` gives the same table as CSV.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.billing import reports as money
from mesoclinic.billing.selectors import settings_for as billing_settings
from mesoclinic.csv_export import csv_export, wants_csv
from mesoclinic.money_text import format_money
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.patients.views import chart_context
from mesoclinic.read_replica import iterate_on_replica, replica_view
from mesoclinic.reports import charts, selectors, stats
from mesoclinic.reports.forms import CohortForm, MetricForm, MoneyForm, PeriodForm


def _pct(value: float | None) -> str:
    """“+1.5 %” (“+1,5 %” in Polish): the reader's decimal mark, a true minus sign."""
    if value is None:
        return "—"
    return f"{value:+.1f} %".replace("-", "−").replace(".", str(get_format("DECIMAL_SEPARATOR")))


def chart_words() -> charts.Words:
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


def progress_svg(progress: selectors.Progress, *, metric: str, region: str) -> str:
    """The chart of a patient's progress: measurements, sessions, 6-month lines and the repeatability band
    (the chart's Progress tab and the patient's own page in the portal)."""
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
    return mark_safe(charts.line_chart(chart, words=chart_words()))  # noqa: S308 — charts escapes every text it writes


@require_GET
@staff_required(Capability.VIEW_CLINICAL)
def patient_progress(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for_user(request.staff, patient_id)
    form = MetricForm(request.GET or None)
    metric, region = form.choice()
    progress = selectors.patient_progress(patient, metric=metric, region=region)
    name, unit, _cv = selectors.METRICS[metric]
    context = chart_context(request, patient, tab="progress")
    context.update(
        form=form,
        metric=metric,
        region=region,
        metric_name=name,
        unit=unit,
        progress=progress,
        svg=progress_svg(progress, metric=metric, region=region),
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
            words=chart_words(),
        )
    )


@require_GET
@staff_required(Capability.VIEW_REPORTS)
@replica_view
def outcomes(request: ClinicRequest) -> HttpResponseBase:
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
@replica_view
def no_shows(request: ClinicRequest) -> HttpResponseBase:
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
@replica_view
def adherence(request: ClinicRequest) -> HttpResponseBase:
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


RECALLS_PAGE = 50


@require_GET
@staff_required(Capability.VIEW_REPORTS)
@replica_view
def recalls(request: ClinicRequest) -> HttpResponseBase:
    today = request.clinic.today()
    if wants_csv(request):
        rows = selectors.recalls_due(request.clinic, today=today)
        return csv_export(
            request,
            "recalls-due.csv",
            ["patient", "protocol", "due_on", "overdue"],
            [[r.patient, r.protocol, r.due_on.isoformat(), "yes" if r.overdue else "no"] for r in rows],
            list_name="reports.recalls_due",
        )
    page = Paginator(selectors.recalls_due_query(request.clinic, today=today), RECALLS_PAGE).get_page(
        request.GET.get("page")
    )
    rows = selectors.recall_rows(page.object_list, today=today)
    context = {"section": "reports", "rows": rows, "page": page, "today": today}
    return render(request, "reports/recalls.html", context)


# --- Money (billing) -------------------------------------------------------------------------------------

MONEY_CSV = ["report", "group", "vat_rate", "net", "vat", "amount", "count"]


def _money_period(request: ClinicRequest) -> tuple[MoneyForm, date, date, int | None, str]:
    locations = list(request.clinic.locations.order_by("name").values_list("pk", "name"))
    form = MoneyForm(request.GET or None, locations=locations)
    today = request.clinic.today()
    data = form.cleaned_data if form.is_valid() else {}
    end = data.get("end") or today
    start = data.get("start") or end - timedelta(days=90)
    return form, start, end, data.get("location"), data.get("group") or "month"


def _bars(rows: list[money.Row], currency: str) -> list[charts.Bar]:
    return [charts.Bar(r.label, float(r.amount), format_money(r.amount, currency)) for r in rows]


@require_GET
@staff_required(Capability.VIEW_BILLING, Capability.VIEW_AUDIT)
@replica_view
def money_report(request: ClinicRequest) -> HttpResponseBase:
    """Revenue over time and by modality, practitioner and location; payments by method; VAT per rate;
    what is owed, prepaid and held now; no-show and late-cancel charges. ``?format=csv``: every table."""
    form, start, end, location, group = _money_period(request)
    clinic = request.clinic
    today = clinic.today()
    revenue = {
        key: money.revenue(clinic, start, end, group=key, location_id=location)
        for key in (group, "modality", "practitioner", "location")
    }
    methods = money.payments_by_method(clinic, start, end, location_id=location)
    vat_rows = money.vat_by_rate(clinic, start, end, location_id=location)
    charges = money.cancellation_charges(clinic, start, end)
    owed, balances = money.outstanding(clinic)
    liability, lapsed = money.package_liability(clinic, today)
    cards, cards_lapsed = money.gift_cards_outstanding(clinic, today)
    deposits = money.deposits_held(clinic)
    if wants_csv(request):
        rows: list[list[Any]] = [
            [f"revenue_by_{key}", r.label, "", "", "", r.amount, r.count]
            for key, rs in revenue.items()
            for r in rs
        ]
        rows += [["payments_by_method", r.label, "", "", "", r.amount, r.count] for r in methods]
        rows += [["vat", r.period, r.rate, r.net, r.vat, r.gross, r.documents] for r in vat_rows]
        rows += [[f"charges_{c.reason}", c.status, "", "", "", c.amount, c.count] for c in charges]
        rows += [
            ["outstanding", "", "", "", "", owed.amount, owed.count],
            ["package_liability", "valid", "", "", "", liability.amount, liability.count],
            ["package_liability", "expired", "", "", "", lapsed.amount, lapsed.count],
            ["gift_cards", "valid", "", "", "", cards.amount, cards.count],
            ["gift_cards", "expired", "", "", "", cards_lapsed.amount, cards_lapsed.count],
            ["deposits_held", "", "", "", "", deposits.amount, deposits.count],
        ]
        return csv_export(request, "money.csv", MONEY_CSV, rows, list_name="reports.money")
    currency = billing_settings(clinic).currency
    titles = {
        "day": _("Revenue by day"),
        "week": _("Revenue by week"),
        "month": _("Revenue by month"),
        "modality": _("Revenue by modality"),
        "practitioner": _("Revenue by practitioner"),
        "location": _("Revenue by location"),
    }
    sections = []
    for key, rows_ in revenue.items():
        total = sum((r.amount for r in rows_), Decimal("0.00"))
        chart = charts.bar_chart(
            str(titles[key]),
            _("Revenue (gross) in %(currency)s, %(total)s in all.") % {"currency": currency, "total": total},
            _bars(rows_, currency),
            ident=f"revenue-{key}",
            empty=_("No document was issued in this period."),
        )
        sections.append((titles[key], f"revenue-{key}", mark_safe(chart), rows_))  # noqa: S308 — escaped
    methods_chart = charts.bar_chart(
        _("Payments by method"),
        _("Money received in the period per method, refunds taken off."),
        _bars(methods, currency),
        ident="payments-by-method",
        empty=_("No payment in this period."),
    )
    context = {
        "section": "reports",
        "form": form,
        "start": start,
        "end": end,
        "currency": currency,
        "revenue_sections": sections,
        "methods": methods,
        "methods_chart": mark_safe(methods_chart),  # noqa: S308 — the chart escapes its text
        "vat_rows": vat_rows,
        "charges": charges,
        "owed": owed,
        "balances": balances,
        "liability": liability,
        "lapsed": lapsed,
        "cards": cards,
        "cards_lapsed": cards_lapsed,
        "deposits": deposits,
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/money.html", context)


@require_GET
@staff_required(Capability.VIEW_BILLING, Capability.VIEW_AUDIT)
def money_export(request: ClinicRequest) -> HttpResponseBase:
    """The accounting export of the period: ``?part=documents`` (one row per issued document and VAT rate,
    the default) or ``?part=payments`` (one row per payment or refund). Columns: docs/billing.md."""
    _form, start, end, _location, _group = _money_period(request)
    if request.GET.get("part") == "payments":
        rows = iterate_on_replica(money.payment_rows(request.clinic, start, end))
        return csv_export(
            request,
            f"payments-{start}-{end}.csv",
            money.PAYMENT_COLUMNS,
            rows,
            list_name="reports.money_payments",
        )
    rows = iterate_on_replica(money.document_rows(request.clinic, start, end))
    return csv_export(
        request,
        f"documents-{start}-{end}.csv",
        money.DOCUMENT_COLUMNS,
        rows,
        list_name="reports.money_documents",
    )
