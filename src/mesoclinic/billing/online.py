"""Online card payments through Stripe: every write, each audited (actor first), beside billing's services.

A ``PaymentIntent`` is created for a booking's deposit, a document's balance or a fee (an ``OnlinePayment``
row keyed by the intent's id). When Stripe says it succeeded (the payment page's confirmation or the
``payment_intent.succeeded`` webhook, whichever comes first) it becomes exactly one ``Deposit`` or
``Payment`` with method ``online_card``: the row is locked and completed once. Online money is taken at no
till, so it has no location and no cash-up counts or locks it. Refunds of online card payments go back to
the card through Stripe (``refund_through_stripe``, called by ``services.refund_payment``).

A card is saved for the no-show fee only after the patient agreed to the words shown (``SavedCard``,
through a SetupIntent): MesoClinic keeps Stripe's ids and the brand and last four digits, never the number.

Calls to Stripe are made outside any database transaction of ours except the refund (which must not be
recorded unless Stripe gave the money back); idempotency keys make a repeated call harmless.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.billing import selectors, stripe_gateway
from mesoclinic.billing.deposits import record_deposit, record_deposit_refund
from mesoclinic.billing.engine import policy as policy_engine
from mesoclinic.billing.models import (
    CancellationCharge,
    ChargeStatus,
    CreditEntry,
    Deposit,
    DepositRefund,
    DepositStatus,
    DocumentKind,
    DocumentStatus,
    Invoice,
    OnlinePayment,
    OnlinePaymentKind,
    OnlinePaymentStatus,
    OnlineRefund,
    Payment,
    PaymentMethod,
    SavedCard,
    SavedCardStatus,
    StripeEvent,
)
from mesoclinic.clinical_codes.words import N_, Worded
from mesoclinic.money_text import format_money
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import Appointment, AppointmentStatus

gateway = stripe_gateway

CONSENT_TEXT = (
    "I agree that {clinic} saves my card with its payment provider, Stripe, and charges it only for a fee"
    " of its cancellation policy (a no-show or a late cancel), up to the amount the policy states."
)


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def offered() -> bool:
    """Whether online card payment is offered at all (Stripe configured)."""
    return gateway.is_configured()


def _require_stripe() -> None:
    if not offered():
        raise _fail("method", _("Online card payment is not offered: Stripe is not configured."))


def _reference() -> str:
    return secrets.token_urlsafe(24)


def _intent(
    *,
    kind: str,
    patient: Patient,
    amount: Decimal,
    currency: str,
    actor: Actor,
    invoice: Invoice | None = None,
    appointment: Appointment | None = None,
    charge: CancellationCharge | None = None,
    customer: str = "",
    payment_method: str = "",
) -> tuple[OnlinePayment, gateway.IntentState]:
    reference = _reference()
    metadata = {"clinic": str(patient.clinic_id), "kind": kind, "reference": reference}
    if invoice is not None:
        metadata["invoice"] = str(invoice.pk)
    if appointment is not None:
        metadata["appointment"] = str(appointment.pk)
    try:
        state, _secret = gateway.create_payment_intent(
            amount=amount,
            currency=currency,
            metadata=metadata,
            idempotency_key=f"mesoclinic-intent-{reference}",
            customer=customer,
            payment_method=payment_method,
            off_session=bool(payment_method),
        )
    except gateway.GatewayError as exc:
        raise _fail("card" if payment_method else "method", str(exc)) from exc
    online = OnlinePayment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        kind=kind,
        reference=reference,
        invoice=invoice,
        appointment=appointment,
        charge=charge,
        amount=amount,
        currency=currency,
        intent_id=state.id,
        created_at=timezone.now(),
        created_by=acting_user(actor),
    )
    record_event(
        "billing.online.intent",
        online,
        actor=actor,
        clinic=patient.clinic,
        data={"patient": patient.pk, "kind": kind, "amount": str(amount), "intent": state.id},
    )
    return online, state


def start_deposit(appointment: Appointment, *, actor: Actor, amount: Any = None) -> OnlinePayment:
    """A PaymentIntent for the booking's deposit (the policy's amount unless another is given); the one
    still waiting for its card when there is one already."""
    _require_stripe()
    if selectors.held_deposit(appointment) is not None:
        raise _fail("appointment", _("A deposit for this booking is held already."))
    value = selectors.deposit_due(appointment) if amount in (None, "") else _amount(amount)
    if value <= 0:
        raise _fail("amount", _("A deposit is more than zero (the policy asks for none: give the amount)."))
    waiting = OnlinePayment.objects.filter(
        appointment=appointment,
        kind=OnlinePaymentKind.DEPOSIT,
        status=OnlinePaymentStatus.PENDING,
        amount=value,
    ).first()
    if waiting is not None:
        return waiting
    currency = selectors.settings_for(appointment.clinic).currency
    return _intent(
        kind=OnlinePaymentKind.DEPOSIT,
        patient=appointment.booked_patient,
        amount=value,
        currency=currency,
        actor=actor,
        appointment=appointment,
    )[0]


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except ArithmeticError:
        raise _fail("amount", _("Give the amount as a number, e.g. 120.00.")) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise _fail("amount", _("Give the amount as a number with at most two decimals."))
    return amount.quantize(Decimal("0.01"))


def start_balance(invoice: Invoice, *, actor: Actor, amount: Any = None) -> OnlinePayment:
    """A PaymentIntent for (part of) an issued document's balance."""
    _require_stripe()
    if invoice.kind == DocumentKind.CREDIT_NOTE:
        raise _fail("invoice", _("A credit note is not paid: money goes back by refunding the payment."))
    if invoice.status != DocumentStatus.ISSUED:
        raise _fail("invoice", _("Only an issued document is paid online; a draft is paid at the till."))
    balance = invoice.balance
    if balance <= 0:
        raise _fail("amount", _("Nothing is owed on this document."))
    value = balance if amount in (None, "") else _amount(amount)
    if value <= 0:
        raise _fail("amount", _("A payment is more than zero."))
    if value > balance:
        raise _fail(
            "amount",
            _("The balance is %(balance)s: the payment cannot be more.")
            % {"balance": format_money(balance, "")},
        )
    waiting = OnlinePayment.objects.filter(
        invoice=invoice, kind=OnlinePaymentKind.BALANCE, status=OnlinePaymentStatus.PENDING, amount=value
    ).first()
    if waiting is not None:
        return waiting
    return _intent(
        kind=OnlinePaymentKind.BALANCE,
        patient=invoice.patient,
        amount=value,
        currency=invoice.currency,
        actor=actor,
        invoice=invoice,
    )[0]


