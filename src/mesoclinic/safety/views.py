"""Screening screens: the clinic's rule table, and the chart's screening tab.

The screening tab is part of the patient chart (``patients/detail.html``). Screening a patient works with
htmx (the panel is swapped in place) and without JavaScript (POST, then redirect to the tab, which shows
the newest result).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.catalog.selectors import get_protocol_for_clinic, ingredients, protocols
from mesoclinic.clinical_codes.vocabulary import ALLERGY, BUILT_IN_FACTORS, FACTORS, MODALITIES
from mesoclinic.csv_export import csv_export, wants_csv
from mesoclinic.patients.models import Patient
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.patients.views import chart_context
from mesoclinic.safety import selectors, services
from mesoclinic.safety.forms import ScreeningForm
from mesoclinic.safety.models import ScreeningRecord

EARLIER_SCREENINGS = 20
_CITATION = re.compile(r"^(?P<title>.*) \[(?P<kind>[A-Z]+)\] (?P<url>\S*)$")
SOURCE_KINDS = {
    "PR": gettext_lazy("peer-reviewed"),
    "REG": gettext_lazy("regulator"),
    "VND": gettext_lazy("vendor or clinic page, indicative"),
    "EDU": gettext_lazy("educational"),
}


@dataclass(frozen=True)
class SourceView:
    title: str
    url: str
    kind: str


def source_view(citation: str) -> SourceView:
    """Split the core's one-line citation (``"Title [VND] https://..."``) into title, link and kind."""
    match = _CITATION.match(citation)
    if match is None:
        return SourceView(citation, "", "")
    kind = match["kind"]
    return SourceView(match["title"], match["url"], str(SOURCE_KINDS.get(kind, kind)))


@dataclass(frozen=True)
class FindingView:
    severity: str
    factor: str
    factor_label: str
    message: str
    source: SourceView


@dataclass(frozen=True)
class RecordView:
    record: ScreeningRecord
    modality_label: str
    findings: list[FindingView]


def _record_view(record: ScreeningRecord, names: dict[str, str]) -> RecordView:
    findings = [
        FindingView(
            severity=f["severity"],
            factor=f["factor"],
            factor_label=_(FACTORS.get(f["factor"]) or BUILT_IN_FACTORS.get(f["factor"]) or "")
            or _("Allergy to %(ingredient)s") % {"ingredient": names.get(f["factor"], f["factor"])},
            message=f["message"],
            source=source_view(f["source"]),
        )
        for f in record.findings
    ]
    findings.sort(key=lambda f: f.severity != "block")
    return RecordView(record, _(MODALITIES.get(record.modality, record.modality)), findings)


def _panel_context(
    request: ClinicRequest, patient: Patient, *, form: ScreeningForm | None = None, fresh: bool = False
) -> dict[str, Any]:
    names = {code: _(name) for code, name in ingredients(request.clinic).values_list("code", "name")}
    screenings = selectors.screenings_for_patient(patient).select_related("performed_by__staff")
    records = [_record_view(r, names) for r in screenings[: EARLIER_SCREENINGS + 1]]
    return {
        "screening_form": form
        or ScreeningForm(protocols=protocols(request.clinic), birth_date=patient.birth_date),
        "latest": records[0] if records else None,
        "earlier": records[1:],
        "fresh": fresh,
    }


def _screening_page(request: ClinicRequest, patient: Patient, **panel: Any) -> HttpResponse:
    context = chart_context(request, patient, tab="screening")
    context.update(_panel_context(request, patient, **panel))
    return render(request, "safety/patient_screening.html", context)


@require_GET
@staff_required(Capability.SCREEN)
def patient_screening(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for_user(request.staff, patient_id)
    return _screening_page(request, patient)


@require_POST
@staff_required(Capability.SCREEN)
def screen(request: ClinicRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for_user(request.staff, patient_id)
    form = ScreeningForm(request.POST, protocols=protocols(request.clinic), birth_date=patient.birth_date)
    partial = bool(request.htmx) and not request.htmx.boosted
    if not form.is_valid():
        if partial:
            return render(
                request,
                "safety/partials/_screening_panel.html",
                {"patient": patient, **_panel_context(request, patient, form=form)},
            )
        return _screening_page(request, patient, form=form)
    protocol = get_protocol_for_clinic(request.clinic, form.cleaned_data["protocol"])
    on = form.cleaned_data["on"] or request.clinic.today()
    services.screen_patient(patient, protocol=protocol, on=on, actor=request.user)
    if partial:
        kept = ScreeningForm(
            initial={"protocol": protocol.slug, "on": form.cleaned_data["on"]},
            protocols=protocols(request.clinic),
            birth_date=patient.birth_date,
        )
        return render(
            request,
            "safety/partials/_screening_panel.html",
            {"patient": patient, **_panel_context(request, patient, form=kept, fresh=True)},
        )
    messages.success(request, _("Screening done: %(protocol)s.") % {"protocol": protocol.name})
    return HttpResponseRedirect(reverse("safety:patient_screening", args=[patient.pk]) + "#screening-result")


# ---------------------------------------------------------------------------------------------------------
# The rule table


@dataclass(frozen=True)
class Cell:
    modality: str
    severity: str  # "block", "warn" or "" (no rule)


@dataclass(frozen=True)
class RuleRow:
    factor: str
    label: str
    message: str
    source: SourceView
    cells: list[Cell]


@require_GET
@staff_required(Capability.SCREEN)
def rules(request: ClinicRequest) -> HttpResponseBase:
    table = selectors.rule_table_for_clinic(request.clinic)
    by_factor: dict[str, dict[str, Any]] = {}
    for rule in table.rules:
        entry = by_factor.setdefault(rule.factor, {"rule": rule, "severity": {}})
        entry["severity"][rule.modality] = str(rule.severity)
    rows = [
        RuleRow(
            factor=factor,
            label=_(FACTORS.get(factor, factor)),
            message=_(entry["rule"].message).format(
                modality=_("the treatment"),
                ingredient=_("an ingredient") if factor == ALLERGY else "",
            ),
            source=SourceView(
                entry["rule"].source.title,
                entry["rule"].source.url,
                str(SOURCE_KINDS.get(str(entry["rule"].source.kind), entry["rule"].source.kind)),
            ),
            cells=[Cell(code, entry["severity"].get(code, "")) for code in MODALITIES],
        )
        for factor, entry in by_factor.items()
    ]
    if wants_csv(request):
        header = ["factor", "label", *MODALITIES, "message", "source", "source_url"]
        lines = (
            [r.factor, r.label, *(c.severity for c in r.cells), r.message, r.source.title, r.source.url]
            for r in rows
        )
        return csv_export(request, "screening-rules.csv", header, lines, list_name="safety.rules")
    context = {
        "note": table.note,
        "modalities": [(code, _(label)) for code, label in MODALITIES.items()],
        "rows": rows,
    }
    return render(request, "safety/rules.html", context)
