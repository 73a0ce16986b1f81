"""Every write of the patient's door: starting an online booking (code sent), verifying it (chart, history,
consent, series), and re-booking new dates when the chosen ones were taken meanwhile.

Nothing is booked until the e-mailed code proves the address: the visitor's answers wait in an
``OnlineBooking`` row. The series is then booked by scheduling's ``book_series``, the same service the desk
uses, so every check (screening, spacing, qualifications, hours, busy time) runs again and the database's
no-overlap constraint settles a race: the loser is told the dates were just taken and offered new ones.

Public actions have no signed-in actor (``actor=None``): the audit rows carry the visitor's address and the
booking's id instead, never the visitor's name or answers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email, validate_ipv46_address
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django_tasks import task

from mesoclinic.accounts.models import Clinic
from mesoclinic.audit.services import record_event
from mesoclinic.billing import online as online_payments
from mesoclinic.billing.models import OnlinePaymentStatus
from mesoclinic.clinical_codes.vocabulary import CONDITIONS, IMPLANTS, MEDICATIONS
from mesoclinic.patients.identity import InvalidPhoneError, clean_name, normalise_phone
from mesoclinic.patients.models import HistoryStatus, Patient, PhotoUse
from mesoclinic.patients.services import record_consent, register_patient, update_medical_history
from mesoclinic.portal import selectors
from mesoclinic.portal.models import (
    BookingStatus,
    HistoryReview,
    OnlineBooking,
    PortalSignIn,
    ProblemReport,
)
from mesoclinic.safety.rules import Decision, patient_from_json, screen
from mesoclinic.safety.selectors import protocol_spec, rule_table_for_clinic
from mesoclinic.scheduling.models import AppointmentSource
from mesoclinic.scheduling.selectors import SessionChoice, location_timezone
from mesoclinic.scheduling.services import (
    BookingError,
    HoldExpiredError,
    ScreeningBlockedError,
    book_series,
    cancel_appointment,
    confirm_held_series,
    hold_series,
    release_expired_holds,
    release_held,
    reschedule_appointment,
)
from mesoclinic.shared_cache import count_hit

CODE_MINUTES = 10
MAX_ATTEMPTS = 5
REBOOK_MINUTES = 30  # after a verified code, how long new dates may be chosen without another code
EMAIL_LIMIT = 5  # bookings started per e-mail address per hour
EMAIL_WINDOW = 3600
OLDEST_AGE_YEARS = 130


class TooManyRequestsError(Exception):
    """Too many bookings from one e-mail address (or holds from one address): try again later."""


class OfferTakenError(Exception):
    """The chosen dates are held or booked by someone else meanwhile: choose new ones."""


def max_holds() -> int:
    """How many series one address or e-mail may hold at once (``PORTAL_MAX_HOLDS``, default 3)."""
    return int(getattr(settings, "PORTAL_MAX_HOLDS", 3))


def _holds_of(email: str, address: str) -> int:
    """Series held now (awaiting their code, hold not run out) by this e-mail or from this address."""
    live = OnlineBooking.objects.filter(
        status=BookingStatus.AWAITING_VERIFICATION, hold_expires_at__gt=timezone.now()
    )
    by_email = live.filter(email__iexact=email).count()
    by_address = live.filter(client_address=address).count() if address else 0
    return max(by_email, by_address)


def offers_for(
    location: Any, protocol: Any, *, earliest: datetime, part_of_day: str = ""
) -> tuple[list[selectors.Offer], str]:
    """Series offers after releasing the location's expired holds (so a run-out hold is free at once)."""
    release_expired_holds(location_id=location.pk)
    return selectors.series_offers(location, protocol, earliest=earliest, part_of_day=part_of_day)


@dataclass
class Details:
    given_name: str
    family_name: str
    birth_date: date
    email: str
    phone: str = ""


@dataclass
class Answers:
    conditions: list[str] = field(default_factory=list)
    medications: list[str] = field(default_factory=list)
    implants: list[str] = field(default_factory=list)
    allergies: list[str] = field(default_factory=list)
    stopped: dict[str, date] = field(default_factory=dict)  # medication code -> the day it was stopped

    def as_history(self) -> dict[str, Any]:
        def when(code: str) -> str | None:
            day = self.stopped.get(code)
            return day.isoformat() if day else None

        return {
            "conditions": sorted(set(self.conditions)),
            "medications": [{"code": code, "stopped": when(code)} for code in sorted(set(self.medications))],
            "implants": sorted(set(self.implants)),
            "allergies": sorted(set(self.allergies)),
        }


