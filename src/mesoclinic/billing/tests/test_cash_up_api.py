"""The cash-up API: a location's day (expected per method), closing it with the count (a difference needs a
reason and the owner), the closed days; another clinic's location is 404, a refused value 422 naming it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from mesoclinic.accounts.models import Role
from mesoclinic.billing.services import record_payment
from mesoclinic.testing import client_for, make_patient, make_staff
from mesoclinic.testing.billing import draft, line, pl_clinic

pytestmark = pytest.mark.django_db
API = "/api/v1/billing/cash-ups"
NOON = datetime(2031, 3, 3, 12, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture(autouse=True)
def _at_noon() -> Iterator[None]:
    with time_machine.travel(NOON, tick=True):
        yield


def post(client, body):
    return client.post(API, data=json.dumps(body), content_type="application/json")


def test_a_day_is_read_closed_and_listed() -> None:
    clinic = pl_clinic()
    location = clinic.locations.order_by("pk").first()
    record_payment(
        draft(make_patient(clinic), line(unit_price="120.00")), method="cash", amount="120.00", actor=None
    )
    desk = client_for(make_staff(clinic, Role.RECEPTIONIST))
    day = desk.get(f"{API}/day", {"location_id": location.pk}).json()
    assert day == {
        "location_id": location.pk,
        "day": "2031-03-03",
        "expected": {"cash": "120.00", "card_terminal": "0.00"},
        "closed": None,
    }
    short = post(desk, {"location_id": location.pk, "day": "2031-03-03", "counted": {"cash": "100.00"}})
    assert short.status_code == 422
    assert "reason" in short.content.decode()
    bad = post(desk, {"location_id": location.pk, "day": "2031-03-03", "counted": {"cash": "abc"}})
    assert bad.status_code == 422
    assert "counted.cash" in bad.content.decode()
    closed = post(desk, {"location_id": location.pk, "day": "2031-03-03", "counted": {"cash": "120.00"}})
    assert closed.status_code == 201, closed.content
    body = closed.json()
    assert (body["difference"], body["counted"]["cash"], body["expected"]["cash"]) == (
        "0.00",
        "120.00",
        "120.00",
    )
    again = post(desk, {"location_id": location.pk, "day": "2031-03-03", "counted": {"cash": "120.00"}})
    assert again.status_code == 422
    assert desk.get(f"{API}/day", {"location_id": location.pk}).json()["closed"]["id"] == body["id"]
    auditor = client_for(make_staff(clinic, Role.AUDITOR))
    assert [c["id"] for c in auditor.get(API, {"location_id": location.pk}).json()] == [body["id"]]
    assert auditor.get(API, {"start": "2031-03-04"}).json() == []
    assert post(auditor, {"location_id": location.pk, "day": "2031-03-04"}).status_code == 403
    other = client_for(make_staff(pl_clinic("Other"), Role.OWNER))
    assert other.get(f"{API}/day", {"location_id": location.pk}).status_code == 404
    assert post(other, {"location_id": location.pk, "day": "2031-03-04"}).status_code == 404
    assert other.get(API).json() == []


def test_the_owner_closes_a_day_with_a_difference_and_a_reason() -> None:
    clinic = pl_clinic()
    location = clinic.locations.order_by("pk").first()
    record_payment(
        draft(make_patient(clinic), line(unit_price="80.00")), method="cash", amount="80.00", actor=None
    )
    owner = client_for(make_staff(clinic, Role.OWNER))
    body = {
        "location_id": location.pk,
        "day": "2031-03-03",
        "counted": {"cash": "70.00"},
        "reason": "Change given wrong",
    }
    closed = post(owner, body)
    assert closed.status_code == 201, closed.content
    assert (closed.json()["difference"], closed.json()["reason"]) == ("-10.00", "Change given wrong")
