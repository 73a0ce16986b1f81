from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.audit.models import AuditEvent
from mesoclinic.billing import selectors
from mesoclinic.billing.models import ItemKind, PriceItem
from mesoclinic.billing.services import (
    create_price_item,
    ensure_price_list,
    issue_invoice,
    update_billing_settings,
    update_price_item,
)
from mesoclinic.catalog.models import Product, Protocol
from mesoclinic.testing import make_clinic, make_patient
from mesoclinic.testing.billing import PL_RATES, draft, pl_clinic

pytestmark = pytest.mark.django_db


def test_it_starts_a_clinic_with_its_countrys_currency_and_rates(clinic) -> None:
    settings = selectors.settings_for(clinic)  # a GB clinic (the test default)
    assert (settings.currency, settings.vat_rates, settings.pk) == ("GBP", ["20", "5", "0", "zw"], None)


def test_it_keeps_a_polish_clinics_rates_and_currency() -> None:
    clinic = pl_clinic()
    settings = selectors.settings_for(clinic)
    settings.refresh_from_db()
    assert (settings.currency, settings.vat_rates) == ("PLN", PL_RATES)
    assert AuditEvent.objects.filter(clinic=clinic, action="billing.settings.update").count() == 1


@pytest.mark.parametrize(
    ("currency", "rates", "field"),
    [
        ("zł", ["23"], "currency"),
        ("PLNX", ["23"], "currency"),
        ("PLN", [], "vat_rates"),
        ("PLN", ["23", "7x"], "vat_rates"),
    ],
)
def test_it_refuses_bad_settings_naming_the_field(clinic, currency, rates, field) -> None:
    with pytest.raises(ValidationError) as caught:
        update_billing_settings(clinic, currency=currency, vat_rates=rates, actor=None)
    assert field in caught.value.message_dict


def test_it_refuses_to_change_the_currency_once_a_document_is_issued() -> None:
    clinic = pl_clinic()
    issue_invoice(draft(make_patient(clinic)), actor=None)
    with pytest.raises(ValidationError) as caught:
        update_billing_settings(clinic, currency="EUR", vat_rates=PL_RATES, actor=None)
    assert "currency" in caught.value.message_dict


def test_it_prices_every_protocol_once_per_session_and_package(owner) -> None:
    clinic = pl_clinic()
    protocols = Protocol.objects.filter(clinic=clinic, is_active=True).count()
    assert ensure_price_list(clinic, actor=owner.user) == 2 * protocols
    assert ensure_price_list(clinic, actor=owner.user) == 0
    protocol = Protocol.objects.filter(clinic=clinic, is_active=True).first()
    package = PriceItem.objects.get(clinic=clinic, kind=ItemKind.PACKAGE, protocol=protocol)
    session = PriceItem.objects.get(clinic=clinic, kind=ItemKind.SESSION, protocol=protocol)
    assert package.sessions == protocol.sessions
    assert package.unit_price == session.unit_price * protocol.sessions
    assert session.vat_rate == "23"


def test_it_adds_and_changes_a_retail_price_with_an_audit_row(owner) -> None:
    clinic = pl_clinic()
    product = Product.objects.filter(clinic=clinic).first()
    item = create_price_item(
        clinic,
        kind="retail",
        name="Serum",
        unit_price="89,90",
        vat_rate="8",
        product=product,
        actor=owner.user,
    )
    assert item.unit_price == Decimal("89.90")
    update_price_item(item, name="Serum 30 ml", unit_price="99.00", vat_rate="23", actor=owner.user)
    item.refresh_from_db()
    assert (item.name, item.unit_price, item.vat_rate) == ("Serum 30 ml", Decimal("99.00"), "23")
    change = AuditEvent.objects.get(clinic=clinic, action="billing.price.update")
    assert change.data["before"]["unit_price"] == "89.90"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "retail", "unit_price": "-1"}, "unit_price"),
        ({"kind": "retail", "unit_price": "1.001"}, "unit_price"),
        ({"kind": "retail", "vat_rate": "19"}, "vat_rate"),
        ({"kind": "session"}, "protocol"),
        ({"kind": "voucher"}, "kind"),
        ({"kind": "retail", "product": None}, "product"),
    ],
)
def test_it_refuses_a_bad_price_naming_the_field(fields, field) -> None:
    clinic = pl_clinic()
    values = {
        "name": "Item",
        "unit_price": "10.00",
        "vat_rate": "23",
        "product": Product.objects.filter(clinic=clinic).first(),
        **fields,
    }
    with pytest.raises(ValidationError) as caught:
        create_price_item(clinic, actor=None, **values)
    assert field in caught.value.message_dict


def test_it_refuses_another_clinics_protocol() -> None:
    clinic = pl_clinic()
    foreign = Protocol.objects.filter(clinic=make_clinic("Other")).first()
    with pytest.raises(ValidationError) as caught:
        create_price_item(
            clinic, kind="session", name="X", unit_price="1.00", vat_rate="23", protocol=foreign, actor=None
        )
    assert "protocol" in caught.value.message_dict