@dataclass(frozen=True)
class Started:
    """The outcome of sending the form: a booking awaiting its code, or a consultation needed first."""

    booking: OnlineBooking | None
    blocked_by: list[str]  # the factor codes that need a consultation (the visitor's own answers)


def clean_details(clinic: Clinic, details: Details) -> Details:
    """Names, birth date, e-mail and phone checked as staff registration checks them; errors by field."""
    errors: dict[str, list[str]] = {}
    out = Details(**vars(details))
    for name, what in (("given_name", "first name"), ("family_name", "last name")):
        try:
            setattr(out, name, clean_name(str(getattr(details, name) or ""), what=what))
        except ValueError as exc:
            errors[name] = [str(exc)]
    today = clinic.today()
    if details.birth_date > today:
        errors["birth_date"] = [_("The date of birth cannot be in the future.")]
    elif today.year - details.birth_date.year > OLDEST_AGE_YEARS:
        errors["birth_date"] = [_("Check the year: that would make you older than 130.")]
    out.email = (details.email or "").strip()
    try:
        validate_email(out.email)
    except ValidationError:
        errors["email"] = [_("Enter an e-mail address we can send your code to.")]
    try:
        out.phone = normalise_phone(details.phone or "", clinic.country)
    except InvalidPhoneError as exc:
        errors["phone"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    return out


def _history_json(birth_date: date, history: dict[str, Any]) -> dict[str, Any]:
    return {"birth_date": birth_date.isoformat(), "taken": True, **history}


def _blocking_factors(booking_like: Any, history: dict[str, Any], on: date) -> list[str]:
    """The factors of a ``block`` decision for this history and protocol (empty when not blocked)."""
    result = screen(
        patient_from_json(_history_json(booking_like.birth_date, history), known_ingredients=None),
        protocol_spec(booking_like.protocol),
        on=on,
        rules=rule_table_for_clinic(booking_like.clinic),
    )
    if result.decision != Decision.BLOCK:
        return []
    return [f.factor for f in result.findings if f.severity == "block"]


def _code_hash(reference: str, code: str) -> str:
    return salted_hmac("mesoclinic.portal.code", f"{reference}:{code}").hexdigest()


def _first_day(offer: selectors.ChosenOffer) -> date:
    return min(s.start for s in offer.sessions).astimezone(location_timezone(offer.location)).date()


@transaction.atomic
def start_booking(
    clinic: Clinic,
    offer: selectors.ChosenOffer,
    *,
    details: Details,
    answers: Answers,
    photo_use: str,
    language: str = "",
    address: str = "",
) -> Started:
    """Check the visitor's details, screen their answers and, unless a consultation is needed, e-mail a code.

    Raises ``ValidationError`` (by field) for details or answers that cannot be right, and
    ``TooManyRequestsError`` when the address started too many bookings this hour or holds too many series
    now, and ``OfferTakenError`` when the dates are held or booked by someone else meanwhile. Otherwise the
    offer's sessions are held for ten minutes (held appointments) until the code confirms them. Nothing
    is stored (or held) for a visitor whose answers need a consultation (they are told so, and why, in their
    own words).
    """
    details = clean_details(clinic, details)
    known = {
        "conditions": set(_known("conditions")),
        "medications": set(_known("medications")),
        "implants": set(_known("implants")),
        "allergies": {code for code, _name in selectors.allergens(offer.protocol)},
    }
    for name, allowed in known.items():
        unknown = set(getattr(answers, name)) - allowed
        if unknown:
            raise ValidationError(
                {name: _("Unknown answer: %(codes)s.") % {"codes": ", ".join(sorted(unknown))}}
            )
    if photo_use not in PhotoUse.values:
        raise ValidationError({"photo_use": _("Choose how your photos may be used.")})
    history = answers.as_history()
    probe = OnlineBooking(clinic=clinic, protocol=offer.protocol, birth_date=details.birth_date)
    blocked = _blocking_factors(probe, history, _first_day(offer))
    if blocked:
        record_event(
            "online_booking.needs_consultation",
            None,
            actor=None,
            clinic=clinic,
            data={"protocol": offer.protocol.slug, "factors": blocked},
        )
        return Started(None, blocked)
    if count_hit(f"portal:email:{details.email.lower()}", window_seconds=EMAIL_WINDOW) > EMAIL_LIMIT:
        raise TooManyRequestsError
    address = address if _is_address(address) else ""
    if _holds_of(details.email, address) >= max_holds():
        raise TooManyRequestsError
    try:
        held = hold_series(offer.location, offer.protocol, offer.sessions)
    except BookingError:
        raise OfferTakenError from None
    reference = secrets.token_urlsafe(24)
    code = f"{secrets.randbelow(10**6):06d}"
    template = selectors.consent_template_for(clinic, offer.protocol)
    scopes = [PhotoUse.CLINICAL.value]
    if photo_use in (PhotoUse.TEACHING, PhotoUse.MARKETING):
        scopes.append(PhotoUse.TEACHING.value)
    if photo_use == PhotoUse.MARKETING:
        scopes.append(PhotoUse.MARKETING.value)
    booking = OnlineBooking.objects.create(
        clinic=clinic,
        reference=reference,
        protocol=offer.protocol,
        location=offer.location,
        slots=offer.slots,
        given_name=details.given_name,
        family_name=details.family_name,
        birth_date=details.birth_date,
        email=details.email,
        phone=details.phone,
        answers=history,
        consent_template=template,
        photo_use=scopes,
        code_hash=_code_hash(reference, code),
        code_expires_at=timezone.now() + timedelta(minutes=CODE_MINUTES),
        appointments=[a.pk for a in held],
        hold_expires_at=held[0].hold_expires_at,
        client_address=address or None,
    )
    record_event(
        "online_booking.start",
        booking,
        actor=None,
        clinic=clinic,
        data={"protocol": offer.protocol.slug, "held": [a.pk for a in held]},
    )
    chosen_language = language or clinic.language
    transaction.on_commit(lambda: _send_code(booking, code, chosen_language))
    return Started(booking, [])


def _is_address(address: str) -> bool:
    try:
        validate_ipv46_address(address)
    except ValidationError:
        return False
    return True


def _known(kind: str) -> list[str]:
    return list({"conditions": CONDITIONS, "medications": MEDICATIONS, "implants": IMPLANTS}[kind])


def _send_code(booking: OnlineBooking, code: str, language: str) -> None:
    """The verification message, through the configured ``EMAIL_BACKEND`` (Django's file backend with
    ``EMAIL_FILE_PATH`` writes it to a folder, for trying it out)."""
    with translation.override(language):
        subject = _("Your booking code: %(code)s") % {"code": code}
        body = _(
            "Hello %(name)s,\n\nyour code to confirm the booking of %(treatment)s at %(clinic)s is:\n\n"
            "    %(code)s\n\nIt works for %(minutes)d minutes. If you did not ask for it, ignore this message: "
            "nothing is booked without the code.\n"
        ) % {
            "name": booking.given_name,
            "treatment": booking.protocol.name,
            "clinic": booking.clinic.name,
            "code": code,
            "minutes": CODE_MINUTES,
        }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [booking.email])


