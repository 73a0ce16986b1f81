"""Writes about session records.

Opening a draft from the appointment, editing the draft (an unusable lot is refused as it is added), the
day-of screening, signing (which takes the stock and completes the appointment, all or nothing: the only
way a visit with a record here is completed) and amending a signed record.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.catalog.data_file import zone_names
from mesoclinic.clinical_codes.dates import local_day
from mesoclinic.inventory.models import Lot
from mesoclinic.inventory.services import LotUnusableError, check_usable, record_movement, use_lot
from mesoclinic.patients.models import Consent
from mesoclinic.patients.selectors import has_valid_consent
from mesoclinic.safety.models import ScreeningRecord
from mesoclinic.safety.rules import ProtocolSpec
from mesoclinic.safety.selectors import patient_history
from mesoclinic.safety.services import screen_patient
from mesoclinic.scheduling.engine.lifecycle import Action
from mesoclinic.scheduling.lifecycle import complete_by_signed_record, facts_for, refusal
from mesoclinic.scheduling.models import Appointment
from mesoclinic.scheduling.services import complete_course_if_done
from mesoclinic.treatments.dayof import DayOfAnswerError, clean_answers, day_of_history, unanswered
from mesoclinic.treatments.models import (
    SessionAmendment,
    SessionProduct,
    SessionRecord,
    SessionZone,
)
from mesoclinic.treatments.parameters import clean_parameters, parameter_problems, typing_problems
from mesoclinic.treatments.selectors import modality_for
from mesoclinic.treatments.signals import session_signed

# --- Session records --------------------------------------------------------------------------------------


class SessionSignError(ValidationError):
    """Signing was refused; ``reasons`` says why in plain words (nothing was written)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__({"sign": reasons})
        self.reasons = reasons


DRAFT_FIELDS = (
    "duration_minutes",
    "aftercare",
    "notes",
    "parameters",
    "device",
    "cocktail",
    "products",
    "zones",
)
AMENDABLE_FIELDS = ("duration_minutes", "aftercare", "notes", "parameters", "device")
MAX_DURATION_MINUTES = 480
DEFAULT_AFTERCARE = (
    "Do not touch the treated area for 6 hours; no make-up for 12 hours. No sauna, swimming pool, sport or "
    "sunbathing for 48 hours; use sunscreen SPF 50. Small bruises and bumps fade in a few days. Call the "
    "clinic at once about fever, growing redness or pain, warmth, pus, or lumps appearing weeks later."
)


TEXT_MAX = 5000  # notes and aftercare: a page of text; longer is a paste gone wrong


def _may_override(actor: Actor) -> bool:
    staff = getattr(actor, "staff", None)
    return staff is not None and role_has(staff.role, Capability.OVERRIDE_SCREENING)


def _refuse_if_signed(record: SessionRecord) -> None:
    if record.is_signed:
        raise ValidationError(
            {"__all__": ["This session record is signed and locked; amend it instead (with a reason)."]}
        )


def clean_quantity(value: Any, field: str) -> Decimal:
    try:
        quantity = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("Enter the quantity as a number, e.g. 1 or 0.5.")]}) from None
    if not quantity.is_finite() or quantity <= 0:
        raise ValidationError({field: [_("The quantity must be more than zero.")]})
    if quantity != quantity.quantize(Decimal("0.001")) or quantity >= Decimal("10000000"):
        raise ValidationError({field: [_("Give the quantity with at most three decimals.")]})
    return quantity


def _clean_products(record: SessionRecord, lines: Iterable[tuple[Lot, Any]]) -> list[tuple[Lot, Decimal]]:
    cleaned = []
    for lot, quantity in lines:
        if lot.clinic_id != record.clinic_id:
            raise ValidationError({"products": [_("That lot is not one of this clinic's lots.")]})
        cleaned.append((lot, clean_quantity(quantity, "products")))
    return cleaned