def cancel_pending(online: OnlinePayment, *, actor: Actor) -> OnlinePayment:
    """Cancel a payment link nobody has paid: the intent is cancelled at Stripe first, so the link takes no
    card. One paid meanwhile is recorded as paid (as the webhook would record it) and the cancel refused."""
    waiting = (OnlinePaymentStatus.PENDING, OnlinePaymentStatus.FAILED)
    if online.status not in waiting:
        raise _fail("payment", _("Only a payment link waiting for the card can be cancelled."))
    _require_stripe()
    try:
        gateway.cancel_intent(online.intent_id)
    except gateway.GatewayError as exc:
        state = gateway.payment_intent(online.intent_id)
        if state.status == "succeeded":
            settle(state, actor=actor)
            raise _fail("payment", _("The patient has just paid: the payment is recorded.")) from exc
        raise _fail("payment", _("Stripe did not cancel it: %(error)s") % {"error": exc}) from exc
    with transaction.atomic():
        cancelled = OnlinePayment.objects.filter(pk=online.pk, status__in=waiting).update(
            status=OnlinePaymentStatus.CANCELLED, completed_at=timezone.now()
        )
        if not cancelled:
            raise _fail("payment", _("Only a payment link waiting for the card can be cancelled."))
        record_event(
            "billing.online.cancel",
            online,
            actor=actor,
            clinic=online.clinic,
            data={"reference": online.reference, "amount": str(online.amount), "kind": online.kind},
        )
    online.refresh_from_db()
    return online


