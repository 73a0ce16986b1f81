"""Product lots and the stock ledger.

A lot is either *supplied* (a lot of a catalog product, as delivered) or a *preparation* (a cocktail
compounded in the clinic, which is itself a lot made from other lots). Every change of stock is one
row of the append-only ledger ``StockMovement``; a lot's balance is the sum of its movements and is
never stored. Using a lot to compound a preparation is a ``use`` movement that names the preparation,
so a recall follows a lot through every preparation made from it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class LotKind(models.TextChoices):
    SUPPLIED = "supplied", _("Supplied product")
    PREPARATION = "preparation", _("Compounded preparation")


class Lot(models.Model):
    """One lot (batch) of a product, or one preparation of a cocktail made in the clinic."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=LotKind.choices, default=LotKind.SUPPLIED)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="lots"
    )
    cocktail = models.ForeignKey(
        "catalog.Cocktail", null=True, blank=True, on_delete=models.PROTECT, related_name="preparations"
    )
    lot_number = models.CharField(_("lot number"), max_length=80)
    expires_on = models.DateField(_("expiry date"))
    unit = models.CharField(max_length=10, help_text=_("Unit of quantities: ml or units."))
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True, help_text=_("From the barcode (AI 01)."))
    supplier = models.CharField(max_length=200, blank=True)
    received_on = models.DateField(null=True, blank=True)
    low_stock_threshold = models.DecimalField(
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Listed as low stock at or below this balance."),
    )
    recalled_at = models.DateTimeField(null=True, blank=True)
    recall_reason = models.CharField(max_length=500, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["expires_on", "lot_number", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=LotKind.SUPPLIED, product__isnull=False, cocktail__isnull=True)
                    | Q(kind=LotKind.PREPARATION, cocktail__isnull=False, product__isnull=True)
                ),
                name="lot_is_of_a_product_or_a_preparation",
            ),
            models.UniqueConstraint(
                fields=["clinic", "product", "lot_number"],
                condition=Q(product__isnull=False),
                name="lot_number_unique_per_product",
            ),
            models.UniqueConstraint(
                fields=["clinic", "cocktail", "lot_number"],
                condition=Q(cocktail__isnull=False),
                name="preparation_number_unique_per_cocktail",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "lot_number"]),
            models.Index(fields=["clinic", "expires_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.item_name} lot {self.lot_number}"

    @property
    def item_name(self) -> str:
        """The product's or the cocktail's name (needs the relation loaded to avoid a query)."""
        item = self.product if self.kind == LotKind.SUPPLIED else self.cocktail
        return str(item)

    @property
    def is_recalled(self) -> bool:
        return self.recalled_at is not None

    def is_expired(self, today: date) -> bool:
        """Expired after its expiry date (a lot is usable on the date printed on it)."""
        return today > self.expires_on


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    USE = "use", _("Use")
    WASTE = "waste", _("Waste")
    ADJUSTMENT = "adjustment", _("Adjustment")
    RETURN = "return", _("Return to supplier")


# The sign each kind of movement must have (adjustments go either way, never zero).
INCOMING = (MovementKind.RECEIPT,)
OUTGOING = (MovementKind.USE, MovementKind.WASTE, MovementKind.RETURN)


class AppendOnlyQuerySet(models.QuerySet["StockMovement"]):
    """Ledger rows are never updated or deleted in bulk either."""

    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("The stock ledger is append-only: record a new movement instead.")

    def delete(self) -> NoReturn:
        raise TypeError("The stock ledger is append-only: record a new movement instead.")


class StockMovement(models.Model):
    """One change of a lot's stock: the only way a balance changes (append-only)."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=MovementKind.choices)
    quantity = models.DecimalField(
        max_digits=12, decimal_places=3, help_text=_("Signed: positive adds stock, negative takes it.")
    )
    preparation = models.ForeignKey(
        Lot,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="components",
        help_text=_("For a use: the preparation this lot went into."),
    )
    at = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=MovementKind.RECEIPT, quantity__gt=0)
                    | Q(kind__in=OUTGOING, quantity__lt=0)
                    | (Q(kind=MovementKind.ADJUSTMENT) & ~Q(quantity=0))
                ),
                name="movement_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(preparation__isnull=True) | Q(kind=MovementKind.USE),
                name="movement_into_preparation_is_a_use",
            ),
            models.CheckConstraint(
                condition=Q(preparation__isnull=True) | ~Q(preparation=F("lot")),
                name="movement_preparation_is_another_lot",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "at"]),
            models.Index(fields=["preparation"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} of lot {self.lot_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError("The stock ledger is append-only: record a new movement instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("The stock ledger is append-only: record a new movement instead.")


ZERO = Decimal("0")


class ProductBarcode(models.Model):
    """Which catalog product a GTIN (barcode AI 01) stands for in this clinic.

    The catalog has no GTIN: the receive form asks for the product the first time a GTIN is scanned
    and remembers the answer here, so later scans fill the product by themselves.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.PROTECT, related_name="+")
    gtin = models.CharField(_("GTIN"), max_length=14)
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="barcodes")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["gtin"]
        constraints = [models.UniqueConstraint(fields=["clinic", "gtin"], name="gtin_unique_per_clinic")]

    def __str__(self) -> str:
        return f"{self.gtin} → {self.product_id}"
