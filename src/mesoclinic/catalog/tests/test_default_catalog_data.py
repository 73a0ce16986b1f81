"""The shipped default catalog (``data/default_catalog.json``) is well-formed and internally consistent.

Pure pytest, no Django: the file is read by path relative to this test, so these checks run anywhere. They
guard what the loader (``catalog.services.load_default_catalog``) and the models rely on: keys and types,
references between sections, unique codes, the field limits of the models, and a few clinical rules that
must hold for the defaults (needle-free protocols never carry an injectable-only anaesthetic).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

CATALOG_PATH = Path(__file__).resolve().parent.parent / "data" / "default_catalog.json"

TOP_LEVEL_KEYS = {
    "note",
    "sources",
    "zones",
    "modalities",
    "ingredients",
    "products",
    "cocktails",
    "protocols",
}
SOURCE_KINDS = {"PR", "REG", "VND", "EDU"}
ZONE_CODES = {
    "forehead",
    "glabella",
    "periorbital_left",
    "periorbital_right",
    "cheek_left",
    "cheek_right",
    "nasolabial_left",
    "nasolabial_right",
    "perioral",
    "chin",
    "jawline",
    "neck",
    "decolletage",
    "scalp",
    "hands",
    "abdomen",
    "flanks",
    "thighs",
    "buttocks",
    "arms",
    "back",
    "knees",
}
MODALITY_CODES = {
    "needle",
    "electroporation",
    "cryo_electroporation",
    "sonophoresis",
    "iontophoresis",
    "oxygen_infusion",
}
NEEDLE_FREE = MODALITY_CODES - {"needle"}
NEEDLE_TECHNIQUES = {"nappage", "papule", "point_by_point", "linear_retrograde"}
REQUIRED_PARAMETERS = {
    "needle": {"gauge", "needle_length_mm", "depth_mm", "technique", "injection_volume_ml"},
    "electroporation": {"program", "intensity_percent", "pulse_frequency_hz"},
    "cryo_electroporation": {"program", "intensity_percent", "temperature_c"},
    "sonophoresis": {"frequency_khz", "power_w_cm2"},
    "iontophoresis": {"current_ma", "polarity", "duration_min"},
    "oxygen_infusion": {"pressure_bar", "oxygen_concentration_percent"},
}
PARAMETER_TYPES = {"number", "choice", "text"}
PARAMETER_KEYS = {"code", "label", "type", "unit", "min", "max", "choices", "required"}
MODALITY_KEYS = {
    "code",
    "name",
    "description",
    "invasive",
    "depth_mm",
    "depth_note",
    "default_session_minutes",
    "requires_device",
    "techniques",
    "parameters",
    "sources",
}
INGREDIENT_KEYS = {"code", "name", "category", "description", "sources"}
INGREDIENT_CATEGORIES = {
    "humectant",
    "vitamin",
    "antioxidant",
    "amino_acid",
    "mineral",
    "peptide",
    "nucleic_acid",
    "anaesthetic",
    "lipolytic",
    "hair",
    "brightening",
    "firming",
    "coenzyme",
}
REQUIRED_INGREDIENTS = {"hyaluronic_acid", "vitamin_c", "dmae", "lidocaine", "polynucleotides"}
PRODUCT_KEYS = {
    "code",
    "name",
    "manufacturer",
    "regulatory_class",
    "form",
    "unit",
    "package_size",
    "composition",
    "sources",
}
REGULATORY_CLASSES = {"medicinal_product", "medical_device", "annex_xvi_device", "cosmetic", "compounded"}
CONCENTRATION_UNITS = {"mg/ml", "%", "IU/ml"}
COCKTAIL_KEYS = {"code", "name", "description", "ingredients", "products", "sources"}
PROTOCOL_KEYS = {
    "slug",
    "name",
    "description",
    "modality",
    "cocktail",
    "areas",
    "sessions",
    "interval_days",
    "tolerance_days",
    "maintenance_interval_months",
    "session_minutes",
    "buffer_minutes",
    "price",
    "sources",
}
INJECTABLE_ONLY_ANAESTHETICS = {"lidocaine", "procaine"}
# Protocols whose maintenance interval departs from the 6-month default because a cited source says so.
MAINTENANCE_EXCEPTIONS = {"needle-scalp-dutasteride": 3}  # Saceda-Corralo 2022: every 3 months

CODE_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
PRICE_RE = re.compile(r"^\d{1,7}\.\d{2}$")

# Field limits of the catalog models the loader writes into.
MAX_LEN = {
    "source_key": 80,
    "source_title": 500,
    "source_url": 500,
    "modality_code": 40,
    "modality_name": 100,
    "depth_note": 300,
    "code": 60,
    "ingredient_name": 150,
    "category": 40,
    "product_name": 200,
    "manufacturer": 200,
    "form": 60,
    "conc_unit": 10,
    "cocktail_name": 200,
    "slug": 80,
    "protocol_name": 200,
}


def _reject_constant(name: str) -> None:
    raise ValueError(f"non-standard JSON constant {name}")


@pytest.fixture(scope="module")
def catalog() -> dict[str, Any]:
    text = CATALOG_PATH.read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text, parse_constant=_reject_constant)
    return data


def _by_code(items: list[dict[str, Any]], key: str = "code") -> dict[str, dict[str, Any]]:
    return {item[key]: item for item in items}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _fits_decimal(value: float | int, max_digits: int, places: int) -> bool:
    """Whether ``value`` fits a Django DecimalField(max_digits, decimal_places) as the loader converts it."""
    d = Decimal(str(value))
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > places:
        return False
    return abs(d) < Decimal(10) ** (max_digits - places)


# --- top level and sources -------------------------------------------------------------------------------


def test_file_is_strict_utf8_json_with_exact_top_level_keys(catalog: dict[str, Any]) -> None:
    assert set(catalog) == TOP_LEVEL_KEYS


def test_note_tells_the_medical_lead_to_review(catalog: dict[str, Any]) -> None:
    assert isinstance(catalog["note"], str)
    assert "medical lead" in catalog["note"]


def test_every_source_has_title_url_and_known_kind(catalog: dict[str, Any]) -> None:
    assert catalog["sources"], "no sources"
    for key, source in catalog["sources"].items():
        assert CODE_RE.match(key), key
        assert len(key) <= MAX_LEN["source_key"], key
        assert set(source) == {"title", "url", "kind"}, key
        assert isinstance(source["title"], str) and source["title"].strip(), key
        assert len(source["title"]) <= MAX_LEN["source_title"], key
        assert re.match(r"^https?://\S+$", source["url"]), key
        assert "..." not in source["url"], f"{key}: truncated URL"
        assert len(source["url"]) <= MAX_LEN["source_url"], key
        assert source["kind"] in SOURCE_KINDS, key


def test_sources_include_peer_reviewed_and_regulator_references(catalog: dict[str, Any]) -> None:
    kinds = Counter(source["kind"] for source in catalog["sources"].values())
    assert kinds["PR"] >= 5
    assert kinds["REG"] >= 1


def _cited_entries(catalog: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    entries: list[tuple[str, dict[str, Any]]] = []
    for section, key in [
        ("modalities", "code"),
        ("ingredients", "code"),
        ("products", "code"),
        ("cocktails", "code"),
        ("protocols", "slug"),
    ]:
        entries.extend((f"{section}:{item[key]}", item) for item in catalog[section])
    return entries


def test_every_entry_cites_at_least_one_existing_source(catalog: dict[str, Any]) -> None:
    known = set(catalog["sources"])
    for label, item in _cited_entries(catalog):
        sources = item["sources"]
        assert isinstance(sources, list) and sources, f"{label} cites no source"
        assert len(sources) == len(set(sources)), f"{label} cites a source twice"
        missing = set(sources) - known
        assert not missing, f"{label} cites unknown sources {missing}"


def test_every_declared_source_is_cited_somewhere(catalog: dict[str, Any]) -> None:
    cited = {key for _, item in _cited_entries(catalog) for key in item["sources"]}
    assert set(catalog["sources"]) - cited == set()


# --- zones -----------------------------------------------------------------------------------------------


def test_zones_are_exactly_the_face_and_body_map(catalog: dict[str, Any]) -> None:
    codes = [zone["code"] for zone in catalog["zones"]]
    assert len(codes) == len(set(codes))
    assert set(codes) == ZONE_CODES


def test_every_zone_has_a_name_and_region(catalog: dict[str, Any]) -> None:
    for zone in catalog["zones"]:
        assert set(zone) == {"code", "name", "region"}
        assert zone["name"].strip()
        assert zone["region"] in {"face", "neck", "scalp", "body"}


# --- modalities ------------------------------------------------------------------------------------------


def test_the_six_modalities_are_present_once(catalog: dict[str, Any]) -> None:
    codes = [m["code"] for m in catalog["modalities"]]
    assert sorted(codes) == sorted(MODALITY_CODES)


def test_modalities_have_the_schema_keys_and_types(catalog: dict[str, Any]) -> None:
    for m in catalog["modalities"]:
        assert set(m) == MODALITY_KEYS, m["code"]
        assert len(m["code"]) <= MAX_LEN["modality_code"]
        assert m["name"].strip() and len(m["name"]) <= MAX_LEN["modality_name"]
        assert isinstance(m["description"], str) and m["description"].strip()
        assert isinstance(m["invasive"], bool)
        assert isinstance(m["requires_device"], bool)
        assert isinstance(m["depth_note"], str) and len(m["depth_note"]) <= MAX_LEN["depth_note"], m["code"]
        assert m["default_session_minutes"] == 30
        assert isinstance(m["techniques"], list) and all(isinstance(t, str) for t in m["techniques"])
        depth = m["depth_mm"]
        if depth is not None:
            assert isinstance(depth, list) and len(depth) == 2
            assert all(_is_number(v) and _fits_decimal(v, 4, 1) for v in depth)
            assert 0 <= depth[0] < depth[1]


def test_needle_is_invasive_1_to_4_mm_with_the_four_techniques(catalog: dict[str, Any]) -> None:
    needle = _by_code(catalog["modalities"])["needle"]
    assert needle["invasive"] is True
    assert needle["requires_device"] is False
    assert needle["depth_mm"] == [1, 4]
    assert set(needle["techniques"]) == NEEDLE_TECHNIQUES


def test_needle_free_modalities_are_non_invasive_device_bound_and_shallower(catalog: dict[str, Any]) -> None:
    modalities = _by_code(catalog["modalities"])
    needle_min_depth = modalities["needle"]["depth_mm"][0]
    for code in NEEDLE_FREE:
        m = modalities[code]
        assert m["invasive"] is False, code
        assert m["requires_device"] is True, code
        if m["depth_mm"] is None:
            assert m["depth_note"].strip(), f"{code}: a missing depth must be explained"
        else:
            assert m["depth_mm"][1] < needle_min_depth, code


def test_modalities_without_a_published_depth_say_so_honestly(catalog: dict[str, Any]) -> None:
    for m in catalog["modalities"]:
        if m["depth_mm"] is None:
            note = m["depth_note"].lower()
            assert "gap" in note or "vendor-defined" in note, m["code"]


def test_every_parameter_is_well_formed(catalog: dict[str, Any]) -> None:
    for m in catalog["modalities"]:
        codes = [p["code"] for p in m["parameters"]]
        assert len(codes) == len(set(codes)), m["code"]
        for p in m["parameters"]:
            where = f"{m['code']}.{p.get('code')}"
            assert set(p) == PARAMETER_KEYS, where
            assert CODE_RE.match(p["code"]), where
            assert isinstance(p["label"], str) and p["label"].strip(), where
            assert p["type"] in PARAMETER_TYPES, where
            assert isinstance(p["required"], bool), where
            if p["type"] == "choice":
                assert isinstance(p["choices"], list) and len(p["choices"]) >= 2, where
                assert all(isinstance(c, str) and c for c in p["choices"]), where
                assert len(p["choices"]) == len(set(p["choices"])), where
            else:
                assert p["choices"] is None, where
            if p["type"] == "number":
                for bound in (p["min"], p["max"]):
                    assert bound is None or _is_number(bound), where
                if p["min"] is not None and p["max"] is not None:
                    assert p["min"] < p["max"], where
            else:
                assert p["min"] is None and p["max"] is None, where
                assert p["unit"] is None, where
            assert p["unit"] is None or (isinstance(p["unit"], str) and p["unit"]), where


def test_each_modality_records_its_required_parameters(catalog: dict[str, Any]) -> None:
    for m in catalog["modalities"]:
        codes = {p["code"] for p in m["parameters"]}
        missing = REQUIRED_PARAMETERS[m["code"]] - codes
        assert not missing, f"{m['code']} lacks {missing}"


def test_needle_parameters_offer_the_gauges_and_techniques(catalog: dict[str, Any]) -> None:
    params = _by_code(_by_code(catalog["modalities"])["needle"]["parameters"])
    assert params["gauge"]["type"] == "choice"
    assert set(params["gauge"]["choices"]) == {"27G", "30G", "32G", "33G"}
    assert params["technique"]["type"] == "choice"
    assert set(params["technique"]["choices"]) == NEEDLE_TECHNIQUES


def test_device_parameters_have_the_expected_units_and_ranges(catalog: dict[str, Any]) -> None:
    modalities = _by_code(catalog["modalities"])

    def param(modality: str, code: str) -> dict[str, Any]:
        return _by_code(modalities[modality]["parameters"])[code]

    assert param("iontophoresis", "current_ma")["unit"] == "mA"
    assert set(param("iontophoresis", "polarity")["choices"]) == {"positive", "negative"}
    frequency = param("sonophoresis", "frequency_khz")
    assert frequency["unit"] == "kHz"
    assert frequency["min"] <= 20 and frequency["max"] >= 700, (
        "covers both LFS (20-100 kHz) and HFS (>=0.7 MHz)"
    )
    assert param("sonophoresis", "power_w_cm2")["unit"] == "W/cm²"
    temperature = param("cryo_electroporation", "temperature_c")
    assert temperature["min"] < 0 and temperature["max"] <= 0
    oxygen = param("oxygen_infusion", "oxygen_concentration_percent")
    assert oxygen["min"] >= 21 and oxygen["max"] <= 100
    assert param("electroporation", "intensity_percent")["unit"] == "%"


# --- ingredients -----------------------------------------------------------------------------------------


def test_at_least_24_ingredients_including_the_required_five(catalog: dict[str, Any]) -> None:
    codes = {i["code"] for i in catalog["ingredients"]}
    assert len(catalog["ingredients"]) >= 24
    assert codes >= REQUIRED_INGREDIENTS


def test_ingredients_are_well_formed(catalog: dict[str, Any]) -> None:
    for i in catalog["ingredients"]:
        assert set(i) == INGREDIENT_KEYS, i.get("code")
        assert CODE_RE.match(i["code"]) and len(i["code"]) <= MAX_LEN["code"], i["code"]
        assert i["name"].strip() and len(i["name"]) <= MAX_LEN["ingredient_name"], i["code"]
        assert i["category"] in INGREDIENT_CATEGORIES, i["code"]
        assert isinstance(i["description"], str) and 10 <= len(i["description"]) <= 300, i["code"]


def test_injectable_anaesthetics_are_categorised_as_anaesthetics(catalog: dict[str, Any]) -> None:
    ingredients = _by_code(catalog["ingredients"])
    for code in INJECTABLE_ONLY_ANAESTHETICS & set(ingredients):
        assert ingredients[code]["category"] == "anaesthetic"


# --- uniqueness ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("modalities", "code"),
        ("ingredients", "code"),
        ("products", "code"),
        ("cocktails", "code"),
        ("protocols", "slug"),
        ("zones", "code"),
    ],
)
def test_codes_are_unique_within_each_section(catalog: dict[str, Any], section: str, key: str) -> None:
    counts = Counter(item[key] for item in catalog[section])
    assert [code for code, n in counts.items() if n > 1] == []


def test_product_and_cocktail_codes_do_not_collide(catalog: dict[str, Any]) -> None:
    products = {p["code"] for p in catalog["products"]}
    cocktails = {c["code"] for c in catalog["cocktails"]}
    assert products & cocktails == set()


# --- products --------------------------------------------------------------------------------------------


def _check_concentration(entry: dict[str, Any], where: str, ingredients: set[str]) -> None:
    assert set(entry) == {"ingredient", "concentration", "unit"}, where
    assert entry["ingredient"] in ingredients, f"{where}: unknown ingredient {entry['ingredient']}"
    concentration, unit = entry["concentration"], entry["unit"]
    if concentration is None:
        assert unit is None, f"{where}: a unit without a concentration"
    else:
        assert _is_number(concentration) and concentration > 0, where
        assert _fits_decimal(concentration, 10, 4), where
        assert unit in CONCENTRATION_UNITS, where
        assert len(unit) <= MAX_LEN["conc_unit"], where
        if unit == "%":
            assert concentration <= 100, where


def test_at_least_10_products_with_allowed_regulatory_classes(catalog: dict[str, Any]) -> None:
    assert len(catalog["products"]) >= 10
    classes = {p["regulatory_class"] for p in catalog["products"]}
    assert classes <= REGULATORY_CLASSES
    assert classes == REGULATORY_CLASSES, f"classes not represented: {REGULATORY_CLASSES - classes}"


def test_products_are_well_formed(catalog: dict[str, Any]) -> None:
    ingredients = {i["code"] for i in catalog["ingredients"]}
    for p in catalog["products"]:
        where = p.get("code", "?")
        assert set(p) == PRODUCT_KEYS, where
        assert CODE_RE.match(p["code"]) and len(p["code"]) <= MAX_LEN["code"], where
        assert p["name"].strip() and len(p["name"]) <= MAX_LEN["product_name"], where
        assert p["manufacturer"].strip() and len(p["manufacturer"]) <= MAX_LEN["manufacturer"], where
        assert p["form"].strip() and len(p["form"]) <= MAX_LEN["form"], where
        assert p["unit"] in {"ml", "units"}, where
        assert _is_number(p["package_size"]) and p["package_size"] > 0, where
        assert _fits_decimal(p["package_size"], 8, 2), where
        assert p["composition"], f"{where}: empty composition"
        used = [c["ingredient"] for c in p["composition"]]
        assert len(used) == len(set(used)), f"{where}: ingredient listed twice"
        for entry in p["composition"]:
            _check_concentration(entry, f"product {where}", ingredients)


def test_the_catalog_ships_the_products_a_clinic_needs(catalog: dict[str, Any]) -> None:
    def has(predicate: Any) -> bool:
        return any(predicate(p, {c["ingredient"]: c for c in p["composition"]}) for p in catalog["products"])

    lidocaine_2pct = {"ingredient": "lidocaine", "concentration": 20, "unit": "mg/ml"}
    assert has(
        lambda p, c: p["regulatory_class"] == "medicinal_product" and c.get("lidocaine") == lidocaine_2pct
    )
    assert has(lambda p, c: "polynucleotides" in c), "a polynucleotide product"
    assert has(lambda p, c: "vitamin_c" in c and p["regulatory_class"] != "cosmetic"), "injectable vitamin C"
    assert has(lambda p, c: "dmae" in c), "a DMAE product"
    assert has(lambda p, c: "dutasteride" in c and p["regulatory_class"] == "compounded"), "dutasteride vial"
    assert has(lambda p, c: "tranexamic_acid" in c and p["regulatory_class"] != "cosmetic"), "tranexamic acid"
    assert has(lambda p, c: {"phosphatidylcholine", "sodium_deoxycholate"} <= set(c)), "a PC/DC lipolytic"
    assert has(lambda p, c: p["regulatory_class"] == "cosmetic"), "a cosmetic serum for needle-free delivery"


def test_cosmetics_contain_no_injectable_only_anaesthetic(catalog: dict[str, Any]) -> None:
    for p in catalog["products"]:
        if p["regulatory_class"] == "cosmetic":
            assert not {c["ingredient"] for c in p["composition"]} & INJECTABLE_ONLY_ANAESTHETICS, p["code"]


# --- cocktails -------------------------------------------------------------------------------------------


def test_at_least_6_cocktails_with_the_schema(catalog: dict[str, Any]) -> None:
    assert len(catalog["cocktails"]) >= 6
    ingredients = {i["code"] for i in catalog["ingredients"]}
    for c in catalog["cocktails"]:
        where = c.get("code", "?")
        assert set(c) == COCKTAIL_KEYS, where
        assert CODE_RE.match(c["code"]) and len(c["code"]) <= MAX_LEN["code"], where
        assert c["name"].strip() and len(c["name"]) <= MAX_LEN["cocktail_name"], where
        assert isinstance(c["description"], str) and c["description"].strip(), where
        assert c["ingredients"], f"{where}: no ingredients"
        used = [i["ingredient"] for i in c["ingredients"]]
        assert len(used) == len(set(used)), f"{where}: ingredient listed twice"
        for entry in c["ingredients"]:
            _check_concentration(entry, f"cocktail {where}", ingredients)


def test_cocktails_are_made_from_existing_products(catalog: dict[str, Any]) -> None:
    products = {p["code"] for p in catalog["products"]}
    for c in catalog["cocktails"]:
        assert c["products"], f"{c['code']} lists no product"
        assert len(c["products"]) == len(set(c["products"])), c["code"]
        missing = set(c["products"]) - products
        assert not missing, f"{c['code']}: unknown products {missing}"


def test_every_cocktail_ingredient_comes_from_one_of_its_products(catalog: dict[str, Any]) -> None:
    products = _by_code(catalog["products"])
    for c in catalog["cocktails"]:
        supplied = {entry["ingredient"] for code in c["products"] for entry in products[code]["composition"]}
        missing = {entry["ingredient"] for entry in c["ingredients"]} - supplied
        assert not missing, f"{c['code']}: {missing} come from none of its products"


def test_every_product_of_a_cocktail_contributes_an_ingredient(catalog: dict[str, Any]) -> None:
    products = _by_code(catalog["products"])
    for c in catalog["cocktails"]:
        in_mix = {entry["ingredient"] for entry in c["ingredients"]}
        for code in c["products"]:
            contributes = {e["ingredient"] for e in products[code]["composition"]} & in_mix
            assert contributes, f"{c['code']}: {code} adds nothing"


def test_a_cocktail_is_never_stronger_than_its_only_source_product(catalog: dict[str, Any]) -> None:
    """Mixing can only dilute: a cocktail concentration cannot exceed the product's, in the same unit."""
    products = _by_code(catalog["products"])
    for c in catalog["cocktails"]:
        for entry in c["ingredients"]:
            if entry["concentration"] is None:
                continue
            supplied = [e for code in c["products"] for e in products[code]["composition"]]
            sources = [e for e in supplied if e["ingredient"] == entry["ingredient"]]
            comparable = [e for e in sources if e["concentration"] is not None and e["unit"] == entry["unit"]]
            if comparable:
                assert entry["concentration"] <= max(e["concentration"] for e in comparable), c["code"]