@dataclass(frozen=True)
class Verified:
    """What the code did: ``status`` is the booking's (``confirmed``, ``taken``, ``needs_consultation``,
    ``void``) or ``wrong_code`` / ``expired`` (the code ran out) / ``expired_hold`` (the held dates ran out:
    the booking is ``taken``, new dates may be chosen) / ``not_waiting``; ``attempts_left`` after a wrong
    code."""

    status: str
    booking: OnlineBooking
    attempts_left: int = 0


def verify_booking(booking: OnlineBooking, code: str) -> Verified:
    """Check the code; when right, confirm the held dates: find or create the chart and book the series (or
    say why not). A run-out code or a voided booking releases its held dates at once."""
    with transaction.atomic():
        booking = OnlineBooking.objects.select_for_update().get(pk=booking.pk)
        if booking.status != BookingStatus.AWAITING_VERIFICATION:
            return Verified("not_waiting", booking)
        if timezone.now() > booking.code_expires_at:
            release_held(booking.appointments)
            return Verified("expired", booking)
        if not constant_time_compare(_code_hash(booking.reference, (code or "").strip()), booking.code_hash):
            booking.attempts += 1
            if booking.attempts >= MAX_ATTEMPTS:
                booking.status = BookingStatus.VOID
                release_held(booking.appointments)
            booking.save(update_fields=["attempts", "status", "updated_at"])
            record_event(
                "online_booking.wrong_code",
                booking,
                actor=None,
                clinic=booking.clinic,
                data={"attempts": booking.attempts},
            )
            if booking.status == BookingStatus.VOID:
                return Verified("void", booking)
            return Verified("wrong_code", booking, MAX_ATTEMPTS - booking.attempts)
        booking.verified_at = timezone.now()
        booking.save(update_fields=["verified_at", "updated_at"])
    if not booking.appointments:  # started before holds existed: book the chosen slots as they are now
        return Verified(_confirm(booking, selectors.resolve_slots(booking.location, booking.slots)), booking)
    return Verified(_confirm(booking, None, held=list(booking.appointments)), booking)


