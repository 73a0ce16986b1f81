"""A lot's page: facts, status, ledger, components and preparations, the recall link; 404 across clinics."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.urls import reverse

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.catalog.models import Cocktail
from mesoclinic.inventory.services import mark_lot_recalled, prepare_cocktail
from mesoclinic.testing import client_for, make_lot


def _url(lot_id: int) -> str:
    return reverse("inventory:lot", args=[lot_id])


def test_it_shows_the_lot_and_its_ledger(clinic: Clinic, receptionist: StaffMember) -> None:
    lot = make_lot(clinic, lot_number="AB12", quantity=20)
    content = client_for(receptionist).get(_url(lot.pk)).content.decode()
    assert "AB12" in content
    assert "+20 ml" in content
    assert "In stock" in content
    assert f"/vigilance/recall/?lot={lot.pk}" in content


def test_it_links_components_and_preparations(clinic: Clinic, practitioner: StaffMember) -> None:
    ingredient = make_lot(clinic, lot_number="ING1")
    cocktail = Cocktail.objects.filter(clinic=clinic).first()
    assert cocktail is not None
    prep = prepare_cocktail(
        cocktail,
        lot_number="P1",
        quantity=5,
        expires_on=date(2099, 1, 1),
        components=[(ingredient, Decimal(2))],
        at=datetime(2026, 3, 1, tzinfo=UTC),
        actor=practitioner.user,
    )
    client = client_for(practitioner)
    assert _url(ingredient.pk) in client.get(_url(prep.pk)).content.decode()
    assert _url(prep.pk) in client.get(_url(ingredient.pk)).content.decode()


def test_it_says_a_preparation_of_a_recalled_lot_may_not_be_used(
    clinic: Clinic, practitioner: StaffMember
) -> None:
    ingredient = make_lot(clinic, lot_number="ING1")
    cocktail = Cocktail.objects.filter(clinic=clinic).first()
    assert cocktail is not None
    prep = prepare_cocktail(
        cocktail,
        lot_number="P1",
        quantity=5,
        expires_on=date(2099, 1, 1),
        components=[(ingredient, Decimal(2))],
        at=datetime(2026, 3, 1, tzinfo=UTC),
        actor=practitioner.user,
    )
    mark_lot_recalled(ingredient, reason="Notice", actor=None)
    content = client_for(practitioner).get(_url(prep.pk)).content.decode()
    assert "Made from lot ING1" in content


def test_it_hides_the_write_forms_from_a_receptionist(clinic: Clinic, receptionist: StaffMember) -> None:
    lot = make_lot(clinic)
    assert b"Mark recalled" not in client_for(receptionist).get(_url(lot.pk)).content


def test_it_404s_for_another_clinics_lot(other_clinic: Clinic, receptionist: StaffMember) -> None:
    lot = make_lot(other_clinic)
    assert client_for(receptionist).get(_url(lot.pk)).status_code == 404


def test_it_only_allows_get(clinic: Clinic, receptionist: StaffMember) -> None:
    lot = make_lot(clinic)
    assert client_for(receptionist).post(_url(lot.pk)).status_code == 405


def test_it_exports_the_ledger_as_csv(clinic: Clinic, receptionist: StaffMember) -> None:
    from mesoclinic.audit.models import AuditEvent  # noqa: PLC0415
    from mesoclinic.testing import csv_rows  # noqa: PLC0415

    lot = make_lot(clinic, quantity=5)
    make_lot(clinic, quantity=9)
    rows = csv_rows(client_for(receptionist).get(_url(lot.pk), {"format": "csv"}))
    assert rows[0][:4] == ["movement_id", "at", "kind", "quantity"]
    assert [(r[2], r[3]) for r in rows[1:]] == [("receipt", "5.000")]
    assert AuditEvent.objects.filter(action="export", data__list="inventory.ledger").exists()


def test_its_ledger_csv_is_404_across_clinics(clinic: Clinic, outsider: StaffMember) -> None:
    assert client_for(outsider).get(_url(make_lot(clinic).pk), {"format": "csv"}).status_code == 404
