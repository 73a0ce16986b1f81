"""The public booking API under ``/api/v1/public/{clinic}/`` (issue 18, item 6): no authentication, throttled
per address, CORS only for the clinic's configured origins (``portal.middleware``).

The same services as the booking pages (``portal.services``): an offer is held when the booking is sent, the
e-mailed code confirms it. Answers: 409 when the offer is held or booked by someone else, 410 when the hold
(or the code) ran out, 400 for a wrong code (five tries, then the booking is void), 422 naming the field,
429 when an address asks too often or holds too many series; never 500.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from mesoclinic import tenancy
from mesoclinic.accounts.models import Clinic
from mesoclinic.portal import selectors, services
from mesoclinic.portal.models import BookingStatus
from mesoclinic.portal.questions import questions
from mesoclinic.scheduling.selectors import location_timezone
from mesoclinic.shared_cache import count_hit

router = Router(auth=None)

# Requests per address per minute (reads, series searches that run the planner) and per ten minutes (bookings
# sent, codes tried): the same budgets as the booking pages.
READ_LIMIT = 120
SEARCH_LIMIT = 20
FORM_LIMIT = 10
CODE_LIMIT = 10


class PublicError(Schema):
    detail: str
    errors: dict[str, list[str]] | None = None


class PublicClinicOut(Schema):
    name: str
    currency: str


class PublicLocationOut(Schema):
    id: int
    name: str
    address: str
    timezone: str


class PublicTreatmentOut(Schema):
    protocol: str
    name: str
    modality: str
    needle_free: bool
    sessions: int
    interval_days: int
    tolerance_days: int
    session_minutes: int
    price_per_session: str | None
    package_price: str | None
    deposit: str | None


class PublicQuestionOut(Schema):
    code: str
    kind: Literal["condition", "medication", "implant", "allergy"]
    text: str


class PublicOfferingsOut(Schema):
    clinic: PublicClinicOut
    locations: list[PublicLocationOut]
    treatments: list[PublicTreatmentOut]
    questions: list[PublicQuestionOut]


class PublicOffersIn(Schema):
    protocol: str = Field(max_length=50)
    location: int = Field(ge=1, le=2**31 - 1)
    earliest: date
    part_of_day: Literal["morning", "afternoon", "evening"] | None = None


class PublicSessionOut(Schema):
    start: datetime
    end: datetime


class PublicOfferOut(Schema):
    offer: str
    sessions: list[PublicSessionOut]


class PublicOffersOut(Schema):
    offers: list[PublicOfferOut]
    reason: str | None = None


class PublicPatientIn(Schema):
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    birth_date: date
    email: str = Field(max_length=254)
    phone: str | None = Field(default=None, max_length=40)
    language: Literal["en", "pl"] | None = None


class PublicMedicationIn(Schema):
    code: str = Field(max_length=64)
    stopped: date | None = None


class PublicAnswersIn(Schema):
    conditions: list[str] = Field(default_factory=list, max_length=100)
    medications: list[PublicMedicationIn] = Field(default_factory=list, max_length=100)
    implants: list[str] = Field(default_factory=list, max_length=100)
    allergies: list[str] = Field(default_factory=list, max_length=100)


class PublicConsentIn(Schema):
    accepted: bool
    photo_use: Literal["clinical", "teaching", "marketing"]


class PublicBookingIn(Schema):
    offer: str = Field(max_length=4000)
    patient: PublicPatientIn
    answers: PublicAnswersIn = Field(default_factory=PublicAnswersIn)
    consent: PublicConsentIn


class PublicBookingOut(Schema):
    booking: str | None
    status: str
    hold_expires: datetime | None
    reasons: list[str] | None = None


class PublicVerifyIn(Schema):
    code: str = Field(max_length=20)


class PublicVerifyOut(Schema):
    status: str
    appointments: list[PublicSessionOut]
    payment_url: str | None = None
    reasons: list[str] | None = None


def _clinic(slug: str) -> Clinic:
    """The clinic in the address (404 if none); the rest of the call is scoped to it (``mesoclinic.tenancy``)."""
    clinic = Clinic.objects.filter(slug=str(slug)[:50]).first()
    if clinic is None:
        raise HttpError(404, "No such clinic.")
    tenancy.use_clinic(clinic.pk)
    return clinic


def _throttle(request: HttpRequest, bucket: str, limit: int, window: int = 60) -> None:
    address = str(request.META.get("REMOTE_ADDR") or "unknown")
    if count_hit(f"portal-api:{bucket}:{address}", window_seconds=window) > limit:
        raise HttpError(429, "Too many requests: try again in a minute.")


def _money(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


@router.get("/{clinic}/offerings", response={200: PublicOfferingsOut, 404: PublicError, 429: PublicError})
def offerings(request: HttpRequest, clinic: str) -> Any:
    """The clinic's treatments open for online booking, its locations and every health question."""
    _throttle(request, "read", READ_LIMIT)
    found = _clinic(clinic)
    protocols = selectors.bookable_protocols(found)
    prices = selectors.prices_for(found, protocols)
    currency = next(iter(prices.values())).currency if prices else selectors.currency_of(found)
    treatments = [
        {
            "protocol": p.slug,
            "name": p.name,
            "modality": p.modality.code,
            "needle_free": not p.modality.invasive,
            "sessions": p.sessions,
            "interval_days": p.interval_days,
            "tolerance_days": p.tolerance_days,
            "session_minutes": p.session_minutes,
            "price_per_session": _money(prices[p.pk].per_session),
            "package_price": _money(prices[p.pk].package),
            "deposit": None,
        }
        for p in protocols
    ]
    asked = questions(selectors.allergens_of(protocols))
    return {
        "clinic": {"name": found.name, "currency": currency},
        "locations": [
            {"id": loc.pk, "name": loc.name, "address": loc.address, "timezone": loc.timezone}
            for loc in selectors.public_locations(found)
        ],
        "treatments": treatments,
        "questions": [{"code": q.code, "kind": q.kind, "text": q.text} for q in asked],
    }


