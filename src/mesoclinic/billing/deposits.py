"""A deposit taken before a booking's first visit: the one writer of a ``Deposit`` row and its audit event.

Money taken at the till (``services.take_deposit``, which checks the method, amount and the till first) and
money Stripe took (``online.settle``) are the same deposit, written here. This module reads nothing above
models, so both import it: online payments need not import the services (which import online for refunds).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone

from mesoclinic.accounts.models import Location
from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.billing.models import Deposit, DepositRefund, DepositStatus
from mesoclinic.patients.models import Patient
from mesoclinic.scheduling.models import Appointment


def record_deposit(
    appointment: Appointment,
    *,
    method: str,
    amount: Decimal,
    location: Location | None,
    actor: Actor,
    patient: Patient | None = None,
    **data: Any,
) -> Deposit:
    """Hold ``amount`` for ``appointment``'s booking (its course), received now by ``actor`` at ``location``
    (None: online, at no till), audited as ``billing.deposit.take`` with ``data`` beside the amount.
    ``patient``: the one who paid, when not the booking's patient now (an intent started before a transfer)."""
    deposit = Deposit.objects.create(
        location=location,
        clinic=appointment.clinic,
        patient=patient or appointment.booked_patient,
        appointment=appointment,
        course_id=appointment.course_id,
        method=method,
        amount=amount,
        received_at=timezone.now(),
        received_by=acting_user(actor),
    )
    record_event(
        "billing.deposit.take",
        deposit,
        actor=actor,
        clinic=appointment.clinic,
        data={"appointment": appointment.pk, "method": method, "amount": str(amount), **data},
    )
    return deposit


def record_deposit_refund(
    deposit: Deposit, *, amount: Decimal, reason: str, actor: Actor, stripe_refund_id: str | None = None
) -> DepositRefund:
    """Give ``amount`` of a held (or kept) deposit back, once: the caller holds the deposit's row lock and has
    checked the amount against what is held. The deposit is ``refunded`` when nothing is left of it."""
    refund = DepositRefund.objects.create(
        deposit=deposit,
        amount=amount,
        stripe_refund_id=stripe_refund_id or None,
        reason=reason,
        at=timezone.now(),
        by=acting_user(actor),
    )
    refunded = deposit.refunded + amount
    fields: dict[str, Any] = {"refunded": refunded}
    if refunded >= deposit.amount:
        fields["status"] = DepositStatus.REFUNDED
    Deposit.objects.filter(pk=deposit.pk).update(**fields)
    for name, value in fields.items():
        setattr(deposit, name, value)
    record_event(
        "billing.deposit.refund",
        deposit,
        actor=actor,
        clinic=deposit.clinic,
        data={
            "appointment": deposit.appointment_id,
            "amount": str(amount),
            "reason": reason,
            "left": str(deposit.amount - refunded),
            **({"stripe_refund": stripe_refund_id} if stripe_refund_id else {}),
        },
    )
    return refund
