"""A deposit for an online booking, paid by card through Stripe (localstripe) from the confirmation page: when
the clinic's policy asks one for online bookings and Stripe is configured; nothing otherwise."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from mesoclinic.billing.models import Deposit, OnlinePayment
from mesoclinic.billing.services import ensure_price_list, set_cancellation_policy
from mesoclinic.portal.tests import test_public_api as api
from mesoclinic.portal.tests.test_public_booking import book, code_from_mail
from mesoclinic.testing import stripe_server as ls
from mesoclinic.testing.portal import at, open_booking

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    with ls.localstripe_server() as base:
        yield base


@pytest.fixture
def asks_a_deposit(clinic):
    open_booking(clinic)
    ensure_price_list(clinic, actor=None)
    set_cancellation_policy(clinic, deposit_kind="fixed", deposit_value="80.00", actor=None)
    return clinic


def confirmed(client: Client, clinic) -> str:
    reference = book(client, clinic)
    response = client.post(
        reverse("portal:verify", args=[clinic.slug, reference]), {"code": code_from_mail()}
    )
    assert response.status_code == 302
    return response["Location"]


def test_the_confirmation_asks_the_deposit_and_the_patient_pays_it_by_card(
    settings, localstripe, asks_a_deposit
):
    ls.configure(settings, localstripe)
    clinic, client = asks_a_deposit, Client()
    with at():
        done = confirmed(client, clinic)
        page = client.get(done).content.decode()
        assert 'data-testid="awaiting-deposit"' in page
        assert "80.00" in page and "booking-deposit" in page
        pay_url = re.search(r'href="(/pay/[^"]+/)" data-testid="pay-deposit"', page).group(1)
        assert client.get(pay_url).status_code == 200
        assert client.post(pay_url, {"token": ls.card_token(localstripe)}).status_code == 302
        deposit = Deposit.objects.get()
        assert (deposit.method, deposit.amount, deposit.status) == ("online_card", Decimal("80.00"), "held")
        again = client.get(done).content.decode()
    assert 'data-testid="pay-deposit"' not in again and "paid" in again
    assert OnlinePayment.objects.count() == 1  # the page asked Stripe once, not on every visit


def test_without_stripe_no_deposit_is_asked_online(settings, asks_a_deposit):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    clinic, client = asks_a_deposit, Client()
    with at():
        page = client.get(confirmed(client, clinic)).content.decode()
    assert "You are booked" in page and "booking-deposit" not in page
    assert not OnlinePayment.objects.exists()


def test_the_api_verify_answers_awaiting_deposit_with_the_payment_url(settings, localstripe, asks_a_deposit):
    ls.configure(settings, localstripe)
    clinic, client = asks_a_deposit, Client()
    with at():
        found = api.offers(client, clinic)
        body = api.book(client, clinic, found[0]["offer"]).json()
        answer = api.verify(client, clinic, body["booking"], api.code())
        assert answer.status_code == 200, answer.content
        data = answer.json()
        assert data["status"] == "awaiting_deposit" and len(data["appointments"]) == 4
        pay_url = data["payment_url"]
        assert pay_url.startswith("http://testserver/pay/")
        path = pay_url.removeprefix("http://testserver")
        assert client.get(path).status_code == 200
        # The HTML page of the same booking is the deposit step too, until the deposit is paid.
        done = client.get(reverse("portal:done", args=[clinic.slug, body["booking"]])).content.decode()
        assert 'data-testid="awaiting-deposit"' in done and path in done
        assert client.post(path, {"token": ls.card_token(localstripe)}).status_code == 302
        after = client.get(reverse("portal:done", args=[clinic.slug, body["booking"]])).content.decode()
    assert "awaiting-deposit" not in after and "You are booked" in after


def test_the_api_verify_is_confirmed_when_the_policy_asks_no_deposit(settings, localstripe, clinic):
    ls.configure(settings, localstripe)
    open_booking(clinic)
    client = Client()
    with at():
        body = api.book(client, clinic, api.offers(client, clinic)[0]["offer"]).json()
        data = api.verify(client, clinic, body["booking"], api.code()).json()
    assert data["status"] == "confirmed" and data.get("payment_url") is None
    assert not OnlinePayment.objects.exists()
