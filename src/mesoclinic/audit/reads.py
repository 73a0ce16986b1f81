"""Reads are audited by default: one event for every successful read of a patient's chart, photo or export.

A mechanism, not a habit: ``ReadAuditMiddleware`` looks at the URL the request resolved to, so a new page or
API operation is audited without anyone remembering to.

- A URL argument ``patient_id`` (or ``?patient=`` in the query) names the patient read.
- A URL argument naming one of a patient's records (``PATIENT_VIA``: ``record_id``, ``photo_id``...) names the
  patient through that record: one indexed SELECT of its ``patient_id``.
- A view that reads a patient some other way says so with ``@reads_patient(model, kwarg)``, or at run time
  with ``note_patient_read(request, patient_id)`` when it only learns the patient while running.
- Any download (``Content-Disposition: attachment``: CSV, JSON, iCalendar) is an ``export``, patient or not;
  an image of a patient is a ``photo.read``; anything else about a patient is a ``chart.read``.

Only successful (2xx) GET and HEAD requests count: a refused read showed nothing, and every change is
audited by its service. One INSERT per request, whatever the page lists.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.apps import apps
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from mesoclinic.audit.services import PATIENT_TYPE, append_event

View = TypeVar("View", bound=Callable[..., Any])

PATIENT_KWARG = "patient_id"
PATIENT_QUERY_PARAM = "patient"

PATIENT_VIA: dict[str, str] = {
    "appointment_id": "scheduling.Appointment",
    "record_id": "treatments.SessionRecord",
    "course_id": "scheduling.Course",
    "photo_id": "outcomes.Photo",
    "event_id": "vigilance.AdverseEvent",
    "consent_id": "patients.Consent",
    "invoice_id": "billing.Invoice",
    "package_id": "billing.Package",
    "charge_id": "billing.CancellationCharge",
    "online_payment_id": "billing.OnlinePayment",
    "deposit_id": "billing.Deposit",
}
"""URL arguments that name one of a patient's records, and the model (with a ``patient`` field) it is."""

CHART_READ = "chart.read"
PHOTO_READ = "photo.read"
EXPORT = "export"
READ_ACTIONS = (CHART_READ, PHOTO_READ, EXPORT)


@dataclass(frozen=True)
class Via:
    """The patient is the ``patient`` of ``model`` whose primary key is the URL argument ``kwarg``."""

    model: str
    kwarg: str


def reads_patient(model: str, kwarg: str) -> Callable[[View], View]:
    """Mark a view (page or API operation) that reads the patient of ``model`` named by URL argument ``kwarg``.

    For arguments that ``PATIENT_VIA`` does not know, or knows as another model.
    """
    via = Via(model, kwarg)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            request.audit_via = via  # type: ignore[attr-defined]  # an API operation is reached through ninja; the mark rides on the request
            return view(request, *args, **kwargs)

        wrapper.audit_via = via  # type: ignore[attr-defined]  # the mark the read-coverage test and middleware look for on the view
        return wrapper  # type: ignore[return-value]  # functools.wraps keeps the view's signature; mypy sees the wrapper's

    return decorator


def note_patient_read(request: HttpRequest, patient_id: int) -> None:
    """Tell the middleware which patient this request shows, when only the view can know."""
    request.audit_patient_id = patient_id  # type: ignore[attr-defined]  # set on the request for the views (ClinicRequest declares it)


def note_read_audited(request: HttpRequest) -> None:
    """Tell the middleware the view has already written this read's audit event (one with more detail, such
    as an export naming its list and filters), so that the read is not logged twice."""
    request.audit_read_done = True  # type: ignore[attr-defined]  # set on the request for the views (ClinicRequest declares it)


