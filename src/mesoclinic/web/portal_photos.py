"""The patient portal's photos and progress: the photos staff shared with the patient, and the measured
metrics of those photos over time.

It lives in the web layer because the portal and the outcomes reports are independent apps (neither imports
the other); the web app, above both, joins them for these pages. Photos are fetched only through
``outcomes.selectors.get_shared_photo_for_patient`` (the signed-in patient's own shared photos, 404 for any
other id) and streamed privately (``no-store``), never from a public media URL. Each file served is a
``photo.read`` in the audit log (the ``photo_id`` in the URL names the patient).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from mesoclinic.accounts.models import Clinic
from mesoclinic.audit.reads import note_patient_read
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.form_errors import set_choices
from mesoclinic.outcomes.models import AnalysisStatus, Photo, PhotoView
from mesoclinic.outcomes.selectors import get_shared_photo_for_patient, shared_photos
from mesoclinic.portal.selectors import clinic_by_slug
from mesoclinic.portal.views import _context, _signed_in, public_page
from mesoclinic.private_response import private
from mesoclinic.reports import selectors as reports
from mesoclinic.reports.forms import METRIC_CHOICES, REGION_CHOICES, MetricForm
from mesoclinic.reports.views import change_in_words, progress_svg


def measured(photos: list[Photo]) -> dict[str, list[str]]:
    """Which metrics the analysed photos measured, and in which of the report's regions (report order)."""
    found: dict[str, set[str]] = {}
    for photo in photos:
        analysis = getattr(photo, "analysis", None)
        if analysis is None or analysis.status != AnalysisStatus.DONE:
            continue
        for metric in reports.METRICS:
            for region in reports.REGIONS:
                if reports.metric_value(analysis.metrics, region, metric) is not None:
                    found.setdefault(metric, set()).add(region)
    return {
        metric: [r for r in reports.REGIONS if r in found[metric]]
        for metric in reports.METRICS
        if metric in found
    }


def before_after(photos: list[Photo], tz: ZoneInfo) -> list[tuple[Any, ...]]:
    """Per view with photos on two days or more: the first and the latest (input oldest first)."""
    by_view: dict[str, list[Photo]] = {}
    for photo in photos:
        by_view.setdefault(photo.view, []).append(photo)
    pairs = []
    for view in PhotoView.values:
        shots = by_view.get(view, [])
        if len(shots) >= 2 and local_day(shots[0].taken_at, tz) != local_day(shots[-1].taken_at, tz):
            first, last = shots[0], shots[-1]
            pairs.append(
                (
                    PhotoView(view).label,
                    first,
                    first.taken_at.astimezone(tz),
                    last,
                    last.taken_at.astimezone(tz),
                )
            )
    return pairs


def _choice(request: HttpRequest, available: dict[str, list[str]]) -> tuple[MetricForm, str, str] | None:
    """The metric and region asked for, if measured; else the first measured metric in its usual region."""
    if not available:
        return None
    form = MetricForm(request.GET or None)
    set_choices(form, "metric", [c for c in METRIC_CHOICES if c[0] in available])
    metric, region = form.choice()
    if metric not in available:
        metric = next(iter(available))
        region = reports.DEFAULT_REGION.get(metric, "")
    if region not in available[metric]:
        region = available[metric][0]
    set_choices(form, "region", [c for c in REGION_CHOICES if c[0] in available[metric]])
    return form, metric, region


@require_GET
@public_page
def portal_photos(request: HttpRequest, clinic: Clinic) -> HttpResponse:
    """The signed-in patient's shared photos by date and the progress chart of what they measured."""
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    note_patient_read(request, patient.pk)
    photos = shared_photos(patient)
    tz = ZoneInfo(clinic.timezone)
    context: dict[str, Any] = {
        "patient": patient,
        "photos": [(photo, photo.taken_at.astimezone(tz)) for photo in reversed(photos)],
        "pairs": before_after(photos, tz),
    }
    chosen = _choice(request, measured(photos))
    if chosen is not None:
        form, metric, region = chosen
        progress = reports.patient_progress(
            patient, metric=metric, region=region, photo_ids=[p.pk for p in photos]
        )
        name, unit, _cv = reports.METRICS[metric]
        context.update(
            form=form,
            metric_name=name,
            unit=unit,
            progress=progress,
            svg=progress_svg(progress, metric=metric, region=region),
            words=change_in_words(progress),
        )
    response = render(request, "web/portal_photos.html", _context(request, clinic, **context))
    return private(response)


@require_GET
def portal_photo_file(request: HttpRequest, clinic_slug: str, photo_id: int, kind: str) -> HttpResponseBase:
    """One of the patient's own shared photos (``image`` or ``thumbnail``), private and never cached (and
    never framed: the default frame headers stay)."""
    clinic = clinic_by_slug(clinic_slug)
    patient = _signed_in(request, clinic)
    if patient is None:
        return redirect("portal:portal_sign_in", clinic.slug)
    photo = get_shared_photo_for_patient(patient, photo_id)
    if kind == "image":
        name, content_type = photo.image.name, photo.content_type
    elif kind == "thumbnail":
        name, content_type = photo.thumbnail.name, "image/jpeg"
    else:
        raise Http404
    if not name or not default_storage.exists(name):
        raise Http404
    return private(FileResponse(default_storage.open(name, "rb"), content_type=content_type))
