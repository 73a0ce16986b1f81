"""Online card payments through Stripe, for real against localstripe (a stateful fake Stripe server started
on a free local port): PaymentIntents for balances and deposits become one ``online_card`` payment or
deposit, refunds go back to the card through Stripe, a card is saved for the no-show fee only with the
patient's consent, and signed webhooks are verified and processed once. Without Stripe configured, online
payment is not offered and the till works as before."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mesoclinic.accounts.models import Role
from mesoclinic.billing import online, stripe_gateway
from mesoclinic.billing.models import (
    CancellationCharge,
    Deposit,
    OnlinePayment,
    OnlineRefund,
    Payment,
    SavedCard,
    StripeEvent,
)
from mesoclinic.billing.services import (
    checkout_appointment,
    ensure_price_list,
    issue_invoice,
    record_payment,
    refund_payment,
    set_cancellation_policy,
)
from mesoclinic.testing import client_for, make_patient, make_schedulable, make_staff, no_show
from mesoclinic.testing import stripe_server as ls
from mesoclinic.testing.billing import draft, line, pl_clinic
from mesoclinic.testing.scheduling import book, call

pytestmark = pytest.mark.django_db
WEEK_BEFORE = datetime(2031, 2, 24, 9, 0, tzinfo=ZoneInfo("Europe/Warsaw"))
API = "/api/v1/billing"
REAL_CLOCK = {"test_localstripe_itself_delivers_the_signed_event_to_the_webhook"}


@pytest.fixture(scope="module")
def localstripe() -> Iterator[str]:
    with ls.localstripe_server() as base:
        yield base


@pytest.fixture
def stripe_on(settings, localstripe) -> str:
    ls.configure(settings, localstripe)
    return localstripe


@pytest.fixture(autouse=True)
def _a_week_before_the_series(request) -> Iterator[None]:
    if (
        request.node.name in REAL_CLOCK
    ):  # localstripe signs with the real time; the app checks it against its own
        yield
        return
    with time_machine.travel(WEEK_BEFORE, tick=True):
        yield


@pytest.fixture
def clinic():
    clinic = pl_clinic()
    ensure_price_list(clinic, actor=None)
    return clinic


@pytest.fixture
def issued(clinic):
    invoice = draft(make_patient(clinic), line(unit_price="450.00"))
    return issue_invoice(invoice, actor=None)


@pytest.fixture
def first(clinic):
    course = book(clinic, make_schedulable(clinic).location)
    return course.appointments.get(session_index=1)


# --- Without Stripe --------------------------------------------------------------------------------------


def test_without_stripe_online_payment_is_not_offered_and_the_till_works(settings, clinic, issued):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    assert not online.offered()
    with pytest.raises(ValidationError) as refused:
        online.start_balance(issued, actor=None)
    assert "method" in refused.value.message_dict
    staff = client_for(make_staff(clinic, Role.RECEPTIONIST))
    page = staff.get(reverse("billing:document", args=[issued.pk]))
    assert page.status_code == 200 and b'data-testid="online-link"' not in page.content
    assert b"online_card" not in page.content  # the till never offers "online card" as a method
    answer = call(staff, "post", f"{API}/invoices/{issued.pk}/payment-intents", {})
    assert answer.status_code == 422 and "method" in answer.content.decode()
    record_payment(issued, method="cash", amount="450.00", actor=None)
    issued.refresh_from_db()
    assert issued.balance == Decimal("0.00")
    account = staff.get(reverse("billing:patient_account", args=[issued.patient_id]))
    assert account.status_code == 200 and b"saved-card" not in account.content


def test_the_cashier_cannot_record_an_online_card_payment_by_hand(clinic, issued):
    with pytest.raises(ValidationError) as refused:
        record_payment(issued, method="online_card", amount="10.00", actor=None)
    assert "method" in refused.value.message_dict


# --- Balances ----------------------------------------------------------------------------------------------


def test_a_balance_paid_by_card_becomes_one_online_card_payment(stripe_on, issued):
    started = online.start_balance(issued, actor=None)
    assert (started.amount, started.currency, started.status) == (Decimal("450.00"), "PLN", "pending")
    assert online.start_balance(issued, actor=None) == started  # the waiting one, not a second intent
    at_stripe = stripe_gateway.payment_intent(started.intent_id)
    assert (at_stripe.amount, at_stripe.currency) == (45000, "pln")
    paid = online.pay_with_token(started, ls.card_token(stripe_on), actor=None)
    assert paid.status == "succeeded"
    payment = Payment.objects.get(invoice=issued)
    assert (payment.method, payment.amount, payment.location_id) == ("online_card", Decimal("450.00"), None)
    issued.refresh_from_db()
    assert issued.balance == Decimal("0.00")
    # Stripe reports it again (the webhook after the page): nothing more is recorded.
    online.settle(stripe_gateway.payment_intent(started.intent_id), actor=None)
    assert Payment.objects.filter(invoice=issued).count() == 1


def test_a_declined_card_records_nothing_and_another_card_may_pay(stripe_on, issued):
    started = online.start_balance(issued, amount="100.00", actor=None)
    with pytest.raises(ValidationError) as declined:
        online.pay_with_token(started, ls.card_token(stripe_on, "4000000000000341"), actor=None)
    assert "declined" in declined.value.message_dict["card"][0]
    assert not Payment.objects.filter(invoice=issued).exists()
    started.refresh_from_db()
    assert started.status == "pending" and "declined" in started.error
    online.pay_with_token(started, ls.card_token(stripe_on), actor=None)
    issued.refresh_from_db()
    assert issued.balance == Decimal("350.00")


def test_more_than_the_balance_or_a_draft_is_refused(stripe_on, clinic, issued):
    with pytest.raises(ValidationError) as too_much:
        online.start_balance(issued, amount="450.01", actor=None)
    assert "amount" in too_much.value.message_dict
    with pytest.raises(ValidationError) as a_draft:
        online.start_balance(draft(make_patient(clinic), line()), actor=None)
    assert "invoice" in a_draft.value.message_dict


def test_a_refund_of_an_online_card_payment_goes_back_to_the_card_through_stripe(stripe_on, issued):
    started = online.start_balance(issued, actor=None)
    online.pay_with_token(started, ls.card_token(stripe_on), actor=None)
    payment = Payment.objects.get(invoice=issued)
    refund = refund_payment(payment, amount="50.00", reason="Product returned", actor=None)
    assert (refund.method, refund.amount, refund.location_id) == ("online_card", Decimal("-50.00"), None)
    back = OnlineRefund.objects.get(refund=refund)
    at_stripe = ls.client(stripe_on).v1.refunds.retrieve(back.stripe_refund_id)
    assert (at_stripe.amount, at_stripe.payment_intent, at_stripe.status) == (
        5000,
        started.intent_id,
        "succeeded",
    )
    with pytest.raises(ValidationError):
        refund_payment(payment, amount="400.01", reason="Too much", actor=None)
    assert OnlineRefund.objects.count() == 1


def test_an_online_refund_needs_stripe(settings, stripe_on, issued):
    started = online.start_balance(issued, actor=None)
    online.pay_with_token(started, ls.card_token(stripe_on), actor=None)
    settings.STRIPE_SECRET_KEY = ""
    with pytest.raises(ValidationError) as refused:
        refund_payment(Payment.objects.get(), amount="10.00", reason="Goodwill", actor=None)
    assert "payment" in refused.value.message_dict
    assert Payment.objects.count() == 1


# --- Deposits ----------------------------------------------------------------------------------------------


def test_a_deposit_paid_online_is_held_applied_at_checkout_and_refunded_to_the_card(stripe_on, clinic, first):
    set_cancellation_policy(clinic, deposit_kind="fixed", deposit_value="100.00", actor=None)
    started = online.start_deposit(first, actor=None)
    assert started.amount == Decimal("100.00") and started.kind == "deposit"
    online.pay_with_token(started, ls.card_token(stripe_on), actor=None)
    deposit = Deposit.objects.get(appointment=first)
    assert (deposit.method, deposit.amount, deposit.status) == ("online_card", Decimal("100.00"), "held")
    with pytest.raises(ValidationError):
        online.start_deposit(first, actor=None)  # held already
    invoice = checkout_appointment(first, actor=None)
    applied = Payment.objects.get(invoice=invoice, method="deposit")
    assert applied.amount == Decimal("100.00")
    refund = refund_payment(applied, amount="100.00", reason="Treatment not done", actor=None)
    assert OnlineRefund.objects.get(refund=refund).online == started


# --- A card saved for the no-show fee ----------------------------------------------------------------------


def test_a_card_is_saved_only_with_consent_and_pays_the_no_show_fee(stripe_on, clinic, first):
    card = online.request_saved_card(first.patient, actor=None)
    with pytest.raises(ValidationError) as no_consent:
        online.consent_and_setup(card, consent=False, shown_text="", actor=None)
    assert "consent" in no_consent.value.message_dict
    card.refresh_from_db()
    assert card.status == "pending" and card.setup_intent_id == "" and card.consented_at is None
    text = online.consent_text(card)
    secret = online.consent_and_setup(card, consent=True, shown_text=text, actor=None)
    # What Stripe.js does in the patient's browser (confirmCardSetup with the typed card):
    seti = secret.split("_secret_")[0]
    ls.client(stripe_on).v1.setup_intents.confirm(seti, params={"payment_method": "pm_card_visa"})
    saved = online.finish_setup_from_stripe(card, actor=None)
    assert (saved.status, saved.last4, saved.consent_text) == ("active", "4242", text)
    assert saved.customer_id.startswith("cus_") and saved.payment_method_id.startswith("pm_")
    set_cancellation_policy(clinic, no_show_cost="fee", fee="150.00", actor=None)
    no_show(first)
    charge = CancellationCharge.objects.get(appointment=first)
    paid = online.charge_fee_to_saved_card(charge, actor=None)
    assert (paid.status, paid.kind) == ("succeeded", "fee")
    fee = Payment.objects.get(invoice=charge.invoice)
    assert (fee.method, fee.amount) == ("online_card", Decimal("150.00"))
    with pytest.raises(ValidationError):
        online.charge_fee_to_saved_card(charge, actor=None)  # paid already
    online.revoke_card(saved, actor=None)
    assert SavedCard.objects.get().status == "revoked"


# --- Webhooks ----------------------------------------------------------------------------------------------


def _post(client, body: bytes, signature: str):
    return client.post(
        reverse("billing:stripe_webhook"),
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )


def test_a_signed_webhook_settles_the_intent_once_even_when_delivered_twice(client, stripe_on, issued):
    started = online.start_balance(issued, actor=None)
    # The patient's browser confirmed the intent at Stripe; the page never reported back.
    pm = ls.client(stripe_on).v1.tokens.retrieve(ls.card_token(stripe_on)).card.id
    ls.client(stripe_on).v1.payment_intents.update(started.intent_id, params={"payment_method": pm})
    intent = ls.client(stripe_on).v1.payment_intents.confirm(started.intent_id)
    payload = ls.event("payment_intent.succeeded", intent.to_dict(), event_id="evt_paid_1")
    body, signature = ls.signed(payload)
    first = _post(client, body, signature)
    assert first.status_code == 200 and first.json()["outcome"] == "balance succeeded"
    again = _post(client, body, signature)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert Payment.objects.filter(invoice=issued, method="online_card").count() == 1
    assert StripeEvent.objects.filter(event_id="evt_paid_1").count() == 1


def test_a_webhook_with_a_bad_signature_is_refused_and_changes_nothing(client, stripe_on, issued):
    started = online.start_balance(issued, actor=None)
    obj = {
        "id": started.intent_id,
        "object": "payment_intent",
        "status": "succeeded",
        "amount": 45000,
        "currency": "pln",
    }
    body, signature = ls.signed(ls.event("payment_intent.succeeded", obj), secret="whsec_someone_else")
    assert _post(client, body, signature).status_code == 400
    assert _post(client, body, "").status_code == 400
    stale_body, stale = ls.signed(ls.event("payment_intent.succeeded", obj), at=1_000_000_000)
    assert _post(client, stale_body, stale).status_code == 400  # outside Stripe's tolerance: a replay
    assert not Payment.objects.exists() and not StripeEvent.objects.exists()


def _charge_refunded(base: str, intent_id: str, event_id: str) -> tuple[bytes, str]:
    """The signed ``charge.refunded`` event Stripe sends after a refund of the intent's charge."""
    [refund, *_] = ls.client(base).v1.refunds.list(params={"payment_intent": intent_id}).data
    charge = ls.client(base).v1.charges.retrieve(refund.charge)
    return ls.signed(ls.event("charge.refunded", charge.to_dict(), event_id=event_id))


