"""Checkout forms. Amounts are typed as text (a comma or a point) and parsed by the service, which names
the field of any refused value; the forms only collect them, so nothing typed is lost on an error."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mesoclinic.billing.models import (
    BuyerKind,
    DepositBase,
    DepositKind,
    DocumentKind,
    ItemKind,
    LateCost,
    PaymentMethod,
)
from mesoclinic.form_errors import set_choices

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise  # a lazy translation, as django-stubs names it

AMOUNT_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "size": 8}


def _amount(label: Any, *, required: bool = True, **extra: Any) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=20, widget=forms.TextInput(attrs=AMOUNT_ATTRS), **extra
    )


def _rates(rates: list[str]) -> list[tuple[str, str | _StrPromise]]:
    return [(r, _("exempt (zw)") if r == "zw" else f"{r} %") for r in rates]


class LineForm(forms.Form):
    """A line added to a draft: from the price list, or typed."""

    item = forms.ChoiceField(label=_("From the price list"), required=False)
    description = forms.CharField(label=_("Description"), required=False, max_length=300)
    quantity = _amount(_("Quantity"), initial="1")
    unit_price = _amount(_("Unit price (gross)"), required=False)
    vat_rate = forms.ChoiceField(label=_("VAT"), required=False)

    def __init__(self, *args: Any, items: list[Any], rates: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "item",
            [("", _("— type a line instead —"))] + [(str(i.pk), f"{i.name} · {i.unit_price}") for i in items],
        )
        set_choices(self, "vat_rate", [("", "—"), *_rates(rates)])


class LineEditForm(forms.Form):
    """Quantity, price and a discount (an amount or a percentage) with its reason."""

    quantity = _amount(_("Quantity"))
    unit_price = _amount(_("Unit price (gross)"))
    discount = _amount(_("Discount"), required=False, help_text=_("An amount, or a percentage such as 10%."))
    discount_reason = forms.CharField(label=_("Reason for the discount"), required=False, max_length=300)


class PaymentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"), choices=PaymentMethod.choices, widget=forms.RadioSelect, initial=PaymentMethod.CASH
    )
    amount = _amount(_("Amount"))
    package = forms.ChoiceField(label=_("Package"), required=False)
    to_credit = forms.BooleanField(
        label=_("Put what is paid above the balance to the patient's credit"), required=False
    )
    code = forms.CharField(
        label=_("Gift card code"),
        required=False,
        max_length=40,
        help_text=_("With the gift card method: the code printed on the card's document."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def __init__(self, *args: Any, packages: Any = (), **kwargs: Any) -> None:
        """``packages``: the patient's usable package summaries; without one, a package cannot pay."""
        super().__init__(*args, **kwargs)
        summaries = list(packages)
        methods = [
            c for c in PaymentMethod.choices if c[0] not in (PaymentMethod.DEPOSIT, PaymentMethod.ONLINE_CARD)
        ]
        self.by_id = {str(s.package.pk): s.package for s in summaries}
        if summaries:
            set_choices(
                self,
                "package",
                [("", "—")] + [(str(s.package.pk), f"{s.package.name}: {s.text}") for s in summaries],
            )
        else:
            del self.fields["package"]
            methods = [c for c in methods if c[0] != PaymentMethod.PACKAGE_SESSION]
        set_choices(self, "method", methods)

    def clean_package(self) -> Any:
        return self.by_id.get(self.cleaned_data.get("package") or "")


