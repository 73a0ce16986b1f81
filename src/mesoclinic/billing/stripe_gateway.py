"""The one door to Stripe: the official ``stripe`` library, configured from settings, nothing else.

Money crosses here in the currency's minor units (grosze, cents); the rest of billing speaks ``Decimal``.
No card data ever reaches MesoClinic: Stripe.js turns the card into a token (or confirms a SetupIntent) in
the browser, and only Stripe's ids (``pi_``, ``cus_``, ``pm_``, ``re_``, ``evt_``) are stored.

``STRIPE_API_BASE`` points the client at another server speaking Stripe's API (localstripe in the tests).
Every call raises ``GatewayError`` with Stripe's message when Stripe refuses or cannot be reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings

# ISO 4217 currencies Stripe takes in whole units (no minor unit).
ZERO_DECIMAL = frozenset(
    "BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split()  # noqa: SIM905 — one list to read
)


class GatewayError(Exception):
    """Stripe refused or was unreachable; ``code`` is Stripe's (``card_declined``) when it gave one."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class IntentState:
    """What MesoClinic needs of a PaymentIntent or SetupIntent."""

    id: str
    status: str
    amount: int | None
    currency: str
    payment_method: str
    customer: str
    metadata: dict[str, str]
    error: str = ""


def is_configured() -> bool:
    """Online card payments are offered only with both keys (the secret one here, the public one in Stripe.js)."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_PUBLISHABLE_KEY)


def js_url() -> str:
    """Where the payment page loads Stripe.js from: localstripe's own shim when the API base is overridden."""
    if settings.STRIPE_JS_URL:
        return str(settings.STRIPE_JS_URL)
    if settings.STRIPE_API_BASE:
        return f"{settings.STRIPE_API_BASE}/js.stripe.com/v3/"
    return "https://js.stripe.com/v3/"


def to_minor(amount: Decimal, currency: str) -> int:
    if currency.upper() in ZERO_DECIMAL:
        return int(amount)
    return int((amount * 100).to_integral_value())


def from_minor(amount: int, currency: str) -> Decimal:
    if currency.upper() in ZERO_DECIMAL:
        return Decimal(amount).quantize(Decimal("0.01"))
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise GatewayError("Stripe is not configured (STRIPE_SECRET_KEY).", "not_configured")
    bases: dict[str, str] = {}
    if settings.STRIPE_API_BASE:
        bases = {"api": settings.STRIPE_API_BASE}
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses=bases,  # type: ignore[arg-type]  # a partial BaseAddresses TypedDict is what it takes
        max_network_retries=2,
    )


def _call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except stripe.StripeError as exc:
        error = getattr(exc, "error", None)
        code = str(getattr(error, "code", "") or getattr(exc, "code", "") or "")
        message = str(getattr(exc, "user_message", "") or getattr(error, "message", "") or exc)
        raise GatewayError(message or "Stripe refused the request.", code) from exc


def _plain(obj: Any) -> dict[str, Any]:
    """A Stripe object (or a verified event's payload) as a plain dict."""
    if hasattr(obj, "to_dict"):
        return dict(obj.to_dict())
    return dict(obj)


