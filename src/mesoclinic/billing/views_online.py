"""Online card payments: the patient's payment page and card-saving page (public: the unguessable reference
in the link is the key), Stripe's webhook, and the till's buttons that make a payment link.

The card is typed into Stripe.js (``STRIPE_JS_URL``; localstripe's shim in the tests), which turns it into a
token in the browser; the page sends only the token, and the server confirms the PaymentIntent with it. A
card is saved with Stripe.js's ``confirmCardSetup`` after the patient ticked the consent; the server then
asks Stripe whether the SetupIntent succeeded (it believes no browser). Each page allows the Stripe.js
origin in its Content-Security-Policy and nothing else new.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability
from mesoclinic.billing import online, selectors, stripe_gateway
from mesoclinic.billing.forms import DepositRefundForm
from mesoclinic.billing.models import OnlinePayment, OnlinePaymentStatus, SavedCard, SavedCardStatus
from mesoclinic.patients.selectors import get_patient_for_user
from mesoclinic.scheduling.selectors import get_appointment_for_user
from mesoclinic.shared_cache import count_hit

PAGE_LIMIT = 60  # payment page requests per address per minute


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _with_stripe_js(response: HttpResponse) -> HttpResponse:
    """Stripe.js (or localstripe's shim) may load, talk to its API and show its frames; nothing else."""
    origin = _origin(stripe_gateway.js_url())
    api = _origin(settings.STRIPE_API_BASE) if settings.STRIPE_API_BASE else ""
    sources = [origin] + ([api] if api and api != origin else [])
    if not settings.STRIPE_API_BASE:
        sources += ["https://api.stripe.com", "https://m.stripe.network"]
    response._csp_update = {  # type: ignore[attr-defined]  # django-csp reads this attribute of the response
        "script-src": [origin],
        "connect-src": sources,
        "frame-src": [origin, "https://hooks.stripe.com"],
    }
    return response


def _throttled(request: HttpRequest) -> bool:
    return count_hit(f"pay:{request.META.get('REMOTE_ADDR') or 'unknown'}", window_seconds=60) > PAGE_LIMIT


def _what(payment: OnlinePayment) -> str:
    if payment.kind == "deposit" and payment.appointment is not None:
        return _("Deposit for your %(treatment)s booking") % {"treatment": payment.appointment.protocol.name}
    if payment.invoice is not None and payment.invoice.number:
        return _("Balance of %(number)s") % {"number": payment.invoice.number}
    return _("Fee")


@require_http_methods(["GET", "POST"])
def pay_page(request: HttpRequest, reference: str) -> HttpResponse:
    """The patient pays one PaymentIntent by card: a deposit, a balance or a fee."""
    if _throttled(request):
        return HttpResponse(_("Too many requests. Please wait a minute."), status=429)
    payment = get_object_or_404(
        OnlinePayment.objects.select_related("clinic", "appointment__protocol", "invoice"),
        reference=reference,
    )
    error, status = "", 200
    if request.method == "POST" and payment.status != OnlinePaymentStatus.SUCCEEDED:
        try:
            online.pay_with_token(payment, request.POST.get("token", ""), actor=request.user)
        except ValidationError as exc:
            error, status = " ".join(exc.messages), 422
        else:
            return HttpResponseRedirect(reverse("billing_online:pay", args=[reference]))
        payment.refresh_from_db()
    context = {
        "public_clinic": payment.clinic,
        "payment": payment,
        "what": _what(payment),
        "paid": payment.status == OnlinePaymentStatus.SUCCEEDED,
        "offered": online.offered(),
        "stripe_js": stripe_gateway.js_url(),
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "error": error,
    }
    return _with_stripe_js(render(request, "billing/online/pay.html", context, status=status))


def _card(reference: str) -> SavedCard:
    return get_object_or_404(SavedCard.objects.select_related("clinic", "patient"), reference=reference)


@require_http_methods(["GET", "POST"])
def card_page(request: HttpRequest, reference: str) -> HttpResponse:
    """The patient reads what the saved card may be charged for, ticks to agree, then types the card."""
    if _throttled(request):
        return HttpResponse(_("Too many requests. Please wait a minute."), status=429)
    card = _card(reference)
    text = online.consent_text(card)
    context: dict[str, Any] = {
        "public_clinic": card.clinic,
        "card": card,
        "consent_text": text,
        "offered": online.offered(),
        "stripe_js": stripe_gateway.js_url(),
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "error": "",
        "client_secret": "",
    }
    status = 200
    if request.method == "POST" and card.status == SavedCardStatus.PENDING:
        try:
            context["client_secret"] = online.consent_and_setup(
                card, consent=request.POST.get("consent") == "yes", shown_text=text, actor=request.user
            )
        except ValidationError as exc:
            context["error"], status = " ".join(exc.messages), 422
    return _with_stripe_js(render(request, "billing/online/card.html", context, status=status))


@require_POST
def card_saved(request: HttpRequest, reference: str) -> HttpResponse:
    """Stripe.js confirmed the SetupIntent: ask Stripe, and save the card when it says so."""
    card = _card(reference)
    try:
        online.finish_setup_from_stripe(card, actor=request.user)
    except ValidationError as exc:
        context = {
            "public_clinic": card.clinic,
            "card": card,
            "consent_text": online.consent_text(card),
            "offered": online.offered(),
            "error": " ".join(exc.messages),
            "client_secret": "",
        }
        return _with_stripe_js(render(request, "billing/online/card.html", context, status=422))
    return HttpResponseRedirect(reverse("billing_online:card", args=[reference]))


@csrf_exempt  # Stripe posts it; the signature (STRIPE_WEBHOOK_SECRET) is what authenticates it
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe's signed events (``payment_intent.*``, ``setup_intent.succeeded``): 400 for a bad signature,
    200 for an event handled now or before (a duplicate delivery changes nothing)."""
    try:
        event = stripe_gateway.verified_event(request.body, request.headers.get("Stripe-Signature", ""))
    except stripe_gateway.GatewayError as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    outcome = online.handle_event(event)
    return JsonResponse({"received": True, "outcome": outcome})


# ---------------------------------------------------------------------------------------------------------
# The till's side: links to send the patient


def _link(request: HttpRequest, name: str, reference: str) -> str:
    return request.build_absolute_uri(reverse(name, args=[reference]))


@require_POST
@staff_required(Capability.TAKE_PAYMENTS)
def invoice_link(request: ClinicRequest, invoice_id: int) -> HttpResponse:
    """A link for the patient to pay the document's balance by card online."""
    invoice = selectors.get_invoice_for_user(request.staff, invoice_id)
    try:
        payment = online.start_balance(invoice, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Payment link for the patient: %(url)s")
            % {"url": _link(request, "billing_online:pay", payment.reference)},
        )
    return HttpResponseRedirect(reverse("billing:document", args=[invoice.pk]) + "#payments")


@require_POST
@staff_required(Capability.VIEW_SCHEDULE, Capability.TAKE_PAYMENTS)
def deposit_link(request: ClinicRequest, appointment_id: int) -> HttpResponse:
    """A link for the patient to pay the booking's deposit by card online."""
    appointment = get_appointment_for_user(request.staff, appointment_id)
    try:
        payment = online.start_deposit(appointment, actor=request.user, amount=request.POST.get("amount"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Deposit link for the patient: %(url)s")
            % {"url": _link(request, "billing_online:pay", payment.reference)},
        )
    return HttpResponseRedirect(reverse("billing:patient_account", args=[appointment.patient_id]))


@require_POST
@staff_required(Capability.VIEW_PATIENTS, Capability.TAKE_PAYMENTS)
def card_link(request: ClinicRequest, patient_id: int) -> HttpResponse:
    """A link for the patient to save a card for the no-show fee (with their consent, on their device)."""
    patient = get_patient_for_user(request.staff, patient_id)
    try:
        card = online.request_saved_card(patient, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Link for the patient to save a card: %(url)s")
            % {"url": _link(request, "billing_online:card", card.reference)},
        )
    return HttpResponseRedirect(reverse("billing:patient_account", args=[patient.pk]))


@require_POST
@staff_required(Capability.VIEW_PATIENTS, Capability.TAKE_PAYMENTS)
def charge_card(request: ClinicRequest, charge_id: int) -> HttpResponse:
    """Charge a no-show or late-cancel fee to the card the patient saved for it."""
    charge = selectors.get_charge_for_user(request.staff, charge_id)
    try:
        online.charge_fee_to_saved_card(charge, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The fee was charged to the saved card."))
    return HttpResponseRedirect(reverse("billing:patient_account", args=[charge.patient_id]) + "#charges")


@require_POST
@staff_required(Capability.TAKE_PAYMENTS)
def email_online_payment(request: ClinicRequest, online_payment_id: int) -> HttpResponse:
    """Send a payment link waiting for the card to the patient by e-mail, in the patient's language."""
    found = selectors.get_online_payment_for_user(request.staff, online_payment_id)
    url = _link(request, "billing_online:pay", found.reference)
    try:
        address = online.email_link(found, url=url, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Sent to %(address)s.") % {"address": address})
    back = request.POST.get("status", "")
    query = f"?status={back}" if back in OnlinePaymentStatus.values or back == "all" else ""
    return HttpResponseRedirect(reverse("billing:online_payments") + query)


# ---------------------------------------------------------------------------------------------------------
# The desk's list of payment links

LINKS_PAGE_SIZE = 25


@require_GET
@staff_required(Capability.TAKE_PAYMENTS)
def online_payments(request: ClinicRequest) -> HttpResponse:
    """Billing → Online payments: the payment links sent to patients (waiting ones first by default), each
    with its link to copy and send again, and a button to cancel one nobody has paid."""
    status = request.GET.get("status", OnlinePaymentStatus.PENDING)
    status = (
        status if status in OnlinePaymentStatus.values or status == "all" else OnlinePaymentStatus.PENDING
    )
    found = selectors.online_payments_for_clinic(request.clinic, status="" if status == "all" else status)
    page = Paginator(found, LINKS_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(p, _link(request, "billing_online:pay", p.reference)) for p in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "status": status,
        "statuses": OnlinePaymentStatus.choices,
        "waiting": (OnlinePaymentStatus.PENDING, OnlinePaymentStatus.FAILED),
        "offered": online.offered(),
        "section": "billing",
    }
    return render(request, "billing/online/payments.html", context)


@require_POST
@staff_required(Capability.TAKE_PAYMENTS)
def cancel_online_payment(request: ClinicRequest, online_payment_id: int) -> HttpResponse:
    """Cancel a payment link nobody has paid (the intent is cancelled at Stripe)."""
    found = selectors.get_online_payment_for_user(request.staff, online_payment_id)
    try:
        online.cancel_pending(found, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The payment link is cancelled: it takes no card now."))
    return HttpResponseRedirect(reverse("billing:online_payments"))


@require_POST
@staff_required(Capability.VIEW_PATIENTS, Capability.REFUND_PAYMENTS)
def refund_deposit(request: ClinicRequest, deposit_id: int) -> HttpResponse:
    """Give a held deposit paid online back to the card (Stripe), with a reason."""
    deposit = selectors.get_deposit_for_user(request.staff, deposit_id)
    form = DepositRefundForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the deposit is given back."))
    else:
        try:
            online.refund_deposit(deposit, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The deposit is given back to the card."))
    return HttpResponseRedirect(reverse("billing:patient_account", args=[deposit.patient_id]) + "#deposits")
