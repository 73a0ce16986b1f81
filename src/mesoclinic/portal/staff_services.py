"""Staff's writes on what patients did online: confirming a self-reported history, resolving a possible
duplicate chart. Every one audited with the member of staff as actor."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.patients.models import HistoryStatus, MedicalHistory, Patient
from mesoclinic.patients.services import record_consent, update_medical_history
from mesoclinic.portal.models import (
    BookingStatus,
    DuplicateResolution,
    HistoryReview,
    OnlineBooking,
    PortalSettings,
    ProblemReport,
    ProblemStatus,
    ReviewStatus,
)
from mesoclinic.scheduling.models import Course
from mesoclinic.scheduling.services import BookingError, transfer_course


def _merged(history: MedicalHistory, answers: dict[str, Any]) -> dict[str, Any]:
    """What staff confirm: the chart's history with the patient's answers added (nothing taken away)."""
    stored = history.as_screening_json()
    merged: dict[str, Any] = {
        key: sorted(set(stored.get(key) or []) | set(answers.get(key) or []))  # type: ignore[call-overload]  # the screening JSON's lists
        for key in ("conditions", "implants", "allergies")
    }
    medications = list(history.medications)
    codes = {m["code"] for m in medications}
    merged["medications"] = medications + [
        m for m in answers.get("medications") or [] if m["code"] not in codes
    ]
    return merged


@transaction.atomic
def confirm_history_review(review: HistoryReview, *, actor: Actor) -> HistoryReview:
    """Staff went through the patient's answers with them: they join the chart's history, now confirmed."""
    review = HistoryReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.PENDING:
        raise ValidationError({"review": "This history was already reviewed."})
    history = MedicalHistory.objects.get(patient_id=review.patient_id)
    update_medical_history(
        review.patient,
        actor=actor,
        reason=f"Self-reported history confirmed (online booking {review.booking_id})",
        status=HistoryStatus.CONFIRMED,
        other_allergies=history.other_allergies,
        other_medications=history.other_medications,
        notes=history.notes,
        **_merged(history, review.answers),
    )
    return _close(review, ReviewStatus.CONFIRMED, actor)


@transaction.atomic
def mark_history_corrected(review: HistoryReview, *, actor: Actor) -> HistoryReview:
    """Staff corrected the history on the chart themselves (its own versions keep what changed)."""
    review = HistoryReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.PENDING:
        raise ValidationError({"review": "This history was already reviewed."})
    return _close(review, ReviewStatus.CORRECTED, actor)


def _close(review: HistoryReview, status: str, actor: Actor) -> HistoryReview:
    review.status = status
    review.resolved_by = acting_user(actor)
    review.resolved_at = timezone.now()
    review.save(update_fields=["status", "resolved_by", "resolved_at"])
    record_event(
        f"history_review.{status}",
        review,
        actor=actor,
        clinic=review.clinic,
        data={"patient": review.patient_id, "booking": review.booking_id},
    )
    return review


@transaction.atomic
def resolve_duplicate(booking: OnlineBooking, *, resolution: str, actor: Actor) -> OnlineBooking:
    """Resolve a possible duplicate: ``separate`` (another person, e.g. family sharing an e-mail) keeps both
    charts; ``linked`` (the same person, a mistyped date of birth) moves the booked series, its consent and
    the history to confirm onto the existing chart. Refused (by field) when already resolved, or when the
    series has started."""
    booking = OnlineBooking.objects.select_for_update().get(pk=booking.pk)
    if booking.duplicate_of_id is None or booking.duplicate_resolution:
        raise ValidationError({"resolution": "There is nothing to resolve for this booking."})
    if resolution not in (DuplicateResolution.LINKED, DuplicateResolution.SEPARATE):
        raise ValidationError({"resolution": "Choose linked or separate."})
    moved_from = booking.patient_id
    if resolution == DuplicateResolution.LINKED:
        existing = Patient.objects.get(pk=booking.duplicate_of_id)
        course_ids = set(
            Course.objects.filter(appointments__pk__in=booking.appointments).values_list("pk", flat=True)
        )
        try:
            for course in Course.objects.filter(pk__in=course_ids):
                transfer_course(course, existing, actor=actor)
        except BookingError as exc:
            raise ValidationError({"resolution": str(exc)}) from None
        if booking.consent_template is not None and booking.status == BookingStatus.CONFIRMED:
            record_consent(
                existing,
                template=booking.consent_template,
                signed_by=f"{booking.given_name} {booking.family_name}",
                photo_use=booking.photo_use,
                signed_at=booking.verified_at,
                actor=actor,
            )
        HistoryReview.objects.filter(booking=booking).update(patient=existing)
        booking.patient = existing
    booking.duplicate_resolution = resolution
    booking.duplicate_resolved_by = acting_user(actor)
    booking.duplicate_resolved_at = timezone.now()
    booking.save(
        update_fields=[
            "patient",
            "duplicate_resolution",
            "duplicate_resolved_by",
            "duplicate_resolved_at",
            "updated_at",
        ]
    )
    record_event(
        "online_booking.duplicate_resolve",
        booking,
        actor=actor,
        clinic=booking.clinic,
        data={"resolution": resolution, "chart": moved_from, "existing": booking.duplicate_of_id},
    )
    return booking


@transaction.atomic
def update_portal_settings(
    clinic: Any, *, lead_hours: int, cancel_hours: int, embed_origins: list[str], actor: Actor
) -> PortalSettings:
    """The owner's rules of the public booking page: the lead time, how late patients may change or cancel
    online, and the web sites allowed to embed it. Refused by field; the earlier values kept in the audit."""
    row = PortalSettings.objects.select_for_update().filter(clinic=clinic).first() or PortalSettings(
        clinic=clinic
    )
    before = {
        "lead_hours": row.lead_hours,
        "cancel_hours": row.cancel_hours,
        "embed_origins": row.embed_origins,
    }
    row.lead_hours, row.cancel_hours, row.embed_origins = lead_hours, cancel_hours, embed_origins
    row.full_clean()
    row.save()
    after = {"lead_hours": lead_hours, "cancel_hours": cancel_hours, "embed_origins": embed_origins}
    record_event(
        "portal.settings.update", row, actor=actor, clinic=clinic, data={"before": before, "after": after}
    )
    return row


@transaction.atomic
def close_problem(report: ProblemReport, *, status: str, actor: Actor) -> ProblemReport:
    """Staff looked at a patient's problem: recorded as an adverse event (in vigilance) or closed without one."""
    report = ProblemReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ProblemStatus.OPEN:
        raise ValidationError({"status": "This problem was already handled."})
    if status not in (ProblemStatus.RECORDED, ProblemStatus.CLOSED):
        raise ValidationError({"status": "Choose recorded or closed."})
    report.status = status
    report.handled_by = acting_user(actor)
    report.handled_at = timezone.now()
    report.save(update_fields=["status", "handled_by", "handled_at"])
    record_event(
        "portal.problem_report.handle", report, actor=actor, clinic=report.clinic, data={"status": status}
    )
    return report
