"""Billing → Payment links: the desk sees the links sent to patients (who, what for, amount, created, status,
the link to copy and send again), pages through them with a fixed number of queries, and cancels one nobody
has paid (cancelled at Stripe, so the link takes no card; localstripe). Another clinic's link is 404."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mesoclinic.accounts.models import Role
from mesoclinic.billing import online
from mesoclinic.billing.models import OnlinePayment, OnlinePaymentStatus
from mesoclinic.billing.services import issue_invoice
from mesoclinic.testing import client_for, make_patient, make_staff
from mesoclinic.testing import stripe_server as ls
from mesoclinic.testing.billing import draft, line, pl_clinic

pytestmark = pytest.mark.django_db
NOON = datetime(2031, 5, 12, 12, 0, tzinfo=ZoneInfo("Europe/Warsaw"))
URL = "/billing/online-payments/"


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    with ls.localstripe_server() as base:
        yield base


@pytest.fixture(autouse=True)
def _at_noon() -> Iterator[None]:
    with time_machine.travel(NOON, tick=True):
        yield


@pytest.fixture
def clinic():
    return pl_clinic()


@pytest.fixture
def desk(clinic):
    return client_for(make_staff(clinic, Role.RECEPTIONIST))


def _links(clinic, count: int, status: str = OnlinePaymentStatus.PENDING) -> list[OnlinePayment]:
    invoice = issue_invoice(draft(make_patient(clinic), line(unit_price="450.00")), actor=None)
    start = OnlinePayment.objects.count()
    return [
        OnlinePayment.objects.create(
            clinic=clinic,
            patient=make_patient(clinic) if n % 2 else invoice.patient,
            kind="balance",
            reference=f"ref-{start + n}",
            invoice=invoice,
            amount=Decimal("100.00") + n,
            currency="PLN",
            intent_id=f"pi_{start + n}",
            status=status,
            created_at=timezone.now() - timedelta(minutes=n),
        )
        for n in range(count)
    ]


def test_the_desk_sees_waiting_links_with_the_link_to_send_and_pages_in_fixed_queries(clinic, desk) -> None:
    [waiting] = _links(clinic, 1)
    [paid] = _links(clinic, 1, OnlinePaymentStatus.SUCCEEDED)
    page = desk.get(URL)
    assert page.status_code == 200
    body = page.content.decode()
    assert f"http://testserver/pay/{waiting.reference}/" in body
    assert "100.00 PLN" in body and waiting.patient.full_name in body
    assert paid.reference not in body  # waiting ones only, by default
    everything = desk.get(URL, {"status": "all"}).content.decode()
    assert "Paid" in everything and paid.patient.full_name in everything
    assert desk.get(URL, {"status": "nonsense"}).status_code == 200  # an odd filter falls back, never a 500
    with CaptureQueriesContext(connection) as one:
        desk.get(URL)
    _links(clinic, 30)
    with CaptureQueriesContext(connection) as full:
        first = desk.get(URL)
    assert len(full) == len(one)
    assert first.content.decode().count('class="copy-link"') == 25
    second = desk.get(URL, {"page": "2"}).content.decode()
    assert second.count('class="copy-link"') == 31 - 25
    assert desk.get(URL, {"page": "x"}).status_code == 200


def test_the_list_is_reached_from_billing_and_only_by_who_takes_payments(clinic, desk) -> None:
    assert reverse("billing:online_payments") in desk.get("/billing/").content.decode()
    assert client_for(make_staff(clinic, Role.AUDITOR)).get(URL).status_code == 403
    assert client_for(make_staff(clinic, Role.PRACTITIONER)).get(URL).status_code == 403
    [theirs] = _links(pl_clinic("Elsewhere"), 1)
    assert theirs.reference not in desk.get(URL, {"status": "all"}).content.decode()
    cancel = reverse("billing:cancel_online_payment", args=[theirs.pk])
    assert desk.post(cancel).status_code == 404


def test_a_waiting_link_is_cancelled_at_stripe_and_then_takes_no_card(settings, localstripe, clinic, desk):
    ls.configure(settings, localstripe)
    invoice = issue_invoice(draft(make_patient(clinic), line(unit_price="450.00")), actor=None)
    started = online.start_balance(invoice, actor=None)
    answer = desk.post(reverse("billing:cancel_online_payment", args=[started.pk]), follow=True)
    assert "The payment link is cancelled" in answer.content.decode()
    started.refresh_from_db()
    assert started.status == OnlinePaymentStatus.CANCELLED
    assert ls.client(localstripe).v1.payment_intents.retrieve(started.intent_id).status == "canceled"
    with pytest.raises(ValidationError) as refused:
        online.pay_with_token(started, ls.card_token(localstripe), actor=None)
    assert refused.value.message_dict["card"] == ["This payment link was cancelled by the clinic."]
    again = desk.post(reverse("billing:cancel_online_payment", args=[started.pk]), follow=True)
    assert "Only a payment link waiting for the card can be cancelled." in again.content.decode()
    invoice.refresh_from_db()
    assert invoice.paid == Decimal("0.00")


def test_a_link_paid_meanwhile_is_recorded_and_not_cancelled(settings, localstripe, clinic, desk):
    ls.configure(settings, localstripe)
    invoice = issue_invoice(draft(make_patient(clinic), line(unit_price="450.00")), actor=None)
    started = online.start_balance(invoice, actor=None)
    pm = ls.client(localstripe).v1.tokens.retrieve(ls.card_token(localstripe)).card.id
    ls.client(localstripe).v1.payment_intents.update(started.intent_id, params={"payment_method": pm})
    ls.client(localstripe).v1.payment_intents.confirm(started.intent_id)  # the page never reported back
    answer = desk.post(reverse("billing:cancel_online_payment", args=[started.pk]), follow=True)
    assert "The patient has just paid: the payment is recorded." in answer.content.decode()
    started.refresh_from_db()
    assert started.status == OnlinePaymentStatus.SUCCEEDED
    invoice.refresh_from_db()
    assert invoice.paid == Decimal("450.00")
