"""Inventory reads: status words, expiring soon, low stock, lookups by scan, the access helper."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.http import Http404

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.catalog.models import Cocktail, Product
from mesoclinic.inventory.selectors import (
    LotStatus,
    expiring_soon,
    find_lots_by_scan,
    format_quantity,
    get_lot_for_user,
    lot_status,
    lots_for_clinic,
    low_stock,
    tainted_lot_ids,
)
from mesoclinic.inventory.services import mark_lot_recalled, prepare_cocktail, receive_lot
from mesoclinic.testing import make_lot

TODAY = date(2026, 3, 10)
GTIN = "05012345678900"


def _with_threshold(clinic: Clinic, lot_number: str, quantity: int, threshold: int) -> None:
    receive_lot(
        clinic,
        product=Product.objects.get(clinic=clinic, code="ha_1pct_ampoule"),
        lot_number=lot_number,
        expires_on=date(2099, 1, 1),
        quantity=quantity,
        low_stock_threshold=Decimal(threshold),
        at=datetime(2026, 3, 1, tzinfo=UTC),
        actor=None,
    )


@pytest.mark.parametrize(
    ("expires_on", "quantity", "expected"),
    [
        (date(2099, 1, 1), 5, LotStatus.IN_STOCK),
        (TODAY + timedelta(days=30), 5, LotStatus.EXPIRING),
        (TODAY, 5, LotStatus.EXPIRING),
        (TODAY - timedelta(days=1), 5, LotStatus.EXPIRED),
        (date(2099, 1, 1), 0, LotStatus.EMPTY),
    ],
)
def test_lot_status(clinic: Clinic, expires_on: date, quantity: int, expected: LotStatus) -> None:
    lot = make_lot(clinic, expires_on=expires_on, quantity=quantity)
    assert lot_status(lot, TODAY) == expected


def test_lot_status_says_low_at_the_threshold(clinic: Clinic) -> None:
    _with_threshold(clinic, "LOW1", 3, 3)
    lot = lots_for_clinic(clinic).get(lot_number="LOW1")
    assert lot_status(lot, TODAY) == LotStatus.LOW


def test_lot_status_says_recalled_for_a_preparation_of_a_recalled_lot(
    clinic: Clinic, practitioner: StaffMember
) -> None:
    ingredient = make_lot(clinic)
    cocktail = Cocktail.objects.filter(clinic=clinic).first()
    assert cocktail is not None
    prep = prepare_cocktail(
        cocktail,
        lot_number="P1",
        quantity=5,
        expires_on=date(2099, 1, 1),
        components=[(ingredient, Decimal(1))],
        at=datetime(2026, 3, 1, tzinfo=UTC),
        actor=None,
    )
    mark_lot_recalled(ingredient, reason="Notice", actor=None)
    assert lot_status(prep, TODAY) == LotStatus.RECALLED
    assert tainted_lot_ids(clinic) == {ingredient.pk, prep.pk}


def test_expiring_soon_lists_usable_lots_within_the_days(clinic: Clinic) -> None:
    soon = make_lot(clinic, lot_number="SOON", expires_on=TODAY + timedelta(days=7))
    make_lot(clinic, lot_number="LATER", expires_on=TODAY + timedelta(days=8))
    make_lot(clinic, lot_number="GONE", expires_on=TODAY - timedelta(days=1))
    make_lot(clinic, lot_number="EMPTY", expires_on=TODAY + timedelta(days=2), quantity=0)
    assert [lot.pk for lot in expiring_soon(clinic, TODAY)] == [soon.pk]


def test_low_stock_lists_lots_at_or_below_their_threshold(clinic: Clinic) -> None:
    _with_threshold(clinic, "LOW1", 3, 5)
    _with_threshold(clinic, "OK1", 9, 5)
    assert [lot.lot_number for lot in low_stock(clinic)] == ["LOW1"]


def test_find_lots_by_scan_reads_a_gs1_label(clinic: Clinic) -> None:
    receive_lot(
        clinic,
        product=Product.objects.get(clinic=clinic, code="ha_1pct_ampoule"),
        lot_number="AB12",
        expires_on=date(2049, 12, 31),
        quantity=1,
        gtin=GTIN,
        at=datetime(2026, 3, 1, tzinfo=UTC),
        actor=None,
    )
    found = find_lots_by_scan(clinic, f"]d201{GTIN}17491231" + "10AB12")
    assert [lot.lot_number for lot in found] == ["AB12"]


def test_find_lots_by_scan_takes_a_bare_lot_number(clinic: Clinic) -> None:
    make_lot(clinic, lot_number="AB12")
    assert [lot.lot_number for lot in find_lots_by_scan(clinic, " ab12 ")] == ["AB12"]


def test_find_lots_by_scan_finds_nothing_for_blank_text(clinic: Clinic) -> None:
    assert find_lots_by_scan(clinic, "  ") == []


def test_find_lots_by_scan_stays_in_the_clinic(clinic: Clinic, other_clinic: Clinic) -> None:
    make_lot(other_clinic, lot_number="AB12")
    assert find_lots_by_scan(clinic, "AB12") == []


def test_get_lot_for_user_404s_across_clinics(other_clinic: Clinic, practitioner: StaffMember) -> None:
    lot = make_lot(other_clinic)
    with pytest.raises(Http404):
        get_lot_for_user(practitioner, lot.pk)


@pytest.mark.parametrize("lot_id", ["abc", None])
def test_get_lot_for_user_404s_for_a_bad_id(practitioner: StaffMember, lot_id: object) -> None:
    with pytest.raises(Http404):
        get_lot_for_user(practitioner, lot_id)


def test_get_lot_for_user_404s_without_staff() -> None:
    with pytest.raises(Http404):
        get_lot_for_user(None, 1)


@pytest.mark.parametrize(("value", "text"), [("1.500", "1.5"), ("20.000", "20"), ("-0.000", "0")])
def test_format_quantity(value: str, text: str) -> None:
    assert format_quantity(Decimal(value)) == text