def pay_with_token(online: OnlinePayment, token: str, *, actor: Actor) -> OnlinePayment:
    """The patient's card (tokenised by Stripe.js in their browser) pays the intent; a decline is a
    ValidationError on ``card`` with Stripe's words, and the patient may try another card."""
    if online.status == OnlinePaymentStatus.SUCCEEDED:
        return online
    if online.status == OnlinePaymentStatus.CANCELLED:
        raise _fail("card", _("This payment link was cancelled by the clinic."))
    if not token or not token.startswith("tok_"):
        raise _fail("card", _("The card was not read: please type it again."))
    try:
        online = _confirmable(online)
        state = gateway.pay_with_token(online.intent_id, token)
    except gateway.GatewayError as exc:
        OnlinePayment.objects.filter(pk=online.pk).update(error=str(exc)[:500])
        raise _fail("card", str(exc)) from exc
    return settle(state, actor=actor) or online


def _confirmable(online: OnlinePayment) -> OnlinePayment:
    """After a declined card, an intent that still holds that card (localstripe keeps it; Stripe clears it)
    is replaced by a fresh one for the same money, so the patient can try another card."""
    current = gateway.payment_intent(online.intent_id)
    if current.status != "requires_payment_method" or not current.payment_method:
        return online
    metadata = {**current.metadata, "replaces": current.id}
    state, _secret = gateway.create_payment_intent(
        amount=online.amount,
        currency=online.currency,
        metadata=metadata,
        idempotency_key=f"mesoclinic-intent-{online.reference}-after-{current.id}",
    )
    OnlinePayment.objects.filter(pk=online.pk, status=OnlinePaymentStatus.PENDING).update(intent_id=state.id)
    online.refresh_from_db()
    return online


@transaction.atomic
def settle(state: gateway.IntentState, *, actor: Actor) -> OnlinePayment | None:
    """Record what Stripe says of an intent, once: a succeeded one becomes its Deposit or Payment (the
    second report finds the row completed and changes nothing); a failed one keeps Stripe's reason."""
    online = OnlinePayment.objects.select_for_update().filter(intent_id=state.id).first()
    if online is None or online.status == OnlinePaymentStatus.SUCCEEDED:
        return online
    if state.status != "succeeded":
        if state.error:
            OnlinePayment.objects.filter(pk=online.pk).update(error=state.error[:500])
        return online
    paid = (
        gateway.from_minor(state.amount, state.currency or online.currency)
        if state.amount is not None
        else online.amount
    )
    now = timezone.now()
    online.status, online.completed_at, online.error = OnlinePaymentStatus.SUCCEEDED, now, ""
    if online.kind == OnlinePaymentKind.DEPOSIT and online.appointment is not None:
        online.deposit = record_deposit(
            online.appointment,
            method=PaymentMethod.ONLINE_CARD,
            amount=paid,
            location=None,  # online money is taken at no till
            actor=actor,
            patient=online.patient,
            intent=online.intent_id,
        )
    else:
        online.payment = _record_payment(online, paid, actor)
    online.save(update_fields=["status", "completed_at", "error", "deposit", "payment"])
    return online


def _record_payment(online: OnlinePayment, amount: Decimal, actor: Actor) -> Payment:
    """Money Stripe took is recorded whatever happened meanwhile: what the balance no longer needs (paid
    at the till in the meantime) goes to the patient's credit."""
    invoice_id = online.invoice_id or (online.charge.invoice_id if online.charge else None)
    if invoice_id is None:  # every balance and fee intent names its document
        raise _fail("invoice", _("This online payment names no document."))
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    payment = Payment.objects.create(
        invoice=invoice,
        method=PaymentMethod.ONLINE_CARD,
        amount=amount,
        location=None,
        reason=f"Stripe {online.intent_id}",
        received_at=timezone.now(),
        received_by=acting_user(actor),
    )
    excess = amount - max(invoice.balance, Decimal("0.00"))
    if excess > 0:
        CreditEntry.objects.create(
            clinic=invoice.clinic,
            patient=invoice.patient,
            amount=excess,
            method=PaymentMethod.ONLINE_CARD,
            payment=payment,
            at=timezone.now(),
            by=acting_user(actor),
        )
    applied = amount - max(excess, Decimal("0.00"))
    Invoice.objects.filter(pk=invoice.pk).update(paid=F("paid") + applied)
    record_event(
        "billing.payment.record",
        invoice,
        actor=actor,
        data={
            "payment": payment.pk,
            "method": PaymentMethod.ONLINE_CARD,
            "amount": str(amount),
            "intent": online.intent_id,
            **({"to_credit": str(excess)} if excess > 0 else {}),
        },
    )
    return payment