def rebook(booking: OnlineBooking, offer: selectors.ChosenOffer) -> Verified:
    """Book new dates for a verified booking whose first choice was taken (no second code within 30 minutes)."""
    with transaction.atomic():
        booking = OnlineBooking.objects.select_for_update().get(pk=booking.pk)
        fresh = booking.verified_at is not None and timezone.now() - booking.verified_at < timedelta(
            minutes=REBOOK_MINUTES
        )
        if booking.status != BookingStatus.TAKEN or not fresh:
            return Verified("not_waiting", booking)
        if offer.protocol.pk != booking.protocol_id or offer.location.pk != booking.location_id:
            return Verified("not_waiting", booking)
        booking.slots = offer.slots
        booking.save(update_fields=["slots", "updated_at"])
    return Verified(_confirm(booking, offer.sessions), booking)


def _confirm(
    booking: OnlineBooking, sessions: list[SessionChoice] | None, *, held: list[int] | None = None
) -> str:
    """Chart, history, series and consent in one transaction; the booking's new status (saved) returned
    (``expired_hold`` when the held dates ran out: the booking is then ``taken``).

    With ``held``, the held appointments become the patient's course; else ``sessions`` are booked anew.
    Whatever stops it (screening, a run-out hold) releases the held dates.
    """
    try:
        with transaction.atomic():
            if sessions is None and not held:
                raise BookingError(_("One of the chosen dates is no longer offered."))
            patient, history_kept = _patient_for(booking)
            first_day = _held_first_day(booking, held) if held else _sessions_first_day(booking, sessions)
            if history_kept:
                # Staff confirmed this patient's history: it is never overwritten from home. Screen what staff
                # recorded together with today's answers; the answers wait on the booking for staff.
                merged = _merge(patient.medical_history.as_screening_json(), booking.answers)
                blocked = _blocking_factors(booking, merged, first_day)
                if blocked:
                    raise ScreeningBlockedError("blocked", [{"factor": f} for f in blocked])
            if held:
                course = confirm_held_series(patient, held, actor=None)
            else:
                course = book_series(
                    patient,
                    booking.protocol,
                    booking.location,
                    sessions or [],
                    actor=None,
                    source=AppointmentSource.ONLINE,
                )
            HistoryReview.objects.create(
                clinic=booking.clinic, patient=patient, booking=booking, answers=booking.answers
            )
            if booking.consent_template is not None:
                record_consent(
                    patient,
                    template=booking.consent_template,
                    signed_by=f"{booking.given_name} {booking.family_name}",
                    photo_use=booking.photo_use,
                    actor=None,
                )
            booking.patient = patient
            booking.appointments = list(
                course.appointments.order_by("session_index").values_list("pk", flat=True)
            )
            booking.status = BookingStatus.CONFIRMED
            booking.reasons = []
            booking.hold_expires_at = None
            booking.duplicate_of = _family_chart(booking, patient)
            booking.save(
                update_fields=[
                    "patient",
                    "appointments",
                    "status",
                    "reasons",
                    "hold_expires_at",
                    "duplicate_of",
                    "updated_at",
                ]
            )
            record_event(
                "online_booking.confirm",
                booking,
                actor=None,
                clinic=booking.clinic,
                data={"patient": patient.pk, "course": course.pk, "history_kept": history_kept},
            )
    except ScreeningBlockedError as exc:
        if held:
            release_held(held)
        booking.status = BookingStatus.NEEDS_CONSULTATION
        booking.reasons = sorted({str(f.get("factor", "")) for f in exc.findings} - {""})
        booking.appointments, booking.hold_expires_at = [], None
        booking.save(update_fields=["status", "reasons", "appointments", "hold_expires_at", "updated_at"])
        record_event("online_booking.needs_consultation", booking, actor=None, clinic=booking.clinic, data={})
    except BookingError as exc:
        if held:
            release_held(held)
        booking.status = BookingStatus.TAKEN
        booking.reasons = [str(exc)]
        booking.appointments, booking.hold_expires_at = [], None
        booking.save(update_fields=["status", "reasons", "appointments", "hold_expires_at", "updated_at"])
        record_event("online_booking.taken", booking, actor=None, clinic=booking.clinic, data={})
        if isinstance(exc, HoldExpiredError):
            return "expired_hold"
    return booking.status


