"""Photo and scale screens: the chart's Photos tab, taking photos, the before/after viewer and the scales.

Photos are fetched only through ``get_photo_for_user`` (clinic and ``view_photos``; 404 otherwise) and their
files are streamed by ``photo_file`` after that check: never from a public media URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.csv_export import csv_export, wants_csv
from mesoclinic.form_errors import run_and_flash, save_form
from mesoclinic.outcomes import selectors, services
from mesoclinic.outcomes.forms import AssessmentForm, CaptureForm, PrecheckForm, RepeatabilityForm
from mesoclinic.outcomes.models import METHOD_VERSION, AnalysisStatus, AssessmentTiming, Photo, PhotoView
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.patients.views import chart_context
from mesoclinic.private_response import private
from mesoclinic.treatments.models import SessionRecord
from mesoclinic.treatments.selectors import get_session_for_user


@require_GET
@staff_required(Capability.VIEW_PHOTOS)
def photo_file(request: ClinicRequest, photo_id: int, kind: str) -> FileResponse:
    """Stream a photo's file (image, thumbnail or an analysis overlay) after the access check.

    Every file served is a ``photo.read`` in the audit log, written by the read-audit middleware.
    """
    photo = selectors.get_photo_for_user(request.staff, photo_id)
    if kind == "image":
        name, content_type = photo.image.name, photo.content_type
    elif kind == "thumbnail":
        name, content_type = photo.thumbnail.name, "image/jpeg"
    else:
        overlays = photo.analysis.overlays if hasattr(photo, "analysis") else {}
        name = overlays.get(kind, "")
        content_type = "image/jpeg" if kind == "aligned" else "image/png"
    if not name or not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    return private(response)


PHOTO_CSV_HEADER = [
    "photo_id",
    "taken_at",
    "view",
    "session_id",
    "width",
    "height",
    "analysis",
    "baseline_photo_id",
    "uploaded_at",
]


def _photos_csv(request: ClinicRequest, patient: Any) -> HttpResponseBase:
    """The Photos tab as CSV: which photos exist and their analysis state (the images stay behind the check)."""
    tz = ZoneInfo(request.clinic.timezone)
    rows = (
        [
            p.pk,
            p.taken_at.astimezone(tz),
            p.view,
            p.session_id,
            p.width,
            p.height,
            a.status if (a := getattr(p, "analysis", None)) else "",
            a.baseline_id if a else None,
            p.uploaded_at.astimezone(tz),
        ]
        for p in selectors.photos_for_patient(patient)
    )
    filename = f"photos-patient-{patient.pk}.csv"
    return csv_export(request, filename, PHOTO_CSV_HEADER, rows, list_name="photos", subject=patient)


@require_GET
@staff_required(Capability.VIEW_PHOTOS)
def patient_photos(request: ClinicRequest, patient_id: int) -> HttpResponseBase:
    """The chart's Photos tab: photos by date with view, quality and analysis state; the scales below."""
    patient = get_patient_for_user(request.staff, patient_id)
    if wants_csv(request):
        return _photos_csv(request, patient)
    photos = list(selectors.photos_for_patient(patient))
    context = chart_context(request, patient, tab="photos")
    context.update(
        repeatability_sets=selectors.repeatability_candidates(photos, ZoneInfo(request.clinic.timezone)),
        days=selectors.photos_by_date(photos, ZoneInfo(request.clinic.timezone)),
        assessments=list(selectors.assessments_for_patient(patient)),
        has_consent=selectors.photo_consent(patient) is not None,
        compare_pairs=_default_pair(photos),
        hold_ups=selectors.analysis_hold_ups(photos, patient.clinic_id),
        baseline_ids=set(selectors.current_baselines(patient).values()),
        retaken_ids={p.retake_of_id for p in photos if p.retake_of_id},
        compared_ids={p.analysis.baseline_id for p in photos if getattr(p, "analysis", None)},
        baseline_history=(history := list(selectors.baseline_choices(patient))),
        chosen_ids={choice.photo_id for choice in history},
    )
    return render(request, "outcomes/patient_photos.html", context)


