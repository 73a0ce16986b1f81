"""Gift cards: sold on an issued document, redeemed as a payment (in parts, across visits), never below zero.

A card is sold by a line whose item is a gift-card price item: issuing the document opens one card per unit,
worth the line's gross per unit, with a code printed on the document (``ABCD-EFGH-JKMN``: no 0/O, 1/I/L) and
an expiry (``VALIDITY_MONTHS`` after the sale, editable with a reason). Redeeming takes a payment's amount off
the balance with one conditional ``UPDATE`` (``balance >= amount``, not expired): two tills redeeming the same
card at once can never take more than is on it, on either database. A refund of a gift-card payment puts the
money back on the card. Every move is a ``GiftCardEntry`` (never changed or deleted) with the balance after it.

This module is called by ``billing.services`` (issuing, payments, refunds) and reads nothing above models, so
the services import it and not the other way round.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.actors import Actor
from mesoclinic.audit.services import acting_user, record_event
from mesoclinic.billing.engine import packages, vat
from mesoclinic.billing.models import (
    DocumentStatus,
    GiftCard,
    GiftCardEntry,
    GiftCardEntryKind,
    Invoice,
    InvoiceLine,
    ItemKind,
    Payment,
    reason_fields,
)
from mesoclinic.clinical_codes.words import Worded
from mesoclinic.money_text import format_money

VALIDITY_MONTHS = 12
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud and typed from paper
CODE_GROUPS = 3
GROUP = 4


def _fail(field: str, message: str) -> ValidationError:
    return ValidationError({field: [message]})


def normalize_code(text: Any) -> str:
    """A code as typed (any case, spaces or dashes anywhere) in its printed form ``ABCD-EFGH-JKMN``."""
    raw = "".join(ch for ch in str(text or "").upper() if ch.isalnum())
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _position in range(GROUP * CODE_GROUPS))
    return normalize_code(raw)


def _today(clinic: Clinic) -> date:
    return clinic.today()


# ---------------------------------------------------------------------------------------------------------
# Reads


def find(clinic: Clinic, code: Any) -> GiftCard | None:
    """The clinic's card with this code (as typed), or None."""
    normalized = normalize_code(code)
    if not normalized:
        return None
    return GiftCard.objects.filter(clinic=clinic, code=normalized).select_related("invoice").first()


def get_gift_card_for_user(staff: StaffMember | None, code: Any) -> GiftCard:
    """A card of the caller's clinic by its code; 404 for another clinic's or an unknown code."""
    card = find(staff.clinic, code) if staff is not None else None
    if card is None:
        raise Http404("No such gift card.")
    return card


def ledger_of(card: GiftCard) -> list[GiftCardEntry]:
    return list(card.entries.select_related("by", "payment__invoice", "document"))


def sold_on(invoice: Invoice) -> list[GiftCard]:
    """The cards a document sold (printed on it with their codes)."""
    return list(GiftCard.objects.filter(invoice=invoice).order_by("pk"))


def cards_for_clinic(clinic: Clinic) -> QuerySet[GiftCard]:
    return GiftCard.objects.filter(clinic=clinic).select_related("patient", "invoice")


def is_usable(card: GiftCard, today: date) -> bool:
    return card.balance > 0 and card.expires_on >= today


# ---------------------------------------------------------------------------------------------------------
# Writes (inside the callers' transactions)


def _entry(card: GiftCard, kind: str, actor: Actor, *, amount: Decimal, **fields: Any) -> GiftCardEntry:
    balance = GiftCard.objects.filter(pk=card.pk).values_list("balance", flat=True).get()
    return GiftCardEntry.objects.create(
        gift_card=card,
        kind=kind,
        amount=amount,
        balance=balance,
        at=timezone.now(),
        by=acting_user(actor),
        **fields,
    )


