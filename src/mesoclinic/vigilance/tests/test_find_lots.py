"""Looking a lot up by its number across the clinic (numbers are unique only per product)."""

from __future__ import annotations

from mesoclinic.testing import make_lot
from mesoclinic.testing.vigilance import make_preparation
from mesoclinic.vigilance.selectors import find_lots


def test_it_finds_every_product_sharing_a_number(clinic):
    a = make_lot(clinic, "ha_1pct_ampoule", lot_number="X9")
    b = make_lot(clinic, "lidocaine_2pct", lot_number="X9")
    assert set(find_lots(clinic, "X9")) == {a, b}


def test_it_narrows_by_product_code(clinic):
    make_lot(clinic, "ha_1pct_ampoule", lot_number="X9")
    b = make_lot(clinic, "lidocaine_2pct", lot_number="X9")
    assert find_lots(clinic, "X9", "lidocaine_2pct") == [b]


def test_it_narrows_by_cocktail_code(clinic):
    ingredient = make_lot(clinic, lot_number="X9")
    prep = make_preparation(ingredient, lot_number="X9")
    assert find_lots(clinic, "X9", "hydration_ha_lidocaine") == [prep]


def test_it_ignores_other_clinics(clinic, other_clinic):
    make_lot(other_clinic, lot_number="X9")
    assert find_lots(clinic, "X9") == []