# --- protocols -------------------------------------------------------------------------------------------


def test_at_least_10_protocols_covering_all_six_modalities(catalog: dict[str, Any]) -> None:
    assert len(catalog["protocols"]) >= 10
    assert {p["modality"] for p in catalog["protocols"]} == MODALITY_CODES


def test_protocols_have_the_schema_and_types(catalog: dict[str, Any]) -> None:
    for p in catalog["protocols"]:
        where = p.get("slug", "?")
        assert set(p) == PROTOCOL_KEYS, where
        assert SLUG_RE.match(p["slug"]) and len(p["slug"]) <= MAX_LEN["slug"], where
        assert p["name"].strip() and len(p["name"]) <= MAX_LEN["protocol_name"], where
        assert isinstance(p["description"], str) and p["description"].strip(), where
        for key in (
            "sessions",
            "interval_days",
            "tolerance_days",
            "maintenance_interval_months",
            "session_minutes",
            "buffer_minutes",
        ):
            assert isinstance(p[key], int) and not isinstance(p[key], bool), f"{where}.{key}"
        assert isinstance(p["price"], str) and PRICE_RE.match(p["price"]), where
        assert Decimal(p["price"]) > 0, where


def test_protocols_reference_existing_modality_cocktail_and_zones(catalog: dict[str, Any]) -> None:
    modalities = {m["code"] for m in catalog["modalities"]}
    cocktails = {c["code"] for c in catalog["cocktails"]}
    for p in catalog["protocols"]:
        assert p["modality"] in modalities, p["slug"]
        assert p["cocktail"] in cocktails, p["slug"]
        assert isinstance(p["areas"], list) and p["areas"], f"{p['slug']}: no areas"
        assert len(p["areas"]) == len(set(p["areas"])), p["slug"]
        assert set(p["areas"]) <= ZONE_CODES, f"{p['slug']}: {set(p['areas']) - ZONE_CODES}"


