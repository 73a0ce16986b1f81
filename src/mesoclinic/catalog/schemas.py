from __future__ import annotations

from decimal import Decimal

from ninja import Schema


class ComponentOut(Schema):
    ingredient: str
    name: str
    concentration: Decimal | None
    unit: str


class ModalityOut(Schema):
    code: str
    name: str
    description: str
    invasive: bool
    depth_min_mm: Decimal | None
    depth_max_mm: Decimal | None
    depth_note: str
    default_session_minutes: int
    requires_device: bool
    techniques: list[str]
    parameters: list[dict[str, object]]
    sources: list[str]


class IngredientOut(Schema):
    code: str
    name: str
    category: str
    description: str
    sources: list[str]


class ProductOut(Schema):
    code: str
    name: str
    manufacturer: str
    regulatory_class: str
    form: str
    unit: str
    package_size: Decimal | None
    composition: list[ComponentOut]
    sources: list[str]


class CocktailOut(Schema):
    code: str
    name: str
    description: str
    ingredients: list[ComponentOut]
    products: list[str]
    sources: list[str]


class ProtocolOut(Schema):
    slug: str
    name: str
    description: str
    modality: str
    cocktail: str | None
    ingredients: list[str]
    areas: list[str]
    sessions: int
    interval_days: int
    tolerance_days: int
    maintenance_interval_months: int
    session_minutes: int
    buffer_minutes: int
    price: Decimal | None
    currency: str  # ISO 4217, the clinic's ("PLN"); "" where its country is not in MesoClinic's table
    is_active: bool
    sources: list[str]


class SourceOut(Schema):
    key: str
    title: str
    url: str
    kind: str