def online_payment_behind(payment: Payment) -> OnlinePayment | None:
    """The Stripe payment a payment row came from: an online card payment, or a deposit paid online and
    applied to the document."""
    if payment.method == PaymentMethod.ONLINE_CARD:
        return OnlinePayment.objects.filter(payment=payment).first()
    if payment.method == PaymentMethod.DEPOSIT:
        return OnlinePayment.objects.filter(deposit__applied_to=payment).first()
    return None


def refund_through_stripe(payment: Payment, amount: Decimal, reason: str) -> tuple[OnlinePayment, str] | None:
    """Give ``amount`` of an online payment back to the card at Stripe; None for money taken otherwise.
    Called inside the refund's transaction: when Stripe refuses, nothing is recorded."""
    online = online_payment_behind(payment)
    if online is None:
        return None
    if not settings.STRIPE_SECRET_KEY:
        raise _fail("payment", _("This was paid by card online: Stripe must be configured to give it back."))
    done = OnlineRefund.objects.filter(online=online).count()
    try:
        refund_id = gateway.refund(
            intent_id=online.intent_id,
            amount=amount,
            currency=online.currency,
            metadata={"payment": str(payment.pk), "reason": reason[:450]},
            idempotency_key=f"mesoclinic-refund-{online.pk}-{done + 1}-{amount}",
        )
    except gateway.GatewayError as exc:
        raise _fail("amount", _("Stripe did not give the money back: %(reason)s") % {"reason": exc}) from exc
    return online, refund_id


def note_refund(refund: Payment, online: OnlinePayment, refund_id: str) -> OnlineRefund:
    return OnlineRefund.objects.create(
        refund=refund, online=online, stripe_refund_id=refund_id, amount=-refund.amount, at=timezone.now()
    )


# ---------------------------------------------------------------------------------------------------------
# A card saved for the no-show fee, with the patient's consent


@transaction.atomic
def request_saved_card(patient: Patient, *, actor: Actor) -> SavedCard:
    """A link for the patient to save a card (nothing is saved until they agree and type it)."""
    _require_stripe()
    card = SavedCard.objects.create(
        clinic=patient.clinic,
        patient=patient,
        reference=_reference(),
        created_at=timezone.now(),
        created_by=acting_user(actor),
    )
    record_event(
        "billing.card.request", card, actor=actor, clinic=patient.clinic, data={"patient": patient.pk}
    )
    return card


def consent_text(card: SavedCard) -> str:
    return CONSENT_TEXT.format(clinic=card.clinic.name)


def consent_and_setup(card: SavedCard, *, consent: bool, shown_text: str, actor: Actor) -> str:
    """The patient agreed to the words shown: a Stripe customer and SetupIntent; the intent's client
    secret for Stripe.js. Without the tick, nothing happens."""
    _require_stripe()
    if not consent:
        raise _fail("consent", _("Tick the box to agree, or close this page: no card is saved without it."))
    if card.status != SavedCardStatus.PENDING:
        raise _fail("card", _("This link was used already."))
    patient = card.patient
    try:
        customer = card.customer_id or gateway.create_customer(
            name=f"{patient.given_name} {patient.family_name}",
            email=getattr(patient, "email", "") or "",
            metadata={"clinic": str(card.clinic_id), "patient": str(patient.pk)},
        )
        state, secret = gateway.create_setup_intent(
            customer=customer, metadata={"clinic": str(card.clinic_id), "saved_card": card.reference}
        )
    except gateway.GatewayError as exc:
        raise _fail("card", str(exc)) from exc
    with transaction.atomic():
        SavedCard.objects.filter(pk=card.pk).update(
            customer_id=customer,
            setup_intent_id=state.id,
            consent_text=shown_text,
            consented_at=timezone.now(),
        )
        record_event(
            "billing.card.consent",
            card,
            actor=actor,
            clinic=card.clinic,
            data={"patient": patient.pk, "setup_intent": state.id, "consent_text": shown_text},
        )
    card.refresh_from_db()
    return secret