def sell(invoice: Invoice, *, actor: Actor) -> list[GiftCard]:
    """Issuing a document with gift-card lines opens one card per unit (called by ``issue_invoice``).

    A gift card is sold paid: the document must have no balance left when it is issued.
    """
    lines = list(invoice.lines.filter(item__kind=ItemKind.GIFT_CARD))
    if not lines:
        return []
    if invoice.balance > 0:
        raise _fail(
            "lines",
            _("A gift card is sold paid: take the remaining %(balance)s before issuing.")
            % {"balance": format_money(invoice.balance, "")},
        )
    expires_on = packages.add_months(_today(invoice.clinic), VALIDITY_MONTHS)
    made = []
    for line in lines:
        units = int(line.quantity)
        if units != line.quantity or units < 1:
            raise _fail(
                "lines", _("%(line)s: gift cards are sold in whole units.") % {"line": line.description}
            )
        value = vat.round_half_up(line.gross / units)
        if value <= 0:
            raise _fail(
                "lines", _("%(line)s: a gift card is worth more than zero.") % {"line": line.description}
            )
        for _unit in range(units):
            card = _create(invoice, line, value, expires_on)
            _entry(card, GiftCardEntryKind.SALE, actor, amount=value, expires_on=expires_on)
            record_event(
                "billing.gift_card.sell",
                card,
                actor=actor,
                clinic=invoice.clinic,
                data={"invoice": invoice.number, "amount": str(value), "expires_on": expires_on.isoformat()},
            )
            made.append(card)
    return made


def _create(invoice: Invoice, line: Any, value: Decimal, expires_on: date) -> GiftCard:
    for _attempt in range(5):  # 31^12 codes: a collision is astronomically rare, but never a 500
        try:
            with transaction.atomic():
                return GiftCard.objects.create(
                    clinic=invoice.clinic,
                    code=new_code(),
                    invoice=invoice,
                    line=line,
                    patient=invoice.patient,
                    currency=invoice.currency,
                    amount=value,
                    balance=value,
                    expires_on=expires_on,
                    created_at=timezone.now(),
                )
        except IntegrityError:
            continue
    raise _fail("lines", _("No free gift card code was found; try again."))


def redeem(invoice: Invoice, code: Any, value: Decimal) -> GiftCard:
    """Take ``value`` off the card with ``code`` to pay ``invoice``: one conditional UPDATE, so the balance
    never goes below zero even when two tills redeem the same card at once. The ledger row is written by
    ``note_redemption`` once the payment exists."""
    if not normalize_code(code):
        raise _fail("code", _("Type the gift card's code."))
    card = find(invoice.clinic, code)
    if card is None:
        raise _fail("code", _("No gift card of this clinic has this code."))
    today = _today(invoice.clinic)
    if card.expires_on < today:
        raise _fail("code", _("This gift card expired on %(day)s.") % {"day": card.expires_on.isoformat()})
    if card.currency != invoice.currency:
        raise _fail(
            "code",
            _("This gift card is in %(card)s, the document in %(document)s.")
            % {"card": card.currency, "document": invoice.currency},
        )
    taken = GiftCard.objects.filter(pk=card.pk, balance__gte=value, expires_on__gte=today).update(
        balance=F("balance") - value
    )
    if not taken:
        card.refresh_from_db(fields=["balance"])
        raise _fail(
            "amount",
            _("The gift card's balance is %(balance)s: it pays at most that.")
            % {"balance": format_money(card.balance, "")},
        )
    return card


def note_redemption(card: GiftCard, payment: Payment, actor: Actor) -> GiftCardEntry:
    entry = _entry(card, GiftCardEntryKind.REDEEM, actor, amount=-payment.amount, payment=payment)
    record_event(
        "billing.gift_card.redeem",
        card,
        actor=actor,
        clinic=card.clinic,
        data={"payment": payment.pk, "amount": str(payment.amount), "balance": str(entry.balance)},
    )
    return entry


def give_back(
    card: GiftCard, refund: Payment, value: Decimal, *, reason: str | Worded, actor: Actor
) -> GiftCardEntry:
    """A refund of a gift-card payment puts the money back on the card (called by ``refund_payment``)."""
    GiftCard.objects.filter(pk=card.pk).update(balance=F("balance") + value)
    entry = _entry(
        card, GiftCardEntryKind.RETURN, actor, amount=value, payment=refund, **reason_fields(reason)
    )
    record_event(
        "billing.gift_card.return",
        card,
        actor=actor,
        clinic=card.clinic,
        data={"refund": refund.pk, "amount": str(value), "balance": str(entry.balance)},
    )
    return entry


def _is_gift_card_line(line: Any) -> bool:
    return line.item is not None and line.item.kind == ItemKind.GIFT_CARD