def test_a_refund_made_in_stripes_dashboard_is_recorded_once_by_the_webhook(client, stripe_on, issued):
    started = online.start_balance(issued, actor=None)
    online.pay_with_token(started, ls.card_token(stripe_on), actor=None)
    paid = Payment.objects.get(invoice=issued)
    # In Stripe's dashboard, not in MesoClinic:
    made = ls.client(stripe_on).v1.refunds.create(
        params={"payment_intent": started.intent_id, "amount": 5000}
    )
    body, signature = _charge_refunded(stripe_on, started.intent_id, "evt_refund_1")
    answer = _post(client, body, signature)
    assert answer.status_code == 200 and answer.json()["outcome"] == "1 refund(s) recorded"
    refund = Payment.objects.get(refund_of=paid)
    assert (refund.method, refund.amount, refund.location_id) == ("online_card", Decimal("-50.00"), None)
    assert refund.reason == f"Refunded in Stripe ({made.id})"
    with translation.override("pl"):  # kept as template and values: each reader's language (issue 15)
        assert refund.reason_text == f"Zwrócono w Stripe ({made.id})"
    assert OnlineRefund.objects.get(refund=refund).stripe_refund_id == made.id
    issued.refresh_from_db()
    assert issued.paid == Decimal("400.00")
    assert _post(client, body, signature).json()["outcome"] == "duplicate"
    # A second refund in the dashboard: its event lists both; only the new one is recorded.
    ls.client(stripe_on).v1.refunds.create(params={"payment_intent": started.intent_id, "amount": 2500})
    body, signature = _charge_refunded(stripe_on, started.intent_id, "evt_refund_2")
    assert _post(client, body, signature).json()["outcome"] == "1 refund(s) recorded"
    assert sorted(p.amount for p in Payment.objects.filter(refund_of=paid)) == [
        Decimal("-50.00"),
        Decimal("-25.00"),
    ]
    assert OnlineRefund.objects.count() == 2


