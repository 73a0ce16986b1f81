"""Reads of the patient's door: the clinic behind a public slug, its bookable treatments with prices, series
offers from scheduling's own planner, and a booking by its unguessable reference."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core import signing
from django.http import Http404
from django.utils import timezone

from mesoclinic import tenancy
from mesoclinic.accounts.models import Clinic, Location
from mesoclinic.billing.engine.policy import is_late_cancel
from mesoclinic.billing.models import LateCost
from mesoclinic.billing.selectors import (
    documents_for_patient,
    held_deposit,
    packages_of,
    policy_for,
    price_items,
    settings_for,
)
from mesoclinic.catalog.models import CocktailIngredient, Protocol
from mesoclinic.patients.models import Consent, ConsentTemplate, Patient
from mesoclinic.patients.selectors import current_consent_templates
from mesoclinic.portal.models import OnlineBooking, PortalSettings, PortalSignIn
from mesoclinic.scheduling import selectors as scheduling
from mesoclinic.scheduling.forms import decode_slot, encode_slot
from mesoclinic.scheduling.selectors import SessionChoice, location_timezone

MAX_OFFERS = 3
OFFER_SALT = "mesoclinic.portal.offer"
OFFER_MAX_AGE = 30 * 60  # seconds an offer stays valid to pick (booking re-checks it anyway)

#: Parts of the day a patient may ask for: wall-clock minutes (start, end) of the location's day.
PARTS_OF_DAY: dict[str, tuple[int, int]] = {
    "morning": (0, 12 * 60),
    "afternoon": (12 * 60, 17 * 60),
    "evening": (17 * 60, 24 * 60),
}


def clinic_by_slug(slug: str) -> Clinic:
    """The clinic in a public page's address (404 if none); the rest of the request is scoped to it."""
    clinic = Clinic.objects.filter(slug=slug).first()
    if clinic is None:
        raise Http404("No such clinic.")
    tenancy.use_clinic(clinic.pk)
    return clinic


def clinic_or_none(slug: str) -> Clinic | None:
    return Clinic.objects.filter(slug=str(slug)[:50]).first()


def portal_settings(clinic: Clinic) -> PortalSettings:
    """The clinic's settings; until it saves its own, the defaults (unsaved)."""
    return PortalSettings.objects.filter(clinic=clinic).first() or PortalSettings(clinic=clinic)


def bookable_protocols(clinic: Clinic) -> list[Protocol]:
    return list(
        Protocol.objects.filter(clinic=clinic, is_active=True, bookable_online=True)
        .select_related("modality", "cocktail")
        .order_by("name")
    )


def get_bookable_protocol(clinic: Clinic, slug: str) -> Protocol:
    """A protocol the clinic opened for online booking; 404 for any other (closed ones are not shown)."""
    protocol = (
        Protocol.objects.filter(clinic=clinic, slug=slug, is_active=True, bookable_online=True)
        .select_related("modality", "cocktail")
        .first()
    )
    if protocol is None:
        raise Http404("No such treatment.")
    return protocol


def bookable_protocol_or_none(clinic: Clinic, slug: str) -> Protocol | None:
    try:
        return get_bookable_protocol(clinic, slug)
    except Http404:
        return None


def currency_of(clinic: Clinic) -> str:
    return str(settings_for(clinic).currency)


def allergens_of(protocols: list[Protocol]) -> list[tuple[str, str]]:
    """(code, name) of every ingredient of these protocols' cocktails, once each, by name (one query)."""
    cocktails = [p.cocktail_id for p in protocols if p.cocktail_id]
    if not cocktails:
        return []
    rows = (
        CocktailIngredient.objects.filter(cocktail_id__in=cocktails)
        .select_related("ingredient")
        .order_by("ingredient__name")
    )
    seen: dict[str, str] = {}
    for row in rows:
        seen.setdefault(row.ingredient.code, row.ingredient.name)
    return list(seen.items())


def public_locations(clinic: Clinic) -> list[Location]:
    return list(scheduling.locations_for_clinic(clinic))


def get_public_location(clinic: Clinic, location_id: Any) -> Location | None:
    try:
        pk = int(location_id)
    except (TypeError, ValueError):
        return None
    return Location.objects.filter(clinic=clinic, pk=pk).first()


@dataclass(frozen=True)
class Prices:
    currency: str
    per_session: Decimal | None
    package: Decimal | None