def _sessions_first_day(booking: OnlineBooking, sessions: list[SessionChoice] | None) -> date:
    return min(s.start for s in sessions or []).astimezone(location_timezone(booking.location)).date()


def _held_first_day(booking: OnlineBooking, held: list[int]) -> date:
    first = selectors.held_first_start(booking, held)
    return (first or timezone.now()).astimezone(location_timezone(booking.location)).date()


def _merge(stored: dict[str, Any], answers: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {
        key: sorted(set(stored.get(key) or []) | set(answers.get(key) or []))
        for key in ("conditions", "implants", "allergies")
    }
    codes = {m["code"] for m in stored.get("medications") or []}
    merged["medications"] = list(stored.get("medications") or []) + [
        m for m in answers.get("medications") or [] if m["code"] not in codes
    ]
    return merged


def _patient_for(booking: OnlineBooking) -> tuple[Patient, bool]:
    """The chart this booking belongs to, and whether its history was confirmed by staff (kept as it is).

    An existing patient is matched by e-mail and date of birth together; anyone else gets a new chart (the
    same e-mail with another birth date is a family sharing an address, never merged: staff see the
    possible duplicate on the new chart). The visitor is told the same either way.
    """
    patient = (
        Patient.objects.filter(
            clinic=booking.clinic, email__iexact=booking.email, birth_date=booking.birth_date
        )
        .select_related("medical_history")
        .order_by("pk")
        .first()
    )
    if patient is None:
        patient = register_patient(
            booking.clinic,
            actor=None,
            allow_duplicate=True,
            given_name=booking.given_name,
            family_name=booking.family_name,
            birth_date=booking.birth_date,
            email=booking.email,
            phone=booking.phone,
        )
    history = patient.medical_history
    if history.status == HistoryStatus.CONFIRMED:
        return patient, True
    # Not confirmed by staff yet: the answers are added to what the chart holds (never replacing it, so
    # nothing staff typed - notes, free-text allergies and medicines - is lost), marked self-reported, and
    # a pending review asks staff to confirm or correct them.
    stored = history.as_screening_json()
    update_medical_history(
        patient,
        actor=None,
        reason=f"Answered by the patient when booking online (booking {booking.pk})",
        status=HistoryStatus.SELF_REPORTED,
        other_allergies=history.other_allergies,
        other_medications=history.other_medications,
        notes=history.notes,
        **_merge(stored, booking.answers),
    )
    patient.refresh_from_db()
    return patient, False


def _family_chart(booking: OnlineBooking, patient: Patient) -> Patient | None:
    """Another chart with this e-mail and another date of birth (a family sharing an address): never merged,
    shown to staff as a possible duplicate to resolve."""
    return (
        Patient.objects.filter(clinic=booking.clinic, email__iexact=booking.email, restricted_at__isnull=True)
        .exclude(pk=patient.pk)
        .exclude(birth_date=booking.birth_date)
        .order_by("pk")
        .first()
    )


def deposit_due(booking: OnlineBooking) -> Any:
    """The deposit the clinic's policy asks for this booking (issue 18, item 1), to pay by card online: the
    billing ``OnlinePayment`` whose page the confirmed page links to (paid or still to pay), or None when
    the policy asks none for online bookings or Stripe is not configured."""
    if booking.status != BookingStatus.CONFIRMED:
        return None
    return online_payments.deposit_for_booking([int(a) for a in booking.appointments])


AWAITING_DEPOSIT = "awaiting_deposit"


def public_status(booking: OnlineBooking) -> tuple[str, Any]:
    """What the patient is told of the booking, and its deposit (or None): ``awaiting_deposit`` while the
    clinic's policy asks a deposit for the booked sessions that is not paid yet (the sessions stay booked: the
    clinic decides what an unpaid deposit means, as at the desk), else the booking's own status."""
    deposit = deposit_due(booking)
    if deposit is not None and deposit.status != OnlinePaymentStatus.SUCCEEDED:
        return AWAITING_DEPOSIT, deposit
    return str(booking.status), deposit


# --- The patient portal: sign-in by a one-time code, cancelling within the clinic's policy ----------------

PORTAL_CODE_MINUTES = 10
PORTAL_SESSION_MINUTES = 30


def start_sign_in(clinic: Clinic, *, email: str, birth_date: date, language: str = "") -> PortalSignIn:
    """Write a sign-in row and, when a chart has this e-mail and birth date, e-mail it a 6-digit code.

    The same row, answer and page whatever was typed: nobody learns who is a patient here. Raises
    ``TooManyRequestsError`` when the address asked too often this hour.
    """
    email = (email or "").strip()
    if count_hit(f"portal:signin:{email.lower()}", window_seconds=EMAIL_WINDOW) > EMAIL_LIMIT:
        raise TooManyRequestsError
    patient = (
        Patient.objects.filter(
            clinic=clinic, email__iexact=email, birth_date=birth_date, restricted_at__isnull=True
        )
        .order_by("pk")
        .first()
        if email
        else None
    )
    reference = secrets.token_urlsafe(24)
    code = f"{secrets.randbelow(10**6):06d}"
    sign_in = PortalSignIn.objects.create(
        clinic=clinic,
        reference=reference,
        patient=patient,
        code_hash=_code_hash(reference, code),
        expires_at=timezone.now() + timedelta(minutes=PORTAL_CODE_MINUTES),
    )
    record_event("portal.sign_in.start", sign_in, actor=None, clinic=clinic, data={})
    if patient is not None:
        chosen = language or patient.preferred_language or clinic.language
        transaction.on_commit(lambda: _send_sign_in_code(clinic, patient, code, chosen))
    return sign_in


def _send_sign_in_code(clinic: Clinic, patient: Patient, code: str, language: str) -> None:
    with translation.override(language):
        subject = _("Your sign-in code: %(code)s") % {"code": code}
        body = _(
            "Hello %(name)s,\n\nyour code to see your sessions at %(clinic)s is:\n\n    %(code)s\n\n"
            "It works for %(minutes)d minutes. If you did not ask for it, ignore this message.\n"
        ) % {"name": patient.given_name, "clinic": clinic.name, "code": code, "minutes": PORTAL_CODE_MINUTES}
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [patient.email])