def test_a_refund_made_from_mesoclinic_is_not_recorded_again_by_its_webhook(client, stripe_on, issued):
    started = online.start_balance(issued, actor=None)
    online.pay_with_token(started, ls.card_token(stripe_on), actor=None)
    refund_payment(Payment.objects.get(invoice=issued), amount="30.00", reason="Goodwill", actor=None)
    body, signature = _charge_refunded(stripe_on, started.intent_id, "evt_refund_ours")
    assert _post(client, body, signature).json()["outcome"] == "0 refund(s) recorded"
    assert Payment.objects.filter(invoice=issued, amount__lt=0).count() == 1
    assert OnlineRefund.objects.count() == 1
    unknown = {"id": "ch_nobody", "object": "charge", "payment_intent": "pi_nobody"}
    body, signature = ls.signed(ls.event("charge.refunded", unknown, event_id="evt_refund_unknown"))
    assert _post(client, body, signature).json()["outcome"] == "unknown intent"


def test_an_event_of_another_kind_is_acknowledged_and_ignored(client, stripe_on):
    body, signature = ls.signed(ls.event("customer.created", {"id": "cus_1", "object": "customer"}, "evt_c"))
    answer = _post(client, body, signature)
    assert answer.status_code == 200 and answer.json()["outcome"] == "ignored"
    odd_body, odd = ls.signed({"id": "evt_odd", "type": "payment_intent.succeeded"})  # signed, but no object
    assert _post(client, odd_body, odd).json()["outcome"] == "ignored"