def prices_for(clinic: Clinic, protocols: list[Protocol]) -> dict[int, Prices]:
    """Per protocol: the session price and the package price from billing's price list (one query).

    Without a price-list row the protocol's own price is the session price; a package is shown only where
    the price list has one.
    """
    currency = settings_for(clinic).currency
    rows = price_items(clinic, active_only=True).filter(
        protocol__in=protocols, kind__in=["session", "package"]
    )
    found: dict[tuple[int | None, str], Decimal] = {(r.protocol_id, r.kind): r.unit_price for r in rows}
    return {
        p.pk: Prices(currency, found.get((p.pk, "session"), p.price), found.get((p.pk, "package")))
        for p in protocols
    }


def allergens(protocol: Protocol) -> list[tuple[str, str]]:
    """(code, name) of the ingredients of the protocol's cocktail, by name."""
    if protocol.cocktail is None:
        return []
    rows = protocol.cocktail.composition.select_related("ingredient").order_by("ingredient__name")
    return [(row.ingredient.code, row.ingredient.name) for row in rows]


def consent_template_for(clinic: Clinic, protocol: Protocol) -> ConsentTemplate | None:
    """The current consent text of the protocol's modality (None when the clinic has not published one)."""
    return next((t for t in current_consent_templates(clinic) if t.modality_id == protocol.modality_id), None)


# --- Offers: the whole series at once, from the planner staff booking uses ----------------------------------


@dataclass(frozen=True)
class Offer:
    sessions: tuple[SessionChoice, ...]
    token: str


def earliest_moment(clinic: Clinic, location: Location, day: date | None, *, now: datetime) -> datetime:
    """The first instant an online booking may start: the chosen day's midnight, never within the lead time."""
    floor = now + timedelta(hours=portal_settings(clinic).lead_hours)
    if day is None:
        return floor
    return max(datetime.combine(day, time(), location_timezone(location)), floor)


def series_offers(
    location: Location, protocol: Protocol, *, earliest: datetime, part_of_day: str = ""
) -> tuple[list[Offer], str]:
    """Up to three whole series (each feasible from its first to its last session), and a reason when none.

    The first is the planner's best plan from ``earliest``; each next one is its best plan starting on a later
    day than the previous offer's first session, so the alternatives differ in their dates.
    """
    window = PARTS_OF_DAY.get(part_of_day)
    tz = location_timezone(location)
    offers: list[Offer] = []
    reason = ""
    start = earliest
    for _n in range(MAX_OFFERS):
        proposal = scheduling.propose_series(location, protocol, earliest=start, daily_window=window)
        if not proposal.feasible:
            reason = reason or proposal.reason
            break
        sessions = tuple(sorted(proposal.sessions, key=lambda s: s.start))
        offers.append(Offer(sessions, offer_token(location, protocol, sessions)))
        next_day = sessions[0].start.astimezone(tz).date() + timedelta(days=1)
        start = datetime.combine(next_day, time(), tz)
    return offers, ("" if offers else reason)


def offer_token(location: Location, protocol: Protocol, sessions: tuple[SessionChoice, ...]) -> str:
    """A signed, short-lived token naming the offer (the slots are re-checked when it is booked)."""
    return signing.dumps(
        {
            "c": location.clinic_id,
            "l": location.pk,
            "p": protocol.pk,
            "s": [encode_slot(s) for s in sessions],
        },
        salt=OFFER_SALT,
        compress=True,
    )


@dataclass(frozen=True)
class ChosenOffer:
    location: Location
    protocol: Protocol
    slots: list[str]
    sessions: list[SessionChoice]


