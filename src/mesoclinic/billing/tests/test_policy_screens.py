"""The cancellation policy on the screens and in the API: the owner sets it, the desk takes a deposit on
the appointment, marking a no-show shows the fee on the chart, the desk waives it with a reason."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from mesoclinic.accounts.models import Role
from mesoclinic.billing.models import CancellationCharge, CancellationPolicy, Deposit
from mesoclinic.billing.services import ensure_price_list
from mesoclinic.testing import client_for, make_schedulable, make_staff, no_show
from mesoclinic.testing.billing import pl_clinic
from mesoclinic.testing.scheduling import book

pytestmark = pytest.mark.django_db
API = "/api/v1/billing"
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


def put(client, url, data):
    return client.put(url, data=json.dumps(data), content_type="application/json")


def test_the_owner_sets_the_policy_and_the_desk_applies_and_waives_it(clinic):
    owner = client_for(make_staff(clinic, Role.OWNER))
    desk = client_for(make_staff(clinic, Role.RECEPTIONIST))
    assert desk.get("/billing/policy/").status_code == 403
    refused = owner.post(
        "/billing/policy/",
        {
            "deposit_kind": "fixed",
            "deposit_value": "abc",
            "late_cancel_hours": "24",
            "late_cancel_cost": "fee",
            "no_show_cost": "fee",
            "fee": "150",
            "waive_limit": "200",
            "deposit_base": "first_session",
        },
    )
    assert refused.status_code == 422
    saved = owner.post(
        "/billing/policy/",
        {
            "deposit_kind": "fixed",
            "deposit_value": "100",
            "late_cancel_hours": "24",
            "late_cancel_cost": "fee",
            "no_show_cost": "fee",
            "fee": "150",
            "waive_limit": "200",
            "deposit_base": "first_session",
        },
    )
    assert saved.status_code == 302
    assert "late cancel under 24 h" in owner.get("/billing/policy/").content.decode()
    course = book(clinic, make_schedulable(clinic).location)
    first = course.appointments.get(session_index=1)
    page = desk.get(f"/schedule/appointments/{first.pk}/").content.decode()
    assert "Take a deposit" in page
    taken = desk.post(f"/billing/appointments/{first.pk}/deposit/", {"method": "card_terminal", "amount": ""})
    assert taken.status_code == 302
    assert Deposit.objects.get().amount == 100
    no_show(first)
    charge = CancellationCharge.objects.get()
    chart = desk.get(f"/billing/patients/{first.patient_id}/account/").content.decode()
    assert "No-show" in chart and "150.00" in chart and "Waive" in chart
    waived = desk.post(f"/billing/charges/{charge.pk}/waive/", {"reason": "Hospitalised"})
    assert waived.status_code == 302
    charge.refresh_from_db()
    assert charge.status == "waived"


def test_the_api_sets_policies_takes_deposits_and_waives(clinic):
    owner = client_for(make_staff(clinic, Role.OWNER))
    desk = client_for(make_staff(clinic, Role.RECEPTIONIST))
    assert put(desk, f"{API}/policies", {"no_show_cost": "fee", "fee": "150.00"}).status_code == 403
    bad = put(owner, f"{API}/policies", {"no_show_cost": "a goat", "fee": "-3"})
    assert bad.status_code == 422 and set(bad.json()["errors"]) == {"no_show_cost", "fee"}
    assert put(owner, f"{API}/policies", {"protocol": 999999}).status_code == 422
    ok = put(owner, f"{API}/policies", {"no_show_cost": "fee", "fee": "150", "waive_limit": "100.00"})
    assert ok.status_code == 200 and ok.json()["fee"] == "150.00" and ok.json()["protocol"] is None
    assert CancellationPolicy.objects.count() == 1
    course = book(clinic, make_schedulable(clinic).location)
    first = course.appointments.get(session_index=1)
    deposit = desk.post(
        f"{API}/appointments/{first.pk}/deposits",
        data=json.dumps({"method": "cash", "amount": "80"}),
        content_type="application/json",
    )
    assert deposit.status_code == 201 and deposit.json()["amount"] == "80.00"
    no_show(first)
    [charge] = desk.get(f"{API}/patients/{first.patient_id}/charges").json()
    assert charge["amount"] == "150.00" and charge["status"] == "charged"
    above = desk.post(
        f"{API}/charges/{charge['id']}/waive",
        data=json.dumps({"reason": "Traffic"}),
        content_type="application/json",
    )
    assert above.status_code == 422 and "reason" in above.json()["errors"]
    waived = owner.post(
        f"{API}/charges/{charge['id']}/waive",
        data=json.dumps({"reason": "Traffic"}),
        content_type="application/json",
    )
    assert waived.status_code == 200 and waived.json()["status"] == "waived"
    [held] = desk.get(f"{API}/patients/{first.patient_id}/deposits").json()
    assert held["status"] == "held"