def lot_refusal(record: SessionRecord, lot: Lot, quantity: Decimal) -> str:
    """Why ``lot`` may not go into this session (empty: it may), in a practitioner's words, naming the lot.

    A recalled lot, a preparation made from a recalled lot, a lot expired on the session's day (in the
    clinic's time zone), an empty one or one without ``quantity`` left. Asked when a lot is scanned or
    typed and whenever the draft is saved, so it is refused before the injection; signing asks again.
    """
    try:
        check_usable(lot, quantity, local_day(record.performed_at, record.clinic.timezone))
    except LotUnusableError as exc:
        return f"{exc} It cannot be used: take another lot."
    return ""


def _refuse_unusable_lots(record: SessionRecord, lines: list[tuple[Lot, Decimal]]) -> None:
    wanted: dict[int, Decimal] = {}
    lots: dict[int, Lot] = {}
    for lot, quantity in lines:
        wanted[lot.pk] = wanted.get(lot.pk, Decimal(0)) + quantity
        lots[lot.pk] = lot
    problems = [lot_refusal(record, lots[pk], quantity) for pk, quantity in wanted.items()]
    if any(problems):
        raise ValidationError({"products": [p for p in problems if p]})


def _clean_zones(lines: Iterable[tuple[str, Any]]) -> list[tuple[str, Decimal | None]]:
    names = zone_names()
    cleaned: list[tuple[str, Decimal | None]] = []
    seen: set[str] = set()
    for code, volume in lines:
        if code not in names:
            raise ValidationError(
                {"zones": [_("“%(zone)s” is not a zone of the face/body map.") % {"zone": code}]}
            )
        if code in seen:
            raise ValidationError({"zones": [_("%(zone)s is listed twice.") % {"zone": names[code]}]})
        seen.add(code)
        blank = volume is None or str(volume).strip() == ""
        cleaned.append((code, None if blank else clean_quantity(volume, "zones")))
    return cleaned


def _clean_duration(value: Any) -> int | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        minutes = int(str(value).strip())
    except ValueError:
        raise ValidationError(
            {"duration_minutes": ["Enter the duration in whole minutes, e.g. 30."]}
        ) from None
    if not 1 <= minutes <= MAX_DURATION_MINUTES:
        raise ValidationError(
            {
                "duration_minutes": [
                    _("The duration must be 1–%(max)s minutes.") % {"max": MAX_DURATION_MINUTES}
                ]
            }
        )
    return minutes


def _modality_parameters(record: SessionRecord) -> list[dict[str, Any]]:
    modality = modality_for(record)
    return list(modality.parameters) if modality else []


@transaction.atomic
def open_session(appointment: Appointment, *, actor: Actor) -> SessionRecord:
    """The draft record of an appointment's session, filled from the booking (the existing one if opened)."""
    existing = SessionRecord.objects.filter(appointment=appointment).first()
    if existing is not None:
        return existing
    protocol = appointment.protocol
    record = SessionRecord.objects.create(
        clinic_id=appointment.clinic_id,
        patient=appointment.booked_patient,
        course_id=appointment.course_id,
        appointment=appointment,
        protocol=protocol,
        practitioner_id=appointment.practitioner_id,
        modality=protocol.modality.code,
        cocktail_id=protocol.cocktail_id,
        device_id=appointment.device_id,
        performed_at=appointment.starts_at,
        duration_minutes=protocol.session_minutes,
        aftercare=DEFAULT_AFTERCARE,
        created_by=acting_user(actor),
    )
    if protocol.areas:
        known = zone_names()
        SessionZone.objects.bulk_create(
            [SessionZone(record=record, zone=code) for code in protocol.areas if code in known]
        )
    record_event("session.open", record, actor=actor, data={"appointment": appointment.pk})
    return record


def _typed_parameters(record: SessionRecord, raw: dict[str, Any]) -> dict[str, Any]:
    """The draft's device parameters as typed, refused (``ValidationError``) when one is not a number in range."""
    definitions = _modality_parameters(record)
    problems = typing_problems(definitions, raw, _)
    if problems:
        raise ValidationError({"parameters": [p.message for p in problems]})
    cleaned, _problems = clean_parameters(definitions, raw)
    return cleaned


