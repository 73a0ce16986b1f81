"""Packages on the screens and in the API: the chart's Billing tab and Today say "5 of 6 sessions left,
expires …", the package page shows its ledger and the refund rule, a package session pays at checkout,
refunds and expiry changes are the owner's; amounts are strings, refusals name the field, reads audited."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from mesoclinic.accounts.models import Role
from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing.models import Invoice, PackageStatus
from mesoclinic.billing.tests.test_packages import sell
from mesoclinic.catalog.models import Protocol
from mesoclinic.testing import client_for, make_patient, make_staff
from mesoclinic.testing.billing import draft, line, pl_clinic
from mesoclinic.testing.treatments import ready_draft
from mesoclinic.treatments.services import sign_session

pytestmark = pytest.mark.django_db
API = "/api/v1/billing"
MORNING = datetime(2031, 3, 3, 7, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


@pytest.fixture(autouse=True)
def _monday_morning() -> Iterator[None]:
    with time_machine.travel(MORNING, tick=True):
        yield


@pytest.fixture
def clinic():
    return pl_clinic()


@pytest.fixture
def package(clinic):
    protocol = Protocol.objects.filter(clinic=clinic).order_by("pk").first()
    return sell(make_patient(clinic), protocol)


def post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_the_chart_and_the_package_page_show_what_is_left(clinic, package):
    desk = client_for(make_staff(clinic, Role.RECEPTIONIST))
    tab = desk.get(f"/billing/patients/{package.patient_id}/account/").content.decode()
    assert "6 of 6 sessions left, expires 2032-03-03" in tab
    page = desk.get(f"/billing/packages/{package.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "6 of 6 sessions left, expires 2032-03-03" in text and "Sold" in text
    assert "Refund the unused sessions" not in text  # the receptionist does not refund
    assert AuditEvent.objects.filter(action="chart.read", patient_id=package.patient_id).exists()
    assert desk.post(f"/billing/packages/{package.pk}/refund/", {"reason": "x"}).status_code == 403
    other = pl_clinic("Other Clinic")
    stranger = client_for(make_staff(other, Role.OWNER))
    assert stranger.get(f"/billing/packages/{package.pk}/").status_code == 404


def test_the_owner_refunds_by_the_rule_shown_and_changes_the_expiry(clinic, package):
    owner = client_for(make_staff(clinic, Role.OWNER))
    page = owner.get(f"/billing/packages/{package.pk}/").content.decode()
    assert "price paid × sessions left ÷ sessions sold" in page and "2400.00" in page
    refused = owner.post(
        f"/billing/packages/{package.pk}/expiry/", {"expires_on": "2032-06-30", "reason": ""}
    )
    assert refused.status_code == 422
    moved = owner.post(
        f"/billing/packages/{package.pk}/expiry/", {"expires_on": "2032-06-30", "reason": "Illness"}
    )
    assert moved.status_code == 302
    refused = owner.post(f"/billing/packages/{package.pk}/refund/", {"reason": "Moving", "amount": "100.00"})
    assert refused.status_code == 422 and "Why another amount" in refused.content.decode()
    done = owner.post(f"/billing/packages/{package.pk}/refund/", {"reason": "Moving abroad"})
    assert done.status_code == 302
    package.refresh_from_db()
    assert package.status == PackageStatus.REFUNDED
    assert package.invoice.payments.get(refund_of__isnull=False).amount == -2400


def test_a_package_session_pays_at_the_till(clinic, package):
    desk = client_for(make_staff(clinic, Role.RECEPTIONIST))
    invoice = draft(package.patient, line(unit_price="450.00", vat_rate="8"))
    screen = desk.get(f"/billing/documents/{invoice.pk}/").content.decode()
    assert "Package session" in screen and "6 of 6 sessions left" in screen
    refused = desk.post(
        f"/billing/documents/{invoice.pk}/pay/", {"method": "package_session", "amount": "450.00"}
    )
    assert refused.status_code == 422 and "Choose the package" in refused.content.decode()
    paid = desk.post(
        f"/billing/documents/{invoice.pk}/pay/",
        {"method": "package_session", "amount": "450.00", "package": str(package.pk)},
    )
    assert paid.status_code == 302
    package.refresh_from_db()
    assert package.sessions_left == 5
    assert Invoice.objects.get(pk=invoice.pk).paid == 450
    # Another patient's draft offers no package session at all.
    stranger = draft(make_patient(clinic))
    assert "Package session" not in desk.get(f"/billing/documents/{stranger.pk}/").content.decode()


def test_today_shows_the_packages_of_todays_patients(practitioner):
    record = ready_draft(pl_clinic())
    clinic = record.clinic
    sell(record.patient, record.appointment.protocol)
    sign_session(record, actor=practitioner.user)
    desk = make_staff(clinic, Role.RECEPTIONIST, locations=[record.appointment.location])
    today = client_for(desk).get("/").content.decode()
    assert "5 of 6 sessions left, expires 2032-03-03" in today


def test_the_api_lists_reads_and_refunds_packages(clinic, package):
    desk = client_for(make_staff(clinic, Role.RECEPTIONIST))
    owner = client_for(make_staff(clinic, Role.OWNER))
    [listed] = desk.get(f"{API}/patients/{package.patient_id}/packages").json()
    assert listed["summary"] == "6 of 6 sessions left, expires 2032-03-03"
    assert listed["price"] == "2400.00" and listed["refund_amount"] == "2400.00"
    detail = desk.get(f"{API}/packages/{package.pk}").json()
    assert [e["kind"] for e in detail["entries"]] == ["sale"] and detail["entries"][0]["amount"] == "2400.00"
    invoice = draft(package.patient, line(unit_price="450.00", vat_rate="8"))
    missing = post(
        desk, f"{API}/invoices/{invoice.pk}/payments", {"method": "package_session", "amount": "1"}
    )
    assert missing.status_code == 422 and "package" in missing.json()["errors"]
    unknown = post(
        desk,
        f"{API}/invoices/{invoice.pk}/payments",
        {"method": "package_session", "amount": "1", "package": 999999},
    )
    assert unknown.status_code == 422 and "package" in unknown.json()["errors"]
    paid = post(
        desk,
        f"{API}/invoices/{invoice.pk}/payments",
        {"method": "package_session", "amount": "450.00", "package": package.pk},
    )
    assert paid.status_code == 201 and paid.json()["package"] == package.pk
    assert post(desk, f"{API}/packages/{package.pk}/refund", {"reason": "x"}).status_code == 403
    bad_date = post(owner, f"{API}/packages/{package.pk}/expiry", {"expires_on": "soon", "reason": "x"})
    assert bad_date.status_code == 422
    moved = post(owner, f"{API}/packages/{package.pk}/expiry", {"expires_on": "2032-06-30", "reason": "Ill"})
    assert moved.status_code == 200 and moved.json()["summary"].endswith("expires 2032-06-30")
    override = post(owner, f"{API}/packages/{package.pk}/refund", {"reason": "Moving", "amount": "1000.00"})
    assert override.status_code == 422 and "override_reason" in override.json()["errors"]
    refunded = post(owner, f"{API}/packages/{package.pk}/refund", {"reason": "Moving abroad"})
    assert refunded.status_code == 201
    body = refunded.json()
    assert body["status"] == "refunded" and body["sessions_left"] == 0
    assert body["entries"][-1]["amount"] == "2000.00"  # 2400 × 5 / 6
