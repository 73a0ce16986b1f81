"""Product lots and the stock ledger.

A lot is either *supplied* (a lot of a catalog product, as delivered) or a *preparation* (a cocktail
compounded in the clinic, which is itself a lot made from other lots). Every change of stock is one
row of the append-only ledger ``StockMovement``; a lot's balance is the sum of its movements. It is kept
on the lot (``Lot.balance``) so that lists, low stock and Today read one indexed column instead of summing
every lot's ledger, and it is maintained by the ledger itself: appending a movement (``StockMovement.save``
or ``StockMovement.objects.bulk_create``, the only ways rows are added) adds its quantity to the lot's
``balance`` with one ``UPDATE … SET balance = balance + q`` in the same transaction, so concurrent writers
never lose an update and the stored balance always equals the sum of the ledger. Using a lot to compound a preparation is a ``use`` movement that names the preparation,
so a recall follows a lot through every preparation made from it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

from django.conf import settings
from django.db import models, transaction
from django.db.models import DecimalField, F, Q, Value
from django.db.models.functions import Round
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
    # The sum of the lot's movements, kept by the ledger (``_add_to_balances``); never written directly.
    balance = models.DecimalField(max_digits=14, decimal_places=3, default=Decimal(0), editable=False)
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
            models.Index(fields=["clinic", "balance"], name="inventory_lot_clinic_balance"),
            models.Index(
                fields=["clinic", "balance"],
                condition=Q(low_stock_threshold__isnull=False),
                name="inventory_lot_low_stock",
            ),
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


def _add_to_balances(quantities: dict[int, Decimal]) -> None:
    """Add each lot's quantity to its stored balance: the one place ``Lot.balance`` changes.

    ``balance = ROUND(balance + q, 3)`` is computed by the database, so two transactions appending to one
    lot at once both count (the second waits for the first's row lock, then adds to the committed value).
    Rounding keeps SQLite, which does decimal arithmetic in floating point, exact to the ledger's three
    decimals (``balance__gt=0`` never sees 5e-17); on PostgreSQL it is a no-op on ``numeric``.
    """
    decimal = DecimalField(max_digits=14, decimal_places=3)
    for lot_id, quantity in sorted(quantities.items()):  # lot id order: two writers never deadlock
        Lot.objects.filter(pk=lot_id).update(
            balance=Round(F("balance") + Value(quantity, output_field=decimal), 3, output_field=decimal)
        )


class AppendOnlyQuerySet(models.QuerySet["StockMovement"]):
    """Ledger rows are never updated or deleted in bulk either; bulk appends keep the balances."""

    def bulk_create(  # noqa: PLR0917 — the signature of QuerySet.bulk_create, which this overrides
        self,
        objs: Iterable[Any],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Collection[str] | None = None,
        unique_fields: Collection[str] | None = None,
    ) -> list[Any]:  # list[StockMovement]: django-stubs binds this queryset's model only after the class
        if ignore_conflicts or update_conflicts:  # a row skipped or merged would still count in a balance
            raise TypeError("The stock ledger is append-only: every movement is a new row.")
        rows = list(objs)
        totals: dict[int, Decimal] = {}
        for row in rows:
            totals[row.lot_id] = totals.get(row.lot_id, Decimal(0)) + Decimal(row.quantity)
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(rows, batch_size=batch_size)
            _add_to_balances(totals)
        return created

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
        with transaction.atomic(using=kwargs.get("using"), savepoint=False):
            super().save(*args, **kwargs)
            _add_to_balances({self.lot_id: Decimal(self.quantity)})
        if "lot" in self._state.fields_cache:  # the caller's lot object shows the new balance too
            self.lot.refresh_from_db(fields=["balance"])

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