@transaction.atomic
def update_session_draft(record: SessionRecord, *, actor: Actor, **fields: Any) -> SessionRecord:
    """Change a draft: scalar fields, device parameters, and (replacing them) product lines and zones.

    ``products`` is a list of ``(lot, quantity)``, ``zones`` a list of ``(zone code, volume ml or None)``.
    A lot that may not be used (recalled, made from a recalled lot, expired, empty: ``lot_refusal``) is
    refused here, naming it, and nothing is saved. Parameters must be numbers in range (or one of their
    choices) as soon as they are typed: a wrong one raises ``ValidationError`` under ``parameters`` and
    nothing is saved (the form keeps what was typed); a missing required one is asked for only at signing.
    """
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise TypeError(f"not a draft field: {', '.join(sorted(unknown))}")
    record = SessionRecord.objects.select_for_update().get(pk=record.pk)
    _refuse_if_signed(record)
    changed: list[str] = []
    if "duration_minutes" in fields:
        record.duration_minutes = _clean_duration(fields["duration_minutes"])
        changed.append("duration_minutes")
    for name in ("aftercare", "notes"):
        if name in fields:
            text = str(fields[name] or "").strip()
            if len(text) > TEXT_MAX:
                raise ValidationError({name: [_("Keep this under %(max)s characters.") % {"max": TEXT_MAX}]})
            setattr(record, name, text)
            changed.append(name)
    if "parameters" in fields:
        record.parameters = _typed_parameters(record, fields["parameters"] or {})
        changed.append("parameters")
    for name in ("device", "cocktail"):
        if name in fields:
            value = fields[name]
            clinic_id = getattr(value, "clinic_id", None) or getattr(
                getattr(value, "location", None), "clinic_id", None
            )
            if value is not None and clinic_id != record.clinic_id:
                message = (
                    _("That device is not one of this clinic's.")
                    if name == "device"
                    else _("That cocktail is not one of this clinic's.")
                )
                raise ValidationError({name: [message]})
            setattr(record, name, value)
            changed.append(name)
    products = _clean_products(record, fields["products"]) if "products" in fields else None
    if products is not None:
        _refuse_unusable_lots(record, products)
    zones = _clean_zones(fields["zones"]) if "zones" in fields else None
    record.save()
    if products is not None:
        record.products.all().delete()
        SessionProduct.objects.bulk_create(
            [SessionProduct(record=record, lot=lot, quantity=q, unit=lot.unit) for lot, q in products]
        )
        changed.append("products")
    if zones is not None:
        record.zones.all().delete()
        SessionZone.objects.bulk_create([SessionZone(record=record, zone=c, volume_ml=v) for c, v in zones])
        changed.append("zones")
    record_event("session.update_draft", record, actor=actor, data={"fields": changed})
    return record


@transaction.atomic
def record_day_of_screening(
    record: SessionRecord, answers: Mapping[str, Any], *, actor: Actor
) -> ScreeningRecord:
    """Ask the day-of questions again and re-run screening on the history plus the day's answers.

    The stored medical history is not changed: the answers count for this session's screening only.
    A yes/no question may be left unanswered here (the answers so far are screened and kept), but the
    record cannot be signed until every one has a yes or a no. Raises ``ValidationError`` for an answer
    that is neither, or a key that names no question.
    """
    record = (
        SessionRecord.objects.select_for_update(of=("self",))
        .select_related("patient__medical_history")
        .get(pk=record.pk)
    )
    _refuse_if_signed(record)
    try:
        cleaned = clean_answers(answers)
    except DayOfAnswerError as exc:
        raise ValidationError({"answers": str(exc)}) from None
    history = day_of_history(patient_history(record.patient), cleaned)
    on = local_day(record.performed_at, record.clinic.timezone)
    if record.protocol is not None:
        _result, screening = screen_patient(
            record.patient, protocol=record.protocol, on=on, actor=actor, history=history
        )
    else:
        ingredients = (
            tuple(record.cocktail.ingredients.values_list("code", flat=True)) if record.cocktail else ()
        )
        spec = ProtocolSpec(modality=record.modality, ingredients=ingredients)
        _result, screening = screen_patient(record.patient, spec=spec, on=on, actor=actor, history=history)
    record.day_of_answers = cleaned
    record.screening = screening
    record.save(update_fields=["day_of_answers", "screening"])
    record_event(
        "session.day_of_screening",
        record,
        actor=actor,
        data={"screening": screening.pk, "decision": screening.decision},
    )
    return screening