def test_series_values_are_realistic(catalog: dict[str, Any]) -> None:
    for p in catalog["protocols"]:
        where = p["slug"]
        assert 3 <= p["sessions"] <= 10, where
        assert p["interval_days"] >= 7, where
        assert 0 <= p["tolerance_days"] < p["interval_days"], where
        assert 20 <= p["session_minutes"] <= 45, where
        assert 10 <= p["buffer_minutes"] <= 15, where


def test_maintenance_defaults_to_six_months_unless_a_source_says_otherwise(catalog: dict[str, Any]) -> None:
    for p in catalog["protocols"]:
        expected = MAINTENANCE_EXCEPTIONS.get(p["slug"], 6)
        assert p["maintenance_interval_months"] == expected, p["slug"]


def test_needle_free_protocols_use_no_injectable_only_anaesthetic(catalog: dict[str, Any]) -> None:
    cocktails = _by_code(catalog["cocktails"])
    products = _by_code(catalog["products"])
    for p in catalog["protocols"]:
        if p["modality"] not in NEEDLE_FREE:
            continue
        cocktail = cocktails[p["cocktail"]]
        in_mix = {entry["ingredient"] for entry in cocktail["ingredients"]}
        supplied = [e for code in cocktail["products"] for e in products[code]["composition"]]
        in_products = {e["ingredient"] for e in supplied}
        assert not (in_mix | in_products) & INJECTABLE_ONLY_ANAESTHETICS, p["slug"]


