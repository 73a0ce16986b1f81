"""Django admin for superusers: the catalog is editable there until the Settings screens exist."""

from django.contrib import admin

from mesoclinic.catalog.models import (
    Cocktail,
    CocktailIngredient,
    Ingredient,
    Modality,
    Product,
    ProductIngredient,
    Protocol,
    Source,
)


class ProductIngredientInline(admin.TabularInline):
    model = ProductIngredient
    extra = 0


class CocktailIngredientInline(admin.TabularInline):
    model = CocktailIngredient
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "clinic", "manufacturer", "regulatory_class")
    list_filter = ("clinic", "regulatory_class")
    inlines = [ProductIngredientInline]


@admin.register(Cocktail)
class CocktailAdmin(admin.ModelAdmin):
    list_display = ("name", "clinic", "code")
    list_filter = ("clinic",)
    inlines = [CocktailIngredientInline]


@admin.register(Protocol)
class ProtocolAdmin(admin.ModelAdmin):
    list_display = ("name", "clinic", "modality", "sessions", "interval_days", "tolerance_days", "is_active")
    list_filter = ("clinic", "modality__code", "is_active")


@admin.register(Modality, Ingredient, Source)
class CodedAdmin(admin.ModelAdmin):
    list_display = ("__str__", "clinic")
    list_filter = ("clinic",)
