"""Every write about privacy: erasure requests (restriction, withdrawal, erasure), the purge, and exports.

Erasure is the one place in MesoClinic where clinical records are deleted. It happens only when the law no
longer requires keeping them (``MESOCLINIC_RETENTION_YEARS`` after the last clinical entry, or at once if
there never was one), in one transaction, with an audit row that keeps only ids and the legal basis.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import ForeignObjectRel
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task
from simple_history.exceptions import NotHistoricalModelError
from simple_history.utils import get_history_model_for_model

from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.outcomes.models import PhotoAnalysis
from mesoclinic.patients.models import Patient
from mesoclinic.patients.services import lift_restriction, restrict_patient
from mesoclinic.privacy.models import Channel, ErasureRequest, RequestStatus
from mesoclinic.privacy.selectors import due_requests, open_request_for_patient, retention_ends_on
from mesoclinic.scheduling.models import Appointment, AppointmentStatus, MaintenanceRecall
from mesoclinic.scheduling.services import cancel_appointment

RESTRICTION_REASON = "Erasure requested; records kept for the legal retention period."


def legal_basis(ends_on: date | None) -> str:
    """Why the records are kept (or may go), in the words the audit row keeps."""
    if ends_on is None:
        return "GDPR art. 17(1): no clinical record to retain; erased on request."
    return (
        f"GDPR art. 17(3)(b)/(c) and 9(2)(h): health records retained {settings.MESOCLINIC_RETENTION_YEARS} "
        f"years after the last clinical entry, until {ends_on.isoformat()}; processing restricted (art. 18)."
    )


@transaction.atomic
def record_erasure_request(
    patient: Patient,
    *,
    requested_by: str,
    channel: str,
    reason: str = "",
    requested_at: datetime | None = None,
    actor: Actor,
) -> ErasureRequest:
    """Record a patient's erasure request and restrict the patient at once.

    Future appointments are cancelled (no reminders, no booking) and due maintenance recalls dismissed (no
    contact); the records stay until the retention period ends, when ``purge_due_erasures`` erases them.
    """
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose how the request was made.")})
    if open_request_for_patient(patient) is not None:
        raise ValidationError({"__all__": _("This patient already has an open erasure request.")})
    ends_on = retention_ends_on(patient)
    request = ErasureRequest(
        clinic=patient.clinic,
        patient=patient,
        patient_ref=patient.pk,
        requested_at=requested_at or timezone.now(),
        requested_by=requested_by.strip()[:200],
        channel=channel,
        reason=reason.strip(),
        recorded_by=acting_user(actor),
        legal_basis=legal_basis(ends_on),
    )
    request.full_clean()
    request.save()
    restrict_patient(patient, reason=RESTRICTION_REASON, actor=actor)
    upcoming = Appointment.objects.filter(
        patient=patient,
        status__in=[AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN],
        starts_at__gte=timezone.now(),
    )
    for appointment in upcoming:
        cancel_appointment(appointment, reason="Patient data restricted (erasure request)", actor=actor)
    # A restricted patient is not contacted again: maintenance recalls still due are dismissed.
    recalls = MaintenanceRecall.objects.filter(patient=patient, status=MaintenanceRecall.Status.DUE)
    dismissed = sorted(recalls.values_list("pk", flat=True))
    recalls.update(status=MaintenanceRecall.Status.DISMISSED)
    record_event(
        "erasure_request.record",
        request,
        actor=actor,
        data={
            "patient_id": patient.pk,
            "channel": channel,
            "retained_until": ends_on and ends_on.isoformat(),
            "recalls_dismissed": dismissed,
        },
    )
    return request


@transaction.atomic
def withdraw_erasure_request(request: ErasureRequest, *, reason: str, actor: Actor) -> ErasureRequest:
    """The patient withdrew the request (or it was recorded by mistake): the restriction is lifted."""
    if request.status != RequestStatus.RESTRICTED or request.patient is None:
        raise ValidationError({"__all__": _("Only an open request can be withdrawn.")})
    lift_restriction(request.patient, reason=reason or "Erasure request withdrawn", actor=actor)
    request.status = RequestStatus.WITHDRAWN
    request.save(update_fields=["status"])
    record_event("erasure_request.withdraw", request, actor=actor, data={"patient_id": request.patient_ref})
    return request


# ---------------------------------------------------------------------------------------------------------
# Erasure


@dataclass
class ErasurePlan:
    """Every row that belongs to one patient (by model) and every stored file they name."""

    rows: dict[type[models.Model], set[Any]] = field(default_factory=dict)
    files: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        return {model._meta.label_lower: len(pks) for model, pks in sorted(self.rows.items(), key=_label)}


def _label(item: tuple[type[models.Model], Any]) -> str:
    return item[0]._meta.label_lower


def _is_history(model: type[models.Model]) -> bool:
    return hasattr(model, "instance_type") and (model._meta.model_name or "").startswith("historical")


def plan_erasure(patient: Patient) -> ErasurePlan:
    """Follow every foreign key that points at the patient, then at those rows, and so on.

    Generic on purpose: a table added later that hangs off the patient is erased too, without this module
    knowing it. Rows of shared data (lots, products, staff) are never reached: they point nowhere near a
    patient. Histories are collected by the ids of the rows they describe.
    """
    plan = ErasurePlan(rows={Patient: {patient.pk}})
    queue: list[tuple[type[models.Model], set[Any]]] = [(Patient, {patient.pk})]
    while queue:
        model, pks = queue.pop()
        for rel in model._meta.get_fields(include_hidden=True):
            if not isinstance(rel, ForeignObjectRel):  # a reverse relation: another table's key to this one
                continue
            if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
                continue
            related = rel.related_model
            if not isinstance(related, type) or _is_history(related) or related is ErasureRequest:
                continue
            found = set(
                related._base_manager.filter(**{f"{rel.field.attname}__in": pks}).values_list("pk", flat=True)
            )
            new = found - plan.rows.get(related, set())
            if new:
                plan.rows.setdefault(related, set()).update(new)
                queue.append((related, new))
    _add_histories(plan)
    _add_files(plan)
    return plan


def _add_histories(plan: ErasurePlan) -> None:
    for model, pks in list(plan.rows.items()):
        try:
            history = get_history_model_for_model(model)
        except NotHistoricalModelError:
            continue
        ids = set(history._base_manager.filter(id__in=pks).values_list("pk", flat=True))
        if ids:
            plan.rows[history] = ids


def _add_files(plan: ErasurePlan) -> None:
    for model, pks in plan.rows.items():
        file_fields = [f.attname for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        if file_fields:
            for names in model._base_manager.filter(pk__in=pks).values_list(*file_fields):
                plan.files.update(name for name in names if name)
        if model is PhotoAnalysis:
            for overlays in PhotoAnalysis.objects.filter(pk__in=pks).values_list("overlays", flat=True):
                plan.files.update(str(name) for name in (overlays or {}).values() if name)


@transaction.atomic
def erase_patient(request: ErasureRequest, *, today: date, actor: Actor) -> ErasureRequest:
    """Erase the request's patient now that the retention period is over (or never began).

    Personal data and clinical records are deleted (foreign keys are checked at commit, so the order does
    not matter and a row that something unforeseen still needs makes the whole erasure fail, not half of it);
    photo files leave the storage once the transaction commits. The request keeps ids, dates and the
    legal basis only.
    """
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    patient = request.patient
    if request.status != RequestStatus.RESTRICTED or patient is None:
        raise ValidationError({"__all__": _("This request is not open.")})
    ends_on = retention_ends_on(patient)
    if ends_on is not None and ends_on > today:
        raise ValidationError(
            {
                "__all__": f"The records must be kept until {ends_on.isoformat()}; the patient stays restricted."
            }
        )
    plan = plan_erasure(patient)
    request.patient = None
    request.requested_by = ""
    request.reason = ""
    request.status = RequestStatus.ERASED
    request.erased_at = timezone.now()
    request.legal_basis = (
        "GDPR art. 17(1): no clinical record to retain."
        if ends_on is None
        else f"GDPR art. 17(1): retention period ({settings.MESOCLINIC_RETENTION_YEARS} years) ended on "
        f"{ends_on.isoformat()}."
    )
    request.erased_counts = plan.counts()
    # The patient's earlier (withdrawn) requests point at the patient too: they keep the id and the
    # dates, like this one, and lose the requester's name and reason. Left pointing at a deleted row, they
    # failed the foreign-key check at commit and the patient stayed.
    ErasureRequest.objects.filter(patient=patient).exclude(pk=request.pk).update(
        patient=None, requested_by="", reason=""
    )
    request.save(
        update_fields=[
            "patient",
            "requested_by",
            "reason",
            "status",
            "erased_at",
            "legal_basis",
            "erased_counts",
        ]
    )
    for model, pks in plan.rows.items():
        model._base_manager.filter(pk__in=pks)._raw_delete(model._base_manager.db)
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        LogEntry.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in pks]).delete()
    record_event(
        "patient.erase",
        request,
        actor=actor,
        data={"patient_id": request.patient_ref, "legal_basis": request.legal_basis},
    )
    files = sorted(plan.files)
    transaction.on_commit(lambda: _delete_files(files))
    return request


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)


@dataclass(frozen=True)
class PurgeResult:
    request_id: int
    patient_id: int
    erased: bool
    counts: dict[str, int]


def purge_due_erasures(*, today: date, dry_run: bool = False, actor: Actor = None) -> list[PurgeResult]:
    """Erase every restricted patient whose retention period has ended (``dry_run``: only say who)."""
    results = []
    for request in due_requests(today=today):
        if dry_run:
            assert request.patient is not None  # noqa: S101 — due_requests only returns open ones
            counts = plan_erasure(request.patient).counts()
            results.append(PurgeResult(request.pk, request.patient_ref, erased=False, counts=counts))
            continue
        done = erase_patient(request, today=today, actor=actor)
        results.append(PurgeResult(done.pk, done.patient_ref, erased=True, counts=done.erased_counts))
    return results


@task()
def purge_expired() -> int:
    """The periodic task (the worker schedules it): erase what is due today; returns how many patients."""
    return len(purge_due_erasures(today=timezone.localdate()))


# ---------------------------------------------------------------------------------------------------------
# Export


def record_patient_export(patient: Patient, *, channel: str, actor: Actor) -> None:
    """A patient's whole record left the system (access or portability request): audited as an export."""
    record_event("patient.export", patient, actor=actor, data={"channel": channel})