@transaction.atomic
def finish_setup(state: gateway.IntentState, *, actor: Actor) -> SavedCard | None:
    """Stripe says the SetupIntent succeeded: the card is saved (its brand and last four digits shown)."""
    card = SavedCard.objects.select_for_update().filter(setup_intent_id=state.id).first()
    if card is None or card.status != SavedCardStatus.PENDING or card.consented_at is None:
        return card
    if state.status != "succeeded" or not state.payment_method:
        return card
    try:
        details = gateway.card_details(state.payment_method)
    except gateway.GatewayError:
        details = {}
    card.payment_method_id = state.payment_method
    card.brand = str(details.get("brand") or "")[:20]
    card.last4 = str(details.get("last4") or "")[:4]
    card.exp_month = details.get("exp_month")
    card.exp_year = details.get("exp_year")
    card.status = SavedCardStatus.ACTIVE
    card.save()
    SavedCard.objects.filter(patient=card.patient, status=SavedCardStatus.ACTIVE).exclude(pk=card.pk).update(
        status=SavedCardStatus.REVOKED, revoked_at=timezone.now()
    )
    record_event(
        "billing.card.save",
        card,
        actor=actor,
        clinic=card.clinic,
        data={"patient": card.patient_id, "payment_method": state.payment_method, "last4": card.last4},
    )
    return card


def finish_setup_from_stripe(card: SavedCard, *, actor: Actor) -> SavedCard:
    """The payment page's report that Stripe.js confirmed the SetupIntent: asked of Stripe, not believed."""
    if not card.setup_intent_id:
        raise _fail("consent", _("Agree to the words above first."))
    try:
        state = gateway.setup_intent(card.setup_intent_id)
    except gateway.GatewayError as exc:
        raise _fail("card", str(exc)) from exc
    finish_setup(state, actor=actor)
    card.refresh_from_db()
    if card.status != SavedCardStatus.ACTIVE:
        raise _fail("card", state.error or _("The card was not saved: please try again."))
    return card


@transaction.atomic
def revoke_card(card: SavedCard, *, actor: Actor) -> SavedCard:
    """The patient withdrew consent (told the clinic): the card is never charged again."""
    if card.status == SavedCardStatus.REVOKED:
        return card
    SavedCard.objects.filter(pk=card.pk).update(status=SavedCardStatus.REVOKED, revoked_at=timezone.now())
    record_event(
        "billing.card.revoke", card, actor=actor, clinic=card.clinic, data={"patient": card.patient_id}
    )
    card.refresh_from_db()
    return card


def charge_fee_to_saved_card(charge: CancellationCharge, *, actor: Actor) -> OnlinePayment:
    """The no-show or late-cancel fee charged to the card the patient saved for it (off session)."""
    _require_stripe()
    if charge.status != ChargeStatus.CHARGED or charge.invoice_id is None:
        raise _fail("charge", _("Only a fee still charged (not waived) is paid by the saved card."))
    invoice = Invoice.objects.get(pk=charge.invoice_id)
    if invoice.balance <= 0:
        raise _fail("charge", _("This fee is paid already."))
    card = SavedCard.objects.filter(patient_id=charge.patient_id, status=SavedCardStatus.ACTIVE).first()
    if card is None:
        raise _fail("card", _("The patient has saved no card for fees."))
    amount = min(charge.amount, invoice.balance)
    online, state = _intent(
        kind=OnlinePaymentKind.FEE,
        patient=charge.patient,
        amount=amount,
        currency=invoice.currency,
        actor=actor,
        invoice=invoice,
        charge=charge,
        customer=card.customer_id,
        payment_method=card.payment_method_id,
    )
    return settle(state, actor=actor) or online


# ---------------------------------------------------------------------------------------------------------
# Webhooks


def handle_event(event: dict[str, Any], *, actor: Actor = None) -> str:
    """Act on one verified Stripe event, once: its id is stored with a unique constraint in the same
    transaction as what it did, so a second delivery (or two at once) finds it and does nothing."""
    event_id, kind = str(event.get("id") or ""), str(event.get("type") or "")
    obj = (event.get("data") or {}).get("object") or {}
    if not event_id or not kind or not isinstance(obj, dict) or not obj.get("id"):
        return "ignored"
    try:
        with transaction.atomic():
            StripeEvent.objects.create(event_id=event_id, type=kind, received_at=timezone.now())
            outcome = _act(kind, obj, actor)
            StripeEvent.objects.filter(event_id=event_id).update(outcome=outcome)
    except IntegrityError:
        if StripeEvent.objects.filter(event_id=event_id).exists():
            return "duplicate"
        raise
    return outcome


