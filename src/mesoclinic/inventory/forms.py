"""Forms of the inventory screens: receiving stock (scan first), movements, recall, compounding.

Forms check shape only (numbers, dates, choices within the clinic); the rules live in the services,
whose ``ValidationError`` messages are put next to the fields they name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mesoclinic.accounts.models import Clinic
from mesoclinic.catalog.models import Cocktail, Product
from mesoclinic.inventory.models import Lot, MovementKind

COMPONENT_ROWS = 5


def _quantity(**options: Any) -> forms.DecimalField:
    """A quantity of stock: up to 12 digits, 3 of them decimals (ml, units, g)."""
    return forms.DecimalField(max_digits=12, decimal_places=3, **options)


class DateInput(forms.DateInput):
    input_type = "date"


class ReceiveForm(forms.Form):
    """Receive stock. The scan field comes first: a scanner types the label and presses Enter."""

    scan = forms.CharField(
        label=_("Scan the barcode"),
        required=False,
        help_text=_(
            "Scan the GS1 DataMatrix or GS1-128 label; product, lot and expiry fill in by themselves."
        ),
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false"}),
    )
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("Product"))
    lot_number = forms.CharField(label=_("Lot number"), max_length=80)
    expires_on = forms.DateField(label=_("Expiry date"), widget=DateInput)
    quantity = _quantity(label=_("Quantity received"), min_value=Decimal("0.001"))
    gtin = forms.CharField(label=_("GTIN (from the barcode)"), required=False, max_length=14)
    supplier = forms.CharField(label=_("Supplier"), required=False, max_length=200)
    low_stock_threshold = _quantity(label=_("Low stock at or below"), required=False, min_value=Decimal(0))

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(clinic=clinic).order_by("name")  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a (Model)ChoiceField
        self.fields["quantity"].widget.attrs["inputmode"] = "decimal"


class MovementForm(forms.Form):
    """Waste, adjustment or return of one lot."""

    kind = forms.ChoiceField(
        label=_("What happened"),
        choices=[
            (MovementKind.WASTE, _("Waste (broken, spilt, opened and discarded)")),
            (MovementKind.ADJUSTMENT, _("Adjustment after a stock count (+ or −)")),
            (MovementKind.RETURN, _("Return to the supplier")),
        ],
    )
    quantity = _quantity(
        label=_("Quantity"),
        help_text=_("For an adjustment, a negative number takes stock away."),
    )
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300)


class RecallForm(forms.Form):
    """Mark a lot recalled: a reason and an explicit confirmation (it cannot be undone here)."""

    reason = forms.CharField(
        label=_("Reason for the recall"),
        max_length=500,
        help_text=_("For example the supplier's or the regulator's notice number."),
    )
    confirm = forms.BooleanField(
        label=_("I understand this lot, and every preparation made from it, can no longer be used."),
    )


class PrepareForm(forms.Form):
    """Compound a cocktail: the preparation and up to five component lots with the quantity taken."""

    cocktail = forms.ModelChoiceField(queryset=Cocktail.objects.none(), label=_("Cocktail"))
    lot_number = forms.CharField(label=_("Preparation lot number"), max_length=80)
    quantity = _quantity(label=_("Quantity prepared (ml)"), min_value=Decimal("0.001"))
    expires_on = forms.DateField(
        label=_("Use by"),
        widget=DateInput,
        help_text=_("No later than the earliest expiry of its components."),
    )

    def __init__(self, *args: Any, clinic: Clinic, usable_lots: list[Lot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cocktail"].queryset = Cocktail.objects.filter(clinic=clinic).order_by("name")  # type: ignore[attr-defined]  # fields[...] is typed Field; this one is a (Model)ChoiceField
        self.usable = {lot.pk: lot for lot in usable_lots}
        choices = [("", _("— choose a lot —"))] + [
            (str(lot.pk), f"{lot.item_name} · {lot.lot_number} · exp. {lot.expires_on:%Y-%m-%d}")
            for lot in usable_lots
        ]
        for row in range(1, COMPONENT_ROWS + 1):
            self.fields[f"component_{row}_lot"] = forms.ChoiceField(
                label=_("Component %(n)s: lot") % {"n": row}, choices=choices, required=row == 1
            )
            self.fields[f"component_{row}_quantity"] = _quantity(
                label=_("Component %(n)s: quantity") % {"n": row},
                required=False,
                min_value=Decimal("0.001"),
            )

    @property
    def component_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"component_{row}_lot"], self[f"component_{row}_quantity"])
            for row in range(1, COMPONENT_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        components: list[tuple[Lot, Decimal]] = []
        for row in range(1, COMPONENT_ROWS + 1):
            lot_id = data.get(f"component_{row}_lot")
            quantity = data.get(f"component_{row}_quantity")
            if not lot_id:
                continue
            if quantity is None:
                self.add_error(f"component_{row}_quantity", _("Enter how much of this lot goes in."))
                continue
            components.append((self.usable[int(lot_id)], quantity))
        data["components"] = components
        return data