def read_offer(clinic: Clinic, token: str, *, max_age: int | None = OFFER_MAX_AGE) -> ChosenOffer | None:
    """The offer a token names, or None when it is forged, stale, of another clinic or names unknown rows."""
    try:
        data = signing.loads(token or "", salt=OFFER_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("c") != clinic.pk:
        return None
    location = get_public_location(clinic, data.get("l"))
    protocol = (
        Protocol.objects.filter(clinic=clinic, pk=data.get("p") or 0, is_active=True, bookable_online=True)
        .select_related("modality", "cocktail")
        .first()
    )
    slots = data.get("s")
    if location is None or protocol is None or not isinstance(slots, list):
        return None
    sessions = resolve_slots(location, slots)
    if sessions is None or len(sessions) != protocol.sessions:
        return None
    return ChosenOffer(location, protocol, [str(s) for s in slots], sessions)


def resolve_slots(location: Location, slots: list[Any]) -> list[SessionChoice] | None:
    """Slot tokens as sessions, or None when any is malformed or names rows of another clinic or location."""
    tokens = [decode_slot(str(s)) for s in slots]
    if any(t is None for t in tokens):
        return None
    valid = [t for t in tokens if t is not None]
    staff, rooms, devices = scheduling.rows_for_slots(
        location,
        practitioner_ids=[t.practitioner_id for t in valid],
        room_ids=[t.room_id for t in valid],
        device_ids=[t.device_id for t in valid if t.device_id],
    )
    out = []
    for t in valid:
        if (
            t.practitioner_id not in staff
            or t.room_id not in rooms
            or (t.device_id and t.device_id not in devices)
        ):
            return None
        out.append(
            SessionChoice(
                start=t.start,
                practitioner=staff[t.practitioner_id],
                room=rooms[t.room_id],
                device=devices.get(t.device_id) if t.device_id else None,
            )
        )
    return out


# --- Bookings ------------------------------------------------------------------------------------------------


def get_booking(clinic: Clinic, reference: str) -> OnlineBooking:
    """A booking by its reference (the visitor's only key to it); 404 for another clinic's or a forged one."""
    booking = (
        OnlineBooking.objects.filter(clinic=clinic, reference=str(reference)[:64])
        .select_related("protocol__modality", "location", "patient")
        .first()
    )
    if booking is None:
        raise Http404("No such booking.")
    return booking


def booking_or_none(clinic: Clinic, reference: str) -> OnlineBooking | None:
    try:
        return get_booking(clinic, reference)
    except Http404:
        return None


def booked_appointments(booking: OnlineBooking) -> list[Any]:
    """The appointments the booking made, in order (none until it is confirmed)."""
    if not booking.appointments:
        return []
    return list(
        scheduling.appointments_for_clinic(booking.clinic)
        .filter(pk__in=booking.appointments, patient=booking.patient)
        .order_by("starts_at")
    )


def held_first_start(booking: OnlineBooking, held: list[int]) -> datetime | None:
    """The start of the first of a booking's held appointments (None when they are gone)."""
    return (
        scheduling.held_appointments(booking.clinic_id, held)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )


def now() -> datetime:
    return timezone.now()


# --- The patient portal -----------------------------------------------------------------------------------


def get_sign_in(clinic: Clinic, reference: str) -> PortalSignIn:
    sign_in = PortalSignIn.objects.filter(clinic=clinic, reference=str(reference)[:64]).first()
    if sign_in is None:
        raise Http404("No such sign-in.")
    return sign_in


def portal_patient(clinic: Clinic, patient_id: Any) -> Patient | None:
    """The signed-in patient's chart (None when it is gone or restricted meanwhile)."""
    return Patient.objects.filter(clinic=clinic, pk=patient_id, restricted_at__isnull=True).first()


def patient_sessions(patient: Any, *, now: datetime) -> tuple[list[Any], list[Any]]:
    """The patient's booked sessions to come, and the last ten past ones (newest first)."""
    mine = scheduling.appointments_for_patient(patient).select_related("protocol", "location")
    upcoming = list(mine.filter(starts_at__gte=now, status="booked").order_by("starts_at"))
    past = list(mine.filter(starts_at__lt=now).select_related("session_record").order_by("-starts_at")[:10])
    return upcoming, past


def get_patient_appointment(patient: Any, appointment_id: Any) -> Any:
    """One of the signed-in patient's own appointments; 404 for anyone else's."""
    try:
        pk = int(appointment_id)
    except (TypeError, ValueError):
        raise Http404("No such session.") from None
    found = scheduling.appointments_for_patient(patient).filter(pk=pk).first()
    if found is None:
        raise Http404("No such session.")
    return found


# --- The patient portal: moving one session, and what cancelling costs -------------------------------------

RESCHEDULE_DAYS = 15  # at most this many days of the series window are searched
RESCHEDULE_PER_DAY = 3
RESCHEDULE_OFFERS = 9


@dataclass(frozen=True)
class MoveOffer:
    choice: SessionChoice
    token: str


def reschedule_window(appointment: Any, *, now: datetime) -> tuple[date, date] | None:
    """The local days this session may move to: within the series' interval ± tolerance, never sooner than
    the online lead time (None when no day is left)."""
    course = (
        scheduling.course_appointments(appointment.clinic, appointment.course_id)
        if appointment.course_id
        else []
    )
    window = scheduling.series_window(appointment, course)
    floor = earliest_moment(appointment.clinic, appointment.location, None, now=now)
    first = floor.astimezone(location_timezone(appointment.location)).date()
    if window is None:
        lo, hi = first, first + timedelta(days=RESCHEDULE_DAYS - 1)
    else:
        lo, hi = max(window[0], first), window[1]
    return (lo, hi) if lo <= hi else None


def reschedule_offers(appointment: Any, *, now: datetime) -> list[MoveOffer]:
    """Free starts for this session from the planner staff use, keeping the series within tolerance: a few a
    day, the earliest days first, with any practitioner qualified for it (its own time counts as free)."""
    window = reschedule_window(appointment, now=now)
    if window is None:
        return []
    floor = earliest_moment(appointment.clinic, appointment.location, None, now=now)
    lo, hi = window
    found: list[MoveOffer] = []
    day = lo
    while day <= min(hi, lo + timedelta(days=RESCHEDULE_DAYS - 1)) and len(found) < RESCHEDULE_OFFERS:
        start, end = scheduling.day_bounds(appointment.location, day)
        choices = scheduling.available_starts(
            appointment.location,
            appointment.protocol,
            max(start, floor),
            end,
            exclude_appointments=[appointment.pk],
        )
        seen: set[datetime] = set()
        for choice in choices:
            if choice.start in seen or choice.start == appointment.starts_at:
                continue
            seen.add(choice.start)
            found.append(MoveOffer(choice, encode_slot(choice)))
            if len(seen) >= RESCHEDULE_PER_DAY:
                break
        day += timedelta(days=1)
    return found[:RESCHEDULE_OFFERS]


@dataclass(frozen=True)
class CancelCost:
    """What cancelling now costs under the clinic's policy: ``kind`` is ``nothing``, ``fee``, ``deposit``
    or ``package_session``; ``amount`` the money where there is any."""

    kind: str
    amount: Decimal | None
    currency: str


def cancellation_cost(appointment: Any, *, now: datetime) -> CancelCost:
    """Billing's cancellation policy for this session if it were cancelled now (nothing is charged here)."""
    currency = settings_for(appointment.clinic).currency
    policy = policy_for(appointment.clinic, appointment.protocol_id)
    if policy is None or not is_late_cancel(appointment.starts_at, now, policy.late_cancel_hours):
        return CancelCost("nothing", None, currency)
    cost = policy.late_cancel_cost
    if cost == LateCost.FEE and policy.fee > 0:
        return CancelCost("fee", policy.fee, currency)
    if cost == LateCost.DEPOSIT:
        deposit = held_deposit(appointment)
        if deposit is not None:
            return CancelCost("deposit", deposit.amount, currency)
    if cost == LateCost.PACKAGE_SESSION and packages_of(
        appointment.patient, today=now.date(), active_only=True
    ):
        return CancelCost("package_session", None, currency)
    return CancelCost("nothing", None, currency)


@dataclass(frozen=True)
class PortalDocuments:
    """What the portal shows beside the sessions: signed consents, issued invoices and receipts, packages."""

    consents: list[Any]
    invoices: list[Any]
    packages: list[Any]


def patient_documents(patient: Patient, *, today: date) -> PortalDocuments:
    """The patient's own signed consents, issued documents (drafts are the clinic's) and active packages."""
    return PortalDocuments(
        consents=list(
            Consent.objects.filter(patient=patient).select_related("template").order_by("-signed_at")[:20]
        ),
        invoices=list(documents_for_patient(patient).filter(status="issued").order_by("-issued_at")[:20]),
        packages=[p.package for p in packages_of(patient, today=today, active_only=True)],
    )


def sessions_before(patient: Patient, day: date, *, count: int = 3) -> list[int]:
    """Ids of the patient's last sessions that started on or before ``day`` (newest first): what a reported
    problem may follow."""
    end = datetime.combine(day + timedelta(days=1), time(), ZoneInfo(patient.clinic.timezone))
    return list(
        scheduling.appointments_for_patient(patient)
        .filter(starts_at__lt=end, status__in=["completed", "checked_in", "booked"])
        .order_by("-starts_at")
        .values_list("pk", flat=True)[:count]
    )