# --- The patient's page and the API ------------------------------------------------------------------------


def test_the_patient_pays_on_the_payment_page_with_stripe_js_from_localstripe(client, stripe_on, issued):
    started = online.start_balance(issued, actor=None)
    url = reverse("billing_online:pay", args=[started.reference])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'src="{stripe_on}/js.stripe.com/v3/"' in html and 'data-stripe-key="pk_test_mesoclinic"' in html
    assert stripe_on in page["Content-Security-Policy"]
    refused = client.post(url, {"token": "nonsense"})
    assert refused.status_code == 422 and not Payment.objects.exists()
    done = client.post(url, {"token": ls.card_token(stripe_on)})
    assert done.status_code == 302
    assert b'data-testid="paid"' in client.get(url).content
    assert client.get(reverse("billing_online:pay", args=["unknown-reference"])).status_code == 404


def test_the_api_starts_a_payment_intent_and_reads_it_back(stripe_on, clinic, issued):
    staff = client_for(make_staff(clinic, Role.RECEPTIONIST))
    answer = call(staff, "post", f"{API}/invoices/{issued.pk}/payment-intents", {"amount": "200.00"})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["amount"], body["currency"], body["status"], body["kind"]) == (
        "200.00",
        "PLN",
        "pending",
        "balance",
    )
    assert body["intent_id"].startswith("pi_") and re.search(r"/pay/[\w-]+/$", body["url"])
    too_much = call(staff, "post", f"{API}/invoices/{issued.pk}/payment-intents", {"amount": "999.00"})
    assert too_much.status_code == 422 and "amount" in too_much.content.decode()
    other = client_for(make_staff(pl_clinic("Other"), Role.RECEPTIONIST))
    assert call(other, "post", f"{API}/invoices/{issued.pk}/payment-intents", {}).status_code == 404
    assert call(other, "get", f"{API}/payment-intents/{body['id']}").status_code == 404
    assert call(staff, "get", f"{API}/payment-intents/{body['id']}").json()["intent_id"] == body["intent_id"]
    assert OnlinePayment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_localstripe_itself_delivers_the_signed_event_to_the_webhook(live_server, settings, localstripe):
    """localstripe posts ``payment_intent.succeeded`` (signed with the endpoint's secret) to the running app;
    the intent the patient's browser confirmed at Stripe is settled without the page reporting back."""
    ls.configure(settings, localstripe)
    import requests  # noqa: PLC0415 — the test's own HTTP call to localstripe's configuration route

    hook = live_server.url + reverse("billing:stripe_webhook")
    requests.post(
        f"{localstripe}/_config/webhooks/mesoclinic-{id(settings)}",
        data={"url": hook, "secret": ls.WEBHOOK_SECRET},
        timeout=10,
    ).raise_for_status()
    clinic = pl_clinic("Webhook Clinic")
    invoice = issue_invoice(draft(make_patient(clinic), line(unit_price="120.00")), actor=None)
    started = online.start_balance(invoice, actor=None)
    stripe = ls.client(localstripe)
    pm = stripe.v1.tokens.retrieve(ls.card_token(localstripe)).card.id
    stripe.v1.payment_intents.update(started.intent_id, params={"payment_method": pm})
    stripe.v1.payment_intents.confirm(started.intent_id)
    deadline = time.monotonic() + 20
    while not Payment.objects.filter(invoice=invoice).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.method, payment.amount) == ("online_card", Decimal("120.00"))
    # (localstripe may also deliver earlier tests' events, still in flight, to this endpoint: unknown intents.)
    assert (
        StripeEvent.objects.filter(type="payment_intent.succeeded", outcome="balance succeeded").count() == 1
    )