def _as_id(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


@dataclass(frozen=True)
class Target:
    """What a request read: the object named in its URL and the patient it belongs to."""

    object_type: str
    object_id: str
    patient_id: int | None
    clinic_id: int | None = None


def _via_model(model_label: str, object_id: Any) -> Target | None:
    model = apps.get_model(model_label)
    pk = _as_id(object_id)
    if pk is None:
        return None
    label = model._meta.label_lower
    if label == PATIENT_TYPE:
        row = model._default_manager.filter(pk=pk).values_list("pk", "clinic_id").first()
    else:
        row = model._default_manager.filter(pk=pk).values_list("patient_id", "patient__clinic_id").first()
    if row is None:
        return None
    return Target(label, str(pk), row[0], row[1])


def _admin_target(func: Callable[..., Any] | None, kwargs: Mapping[str, Any]) -> Target | None:
    """A superuser's admin page of a patient or of one of a patient's records."""
    model_admin = getattr(func, "model_admin", None)
    if model_admin is None or "object_id" not in kwargs:
        return None
    model = model_admin.model
    names = {f.name for f in model._meta.get_fields()}
    if model._meta.label_lower == PATIENT_TYPE or "patient" in names:
        return _via_model(model._meta.label, kwargs["object_id"])
    return None


def _conventional_target(kwargs: Mapping[str, Any], query: Mapping[str, Any]) -> Target | None:
    if (patient_id := _as_id(kwargs.get(PATIENT_KWARG))) is not None:
        return Target(PATIENT_TYPE, str(patient_id), patient_id)
    for kwarg, model_label in PATIENT_VIA.items():
        if kwarg in kwargs:
            return _via_model(model_label, kwargs[kwarg])
    if (patient_id := _as_id(query.get(PATIENT_QUERY_PARAM))) is not None:
        return Target(PATIENT_TYPE, str(patient_id), patient_id)
    return None


def target_for(
    func: Callable[..., Any] | None,
    kwargs: Mapping[str, Any],
    query: Mapping[str, Any],
    *,
    runtime_via: Via | None = None,
    runtime_patient: int | None = None,
) -> Target | None:
    """The patient a resolved URL reads, by the rules in this module's docstring; None when no patient.

    A view's own marker wins over the admin's object and over the URL conventions.
    """
    via = runtime_via or getattr(func, "audit_via", None)
    if via is not None:
        return _via_model(via.model, kwargs.get(via.kwarg))
    if runtime_patient is not None:
        return Target(PATIENT_TYPE, str(runtime_patient), runtime_patient)
    if getattr(func, "model_admin", None) is not None:
        return _admin_target(func, kwargs)
    return _conventional_target(kwargs, query)


def _action(response: HttpResponseBase, target: Target | None) -> str | None:
    if str(response.get("Content-Disposition", "")).lower().startswith("attachment"):
        return EXPORT
    if target is None or target.patient_id is None:
        return None
    if str(response.get("Content-Type", "")).startswith("image/"):
        return PHOTO_READ
    return CHART_READ


def _clinic_of_patient(patient_id: int) -> int | None:
    patient_model = apps.get_model(PATIENT_TYPE)
    return patient_model._default_manager.filter(pk=patient_id).values_list("clinic_id", flat=True).first()


class ReadAuditMiddleware:
    """Write one ``chart.read`` / ``photo.read`` / ``export`` event per successful read (module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is None or request.method not in ("GET", "HEAD") or not 200 <= response.status_code < 300:
            return response
        if getattr(request, "audit_read_done", False):
            return response
        target = target_for(
            match.func,
            match.kwargs,
            request.GET,
            runtime_via=getattr(request, "audit_via", None),
            runtime_patient=getattr(request, "audit_patient_id", None),
        )
        action = _action(response, target)
        if action is None:
            return response
        clinic = getattr(request, "clinic", None)
        clinic_id = clinic.pk if clinic is not None else None
        if clinic_id is None and target is not None and target.patient_id is not None:
            clinic_id = target.clinic_id or _clinic_of_patient(target.patient_id)
        data: dict[str, Any] = {"view": match.view_name}
        if action == EXPORT:
            data["content_type"] = str(response.get("Content-Type", "")).split(";")[0]
        append_event(
            action=action,
            clinic_id=clinic_id,
            actor=getattr(request, "user", None),
            object_type=target.object_type if target else "",
            object_id=target.object_id if target else "",
            patient_id=target.patient_id if target else None,
            data=data,
        )
        return response