def _act(kind: str, obj: Any, actor: Actor) -> str:
    if kind in ("payment_intent.succeeded", "payment_intent.payment_failed"):
        state = gateway.state_of(obj)
        if kind == "payment_intent.payment_failed" and state.status == "succeeded":
            return "ignored"
        online = settle(state, actor=actor)
        if online is None:
            return "unknown intent"
        return f"{online.kind} {online.status}"
    if kind == "charge.refunded":
        return refunds_made_at_stripe(obj, actor=actor)
    if kind == "setup_intent.succeeded":
        card = finish_setup(gateway.state_of(obj), actor=actor)
        return "unknown setup intent" if card is None else f"card {card.status}"
    return "ignored"


def refunds_made_at_stripe(charge: dict[str, Any], *, actor: Actor) -> str:
    """``charge.refunded``: record, once each, the refunds of an online payment that were made in Stripe's
    dashboard, as refunds of that payment (negative payment rows with their ``OnlineRefund``).

    Stripe's own list of the intent's refunds is read (not the event's payload). A refund made from MesoClinic
    is already recorded with its Stripe id, in the transaction that asked Stripe for it and that holds the
    payment's row lock until it commits; here the payment row is locked before the ids are compared, so the
    webhook for that refund waits for it and then finds it recorded (and the unique Stripe id is the last
    guard). A refund that cannot be recorded (more than is left of the payment, a closed day) is reported in
    the event's outcome and nothing else changes."""
    from mesoclinic.billing import services  # noqa: PLC0415 — services import this module

    intent_id = str(charge.get("payment_intent") or "")
    found = (
        OnlinePayment.objects.filter(intent_id=intent_id).select_related("payment", "deposit").first()
        if intent_id
        else None
    )
    if found is None:
        return "unknown intent"
    payment = found.payment or (found.deposit.applied_to if found.deposit is not None else None)
    if payment is None:
        if found.deposit is None:
            return "unknown intent"
        return _deposit_refunds_made_at_stripe(found, found.deposit, actor=actor)
    recorded, refused = 0, []
    for refund_id, amount, status in stripe_gateway.refunds_of(intent_id, found.currency):
        if status not in ("succeeded", "pending"):
            continue
        Payment.objects.select_for_update().filter(pk=payment.pk).exists()  # wait for a refund in progress
        if _known_refund(refund_id):
            continue
        try:
            with transaction.atomic():
                services.refund_payment(
                    payment,
                    amount=amount,
                    reason=Worded(N_("Refunded in Stripe (%(refund)s)"), {"refund": refund_id}),
                    actor=actor,
                    stripe_refund_id=refund_id,
                )
        except ValidationError as exc:
            refused.append(f"{refund_id}: {' '.join(m for ms in exc.message_dict.values() for m in ms)}")
            continue
        recorded += 1
    outcome = f"{recorded} refund(s) recorded"
    return (outcome + "; refused " + "; ".join(refused))[:200] if refused else outcome


def _known_refund(refund_id: str) -> bool:
    """Whether a Stripe refund is recorded already (of a payment, or of a deposit before it was applied)."""
    return (
        OnlineRefund.objects.filter(stripe_refund_id=refund_id).exists()
        or DepositRefund.objects.filter(stripe_refund_id=refund_id).exists()
    )


def _deposit_refunds_made_at_stripe(found: OnlinePayment, deposit: Deposit, *, actor: Actor) -> str:
    """``charge.refunded`` for a deposit not yet applied: each refund Stripe holds that MesoClinic has not
    recorded (made in Stripe's dashboard) is recorded once, as the deposit's refund. The deposit's row is
    locked first, so the webhook of a refund MesoClinic is making waits for it and then finds it recorded."""
    recorded, refused = 0, []
    for refund_id, amount, status in stripe_gateway.refunds_of(found.intent_id, found.currency):
        if status not in ("succeeded", "pending"):
            continue
        locked = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if _known_refund(refund_id):
            continue
        if amount > locked.held_amount or locked.status == DepositStatus.APPLIED:
            refused.append(f"{refund_id}: more than the {locked.held_amount} left of the deposit")
            continue
        record_deposit_refund(
            locked,
            amount=amount,
            reason=f"Refunded in Stripe ({refund_id})",
            actor=actor,
            stripe_refund_id=refund_id,
        )
        recorded += 1
    outcome = f"{recorded} deposit refund(s) recorded"
    return (outcome + "; refused " + "; ".join(refused))[:200] if refused else outcome