def test_the_desk_makes_links_for_the_patient_and_charges_the_saved_card(stripe_on, clinic, first):
    desk = client_for(make_staff(clinic, Role.RECEPTIONIST))
    invoice = issue_invoice(draft(first.patient, line(unit_price="200.00")), actor=None)
    page = desk.get(reverse("billing:document", args=[invoice.pk]))
    assert b'data-testid="online-link"' in page.content
    made = desk.post(reverse("billing:online_link", args=[invoice.pk]), follow=True)
    link = OnlinePayment.objects.get(invoice=invoice)
    assert f"/pay/{link.reference}/" in made.content.decode()
    set_cancellation_policy(clinic, deposit_kind="fixed", deposit_value="50.00", actor=None)
    desk.post(reverse("billing:online_deposit", args=[first.pk]))
    assert OnlinePayment.objects.get(appointment=first).amount == Decimal("50.00")
    desk.post(reverse("billing:card_link", args=[first.patient_id]))
    card = SavedCard.objects.get(patient=first.patient)
    assert card.status == "pending" and card.consented_at is None
    # The patient's page: the consent first, then the card (Stripe.js confirms the SetupIntent).
    visitor = Client()
    url = reverse("billing_online:card", args=[card.reference])
    assert b'name="consent"' in visitor.get(url).content
    assert visitor.post(url, {}).status_code == 422
    shown = visitor.post(url, {"consent": "yes"})
    secret = re.search(r'data-client-secret="([^"]+)"', shown.content.decode()).group(1)
    ls.client(stripe_on).v1.setup_intents.confirm(
        secret.split("_secret_")[0], params={"payment_method": "pm_card_visa"}
    )
    assert visitor.post(reverse("billing_online:card_saved", args=[card.reference])).status_code == 302
    assert b'data-testid="saved"' in visitor.get(url).content
    account = desk.get(reverse("billing:patient_account", args=[first.patient_id]))
    assert b"4242" in account.content
    set_cancellation_policy(clinic, no_show_cost="fee", fee="40.00", actor=None)
    no_show(first)
    charge = CancellationCharge.objects.get(appointment=first)
    desk.post(reverse("billing:charge_card", args=[charge.pk]))
    assert Payment.objects.get(invoice=charge.invoice).method == "online_card"