def _id(value: Any) -> str:
    """An expandable field: Stripe sends an id, localstripe sometimes the whole object."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(value.get("id", "")) if hasattr(value, "get") else str(getattr(value, "id", ""))


def state_of(stripe_obj: Any) -> IntentState:
    """What MesoClinic needs of a PaymentIntent or SetupIntent object (from the API or an event)."""
    obj = _plain(stripe_obj)
    error = obj.get("last_payment_error") or obj.get("last_setup_error") or {}
    return IntentState(
        id=str(obj["id"]),
        status=str(obj.get("status") or ""),
        amount=obj.get("amount"),
        currency=str(obj.get("currency") or ""),
        payment_method=_id(obj.get("payment_method")),
        customer=_id(obj.get("customer")),
        metadata={str(k): str(v) for k, v in dict(obj.get("metadata") or {}).items()},
        error=str(error.get("message", "")) if hasattr(error, "get") else "",
    )


def create_payment_intent(
    *,
    amount: Decimal,
    currency: str,
    metadata: dict[str, str],
    idempotency_key: str,
    customer: str = "",
    payment_method: str = "",
    off_session: bool = False,
) -> tuple[IntentState, str]:
    """A PaymentIntent for ``amount``; with a saved ``payment_method`` it is confirmed at once (off session).
    Returns its state and its client secret."""
    params: dict[str, Any] = {
        "amount": to_minor(amount, currency),
        "currency": currency.lower(),
        "metadata": metadata,
        "payment_method_types": ["card"],
    }
    if customer:
        params["customer"] = customer
    if payment_method:
        params.update(payment_method=payment_method, confirm=True, off_session=off_session)
    intent = _call(
        _client().v1.payment_intents.create, params=params, options={"idempotency_key": idempotency_key}
    )
    return state_of(intent), str(_plain(intent).get("client_secret") or "")


def pay_with_token(intent_id: str, token: str) -> IntentState:
    """Confirm a PaymentIntent with the card Stripe.js tokenised in the patient's browser.

    Stripe takes the token as ``payment_method_data[card][token]`` on confirmation (its documented way to
    use a token with PaymentIntents). localstripe (``STRIPE_API_BASE`` set) does not know that parameter;
    there the token's card is set as the intent's payment method and then confirmed."""
    client = _client()
    if not settings.STRIPE_API_BASE:
        params = {"payment_method_data": {"type": "card", "card": {"token": token}}}
        return state_of(_call(client.v1.payment_intents.confirm, intent_id, params=params))
    card = _plain(_call(client.v1.tokens.retrieve, token)).get("card")
    _call(client.v1.payment_intents.update, intent_id, params={"payment_method": _id(card)})
    return state_of(_call(client.v1.payment_intents.confirm, intent_id))


def payment_intent(intent_id: str) -> IntentState:
    return state_of(_call(_client().v1.payment_intents.retrieve, intent_id))


def cancel_intent(intent_id: str) -> IntentState:
    """Cancel a PaymentIntent nobody has paid yet (Stripe refuses for one that succeeded)."""
    return state_of(_call(_client().v1.payment_intents.cancel, intent_id))


def refund(
    *, intent_id: str, amount: Decimal, currency: str, metadata: dict[str, str], idempotency_key: str
) -> str:
    """Give ``amount`` of a succeeded PaymentIntent back to the card; the refund's id."""
    result = _call(
        _client().v1.refunds.create,
        params={"payment_intent": intent_id, "amount": to_minor(amount, currency), "metadata": metadata},
        options={"idempotency_key": idempotency_key},
    )
    status = _plain(result).get("status")
    if status not in ("succeeded", "pending"):
        raise GatewayError(f"Stripe did not refund ({status}).", "refund_failed")
    return str(result["id"])


def refunds_of(intent_id: str, currency: str) -> list[tuple[str, Decimal, str]]:
    """The refunds Stripe holds for a PaymentIntent (made from MesoClinic or in Stripe's dashboard):
    ``(id, amount, status)`` each, oldest first. Read from the API, not from an event's payload, whose
    ``refunds`` list depends on the API version."""
    listed = _plain(_call(_client().v1.refunds.list, params={"payment_intent": intent_id, "limit": 100}))
    rows = sorted(listed.get("data") or [], key=lambda r: (r.get("created") or 0, str(r.get("id"))))
    return [
        (str(r["id"]), from_minor(int(r.get("amount") or 0), currency), str(r.get("status") or ""))
        for r in rows
    ]


def create_customer(*, name: str, email: str, metadata: dict[str, str]) -> str:
    params: dict[str, Any] = {"name": name, "metadata": metadata}
    if email:
        params["email"] = email
    return str(_call(_client().v1.customers.create, params=params)["id"])


def create_setup_intent(*, customer: str, metadata: dict[str, str]) -> tuple[IntentState, str]:
    """A SetupIntent saving a card for later charges without the patient present (``off_session``)."""
    intent = _call(
        _client().v1.setup_intents.create,
        params={
            "customer": customer,
            "usage": "off_session",
            "payment_method_types": ["card"],
            "metadata": metadata,
        },
    )
    return state_of(intent), str(_plain(intent).get("client_secret") or "")


def setup_intent(intent_id: str) -> IntentState:
    return state_of(_call(_client().v1.setup_intents.retrieve, intent_id))


def card_details(payment_method: str) -> dict[str, Any]:
    """Brand, last four digits and expiry of a saved card (what a receptionist may see), never the number."""
    pm = _call(_client().v1.payment_methods.retrieve, payment_method)
    card = _plain(pm).get("card") or {}
    return {
        "brand": str(card.get("brand") or ""),
        "last4": str(card.get("last4") or ""),
        "exp_month": card.get("exp_month"),
        "exp_year": card.get("exp_year"),
    }


def verified_event(payload: bytes, signature: str) -> dict[str, Any]:
    """The event Stripe signed (a plain dict), or ``GatewayError`` (a bad, stale or missing signature, a
    payload not JSON)."""
    if not settings.STRIPE_WEBHOOK_SECRET:
        raise GatewayError("STRIPE_WEBHOOK_SECRET is not set.", "not_configured")
    try:
        return _plain(stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET))
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise GatewayError(str(exc) or "Bad signature.", "bad_signature") from exc
