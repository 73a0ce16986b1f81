"""Deposits and the cancellation policy: marking a no-show or a late cancel applies the policy in the same
transaction (a fee, the deposit, or a package session), a waiver needs a reason and, above the limit, the
owner; a deposit pays the booking's first invoice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from mesoclinic.accounts.models import Role
from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing import selectors
from mesoclinic.billing.models import CancellationCharge, Deposit, Invoice
from mesoclinic.billing.services import (
    checkout_appointment,
    ensure_price_list,
    record_payment,
    set_cancellation_policy,
    take_deposit,
    waive_charge,
)
from mesoclinic.billing.tests.test_packages import sell
from mesoclinic.scheduling.services import cancel_appointment
from mesoclinic.testing import make_schedulable, make_staff, no_show
from mesoclinic.testing.billing import pl_clinic
from mesoclinic.testing.scheduling import book

pytestmark = pytest.mark.django_db
WEEK_BEFORE = datetime(2031, 2, 24, 9, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture(autouse=True)
def _a_week_before_the_series() -> Iterator[None]:
    with time_machine.travel(WEEK_BEFORE, tick=True):
        yield


@pytest.fixture
def clinic():
    clinic = pl_clinic()
    ensure_price_list(clinic, actor=None)
    return clinic


@pytest.fixture
def first(clinic):
    course = book(clinic, make_schedulable(clinic).location)
    return course.appointments.get(session_index=1)


def cancel_hours_before(appointment, hours: float):
    with time_machine.travel(appointment.starts_at - timedelta(hours=hours), tick=False):
        return cancel_appointment(appointment, reason="Patient called", actor=None)


def test_a_no_show_costs_the_fee_on_a_draft_receipt(clinic, first):
    set_cancellation_policy(clinic, no_show_cost="fee", fee="150.00", actor=None)
    no_show(first)
    charge = CancellationCharge.objects.get(appointment=first)
    assert (charge.reason, charge.cost, charge.amount) == ("no_show", "fee", Decimal("150.00"))
    assert charge.invoice.gross == Decimal("150.00") and charge.invoice.status == "draft"
    assert "No-show fee" in charge.invoice.lines.get().description
    assert AuditEvent.objects.filter(action="billing.charge.apply").count() == 1


def test_a_cancel_inside_the_window_is_late_and_outside_it_is_free(clinic, first):
    set_cancellation_policy(clinic, late_cancel_hours=24, late_cancel_cost="fee", fee="100.00", actor=None)
    second = first.course.appointments.get(session_index=2)
    cancel_hours_before(second, 25)
    assert not CancellationCharge.objects.filter(appointment=second).exists()
    cancel_hours_before(first, 3)
    assert CancellationCharge.objects.get(appointment=first).reason == "late_cancel"


def test_a_protocol_policy_overrides_the_clinics(clinic, first):
    set_cancellation_policy(clinic, no_show_cost="fee", fee="150.00", actor=None)
    set_cancellation_policy(clinic, protocol=first.protocol, no_show_cost="nothing", actor=None)
    no_show(first)
    assert not CancellationCharge.objects.exists()


def test_a_no_show_may_cost_a_package_session_and_a_waiver_gives_it_back(clinic, first):
    set_cancellation_policy(clinic, no_show_cost="package_session", waive_limit="1000.00", actor=None)
    package = sell(first.patient, first.protocol, sessions=4, price="1600.00")
    no_show(first)
    package.refresh_from_db()
    assert package.sessions_left == 3
    charge = CancellationCharge.objects.get(appointment=first)
    assert charge.amount == Decimal("400.00")
    desk = make_staff(clinic, Role.RECEPTIONIST)
    with pytest.raises(ValidationError) as unexplained:
        waive_charge(charge, reason=" ", actor=desk.user)
    assert "reason" in unexplained.value.message_dict
    waive_charge(charge, reason="Hospitalised", actor=desk.user)
    package.refresh_from_db()
    assert package.sessions_left == 4
    charge.refresh_from_db()
    assert charge.status == "waived" and charge.waive_reason == "Hospitalised"
    assert AuditEvent.objects.filter(action="billing.charge.waive").get().data["reason"] == "Hospitalised"


def test_above_the_limit_only_the_owner_waives(clinic, first):
    set_cancellation_policy(clinic, no_show_cost="fee", fee="150.00", waive_limit="100.00", actor=None)
    no_show(first)
    charge = CancellationCharge.objects.get(appointment=first)
    desk = make_staff(clinic, Role.RECEPTIONIST)
    with pytest.raises(ValidationError) as refused:
        waive_charge(charge, reason="Traffic", actor=desk.user)
    assert "Only the owner" in refused.value.message_dict["reason"][0]
    owner = make_staff(clinic, Role.OWNER)
    waive_charge(charge, reason="Traffic accident", actor=owner.user)
    charge.invoice.refresh_from_db()
    assert charge.invoice.gross == Decimal("0.00") and not charge.invoice.lines.exists()


def test_a_deposit_is_kept_on_a_late_cancel_and_held_again_when_waived(clinic, first):
    set_cancellation_policy(
        clinic, deposit_kind="percent", deposit_value="20", late_cancel_cost="deposit", actor=None
    )
    session_price = selectors.session_price_for(clinic, first.protocol_id).unit_price
    assert selectors.deposit_due(first) == (session_price * Decimal("0.2")).quantize(Decimal("0.01"))
    deposit = take_deposit(first, method="card_terminal", amount="50.00", actor=None)
    cancel_hours_before(first, 2)
    deposit.refresh_from_db()
    assert deposit.status == "forfeited"
    charge = CancellationCharge.objects.get(appointment=first)
    assert charge.amount == Decimal("50.00")
    waive_charge(charge, reason="Clinic moved the visit", actor=make_staff(clinic, Role.OWNER).user)
    deposit.refresh_from_db()
    assert deposit.status == "held"


def test_a_deposit_pays_the_first_invoice_of_its_booking(clinic, first):
    deposit = take_deposit(first, method="cash", amount="100.00", actor=None)
    second = first.course.appointments.get(session_index=2)
    invoice = checkout_appointment(first, actor=None)
    assert invoice.paid == Decimal("100.00")
    payment = invoice.payments.get()
    assert payment.method == "deposit" and payment.amount == Decimal("100.00")
    deposit.refresh_from_db()
    assert deposit.status == "applied" and deposit.applied_to == payment
    later = checkout_appointment(second, actor=None)
    assert later.paid == Decimal("0.00")  # applied once, to the first invoice only
    with pytest.raises(ValidationError) as refused:
        record_payment(later, method="deposit", amount="10.00", actor=None)
    assert "method" in refused.value.message_dict
    assert Invoice.objects.filter(appointment=first).count() == 1


def test_no_policy_no_charge_and_bad_values_are_named(clinic, first):
    no_show(first)
    assert not CancellationCharge.objects.exists()
    with pytest.raises(ValidationError) as refused:
        set_cancellation_policy(
            clinic, deposit_kind="percent", deposit_value="120", late_cancel_hours="x", fee="-1", actor=None
        )
    assert set(refused.value.message_dict) == {"deposit_value", "late_cancel_hours", "fee"}
    with pytest.raises(ValidationError):
        take_deposit(first, method="cash", actor=None)  # the policy asks none, and no amount given
    assert not Deposit.objects.exists()