def _active_products(record: SessionRecord) -> list[SessionProduct]:
    return list(
        record.products.filter(voided_by__isnull=True).select_related("lot__product", "lot__cocktail")
    )


def sign_problems(record: SessionRecord, *, actor: Actor, override_reason: str = "") -> list[str]:
    """Everything that stops ``record`` from being signed by ``actor`` now, in plain words (empty: it may)."""
    reasons: list[str] = []
    if record.appointment is not None:
        refused = refusal(
            record.appointment, Action.SIGN_RECORD, facts_for(record.appointment, record_signed=True)
        )
        if refused:
            reasons.append(refused)
    override = override_reason.strip()
    may_override = bool(override) and _may_override(actor)
    screening = record.screening
    if screening is None:
        reasons.append(_("Ask the day-of screening questions first."))
    elif missing := unanswered(record.day_of_answers or {}):
        reasons.append(
            _("Answer every day-of question yes or no (no is an answer too); not answered: %(questions)s")
            % {"questions": "; ".join(_(q.label) for q in missing)}
        )
    if screening is not None and screening.history_needed:
        reasons.append(
            "History needed: the patient's medical history has not been taken, so screening cannot say "
            "this treatment is safe. Take the history on the chart, then run the day-of screening again "
            "(no override replaces it)."
        )
    elif screening is not None and screening.decision == "block" and not may_override:
        why = "; ".join(f["message"] for f in screening.findings if f.get("severity") == "block")
        reasons.append(
            _("Screening blocks this session: %(why)s Only a physician may override, with a reason.")
            % {"why": why}
        )
    if not has_valid_consent(record.patient, record.modality) and not may_override:
        reasons.append(
            _(
                "The patient has no valid consent for this treatment. Record the consent first "
                "(or a physician may override, with a reason)."
            )
        )
    lines = _active_products(record)
    modality = modality_for(record)
    if modality is not None and modality.invasive and not lines:
        reasons.append(_("Add the lot of every product injected: no product is recorded."))
    if record.cocktail_id is not None:
        cocktail = record.cocktail
        assert cocktail is not None  # noqa: S101 — narrowed by the id
        used = {line.lot.product_id for line in lines if line.lot.product_id}
        prepared = any(line.lot.cocktail_id == cocktail.pk for line in lines)
        unlotted = [p.name for p in cocktail.products.order_by("name") if p.pk not in used]
        if unlotted and not prepared:
            reasons.append(
                _("Add a lot for each product of %(cocktail)s; missing: %(missing)s.")
                % {"cocktail": cocktail.name, "missing": ", ".join(unlotted)}
            )
    on = local_day(record.performed_at, record.clinic.timezone)
    for line in lines:
        try:
            check_usable(line.lot, line.quantity, on)
        except LotUnusableError as exc:
            reasons.append(_("%(reason)s It cannot be used.") % {"reason": exc})
    reasons += [
        p.message for p in parameter_problems(modality.parameters if modality else [], record.parameters, _)
    ]
    return reasons