@require_POST
@staff_required(Capability.TAKE_PHOTOS)
def choose_baseline(request: ClinicRequest, photo_id: int) -> HttpResponse:
    """Make a photo the baseline of its view, with the reason; the earlier baseline is kept."""
    photo = selectors.get_photo_for_user(request.staff, photo_id)
    run_and_flash(
        request,
        lambda: services.choose_baseline(photo, reason=request.POST.get("reason", ""), actor=request.user),
        success=_("This %(view)s photo is the baseline from now on; the earlier one is kept.")
        % {"view": photo.get_view_display().lower()},
    )
    return HttpResponseRedirect(
        reverse("outcomes:patient_photos", args=[photo.patient_id]) + f"#photo-{photo.pk}"
    )


@require_POST
@staff_required(Capability.TAKE_PHOTOS)
def share_photo(request: ClinicRequest, photo_id: int) -> HttpResponse:
    """Show a photo to the patient in the portal (``shared=1``) or stop showing it (``shared=0``)."""
    photo = selectors.get_photo_for_user(request.staff, photo_id)
    shared = request.POST.get("shared") == "1"
    run_and_flash(
        request,
        lambda: services.set_photo_shared(photo, shared=shared, actor=request.user),
        success=_("The patient sees this photo in the portal.")
        if shared
        else _("The patient no longer sees this photo in the portal."),
    )
    return HttpResponseRedirect(
        reverse("outcomes:patient_photos", args=[photo.patient_id]) + f"#photo-{photo.pk}"
    )


@require_GET
@staff_required(Capability.VIEW_PHOTOS)
def analysis_status(request: ClinicRequest, photo_id: int) -> HttpResponse:
    """A photo's analysis state (htmx): polled every 2 s while the worker analyses, then final."""
    photo = selectors.get_photo_for_user(request.staff, photo_id)
    hold_ups = selectors.analysis_hold_ups([photo], photo.patient.clinic_id)
    context = {"photo": photo, "hold_up": hold_ups.get(photo.pk, "")}
    return private(render(request, "outcomes/partials/_analysis_status.html", context))


def _default_pair(photos: list[Photo]) -> tuple[Photo, Photo] | None:
    """The newest analysed follow-up and its baseline, for the tab's "Compare" button."""
    for photo in photos:
        analysis = getattr(photo, "analysis", None)
        if analysis is not None and analysis.baseline_id and analysis.status == AnalysisStatus.DONE:
            return analysis.baseline, photo
    return None


GUIDE_TEXTS = {
    "turn_left": _("Turn the head a little to the patient's left."),
    "turn_right": _("Turn the head a little to the patient's right."),
    "chin_down": _("Lower the chin a little."),
    "chin_up": _("Raise the chin a little."),
    "level": _("Hold the head and the tablet level."),
    "closer": _("Move the tablet closer."),
    "further": _("Move the tablet a little further away."),
    "light": _("The light is uneven compared with the baseline: turn the patient or the light."),
    "no_face": _("No face in view."),
    "hold": _("Matches the baseline: hold still…"),
    "hold_view": _("Matches the standard view: hold still…"),
    "taken": _("Photo taken: check it below and save it (start the guide again for another)."),
    "starting": _("Starting the camera…"),
    "unavailable": _("The camera guide is not available here: choose a photo file instead."),
    "fps": _("frames per second"),
}


# Photos taken for a session go front, left 45°, right 45°: after each, the page offers the next view.
NEXT_VIEW = {PhotoView.FRONT: PhotoView.LEFT_45, PhotoView.LEFT_45: PhotoView.RIGHT_45}


def _capture_context(
    request: ClinicRequest,
    patient: Any,
    form: CaptureForm,
    session: SessionRecord | None = None,
    retake: Photo | None = None,
) -> dict[str, Any]:
    baselines = selectors.baseline_thumbnails(patient)
    selected = form["view"].value() or PhotoView.FRONT
    return {
        "guide_targets": selectors.capture_targets(patient),
        "guide_texts": {key: str(text) for key, text in GUIDE_TEXTS.items()},
        "face_mesh_ready": finders.find("outcomes/face_mesh/face_mesh.js") is not None,
        "patient": patient,
        "form": form,
        "ghosts": {view: photo.pk for view, photo in baselines.items()},
        "view_choices": [
            (value, label, baselines.get(value), value == selected) for value, label in PhotoView.choices
        ],
        "has_consent": selectors.photo_consent(patient) is not None,
        "session": session,
        "retake": retake,
    }