def credit(original: Invoice, note: Invoice, *, actor: Actor) -> list[GiftCardEntry]:
    """A credit note on a document that sold gift cards takes the credited gift-card value off its cards
    (called by ``create_credit_note``, inside its transaction, with ``original`` locked).

    The note's lines whose item is a gift card say how much of the cards is taken back; that is refused when
    more than what is left unspent on the document's cards (what was redeemed is spent, and is corrected on the
    documents it paid). The document's other lines can be credited up to their own total only, so a card's
    value is never credited under another line. Each card is taken down with one conditional ``UPDATE``
    (``balance >= x``): a till redeeming the card at the same moment either goes first (and the note is
    refused for what is no longer there) or finds the balance already taken. Each move is a ledger row.
    """
    cards = list(GiftCard.objects.select_for_update().filter(invoice=original).order_by("pk"))
    if not cards:
        return []
    note_lines = list(note.lines.select_related("item"))
    gift_value = sum((line.gross for line in note_lines if _is_gift_card_line(line)), Decimal("0.00"))
    other_value = sum((line.gross for line in note_lines if not _is_gift_card_line(line)), Decimal("0.00"))
    if other_value:
        original_other = sum(
            (line.gross for line in original.lines.select_related("item") if not _is_gift_card_line(line)),
            Decimal("0.00"),
        )
        credited_other = sum(
            (
                line.gross
                for line in InvoiceLine.objects.filter(
                    invoice__corrects=original, invoice__status=DocumentStatus.ISSUED
                ).select_related("item")
                if not _is_gift_card_line(line)
            ),
            Decimal("0.00"),
        )
        if credited_other > original_other:
            raise _fail(
                "lines",
                _(
                    "Only %(left)s of the lines of %(number)s that are not gift cards is left to credit: "
                    "a gift card is credited on its own line."
                )
                % {
                    "left": format_money(original_other - credited_other + other_value, ""),
                    "number": original.number,
                },
            )
    if not gift_value:
        return []
    unspent = sum((card.balance for card in cards), Decimal("0.00"))
    if gift_value > unspent:
        raise _fail(
            "lines",
            _(
                "Only %(left)s is left unspent on the gift cards sold on %(number)s: a credit note takes back at most that."
            )
            % {"left": format_money(unspent, ""), "number": original.number},
        )
    entries = []
    remaining = gift_value
    for card in cards:
        take = min(card.balance, remaining)
        if take <= 0:
            continue
        taken = GiftCard.objects.filter(pk=card.pk, balance__gte=take).update(balance=F("balance") - take)
        if not taken:  # redeemed since it was read (SQLite has no row lock)
            card.refresh_from_db(fields=["balance"])
            raise _fail(
                "lines",
                _("Gift card %(code)s was just used: %(balance)s is left on it. Try again.")
                % {"code": card.code, "balance": format_money(card.balance, "")},
            )
        entry = _entry(card, GiftCardEntryKind.CREDIT, actor, amount=-take, document=note, reason=note.reason)
        record_event(
            "billing.gift_card.credit",
            card,
            actor=actor,
            clinic=card.clinic,
            data={"credit_note": note.number, "amount": str(take), "balance": str(entry.balance)},
        )
        entries.append(entry)
        remaining -= take
        if remaining <= 0:
            break
    return entries


@transaction.atomic
def set_expiry(card: GiftCard, *, expires_on: Any, reason: str, actor: Actor) -> GiftCard:
    """Move a card's expiry (longer by goodwill, or as the law of the clinic's country requires), with a
    reason, in its ledger."""
    if not reason.strip():
        raise _fail("reason", _("Say why the expiry changes."))
    if not isinstance(expires_on, date):
        raise _fail("expires_on", _("Give the new expiry as a date (YYYY-MM-DD)."))
    card = GiftCard.objects.select_for_update().get(pk=card.pk)
    before = card.expires_on
    card.expires_on = expires_on
    card.save(update_fields=["expires_on"])
    _entry(
        card, GiftCardEntryKind.EXPIRY, actor, amount=Decimal("0.00"), expires_on=expires_on, reason=reason
    )
    record_event(
        "billing.gift_card.expiry",
        card,
        actor=actor,
        clinic=card.clinic,
        data={"before": before.isoformat(), "after": expires_on.isoformat(), "reason": reason.strip()},
    )
    return card