@transaction.atomic
def sign_session(record: SessionRecord, *, actor: Actor, override_reason: str = "") -> SessionRecord:
    """Lock the record: check screening, consent, lots and parameters, deduct stock, complete the visit.

    All or nothing: if any check fails (or a lot turns out unusable while stock is taken) nothing is
    written and ``SessionSignError`` lists every reason. A physician's override of a blocking screening or
    a missing consent is kept on the record and in the audit log.
    """
    record = SessionRecord.objects.select_for_update().get(pk=record.pk)
    _refuse_if_signed(record)
    reasons = sign_problems(record, actor=actor, override_reason=override_reason)
    if reasons:
        raise SessionSignError(reasons)
    overridden = record.screening is not None and record.screening.decision == "block"
    consent = _valid_consent(record)
    overridden = overridden or consent is None
    try:
        for line in _active_products(record):
            line.movement = use_lot(line.lot, line.quantity, at=record.performed_at, actor=actor)
            line.save(update_fields=["movement"])
    except LotUnusableError as exc:
        raise SessionSignError([_("%(reason)s It cannot be used.") % {"reason": exc}]) from None
    record.consent = consent
    if overridden:
        record.override_reason = override_reason.strip()
        record.override_by = acting_user(actor)
    record.status = SessionRecord.Status.SIGNED
    record.signed_at = timezone.now()
    record.signed_by = acting_user(actor)
    if record.signed_by is None:
        raise SessionSignError([_("Only a signed-in member of staff can sign a session record.")])
    record.save()
    if overridden:
        record_event(
            "session.override",
            record,
            actor=actor,
            data={"reason": record.override_reason, "screening": record.screening_id},
        )
    record_event("session.sign", record, actor=actor, data={"products": len(_active_products(record))})
    appointment = record.appointment
    if appointment is not None:
        complete_by_signed_record(appointment, actor=actor)
        if appointment.course is not None:
            complete_course_if_done(appointment.course, actor=actor)
    session_signed.send(sender=SessionRecord, record=record, actor=actor)
    return record


def _valid_consent(record: SessionRecord) -> Consent | None:
    return (
        Consent.objects.filter(
            patient=record.patient, template__modality__code=record.modality, withdrawn_at__isnull=True
        )
        .order_by("-pk")
        .first()
    )


def _value(value: Any) -> Any:
    """A field's value as it is kept in an amendment (JSON: models by id and name)."""
    if isinstance(value, Model):
        return {"id": value.pk, "name": str(value)}
    if isinstance(value, Decimal):
        return str(value)
    return value


