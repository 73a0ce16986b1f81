"""Django admin for superusers: lots and the ledger are read-only here, because every change of stock must
go through the services (audit row, locks, the append-only ledger)."""

from django.contrib import admin
from django.http import HttpRequest

from mesoclinic.inventory.models import Lot, ProductBarcode, StockMovement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ("lot_number", "kind", "product", "cocktail", "expires_on", "recalled_at", "clinic")
    list_filter = ("clinic", "kind")
    search_fields = ("lot_number", "gtin")


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("lot", "kind", "quantity", "at", "preparation", "clinic")
    list_filter = ("clinic", "kind")


@admin.register(ProductBarcode)
class ProductBarcodeAdmin(ReadOnlyAdmin):
    list_display = ("gtin", "product", "clinic")
    search_fields = ("gtin",)