def test_needle_free_protocols_use_topical_cosmetic_serums_only(catalog: dict[str, Any]) -> None:
    cocktails = _by_code(catalog["cocktails"])
    products = _by_code(catalog["products"])
    for p in catalog["protocols"]:
        if p["modality"] in NEEDLE_FREE:
            classes = {products[code]["regulatory_class"] for code in cocktails[p["cocktail"]]["products"]}
            assert classes == {"cosmetic"}, p["slug"]


def test_needle_protocols_use_no_cosmetic(catalog: dict[str, Any]) -> None:
    """Cosmetics are for application to the skin surface, never for injection."""
    cocktails = _by_code(catalog["cocktails"])
    products = _by_code(catalog["products"])
    for p in catalog["protocols"]:
        if p["modality"] == "needle":
            classes = {products[code]["regulatory_class"] for code in cocktails[p["cocktail"]]["products"]}
            assert "cosmetic" not in classes, p["slug"]


def test_reference_schedules_from_the_research(catalog: dict[str, Any]) -> None:
    """Spot-check a few defaults against the cited series lengths and intervals."""
    protocols = _by_code(catalog["protocols"], key="slug")

    def series(slug: str) -> tuple[int, int, int]:
        p = protocols[slug]
        return p["sessions"], p["interval_days"], p["tolerance_days"]

    assert series("needle-hydration-face") == (4, 14, 2)
    assert series("needle-polynucleotides-face") == (3, 21, 3)
    for p in catalog["protocols"]:
        if p["modality"] in NEEDLE_FREE:
            assert p["interval_days"] == 7 and 6 <= p["sessions"] <= 8, p["slug"]


def test_protocols_treat_zones_suited_to_the_cocktail(catalog: dict[str, Any]) -> None:
    scalp_cocktails = {"scalp_dutasteride", "scalp_revitalising"}
    for p in catalog["protocols"]:
        if p["cocktail"] in scalp_cocktails:
            assert p["areas"] == ["scalp"], p["slug"]
        else:
            assert "scalp" not in p["areas"], p["slug"]