def _scalar_changes(record: SessionRecord, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The amended scalar fields' new values, cleaned like a draft's (parameters must be valid)."""
    new_values: dict[str, Any] = {}
    if "duration_minutes" in changes:
        new_values["duration_minutes"] = _clean_duration(changes["duration_minutes"])
    for name in ("aftercare", "notes"):
        if name in changes:
            new_values[name] = str(changes[name] or "").strip()
    if "device" in changes:
        new_values["device"] = changes["device"]
    if "parameters" in changes:
        cleaned, problems = clean_parameters(_modality_parameters(record), changes["parameters"] or {}, _)
        if problems:
            raise ValidationError({"parameters": [p.message for p in problems]})
        new_values["parameters"] = cleaned
    return {name: new for name, new in new_values.items() if getattr(record, name) != new}


def _line_text(lot: Lot, quantity: Decimal, unit: str) -> str:
    return f"lot {lot.lot_number}: {quantity} {unit}"


def _zone_text(code: str, volume: Decimal | None) -> str:
    return f"{zone_names().get(code, code)}: {volume if volume is not None else '—'} ml"


@transaction.atomic(durable=True)
def amend_session(record: SessionRecord, *, reason: str, actor: Actor, **changes: Any) -> SessionAmendment:
    """Change a signed record the only way it may change: an amendment saying who, when, what and why.

    Scalar fields keep ``[old, new]``. ``add_products`` ``[(lot, quantity)]`` takes stock like signing;
    ``void_products`` ``[line]`` voids lines and returns their stock with an adjustment; ``add_zones``
    ``[(code, volume)]`` and ``void_zones`` ``[zone]`` likewise for the map.
    """
    allowed = {*AMENDABLE_FIELDS, "add_products", "void_products", "add_zones", "void_zones"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"not amendable: {', '.join(sorted(unknown))}")
    record = SessionRecord.objects.select_for_update().get(pk=record.pk)
    if not record.is_signed:
        raise ValidationError(
            {"__all__": [_("A draft is edited directly; only a signed record is amended.")]}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the signed record is being amended.")]})
    scalars = _scalar_changes(record, changes)
    diff: dict[str, list[Any]] = {
        name: [_value(getattr(record, name)), _value(new)] for name, new in scalars.items()
    }
    add_products = _clean_products(record, changes.get("add_products") or [])
    void_products = [line for line in changes.get("void_products") or [] if line.voided_by_id is None]
    add_zones = _clean_zones(changes.get("add_zones") or [])
    void_zones = [zone for zone in changes.get("void_zones") or [] if zone.voided_by_id is None]
    if any(item.record_id != record.pk for item in (*void_products, *void_zones)):
        raise ValidationError({"__all__": [_("That line belongs to another session record.")]})
    if add_products:
        diff["products_added"] = [None, [_line_text(lot, q, lot.unit) for lot, q in add_products]]
    if void_products:
        diff["products_voided"] = [[_line_text(x.lot, x.quantity, x.unit) for x in void_products], None]
    if add_zones:
        diff["zones_added"] = [None, [_zone_text(c, v) for c, v in add_zones]]
    if void_zones:
        diff["zones_voided"] = [[_zone_text(z.zone, z.volume_ml) for z in void_zones], None]
    if not diff:
        raise ValidationError({"__all__": [_("Nothing would change, so no amendment was recorded.")]})
    for name, new in scalars.items():
        setattr(record, name, new)
    record.amendment_count += 1
    amendment = SessionAmendment.objects.create(
        record=record,
        number=record.amendment_count,
        at=timezone.now(),
        actor=acting_user(actor),
        reason=reason,
        changes=diff,
    )
    record._change_reason = reason  # type: ignore[attr-defined]  # simple-history reads it for the new version
    record.save()
    _apply_line_changes(
        record,
        amendment,
        add_products=add_products,
        void_products=void_products,
        add_zones=add_zones,
        void_zones=void_zones,
        actor=actor,
    )
    record_event(
        "session.amend",
        record,
        actor=actor,
        data={"number": amendment.number, "reason": reason, "fields": sorted(diff)},
    )
    return amendment


def _apply_line_changes(
    record: SessionRecord,
    amendment: SessionAmendment,
    *,
    add_products: list[tuple[Lot, Decimal]],
    void_products: list[SessionProduct],
    add_zones: list[tuple[str, Decimal | None]],
    void_zones: list[SessionZone],
    actor: Actor,
) -> None:
    """Add and void an amendment's lines: added lots take stock, voided ones give it back (ledger rows)."""
    try:
        for lot, quantity in add_products:
            movement = use_lot(lot, quantity, at=record.performed_at, actor=actor)
            SessionProduct.objects.create(
                record=record,
                lot=lot,
                quantity=quantity,
                unit=lot.unit,
                movement=movement,
                added_by=amendment,
            )
    except LotUnusableError as exc:
        raise ValidationError({"add_products": [str(exc)]}) from None
    for line in void_products:
        if line.movement_id is not None:
            record_movement(
                line.lot,
                "adjustment",
                line.quantity,
                reason=f"Voided by amendment {amendment.number} of session {record.pk}",
                actor=actor,
            )
        line.voided_by = amendment
        line.save(update_fields=["voided_by"])
    SessionZone.objects.bulk_create(
        [SessionZone(record=record, zone=c, volume_ml=v, added_by=amendment) for c, v in add_zones]
    )
    for zone in void_zones:
        zone.voided_by = amendment
        zone.save(update_fields=["voided_by"])
