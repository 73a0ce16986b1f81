"""A deposit paid online and still held goes back to the card through Stripe (for real, against localstripe)
when its booking is cancelled in time, when a kept deposit's charge is waived, or when the owner gives it back;
recorded once (the ``charge.refunded`` webhook of the same refund records nothing more, a refund made in
Stripe's dashboard is recorded once), audited and shown on the chart. A late cancel keeps it as the policy says,
and a cancel is never stopped by Stripe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from mesoclinic.accounts.models import Role
from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing import online
from mesoclinic.billing.models import CancellationCharge, Deposit, DepositRefund, Payment
from mesoclinic.billing.services import (
    checkout_appointment,
    ensure_price_list,
    set_cancellation_policy,
    take_deposit,
    waive_charge,
)
from mesoclinic.scheduling.services import cancel_appointment
from mesoclinic.testing import client_for, make_schedulable, make_staff
from mesoclinic.testing import stripe_server as ls
from mesoclinic.testing.billing import pl_clinic
from mesoclinic.testing.scheduling import book

pytestmark = pytest.mark.django_db
WEEK_BEFORE = datetime(2031, 2, 24, 9, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    with ls.localstripe_server() as base:
        yield base


@pytest.fixture
def stripe_on(settings, localstripe) -> str:
    ls.configure(settings, localstripe)
    return localstripe


@pytest.fixture(autouse=True)
def _a_week_before_the_series() -> Iterator[None]:
    with time_machine.travel(WEEK_BEFORE, tick=True):
        yield


@pytest.fixture
def clinic():
    clinic = pl_clinic()
    ensure_price_list(clinic, actor=None)
    set_cancellation_policy(
        clinic,
        deposit_kind="fixed",
        deposit_value="100.00",
        late_cancel_hours=24,
        late_cancel_cost="deposit",
        actor=None,
    )
    return clinic


@pytest.fixture
def course(clinic):
    return book(clinic, make_schedulable(clinic).location)


@pytest.fixture
def paid(stripe_on, course):
    """The series' deposit (100.00) paid by card online; the OnlinePayment."""
    first = course.appointments.get(session_index=1)
    started = online.start_deposit(first, actor=None)
    return online.pay_with_token(started, ls.card_token(stripe_on), actor=None)


def _refunds_at_stripe(base: str, intent_id: str) -> list[int]:
    return [r.amount for r in ls.client(base).v1.refunds.list(params={"payment_intent": intent_id}).data]


def _cancel_all(course, django_capture_on_commit_callbacks, reason: str = "Patient moved abroad") -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for appointment in course.appointments.filter(status="booked").order_by("starts_at"):
            cancel_appointment(appointment, reason=reason, actor=None)


def _charge_refunded(base: str, intent_id: str, event_id: str) -> tuple[bytes, str]:
    [refund, *_] = ls.client(base).v1.refunds.list(params={"payment_intent": intent_id}).data
    charge = ls.client(base).v1.charges.retrieve(refund.charge)
    return ls.signed(ls.event("charge.refunded", charge.to_dict(), event_id=event_id))


def _post(client, body: bytes, signature: str):
    return client.post(
        reverse("billing:stripe_webhook"),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )


def test_a_booking_cancelled_in_time_gets_its_online_deposit_back_once(
    client, stripe_on, course, paid, django_capture_on_commit_callbacks
):
    first = course.appointments.get(session_index=1)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_appointment(first, reason="Cannot come on the first day", actor=None)
    deposit = Deposit.objects.get()
    # The rest of the series is still booked: the deposit pays its first visit.
    assert deposit.status == "held" and _refunds_at_stripe(stripe_on, paid.intent_id) == []
    _cancel_all(course, django_capture_on_commit_callbacks)
    deposit.refresh_from_db()
    assert (deposit.status, deposit.refunded, deposit.held_amount) == ("refunded", Decimal("100.00"), 0)
    assert _refunds_at_stripe(stripe_on, paid.intent_id) == [10000]
    refund = DepositRefund.objects.get()
    assert refund.amount == Decimal("100.00") and refund.stripe_refund_id.startswith("re_")
    assert refund.reason == "Booking cancelled in time"
    event = AuditEvent.objects.get(action="billing.deposit.refund")
    assert event.data["amount"] == "100.00" and event.data["stripe_refund"] == refund.stripe_refund_id
    # Stripe's webhook for that same refund records nothing more, also when delivered twice.
    body, signature = _charge_refunded(stripe_on, paid.intent_id, "evt_deposit_refund")
    assert _post(client, body, signature).json()["outcome"] == "0 deposit refund(s) recorded"
    assert _post(client, body, signature).json()["outcome"] == "duplicate"
    assert DepositRefund.objects.count() == 1
    # Nothing is held any more: the deposit pays no document and cannot be given back again.
    with pytest.raises(ValidationError) as again:
        online.refund_deposit(deposit, reason="Twice", actor=None)
    assert "deposit" in again.value.message_dict
    assert _refunds_at_stripe(stripe_on, paid.intent_id) == [10000]