def refund_deposit(deposit: Deposit, *, reason: str, actor: Actor) -> DepositRefund:
    """Give what is held of a deposit paid online back to the card through Stripe, recorded once and audited.

    Stripe is asked inside the transaction that holds the deposit's row lock (as a payment's refund is): when
    Stripe refuses nothing is recorded, and the ``charge.refunded`` webhook for this refund waits for the
    lock and then finds it recorded by its Stripe id."""
    why = reason.strip()
    if not why:
        raise _fail("reason", _("Say why the deposit is given back."))
    with transaction.atomic():
        deposit = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if deposit.status != DepositStatus.HELD:
            raise _fail(
                "deposit",
                _(
                    "Only a deposit still held is given back here: one applied to a document is refunded from "
                    "that document's payment, and one kept for a no-show or late cancel is waived first."
                ),
            )
        paid = OnlinePayment.objects.filter(deposit=deposit).first()
        if paid is None:
            raise _fail(
                "deposit",
                _("This deposit was taken at the till, not online: it is not given back to a card."),
            )
        if not settings.STRIPE_SECRET_KEY:
            raise _fail(
                "deposit", _("This was paid by card online: Stripe must be configured to give it back.")
            )
        amount = deposit.held_amount
        try:
            refund_id = gateway.refund(
                intent_id=paid.intent_id,
                amount=amount,
                currency=paid.currency,
                metadata={"deposit": str(deposit.pk), "reason": why[:450]},
                idempotency_key=f"mesoclinic-deposit-refund-{deposit.pk}-{deposit.refunds.count() + 1}-{amount}",
            )
        except gateway.GatewayError as exc:
            raise _fail(
                "deposit", _("Stripe did not give the money back: %(reason)s") % {"reason": exc}
            ) from exc
        return record_deposit_refund(
            deposit, amount=amount, reason=why, actor=actor, stripe_refund_id=refund_id
        )


_STILL_COMING = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.HELD)


def refund_deposit_when_booking_ends(appointment: Appointment, *, reason: str, actor: Actor) -> bool:
    """Once the booking a deposit paid online was held for has nothing still to come (its visit, or every
    visit of its series, cancelled or missed), the deposit goes back to the card, after this transaction
    commits: Stripe's refusal or absence never undoes the cancel or the waiver; it is audited
    (``billing.deposit.refund_failed``) and the deposit stays held for the desk to refund. True when a
    refund was scheduled."""
    deposit = selectors.held_deposit(appointment)
    if deposit is None or not OnlinePayment.objects.filter(deposit=deposit).exists():
        return False
    course_id = deposit.course_id or appointment.course_id
    coming = Appointment.objects.filter(status__in=_STILL_COMING)
    if course_id is not None:
        coming = coming.filter(course_id=course_id)
    else:
        coming = coming.filter(pk=deposit.appointment_id)
    if coming.exclude(pk=appointment.pk).exists() or (
        Appointment.objects.filter(pk=appointment.pk, status__in=_STILL_COMING).exists()
    ):
        return False
    deposit_id = deposit.pk
    transaction.on_commit(lambda: _refund_after_commit(deposit_id, reason=reason, actor=actor))
    return True


def refund_deposit_after_cancel(appointment: Appointment, *, at: Any, actor: Actor) -> bool:
    """A booking cancelled in time (outside the policy's late-cancel window, or with no policy) gives its
    online deposit back; a late cancel keeps it as the policy says (``apply_cancellation_policy``)."""
    rule = selectors.policy_for(appointment.clinic, appointment.protocol_id)
    if rule is not None and policy_engine.is_late_cancel(appointment.starts_at, at, rule.late_cancel_hours):
        return False
    return refund_deposit_when_booking_ends(appointment, reason="Booking cancelled in time", actor=actor)


def _refund_after_commit(deposit_id: int, *, reason: str, actor: Actor) -> None:
    deposit = Deposit.objects.get(pk=deposit_id)
    try:
        refund_deposit(deposit, reason=reason, actor=actor)
    except ValidationError as exc:
        record_event(
            "billing.deposit.refund_failed",
            deposit,
            actor=actor,
            clinic=deposit.clinic,
            data={"reason": reason, "error": " ".join(exc.messages)[:500]},
        )


