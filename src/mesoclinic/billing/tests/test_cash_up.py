"""Cash-up per location and day: expected per method from the payments (refunds, overpayments to credit
and deposits included; package sessions and credit spent not), the count, a difference only with a reason
and the owner; a closed day locks its payments there."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from mesoclinic.accounts.models import Role
from mesoclinic.billing import selectors
from mesoclinic.billing.models import CashUp
from mesoclinic.billing.services import close_day, record_payment, refund_payment
from mesoclinic.billing.tests.helpers import draft, line, pl_clinic
from mesoclinic.testing import client_for, make_patient, make_staff

pytestmark = pytest.mark.django_db
NOON = datetime(2031, 3, 3, 12, 0, tzinfo=ZoneInfo("Europe/Warsaw"))
DAY = date(2031, 3, 3)


@pytest.fixture(autouse=True)
def _at_noon() -> Iterator[None]:
    with time_machine.travel(NOON, tick=True):
        yield


@pytest.fixture
def clinic():
    return pl_clinic()


def till(clinic):
    return clinic.locations.order_by("pk").first()


def test_expected_amounts_per_method(clinic):
    patient = make_patient(clinic)
    a = draft(patient, line(unit_price="300.00"))
    cash = record_payment(a, method="cash", amount="100.00", actor=None)
    record_payment(a, method="card_terminal", amount="200.00", actor=None)
    refund_payment(cash, amount="30.00", reason="Discount agreed", actor=None)
    b = draft(patient, line(unit_price="50.00"))
    record_payment(b, method="cash", amount="60.00", to_credit=True, actor=None)  # 10.00 to credit
    c = draft(patient, line(unit_price="10.00"))
    record_payment(c, method="credit", amount="10.00", actor=None)  # no money moves
    expected = selectors.cash_expected(till(clinic), DAY)
    assert expected == {"cash": Decimal("130.00"), "card_terminal": Decimal("200.00")}
    assert selectors.cash_expected(till(clinic), date(2031, 3, 4)) == {
        "cash": Decimal("0.00"),
        "card_terminal": Decimal("0.00"),
    }


def test_a_difference_needs_a_reason_and_the_owner_and_closing_locks_the_day(clinic):
    patient = make_patient(clinic)
    record_payment(draft(patient, line(unit_price="100.00")), method="cash", amount="100.00", actor=None)
    desk = make_staff(clinic, Role.RECEPTIONIST)
    with pytest.raises(ValidationError) as unexplained:
        close_day(till(clinic), day=DAY, counted={"cash": "95.00", "card_terminal": "0"}, actor=desk.user)
    assert "reason" in unexplained.value.message_dict
    with pytest.raises(ValidationError) as not_owner:
        close_day(
            till(clinic),
            day=DAY,
            counted={"cash": "95", "card_terminal": "0"},
            reason="Change",
            actor=desk.user,
        )
    assert "Only the owner" in not_owner.value.message_dict["reason"][0]
    owner = make_staff(clinic, Role.OWNER)
    closed = close_day(
        till(clinic),
        day=DAY,
        counted={"cash": "95.00", "card_terminal": "0"},
        reason="5.00 given as change twice",
        actor=owner.user,
    )
    assert closed.difference == Decimal("-5.00") and closed.expected["cash"] == "100.00"
    with pytest.raises(ValidationError) as locked:
        record_payment(draft(patient, line(unit_price="20.00")), method="cash", amount="20.00", actor=None)
    assert "closed" in locked.value.message_dict["day"][0]
    with pytest.raises(ValidationError):
        close_day(till(clinic), day=DAY, counted={"cash": "95", "card_terminal": "0"}, actor=owner.user)
    assert CashUp.objects.count() == 1


def test_the_desk_closes_a_day_that_balances_on_the_screen(clinic):
    patient = make_patient(clinic)
    record_payment(
        draft(patient, line(unit_price="80.00")), method="card_terminal", amount="80.00", actor=None
    )
    desk = client_for(make_staff(clinic, Role.RECEPTIONIST))
    page = desk.get("/billing/cash-up/")
    assert page.status_code == 200 and "80.00" in page.content.decode()
    bad = desk.post("/billing/cash-up/", {"cash": "x", "card_terminal": "80.00"})
    assert bad.status_code == 422
    done = desk.post("/billing/cash-up/", {"cash": "0", "card_terminal": "80.00"})
    assert done.status_code == 302
    assert "Closed by" in desk.get(done["Location"]).content.decode()
    assert desk.get("/billing/cash-up/?date=not-a-date").status_code == 200
