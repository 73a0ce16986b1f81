"""The clinic's catalog: modalities, ingredients, products, compounded cocktails and protocols.

Each clinic has its own editable copy, loaded from ``data/default_catalog.json`` (sources cited there).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from mesoclinic.catalog.fit import Misfit, cocktail_misfit

#: Why a cocktail does not fit a modality (``fit.cocktail_misfit``), as staff read it.
MISFIT_MESSAGES = {
    Misfit.COSMETIC_INJECTED: _(
        "This cocktail contains a cosmetic product, which is not for injection: it cannot be used for %(modality)s."
    ),
    Misfit.INJECTABLE_ON_DEVICE: _(
        "This cocktail contains a product for injection: %(modality)s delivers topical (cosmetic) serums only."
    ),
}

CODE_HELP = _("Lower-case code, letters, digits and underscores (e.g. hyaluronic_acid).")


class Source(models.Model):
    """A cited reference (paper, regulator, vendor page) that catalog entries point to by key."""

    class Kind(models.TextChoices):
        PEER_REVIEWED = "PR", _("Peer-reviewed")
        REGULATOR = "REG", _("Regulator")
        VENDOR = "VND", _("Vendor or clinic (indicative)")
        EDUCATIONAL = "EDU", _("Educational")

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=500, blank=True)
    kind = models.CharField(max_length=3, choices=Kind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["clinic", "key"], name="source_key_unique_in_clinic")]
        ordering = ["key"]

    def __str__(self) -> str:
        return self.title


class Modality(models.Model):
    """A way of delivering a cocktail: injected with a needle, or one of the needle-free devices."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=40, help_text=CODE_HELP)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    invasive = models.BooleanField()
    depth_min_mm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    depth_max_mm = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    depth_note = models.CharField(max_length=300, blank=True)
    default_session_minutes = models.PositiveSmallIntegerField(default=30)
    requires_device = models.BooleanField()
    techniques = models.JSONField(default=list, blank=True)
    parameters = models.JSONField(default=list, blank=True, help_text=_("What a session records for it."))
    sources = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="modality_code_unique_in_clinic")
        ]
        ordering = ["invasive", "name"]
        verbose_name_plural = "modalities"

    def __str__(self) -> str:
        return gettext(self.name) if self.name else ""  # a default name in the reader's language


class Ingredient(models.Model):
    """An active ingredient, coded so that allergies and recalls can refer to it."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=60, help_text=CODE_HELP)
    name = models.CharField(max_length=150)
    category = models.CharField(max_length=40, blank=True)
    description = models.TextField(blank=True)
    sources = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="ingredient_code_unique_in_clinic")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return gettext(self.name) if self.name else ""  # a default name in the reader's language


class RegulatoryClass(models.TextChoices):
    MEDICINAL_PRODUCT = "medicinal_product", _("Medicinal product")
    MEDICAL_DEVICE = "medical_device", _("Medical device")
    ANNEX_XVI_DEVICE = "annex_xvi_device", _("EU MDR Annex XVI device")
    COSMETIC = "cosmetic", _("Cosmetic")
    COMPOUNDED = "compounded", _("Compounded preparation")


class Unit(models.TextChoices):
    ML = "ml", _("ml")
    UNITS = "units", _("units")


class Product(models.Model):
    """A product the clinic buys (ampoule, vial, serum), with its manufacturer and regulatory class."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=60, help_text=CODE_HELP)
    name = models.CharField(max_length=200)
    manufacturer = models.CharField(max_length=200)
    regulatory_class = models.CharField(max_length=20, choices=RegulatoryClass.choices)
    form = models.CharField(max_length=60, blank=True)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.ML)
    package_size = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    sources = models.JSONField(default=list, blank=True)
    ingredients = models.ManyToManyField(Ingredient, through="ProductIngredient", related_name="products")
    composition_version = models.PositiveIntegerField(
        default=1, help_text=_("Goes up with every change of the composition; each version is kept.")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="product_code_unique_in_clinic")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Concentration(models.Model):
    """An ingredient at a concentration (unknown concentrations stay empty, never guessed)."""

    ingredient = models.ForeignKey(Ingredient, on_delete=models.PROTECT, related_name="+")
    concentration = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    unit = models.CharField(max_length=10, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.ingredient} {self.amount}".strip()

    @property
    def amount(self) -> str:
        if self.concentration is None:
            return ""
        return f"{self.concentration.normalize():f} {self.unit}".strip()


class ProductIngredient(Concentration):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="composition")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "ingredient"], name="product_ingredient_once")
        ]