# ---------------------------------------------------------------------------------------------------------
# A payment link e-mailed to the patient


def _language_of(patient: Patient) -> str:
    """The patient's preferred language when MesoClinic speaks it, else the clinic's."""
    spoken = {code for code, _name in settings.LANGUAGES}
    for candidate in (patient.preferred_language, patient.clinic.language):
        if candidate in spoken:
            return str(candidate)
    return str(settings.LANGUAGE_CODE)


def email_link(found: OnlinePayment, *, url: str, actor: Actor) -> str:
    """E-mail a payment link still waiting for the card to its patient (through ``EMAIL_BACKEND``), in the
    patient's language; audited (``billing.online.email``, the address, not the text). Returns the address.

    Refused in words naming ``to`` when the patient has no (valid) e-mail address, and ``payment`` when the
    link is paid or cancelled (nothing to pay with it)."""
    if found.status not in (OnlinePaymentStatus.PENDING, OnlinePaymentStatus.FAILED):
        raise _fail("payment", _("Only a payment link still waiting for the card is sent."))
    patient = found.patient
    address = (patient.email or "").strip()
    if not address:
        raise _fail(
            "to",
            _(
                "%(patient)s has no e-mail address: add one on the chart, or copy the link and send it "
                "another way."
            )
            % {"patient": patient.full_name},
        )
    try:
        validate_email(address)
    except ValidationError:
        raise _fail(
            "to",
            _("%(address)s is not an e-mail address: correct it on the chart.") % {"address": repr(address)},
        ) from None
    clinic = found.clinic
    language = _language_of(patient)
    with translation.override(language):
        if found.kind == OnlinePaymentKind.DEPOSIT and found.appointment is not None:
            when = timezone.localtime(found.appointment.starts_at, ZoneInfo(clinic.timezone))
            what = gettext("the deposit for your visit on %(when)s") % {
                "when": date_format(when, "SHORT_DATETIME_FORMAT")
            }
        elif found.kind == OnlinePaymentKind.FEE:
            what = gettext("a fee of the clinic's cancellation policy")
        elif found.invoice is not None and found.invoice.number:
            what = gettext("document %(number)s") % {"number": found.invoice.number}
        else:
            what = gettext("your visit")
        subject = gettext("Payment link from %(clinic)s") % {"clinic": clinic.name}
        body = gettext(
            "Hello %(name)s,\n\n%(clinic)s asks you to pay %(amount)s for %(what)s by card online:\n\n"
            "%(url)s\n\nThe link is for you only. The card is typed into the secure form of Stripe, the clinic's "
            "payment provider, and never reaches the clinic.\n"
        ) % {
            "name": patient.given_name,
            "clinic": clinic.name,
            "amount": format_money(found.amount, found.currency),
            "what": what,
            "url": url,
        }
    EmailMessage(subject=subject, body=body, to=[address]).send()
    record_event(
        "billing.online.email",
        found,
        actor=actor,
        clinic=clinic,
        data={"to": address, "reference": found.reference, "kind": found.kind, "language": language},
    )
    return address


def deposit_for_booking(appointment_ids: list[int]) -> OnlinePayment | None:
    """The deposit an online booking is asked for, to pay on the patient's payment page: when Stripe is
    configured and the policy asks one for online bookings; the paid one once paid; None otherwise."""
    if not offered() or not appointment_ids:
        return None
    appointment = (
        Appointment.objects.filter(pk__in=appointment_ids)
        .select_related("clinic", "patient", "protocol")
        .order_by("starts_at")
        .first()
    )
    if appointment is None:
        return None
    rule = selectors.policy_for(appointment.clinic, appointment.protocol_id)
    if rule is None or not rule.deposit_online or selectors.deposit_due(appointment) <= 0:
        return None
    paid = OnlinePayment.objects.filter(
        appointment=appointment, kind=OnlinePaymentKind.DEPOSIT, status=OnlinePaymentStatus.SUCCEEDED
    ).first()
    if paid is not None:
        return paid
    try:
        return start_deposit(appointment, actor=None)
    except (
        ValidationError
    ):  # taken at the clinic meanwhile, or Stripe unreachable: the page just says nothing
        return None