@require_http_methods(["GET", "POST"])
@staff_required(Capability.TAKE_PHOTOS)
# The live guide runs MediaPipe's WebAssembly, whose Emscripten glue builds functions at start-up (embind):
# this page alone allows WebAssembly compilation and eval; scripts still come only from this site.
@csp_update({"script-src": ["'wasm-unsafe-eval'", "'unsafe-eval'"]})  # type: ignore[arg-type]  # django-csp types a view as taking the request alone
def capture(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """Take standardized photos: a view, the ghost outline of its baseline, the conditions, the file."""
    patient = get_patient_for_user(request.staff, patient_id)
    session = _session_from(request, patient)
    retake = _retake_from(request, patient)
    if request.method == "GET":
        view = retake.view if retake is not None else request.GET.get("view", PhotoView.FRONT)
        form = CaptureForm(initial={"view": view, "skin_cleansed": True})
        return render(
            request, "outcomes/capture.html", _capture_context(request, patient, form, session, retake)
        )
    form = CaptureForm(request.POST, request.FILES)

    def then(_photo: Any) -> str:
        following = NEXT_VIEW.get(form.cleaned_data["view"])
        if session is not None and following is not None:  # a session's views: on to the next, still linked
            query = urlencode({"session": session.pk, "view": following})
            return f"{reverse('outcomes:capture', args=[patient.pk])}?{query}"
        return reverse("outcomes:patient_photos", args=[patient.pk])

    saved = save_form(
        request,
        form,
        lambda data: services.upload_photo(
            patient,
            data["file"],
            view=data["view"],
            taken_at=timezone.now(),
            conditions=form.conditions(),
            session=session,
            retake_of=retake,
            actor=request.user,
        ),
        success=_("Photo saved. Its analysis runs in the background."),
        then=then,
    )
    if saved:
        return saved
    response = render(
        request, "outcomes/capture.html", _capture_context(request, patient, form, session, retake)
    )
    response.status_code = 422
    return response


def _retake_from(request: ClinicRequest, patient: Any) -> Photo | None:
    """The photo being retaken (``retake`` in the query or the form), one of this patient's, else None."""
    raw = request.GET.get("retake") or request.POST.get("retake")
    if not raw:
        return None
    photo = selectors.get_photo_for_user(request.staff, raw)
    if photo.patient_id != patient.pk:
        raise Http404
    return photo


def _session_from(request: ClinicRequest, patient: Any) -> SessionRecord | None:
    raw = request.GET.get("session") or request.POST.get("session")
    if not raw:
        return None
    session = get_session_for_user(request.staff, raw)
    if session.patient_id != patient.pk:
        raise Http404
    return session


@require_POST
@staff_required(Capability.TAKE_PHOTOS)
def precheck(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """Quality check of a chosen file before saving it (htmx): blur and exposure in words; nothing stored."""
    get_patient_for_user(request.staff, patient_id)
    form = PrecheckForm(request.POST, request.FILES)
    context: dict[str, Any] = {}
    if not form.is_valid():
        context["error"] = _("Choose a photo first.")
    else:
        try:
            context["quality"] = services.precheck_photo(
                form.cleaned_data["file"], view=form.cleaned_data.get("view") or ""
            )
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
    return private(render(request, "outcomes/partials/_precheck.html", context))


@require_POST
@staff_required(Capability.TAKE_PHOTOS)
def record_repeatability(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """Use photos of one view taken at one visit as a test–retest of the clinic's set-up."""
    patient = get_patient_for_user(request.staff, patient_id)
    photos = [p for p in selectors.photos_for_patient(patient)]
    form = RepeatabilityForm(request.POST, photo_ids=[p.pk for p in photos])
    if not form.is_valid():
        messages.error(request, _("Choose the photos of one view taken at one visit."))
    else:
        chosen = [p for p in photos if p.pk in set(form.cleaned_data["photos"])]
        run_and_flash(
            request,
            lambda: services.record_repeatability_study(patient, chosen, actor=request.user),
            success=_(
                "Repeatability check recorded: later comparisons of this view use your set-up's own variation."
            ),
        )
    return HttpResponseRedirect(reverse("outcomes:patient_photos", args=[patient.pk]) + "#repeatability")


@require_GET
@staff_required(Capability.VIEW_PHOTOS)
def compare(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """Before/after: side by side, a slider over the aligned follow-up, overlays and the metrics table."""
    patient = get_patient_for_user(request.staff, patient_id)
    before = _photo_param(request, "before", patient)
    after = _photo_param(request, "after", patient)
    before_analysis = getattr(before, "analysis", None)
    after_analysis = getattr(after, "analysis", None)
    registered = bool(after_analysis and after_analysis.baseline_id == before.pk)
    aligned = registered and after_analysis is not None and "aligned" in after_analysis.overlays
    table: dict[str, list[selectors.MetricChange]] = {}
    comparable = False
    repeatability = selectors.clinic_repeatability(request.clinic.pk, before.view)
    if before_analysis and after_analysis and before_analysis.metrics and after_analysis.metrics:
        # like with like: the baseline as re-measured with the follow-up (same method, same regions)
        before_metrics = (after_analysis.baseline_metrics if registered else None) or before_analysis.metrics
        comparable = registered and after_analysis.method_version == METHOD_VERSION
        table = selectors.metric_changes(
            before_metrics,
            after_analysis.metrics,
            repeatability=repeatability,
            comparable=comparable,
        )
    context = chart_context(request, patient, tab="photos")
    context.update(
        before=before,
        after=after,
        aligned=aligned,
        same_regions=registered,
        comparable=comparable,
        registration_error=(after_analysis.registration.get("error", "") if after_analysis else ""),
        repeatability_source=repeatability.source,
        repeatability_studies=repeatability.studies,
        table=[(selectors.REGION_LABELS.get(region, region), rows) for region, rows in table.items()],
        overlays=[
            name for name in ("wrinkles", "spots") if after_analysis and name in after_analysis.overlays
        ],
        photo_groups=_picker_groups(patient, ZoneInfo(request.clinic.timezone)),
    )
    return render(request, "outcomes/compare.html", context)


def _picker_groups(patient: Any, tz: Any) -> list[tuple[str, list[tuple[int, str]]]]:
    """The before/after pickers' options by view, each photo told apart by its local date and time, the
    session it was taken at, and whether it is the baseline, was retaken or is still being analysed."""
    photos = list(selectors.photos_for_patient(patient).select_related("session__protocol"))
    baselines = set(selectors.current_baselines(patient).values())
    retaken = {p.retake_of_id for p in photos if p.retake_of_id}
    groups: dict[str, list[tuple[int, str]]] = {}
    for photo in photos:
        parts = [f"{photo.taken_at.astimezone(tz):%d %b %Y %H:%M}"]
        session = photo.session
        if session is not None:
            what = session.protocol.name if session.protocol is not None else session.modality
            parts.append(
                _("session of %(day)s (%(what)s)")
                % {"day": f"{session.performed_at.astimezone(tz):%d %b %Y}", "what": what}
            )
        if photo.pk in baselines:
            parts.append(_("baseline"))
        if photo.pk in retaken:
            parts.append(_("retaken"))
        analysis = getattr(photo, "analysis", None)
        if analysis is None or analysis.status != AnalysisStatus.DONE:
            parts.append(_("not analysed"))
        groups.setdefault(str(photo.get_view_display()), []).append((photo.pk, " · ".join(parts)))
    order = [str(label) for _value, label in PhotoView.choices]
    return sorted(groups.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))


def _photo_param(request: ClinicRequest, name: str, patient: Any) -> Photo:
    photo = selectors.get_photo_for_user(request.staff, request.GET.get(name))
    if photo.patient_id != patient.pk:
        raise Http404
    return photo


@require_http_methods(["GET", "POST"])
@staff_required(Capability.TAKE_PHOTOS)
def assess(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """Record clinician and patient scales (baseline, at a session, follow-up)."""
    patient = get_patient_for_user(request.staff, patient_id)
    session = _session_from(request, patient)
    if request.method == "GET":
        timing = AssessmentTiming.SESSION if session else AssessmentTiming.BASELINE
        form = AssessmentForm(initial={"timing": timing, "assessed_on": request.clinic.today()})
        return render(request, "outcomes/assess.html", {"patient": patient, "form": form, "session": session})
    form = AssessmentForm(request.POST)
    saved = save_form(
        request,
        form,
        lambda data: services.record_assessment(
            patient,
            timing=data["timing"],
            assessed_on=data["assessed_on"],
            session=session,
            notes=data["notes"],
            actor=request.user,
            **form.scores(),
        ),
        success=_("Assessment recorded."),
        then=reverse("outcomes:patient_photos", args=[patient.pk]) + "#assessments",
    )
    if saved:
        return saved
    response = render(request, "outcomes/assess.html", {"patient": patient, "form": form, "session": session})
    response.status_code = 422
    return response