class Cocktail(models.Model):
    """A compounded mix: ingredients with concentrations, prepared from the listed products."""

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=60, help_text=CODE_HELP)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    products = models.ManyToManyField(Product, blank=True, related_name="cocktails")
    ingredients = models.ManyToManyField(Ingredient, through="CocktailIngredient", related_name="cocktails")
    sources = models.JSONField(default=list, blank=True)
    composition_version = models.PositiveIntegerField(
        default=1, help_text=_("Goes up with every change of the composition; each version is kept.")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "code"], name="cocktail_code_unique_in_clinic")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return gettext(self.name) if self.name else ""  # a default name in the reader's language


class CocktailIngredient(Concentration):
    cocktail = models.ForeignKey(Cocktail, on_delete=models.CASCADE, related_name="composition")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cocktail", "ingredient"], name="cocktail_ingredient_once")
        ]


class CompositionVersion(models.Model):
    """One version of a product's or a cocktail's composition, as it was from ``valid_from``.

    Never changed nor deleted: a session signed, or a lot prepared, at a time used the version valid then
    (``selectors.composition_at``). The first change of an item first keeps the version it had as loaded.
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="composition_versions"
    )
    cocktail = models.ForeignKey(
        Cocktail, null=True, blank=True, on_delete=models.PROTECT, related_name="composition_versions"
    )
    version = models.PositiveIntegerField()
    ingredients = models.JSONField()  # [{ingredient, name, concentration, unit}]
    products = models.JSONField(default=list, blank=True)  # a cocktail's product codes
    valid_from = models.DateTimeField(null=True, blank=True)  # empty: since it was loaded
    reason = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["version"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(product__isnull=False, cocktail__isnull=True)
                | models.Q(product__isnull=True, cocktail__isnull=False),
                name="composition_version_of_one_item",
            ),
            models.UniqueConstraint(
                fields=["product", "version"],
                condition=models.Q(product__isnull=False),
                name="product_composition_version_once",
            ),
            models.UniqueConstraint(
                fields=["cocktail", "version"],
                condition=models.Q(cocktail__isnull=False),
                name="cocktail_composition_version_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product or self.cocktail} v{self.version}"


# The longest a protocol's session and its cleaning buffer may be. Scheduling bounds every query for the
# appointments overlapping a window with their sum (``scheduling.models.LONGEST_HOLD``).
MAX_SESSION_MINUTES = 240
MAX_BUFFER_MINUTES = 120


class Protocol(models.Model):
    """A treatment plan: modality + cocktail + areas, a series of sessions, then maintenance.

    A clinical change (cocktail, areas, series, spacing, durations) makes a new ``version``; every earlier
    version stays in ``history`` (courses already started copied their series parameters, so they keep theirs).
    """

    clinic = models.ForeignKey("accounts.Clinic", on_delete=models.CASCADE, related_name="+")
    slug = models.SlugField(max_length=80)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    modality = models.ForeignKey(Modality, on_delete=models.PROTECT, related_name="protocols")
    cocktail = models.ForeignKey(
        Cocktail, on_delete=models.PROTECT, related_name="protocols", null=True, blank=True
    )
    areas = models.JSONField(default=list, help_text=_("Zone codes treated (e.g. forehead, cheek_left)."))
    sessions = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(20)])
    interval_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    tolerance_days = models.PositiveSmallIntegerField(default=2)
    maintenance_interval_months = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(36)]
    )
    session_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(MAX_SESSION_MINUTES)]
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        default=10, validators=[MaxValueValidator(MAX_BUFFER_MINUTES)]
    )
    price = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    bookable_online = models.BooleanField(
        default=False,
        help_text=_("Patients may book this whole series themselves on the clinic's public booking page."),
    )
    sources = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(
        default=1, help_text=_("Goes up with every clinical change; each earlier version is kept in history.")
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "slug"], name="protocol_slug_unique_in_clinic")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return gettext(self.name) if self.name else ""  # a default name in the reader's language

    def clean(self) -> None:
        if (
            self.tolerance_days is not None
            and self.interval_days
            and self.tolerance_days >= self.interval_days
        ):
            raise ValidationError({"tolerance_days": _("The tolerance must be shorter than the interval.")})
        cocktail = self.cocktail if self.cocktail_id else None
        if cocktail is not None and self.modality_id and cocktail.clinic_id != self.modality.clinic_id:
            raise ValidationError({"cocktail": _("This cocktail belongs to another clinic.")})
        if cocktail is not None and self.modality_id:
            misfit = cocktail_misfit(
                invasive=self.modality.invasive,
                regulatory_classes=list(cocktail.products.values_list("regulatory_class", flat=True)),
            )
            if misfit:
                raise ValidationError({"cocktail": MISFIT_MESSAGES[misfit] % {"modality": self.modality}})
