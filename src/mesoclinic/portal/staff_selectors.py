"""Staff's reads of what patients did online: bookings waiting for their code (holding their dates until it
expires), possible duplicate charts, self-reported histories to confirm."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.http import Http404

from mesoclinic.accounts.models import Clinic
from mesoclinic.portal.models import (
    BookingStatus,
    HistoryReview,
    OnlineBooking,
    ProblemReport,
    ProblemStatus,
    ReviewStatus,
)
from mesoclinic.scheduling.selectors import held_appointments, location_timezone

LIST_LIMIT = 100


def awaiting_code(clinic: Clinic, *, now: datetime) -> list[OnlineBooking]:
    """Bookings whose code was sent and has not expired yet (oldest first), each with ``held``: the starts
    of the dates it holds, in the location's time (one more query for all of them)."""
    bookings = list(
        OnlineBooking.objects.filter(
            clinic=clinic, status=BookingStatus.AWAITING_VERIFICATION, code_expires_at__gt=now
        )
        .select_related("protocol", "location")
        .order_by("created_at")[:LIST_LIMIT]
    )
    ids = {int(pk) for b in bookings for pk in b.appointments or []}
    starts = dict(
        held_appointments(clinic.pk, ids).filter(hold_expires_at__gt=now).values_list("pk", "starts_at")
    )
    for b in bookings:
        tz = location_timezone(b.location)
        b.held = sorted(  # type: ignore[attr-defined]  # the template reads it
            starts[int(pk)].astimezone(tz) for pk in b.appointments or [] if int(pk) in starts
        )
    return bookings


def possible_duplicates(clinic: Clinic) -> list[OnlineBooking]:
    """Confirmed bookings whose new chart shares its e-mail with another chart of another birth date."""
    return list(
        OnlineBooking.objects.filter(
            clinic=clinic, duplicate_of__isnull=False, duplicate_resolution="", patient__isnull=False
        )
        .select_related("patient", "duplicate_of", "protocol")
        .order_by("created_at")[:LIST_LIMIT]
    )


def history_reviews(clinic: Clinic) -> list[HistoryReview]:
    """Self-reported histories to confirm, oldest first."""
    return list(
        HistoryReview.objects.filter(clinic=clinic, status=ReviewStatus.PENDING)
        .select_related("patient__medical_history", "booking__protocol")
        .order_by("created_at", "pk")[:LIST_LIMIT]
    )


def patients_with_history_to_confirm(clinic: Clinic, patient_ids: Iterable[int]) -> set[int]:
    """Of these patients, those with a self-reported history waiting for staff (one query)."""
    ids = set(patient_ids)
    if not ids:
        return set()
    return set(
        HistoryReview.objects.filter(
            clinic=clinic, status=ReviewStatus.PENDING, patient_id__in=ids
        ).values_list("patient_id", flat=True)
    )


def get_review(clinic: Clinic, review_id: Any) -> HistoryReview:
    try:
        pk = int(review_id)
    except (TypeError, ValueError):
        raise Http404("No such review.") from None
    review = HistoryReview.objects.filter(clinic=clinic, pk=pk).select_related("patient").first()
    if review is None:
        raise Http404("No such review.")
    return review


def get_booking_for_staff(clinic: Clinic, booking_id: Any) -> OnlineBooking:
    try:
        pk = int(booking_id)
    except (TypeError, ValueError):
        raise Http404("No such booking.") from None
    booking = OnlineBooking.objects.filter(clinic=clinic, pk=pk).first()
    if booking is None:
        raise Http404("No such booking.")
    return booking


def open_problems(clinic: Clinic) -> list[ProblemReport]:
    """Problems patients reported in the portal that staff have not handled yet, oldest first."""
    return list(
        ProblemReport.objects.filter(clinic=clinic, status=ProblemStatus.OPEN)
        .select_related("patient")
        .order_by("created_at", "pk")[:LIST_LIMIT]
    )


def get_problem(clinic: Clinic, problem_id: Any) -> ProblemReport:
    try:
        pk = int(problem_id)
    except (TypeError, ValueError):
        raise Http404("No such report.") from None
    report = ProblemReport.objects.filter(clinic=clinic, pk=pk).first()
    if report is None:
        raise Http404("No such report.")
    return report
