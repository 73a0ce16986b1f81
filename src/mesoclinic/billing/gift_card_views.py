"""Gift cards at the till: look one up by its code (balance, expiry, ledger), the clinic's cards sold, and
the owner's expiry change. Sale and redemption happen on the document screen (a gift-card line; the gift
card payment method with its code). Cards are the caller's clinic's only (another clinic's code is a 404).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mesoclinic.accounts.decorators import staff_required
from mesoclinic.accounts.http import ClinicRequest
from mesoclinic.accounts.permissions import Capability, role_has
from mesoclinic.billing import giftcards
from mesoclinic.billing.forms import GiftCardExpiryForm, GiftCardLookupForm
from mesoclinic.billing.models import GiftCard
from mesoclinic.csv_export import csv_export, wants_csv
from mesoclinic.form_errors import add_service_errors

PAGE_SIZE = 25
CSV_HEADER = ["code", "currency", "amount", "balance", "expires_on", "sold_on", "patient_id", "created_at"]


@require_GET
@staff_required(Capability.VIEW_BILLING)
def gift_cards(request: ClinicRequest) -> HttpResponseBase:
    """The lookup (``?code=``: straight to the card) and the clinic's cards, newest first."""
    form = GiftCardLookupForm(request.GET or None)
    status = 200
    if form.is_bound and form.is_valid():
        card = giftcards.find(request.clinic, form.cleaned_data["code"])
        if card is not None:
            return HttpResponseRedirect(reverse("billing:gift_card", args=[card.code]))
        form.add_error("code", _("No gift card of this clinic has this code."))
        status = 404
    found = giftcards.cards_for_clinic(request.clinic)
    if wants_csv(request):
        rows = (
            [
                c.code,
                c.currency,
                c.amount,
                c.balance,
                c.expires_on,
                c.invoice.number,
                c.patient_id,
                c.created_at,
            ]
            for c in found.iterator()
        )
        return csv_export(request, "gift-cards.csv", CSV_HEADER, rows, list_name="billing.gift_cards")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "today": request.clinic.today(), "section": "billing"}
    return render(request, "billing/gift_cards.html", context, status=status)


def _card_page(request: ClinicRequest, card: GiftCard, *, status: int = 200, **forms: Any) -> HttpResponse:
    today = request.clinic.today()
    context = {
        "card": card,
        "entries": giftcards.ledger_of(card),
        "expired": card.expires_on < today,
        "usable": giftcards.is_usable(card, today),
        "can_change": role_has(request.staff.role, Capability.REFUND_PAYMENTS),
        "expiry_form": forms.get("expiry_form")
        or GiftCardExpiryForm(initial={"expires_on": card.expires_on}),
        "section": "billing",
    }
    return render(request, "billing/gift_card.html", context, status=status)


@require_GET
@staff_required(Capability.VIEW_BILLING)
def gift_card(request: ClinicRequest, code: str) -> HttpResponse:
    """A card: its balance, expiry and ledger (sale, redemptions with their documents, returns)."""
    return _card_page(request, giftcards.get_gift_card_for_user(request.staff, code))


@require_POST
@staff_required(Capability.REFUND_PAYMENTS)
def gift_card_expiry(request: ClinicRequest, code: str) -> HttpResponse:
    card = giftcards.get_gift_card_for_user(request.staff, code)
    form = GiftCardExpiryForm(request.POST)
    if form.is_valid():
        try:
            giftcards.set_expiry(card, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Expiry changed."))
            return HttpResponseRedirect(reverse("billing:gift_card", args=[card.code]))
    return _card_page(request, card, status=422, expiry_form=form)