class PackageExpiryForm(forms.Form):
    expires_on = forms.DateField(label=_("New expiry"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class PackageRefundForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000)
    amount = _amount(
        _("Amount to give back"), required=False, help_text=_("Leave empty to refund by the rule.")
    )
    override_reason = forms.CharField(
        label=_("Why another amount than the rule's (owner only)"), required=False, max_length=1000
    )


class RefundForm(forms.Form):
    amount = _amount(_("Amount to give back"))
    reason = forms.CharField(label=_("Reason"), max_length=1000)


class BuyerForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Buyer"), choices=BuyerKind.choices, widget=forms.RadioSelect, initial=BuyerKind.CONSUMER
    )
    name = forms.CharField(label=_("Company name"), required=False, max_length=200)
    address = forms.CharField(
        label=_("Address"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    tax_id = forms.CharField(
        label=_("Tax id (NIP or EU VAT number)"),
        required=False,
        max_length=32,
        help_text=_("e.g. 123-456-32-18 or DE136695976"),
    )


class KindForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Document"),
        choices=[(DocumentKind.RECEIPT, _("Receipt")), (DocumentKind.INVOICE, _("Invoice"))],
        widget=forms.RadioSelect,
    )


class CreditNoteForm(forms.Form):
    """Credit a whole line or part of it: one amount per line of the original, and the reason."""

    reason = forms.CharField(
        label=_("Why is the document corrected?"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, lines: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"line_{line.pk}"] = _amount(
                _("Credit on “%(line)s” (of %(gross)s)") % {"line": line.description, "gross": line.gross},
                required=False,
            )

    def line_fields(self) -> list[Any]:
        return [self[f"line_{line.pk}"] for line in self.lines]


class PriceItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    protocol = forms.ChoiceField(label=_("Protocol"), required=False)
    product = forms.ChoiceField(label=_("Product"), required=False)
    sessions = forms.IntegerField(
        label=_("Sessions in the package"), required=False, min_value=1, max_value=50
    )
    unit_price = _amount(_("Gross price"))
    vat_rate = forms.ChoiceField(label=_("VAT rate"))
    is_active = forms.BooleanField(label=_("On sale"), required=False, initial=True)

    def __init__(
        self, *args: Any, rates: list[str], protocols: list[Any], products: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "vat_rate", _rates(rates))
        set_choices(self, "protocol", [("", "—")] + [(str(p.pk), str(p)) for p in protocols])
        set_choices(self, "product", [("", "—")] + [(str(p.pk), p.name) for p in products])


class SettingsForm(forms.Form):
    currency = forms.CharField(label=_("Currency (ISO 4217)"), max_length=3, help_text=_("e.g. PLN, EUR"))
    vat_rates = forms.CharField(
        label=_("VAT rates"), max_length=200, help_text=_("Separated by commas, e.g. 23, 8, 5, 0, zw")
    )
    seller_name = forms.CharField(label=_("Seller's name on documents"), required=False, max_length=200)
    seller_address = forms.CharField(
        label=_("Seller's address"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    seller_tax_id = forms.CharField(label=_("Seller's tax id (NIP)"), required=False, max_length=32)


class PolicyForm(forms.Form):
    """The clinic's deposit and cancellation policy, or (a protocol chosen) that protocol's own."""

    protocol = forms.ChoiceField(label=_("Applies to"), required=False)
    deposit_kind = forms.ChoiceField(label=_("Deposit"), choices=DepositKind.choices)
    deposit_value = _amount(_("Deposit amount or percentage"), initial="0.00")
    deposit_base = forms.ChoiceField(label=_("A percentage is"), choices=DepositBase.choices)
    deposit_online = forms.BooleanField(label=_("Required for online bookings"), required=False, initial=True)
    late_cancel_hours = forms.IntegerField(label=_("Late-cancel window (hours)"), min_value=0, initial=24)
    late_cancel_cost = forms.ChoiceField(label=_("A late cancel costs"), choices=LateCost.choices)
    no_show_cost = forms.ChoiceField(label=_("A no-show costs"), choices=LateCost.choices)
    fee = _amount(_("Fee"), initial="0.00")
    waive_limit = _amount(
        _("A receptionist waives up to"), initial="0.00", help_text=_("Above it, only the owner.")
    )

    def __init__(self, *args: Any, protocols: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_id = {str(p.pk): p for p in protocols}
        set_choices(
            self, "protocol", [("", _("The whole clinic"))] + [(str(p.pk), str(p)) for p in protocols]
        )

    def clean_protocol(self) -> Any:
        return self.by_id.get(self.cleaned_data.get("protocol") or "")


class DepositForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"),
        choices=[(PaymentMethod.CASH, _("Cash")), (PaymentMethod.CARD_TERMINAL, _("Card terminal"))],
        initial=PaymentMethod.CARD_TERMINAL,
    )
    amount = _amount(_("Deposit"), required=False, help_text=_("Empty: what the policy asks."))


class WaiveForm(forms.Form):
    reason = forms.CharField(label=_("Why it is waived"), max_length=1000)


class DepositRefundForm(forms.Form):
    reason = forms.CharField(label=_("Why it is given back"), max_length=1000)


class CashUpForm(forms.Form):
    cash = _amount(_("Cash counted"))
    card_terminal = _amount(_("Card terminal total"))
    reason = forms.CharField(
        label=_("Why the count differs"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class GiftCardLookupForm(forms.Form):
    code = forms.CharField(
        label=_("Gift card code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class GiftCardExpiryForm(forms.Form):
    expires_on = forms.DateField(label=_("New expiry"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), max_length=1000)