def finish_sign_in(sign_in: PortalSignIn, code: str) -> Patient | None:
    """The patient the code signs in, or None (wrong, expired, used, five tries, or no chart behind it)."""
    with transaction.atomic():
        sign_in = (
            PortalSignIn.objects.select_for_update(of=("self",)).select_related("patient").get(pk=sign_in.pk)
        )
        usable = sign_in.used_at is None and sign_in.attempts < MAX_ATTEMPTS
        if not usable or timezone.now() > sign_in.expires_at:
            return None
        right = constant_time_compare(_code_hash(sign_in.reference, (code or "").strip()), sign_in.code_hash)
        if not right or sign_in.patient is None:
            sign_in.attempts += 1
            sign_in.save(update_fields=["attempts"])
            return None
        sign_in.used_at = timezone.now()
        sign_in.save(update_fields=["used_at"])
        record_event(
            "portal.sign_in", sign_in, actor=None, clinic=sign_in.clinic, data={"patient": sign_in.patient_id}
        )
        return sign_in.patient


class CancelRefusedError(Exception):
    """The session cannot be cancelled online (too close to its start, or no longer booked)."""


def cancel_by_patient(patient: Patient, appointment: Any, *, now: datetime | None = None) -> Any:
    """Cancel the patient's own session if the clinic's policy still allows it online; audited as theirs."""
    hours = selectors.portal_settings(patient.clinic).cancel_hours
    if appointment.patient_id != patient.pk:
        raise CancelRefusedError(_("This is not your session."))
    if appointment.starts_at - (now or timezone.now()) < timedelta(hours=hours):
        raise CancelRefusedError(
            _("Sessions can be cancelled online up to %(hours)d hours before; please call us.")
            % {"hours": hours}
        )
    try:
        return cancel_appointment(appointment, reason="Cancelled by the patient in the portal", actor=None)
    except BookingError as exc:
        raise CancelRefusedError(str(exc)) from None