def test_a_late_cancel_keeps_the_deposit_and_waiving_it_gives_it_back(
    stripe_on, course, paid, django_capture_on_commit_callbacks
):
    owner = make_staff(course.patient.clinic, Role.OWNER)
    last = course.appointments.order_by("-starts_at").first()
    with time_machine.travel(last.starts_at - timedelta(hours=2), tick=False):
        _cancel_all(course, django_capture_on_commit_callbacks, reason="Overslept")
    deposit = Deposit.objects.get()
    charge = CancellationCharge.objects.get(deposit=deposit)
    assert (deposit.status, charge.cost) == ("forfeited", "deposit")
    assert _refunds_at_stripe(stripe_on, paid.intent_id) == [] and not DepositRefund.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        waive_charge(charge, reason="Hospitalised", actor=owner.user)
    deposit.refresh_from_db()
    assert deposit.status == "refunded" and _refunds_at_stripe(stripe_on, paid.intent_id) == [10000]
    assert DepositRefund.objects.get().reason == "Charge waived: Hospitalised"


def test_a_cancel_is_not_stopped_when_stripe_refuses_and_the_owner_gives_it_back_later(
    settings, stripe_on, course, paid, django_capture_on_commit_callbacks
):
    settings.STRIPE_SECRET_KEY = ""  # Stripe unreachable (not configured) at the moment of the cancel
    _cancel_all(course, django_capture_on_commit_callbacks)
    assert set(course.appointments.values_list("status", flat=True)) == {"cancelled"}
    deposit = Deposit.objects.get()
    assert deposit.status == "held" and not DepositRefund.objects.exists()
    failed = AuditEvent.objects.get(action="billing.deposit.refund_failed")
    assert "Stripe must be configured" in failed.data["error"]
    ls.configure(settings, stripe_on)
    account = reverse("billing:patient_account", args=[course.patient_id])
    url = reverse("billing:refund_deposit", args=[deposit.pk])
    receptionist = client_for(make_staff(course.patient.clinic, Role.RECEPTIONIST))
    assert receptionist.post(url, {"reason": "Goodwill"}).status_code == 403
    assert b'data-testid="refund-deposit"' not in receptionist.get(account).content
    owner = client_for(make_staff(course.patient.clinic, Role.OWNER))
    assert b'data-testid="refund-deposit"' in owner.get(account).content
    blank = owner.post(url, {"reason": "  "}, follow=True)
    assert "Say why the deposit is given back." in blank.content.decode()
    assert not DepositRefund.objects.exists()
    done = owner.post(url, {"reason": "Cancelled by phone"}, follow=True)
    assert "The deposit is given back to the card." in done.content.decode()
    assert 'data-testid="deposit-refund"' in done.content.decode()
    assert _refunds_at_stripe(stripe_on, paid.intent_id) == [10000]
    other = client_for(make_staff(pl_clinic("Elsewhere"), Role.OWNER))
    assert other.post(url, {"reason": "x"}).status_code == 404


def test_a_refund_made_in_stripes_dashboard_is_recorded_once_and_the_rest_pays_the_visit(
    client, stripe_on, course, paid
):
    ls.client(stripe_on).v1.refunds.create(params={"payment_intent": paid.intent_id, "amount": 3000})
    body, signature = _charge_refunded(stripe_on, paid.intent_id, "evt_dash_1")
    assert _post(client, body, signature).json()["outcome"] == "1 deposit refund(s) recorded"
    assert _post(client, body, signature).json()["outcome"] == "duplicate"
    body, signature = _charge_refunded(stripe_on, paid.intent_id, "evt_dash_1_again")
    assert _post(client, body, signature).json()["outcome"] == "0 deposit refund(s) recorded"
    deposit = Deposit.objects.get()
    assert (deposit.status, deposit.held_amount) == ("held", Decimal("70.00"))
    invoice = checkout_appointment(course.appointments.get(session_index=1), actor=None)
    assert Payment.objects.get(invoice=invoice, method="deposit").amount == Decimal("70.00")


def test_a_deposit_taken_at_the_till_is_not_given_back_to_a_card(stripe_on, course):
    first = course.appointments.get(session_index=1)
    deposit = take_deposit(first, method="cash", actor=None)
    with pytest.raises(ValidationError) as refused:
        online.refund_deposit(deposit, reason="Cancelled", actor=None)
    assert "taken at the till" in refused.value.message_dict["deposit"][0]
    with pytest.raises(ValidationError) as no_reason:
        online.refund_deposit(deposit, reason=" ", actor=None)
    assert "reason" in no_reason.value.message_dict