def _sessions(location: Any, protocol: Any, starts: list[datetime]) -> list[dict[str, datetime]]:
    tz = location_timezone(location)
    length = timedelta(minutes=protocol.session_minutes)
    return [{"start": s.astimezone(tz), "end": (s + length).astimezone(tz)} for s in starts]


@router.post(
    "/{clinic}/series-offers",
    response={200: PublicOffersOut, 404: PublicError, 422: PublicError, 429: PublicError},
)
def series_offers(request: HttpRequest, clinic: str, payload: PublicOffersIn) -> Any:
    """Up to three whole series from the earliest day (every session within the protocol's spacing)."""
    _throttle(request, "search", SEARCH_LIMIT)
    found = _clinic(clinic)
    protocol = selectors.bookable_protocol_or_none(found, payload.protocol)
    if protocol is None:
        return Status(422, {"detail": "Invalid input.", "errors": {"protocol": ["No such treatment."]}})
    location = selectors.get_public_location(found, payload.location)
    if location is None:
        return Status(422, {"detail": "Invalid input.", "errors": {"location": ["No such location."]}})
    earliest = selectors.earliest_moment(found, location, payload.earliest, now=timezone.now())
    offers, reason = services.offers_for(
        location, protocol, earliest=earliest, part_of_day=payload.part_of_day or ""
    )
    return {
        "offers": [
            {"offer": o.token, "sessions": _sessions(location, protocol, [s.start for s in o.sessions])}
            for o in offers
        ],
        "reason": None if offers else (reason or "No whole series fits from that day."),
    }