def reschedule_by_patient(
    patient: Patient, appointment: Any, choice: SessionChoice, *, now: datetime | None = None
) -> Any:
    """Move the patient's own session to a start the portal offered, while the clinic's policy still allows
    changing it online; scheduling's own service checks the series tolerance and every resource again."""
    moment = now or timezone.now()
    hours = selectors.portal_settings(patient.clinic).cancel_hours
    if appointment.patient_id != patient.pk:
        raise CancelRefusedError(_("This is not your session."))
    if appointment.starts_at - moment < timedelta(hours=hours):
        raise CancelRefusedError(
            _("Sessions can be moved online up to %(hours)d hours before; please call us.") % {"hours": hours}
        )
    window = selectors.reschedule_window(appointment, now=moment)
    day = choice.start.astimezone(location_timezone(appointment.location)).date()
    if window is None or not window[0] <= day <= window[1]:
        raise CancelRefusedError(_("That date is no longer offered; choose another one."))
    try:
        return reschedule_appointment(
            appointment,
            start=choice.start,
            actor=None,
            practitioner=choice.practitioner,
            room=choice.room,
            device=choice.device,
        )
    except BookingError:
        raise CancelRefusedError(_("That time was just taken; choose another one.")) from None


def report_problem(patient: Patient, *, description: str, started_on: date) -> ProblemReport:
    """A problem after treatment, reported by the patient: a draft for staff linked to their last three
    sessions before it started. Refused by field: no words, a start in the future."""
    text = (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not text:
        errors["description"] = [_("Tell us what happened.")]
    elif len(text) > PROBLEM_MAX:
        errors["description"] = [_("Please keep it under %(n)d characters.") % {"n": PROBLEM_MAX}]
    if started_on > patient.clinic.today():
        errors["started_on"] = [_("The day it started cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    last = selectors.sessions_before(patient, started_on)
    report = ProblemReport.objects.create(
        clinic=patient.clinic, patient=patient, description=text, started_on=started_on, appointments=last
    )
    record_event(
        "portal.problem_report", report, actor=None, clinic=patient.clinic, data={"appointments": last}
    )
    return report


PROBLEM_MAX = 2000


# --- Forgetting what was never verified ---------------------------------------------------------------------

UNVERIFIED_KEPT_HOURS = 24


def purge_unverified(now: datetime | None = None) -> int:
    """Delete online bookings that never became a patient's (no chart behind them) and sign-in rows, a day
    after they were made: a visitor's name, birth date, e-mail and answers are not kept for nothing.

    Confirmed bookings stay (they belong to the chart and leave with it on erasure). Returns the rows deleted.
    """
    cutoff = (now or timezone.now()) - timedelta(hours=UNVERIFIED_KEPT_HOURS)
    with transaction.atomic():
        bookings, _by_model = OnlineBooking.objects.filter(
            patient__isnull=True, created_at__lt=cutoff
        ).delete()
        sign_ins, _by_model = PortalSignIn.objects.filter(created_at__lt=cutoff).delete()
        if bookings or sign_ins:
            record_event(
                "portal.purge_unverified", None, actor=None, data={"bookings": bookings, "sign_ins": sign_ins}
            )
    return bookings + sign_ins


@task()
def purge_unverified_task() -> int:
    """The periodic task (the worker schedules it hourly)."""
    return purge_unverified()


@task()
def release_expired_holds_task() -> int:
    """The worker's sweep (every minute): held dates whose ten minutes ran out are free again."""
    return release_expired_holds()
