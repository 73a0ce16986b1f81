"""A deposit taken at the till and one Stripe took are one kind of row, written by one function
(``deposits.record_deposit``): the same fields and the same audit event, but for the method, the till and the
intent's id."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing import online
from mesoclinic.billing.models import DepositStatus, OnlinePayment, OnlinePaymentKind
from mesoclinic.billing.services import ensure_price_list, take_deposit
from mesoclinic.billing.stripe_gateway import IntentState
from mesoclinic.testing import make_schedulable
from mesoclinic.testing.billing import pl_clinic
from mesoclinic.testing.scheduling import MONDAY, book

pytestmark = pytest.mark.django_db
WEEK_BEFORE = datetime(2031, 2, 24, 9, 0, tzinfo=ZoneInfo("Europe/Warsaw"))
FIELDS = ("clinic_id", "patient_id", "appointment_id", "course_id", "amount", "status")


@pytest.fixture(autouse=True)
def _a_week_before_the_series() -> Iterator[None]:
    with time_machine.travel(WEEK_BEFORE, tick=True):
        yield


def _booked_first_sessions(count: int) -> list:
    clinic = pl_clinic()
    ensure_price_list(clinic, actor=None)
    location = make_schedulable(clinic).location
    courses = [book(clinic, location, earliest=MONDAY.replace(hour=9 + 2 * n)) for n in range(count)]
    return [course.appointments.get(session_index=1) for course in courses]


def _paid_online(appointment, amount_minor: int) -> OnlinePayment:
    row = OnlinePayment.objects.create(
        clinic=appointment.clinic,
        patient=appointment.booked_patient,
        kind=OnlinePaymentKind.DEPOSIT,
        reference="ref-test-deposit",
        appointment=appointment,
        amount=Decimal(amount_minor) / 100,
        currency="PLN",
        intent_id="pi_test_deposit",
        created_at=timezone.now(),
    )
    state = IntentState("pi_test_deposit", "succeeded", amount_minor, "pln", "pm_card", "", {})
    settled = online.settle(state, actor=None)
    assert settled is not None and settled.pk == row.pk
    return settled


def test_a_deposit_at_the_till_and_one_paid_online_are_the_same_row_and_event():
    at_till, paid_online = _booked_first_sessions(2)
    till = take_deposit(at_till, method="cash", amount="50.00", actor=None)
    card = _paid_online(paid_online, 5000).deposit
    assert card is not None
    assert [getattr(till, f) for f in FIELDS] == [
        at_till.clinic_id, at_till.patient_id, at_till.pk, at_till.course_id, Decimal("50.00"), DepositStatus.HELD
    ]  # fmt: skip
    assert [getattr(card, f) for f in FIELDS] == [
        paid_online.clinic_id, paid_online.patient_id, paid_online.pk, paid_online.course_id, Decimal("50.00"),
        DepositStatus.HELD,
    ]  # fmt: skip
    assert (till.method, till.location_id) == ("cash", at_till.location_id)
    assert (card.method, card.location_id) == ("online_card", None)  # online money is taken at no till
    events = {
        e.object_id: e.data
        for e in AuditEvent.objects.filter(action="billing.deposit.take", object_id__in=[till.pk, card.pk])
    }
    assert events[str(till.pk)] == {"appointment": at_till.pk, "method": "cash", "amount": "50.00"}
    assert events[str(card.pk)] == {
        "appointment": paid_online.pk, "method": "online_card", "amount": "50.00", "intent": "pi_test_deposit"
    }  # fmt: skip