@router.post(
    "/{clinic}/bookings",
    response={
        200: PublicBookingOut,
        201: PublicBookingOut,
        404: PublicError,
        409: PublicError,
        410: PublicError,
        422: PublicError,
        429: PublicError,
    },
)
def create_booking(  # noqa: PLR0911 — one answer per outcome: the contract's codes
    request: HttpRequest, clinic: str, payload: PublicBookingIn
) -> Any:
    """Hold the offer's sessions for ten minutes and e-mail a 6-digit code (201). Answers that need a
    consultation first hold and store nothing (200, ``needs_consultation`` with the reasons)."""
    _throttle(request, "form", FORM_LIMIT, window=600)
    found = _clinic(clinic)
    offer = selectors.read_offer(found, payload.offer)
    if offer is None:
        return Status(
            422,
            {
                "detail": "Invalid input.",
                "errors": {"offer": ["Unknown or outdated offer: ask for series offers again."]},
            },
        )
    if not payload.consent.accepted:
        return Status(
            422,
            {
                "detail": "Invalid input.",
                "errors": {"consent.accepted": ["The consent must be accepted."]},
            },
        )
    p = payload.patient
    try:
        started = services.start_booking(
            found,
            offer,
            details=services.Details(p.first_name, p.last_name, p.birth_date, p.email, p.phone or ""),
            answers=services.Answers(
                payload.answers.conditions,
                [m.code for m in payload.answers.medications],
                payload.answers.implants,
                payload.answers.allergies,
                stopped={m.code: m.stopped for m in payload.answers.medications if m.stopped},
            ),
            photo_use=payload.consent.photo_use,
            language=p.language or "",
            address=str(request.META.get("REMOTE_ADDR") or ""),
        )
    except ValidationError as exc:
        errors = {_api_field(name): [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        return Status(422, {"detail": "Invalid input.", "errors": errors})
    except services.TooManyRequestsError:
        return Status(429, {"detail": "Too many bookings from this address or e-mail: try again later."})
    except services.OfferTakenError:
        return Status(409, {"detail": "This offer was just taken: ask for series offers again."})
    if started.booking is None:
        return Status(
            200,
            {
                "booking": None,
                "status": BookingStatus.NEEDS_CONSULTATION.value,
                "hold_expires": None,
                "reasons": started.blocked_by,
            },
        )
    return Status(
        201,
        {
            "booking": started.booking.reference,
            "status": started.booking.status,
            "hold_expires": started.booking.hold_expires_at,
        },
    )


_FIELDS = {
    "given_name": "patient.first_name",
    "family_name": "patient.last_name",
    "birth_date": "patient.birth_date",
    "email": "patient.email",
    "phone": "patient.phone",
    "photo_use": "consent.photo_use",
}


def _api_field(name: str) -> str:
    if name in _FIELDS:
        return _FIELDS[name]
    return f"answers.{name}" if name in {"conditions", "medications", "implants", "allergies"} else name


@router.post(
    "/{clinic}/bookings/{booking}/verify",
    response={
        200: PublicVerifyOut,
        400: PublicError,
        404: PublicError,
        409: PublicError,
        410: PublicError,
        422: PublicError,
        429: PublicError,
    },
)
def verify_booking(  # noqa: PLR0911 — one answer per outcome: the contract's codes
    request: HttpRequest, clinic: str, booking: str, payload: PublicVerifyIn
) -> Any:
    """The e-mailed code: confirms the held sessions (or says a consultation is needed first)."""
    _throttle(request, "code", CODE_LIMIT)
    found = _clinic(clinic)
    row = selectors.booking_or_none(found, booking)
    if row is None:
        return Status(404, {"detail": "No such booking."})
    result = services.verify_booking(row, payload.code)
    outcome = result.status
    if outcome == "wrong_code":
        return Status(400, {"detail": f"That code is not right. {result.attempts_left} tries left."})
    if outcome == "void":
        return Status(400, {"detail": "Five wrong codes: this booking is void. Start a new one."})
    if outcome in {"expired", "expired_hold"}:
        return Status(410, {"detail": "The ten minutes ran out and the dates were released: book again."})
    if outcome == "not_waiting":
        return Status(409, {"detail": "This booking is not waiting for a code."})
    booked = result.booking
    if booked.status == BookingStatus.TAKEN:
        return Status(409, {"detail": "These dates were just taken: ask for series offers again."})
    if booked.status == BookingStatus.NEEDS_CONSULTATION:
        return Status(200, {"status": booked.status, "appointments": [], "reasons": booked.reasons})
    appointments = selectors.booked_appointments(booked)
    tz = location_timezone(booked.location)
    status, deposit = services.public_status(booked)
    answer: dict[str, Any] = {
        "status": status,
        "appointments": [
            {"start": a.starts_at.astimezone(tz), "end": a.ends_at.astimezone(tz)} for a in appointments
        ],
    }
    if status == services.AWAITING_DEPOSIT:
        answer["payment_url"] = request.build_absolute_uri(
            reverse("billing_online:pay", args=[deposit.reference])
        )
    return Status(200, answer)
