"""An expired, recalled or empty lot, or a preparation made from a recalled lot, is refused the moment it is
scanned or typed into a session (tablet form, API, saving the draft), by name and reason; signing re-checks.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mesoclinic.catalog.models import Cocktail
from mesoclinic.inventory.services import mark_lot_recalled, prepare_cocktail
from mesoclinic.testing import client_for, make_lot
from mesoclinic.testing.treatments import NEEDLE_PARAMETERS, ready_draft
from mesoclinic.treatments.services import update_session_draft

pytestmark = pytest.mark.django_db
BASE = "/api/v1/sessions"


@pytest.fixture
def record(clinic):
    return ready_draft(clinic)


def expired(clinic):
    return make_lot(clinic, "vitamin_c_ampoule", lot_number="VC-OLD", expires_on=date(2030, 6, 30))


def recalled(clinic):
    lot = make_lot(clinic, "vitamin_c_ampoule", lot_number="VC-BAD")
    return mark_lot_recalled(lot, reason="Supplier notice 2031/04: sterility", actor=None)


def empty(clinic):
    return make_lot(clinic, "vitamin_c_ampoule", lot_number="VC-EMPTY", quantity=0)


def made_from_recalled(clinic):
    cocktail = Cocktail.objects.filter(clinic=clinic).order_by("pk").first()
    components = [
        (make_lot(clinic, p.code, lot_number=f"C-{n}", quantity=10), Decimal(1))
        for n, p in enumerate(cocktail.products.order_by("pk"))
    ]
    preparation = prepare_cocktail(
        cocktail,
        lot_number="PREP-7",
        quantity=5,
        expires_on=date(2099, 1, 1),
        components=components,
        at=timezone.now(),
        actor=None,
    )
    mark_lot_recalled(components[0][0], reason="Supplier notice", actor=None)
    return preparation


CASES = {
    "expired": (expired, "Lot VC-OLD of", "expired on 30 June 2030"),
    "recalled": (recalled, "Lot VC-BAD of", "has been recalled"),
    "empty": (empty, "Lot VC-EMPTY of", "is empty"),
    "made_from_recalled": (made_from_recalled, "Lot PREP-7 of", "was made from lot C-0 of"),
}


def lines_of(record):
    return [(line.lot, line.quantity) for line in record.products.all()]


@pytest.mark.parametrize("case", sorted(CASES))
def test_saving_the_draft_refuses_it_by_name_and_reason(clinic, record, case):
    make, name, reason = CASES[case]
    lot = make(clinic)
    before = sorted(line.lot.lot_number for line in record.products.all())
    with pytest.raises(ValidationError) as refused:
        update_session_draft(record, actor=None, products=[*lines_of(record), (lot, "1")])
    [message] = refused.value.message_dict["products"]
    assert name in message and reason in message
    assert sorted(line.lot.lot_number for line in record.products.all()) == before


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_tablet_refuses_a_scanned_lot_by_name_and_keeps_the_rest(clinic, practitioner, record, case):
    make, name, reason = CASES[case]
    lot = make(clinic)
    lines = list(record.products.all())
    data = {
        "zone": ["forehead"],
        "volume_forehead": "1",
        "line_lot": [line.lot_id for line in lines],
        "line_quantity": [str(line.quantity) for line in lines],
        "duration_minutes": "30",
        "aftercare": "Sunscreen",
        "notes": "typed before the scan",
        "scan": lot.lot_number.lower(),
        "scan_quantity": "1",
        "action": "add_lot",
        **{f"param_{k}": v for k, v in NEEDLE_PARAMETERS.items()},
    }
    response = client_for(practitioner).post(reverse("treatments:save", args=[record.pk]), data)
    page = response.content.decode()
    assert response.status_code == 422
    assert name in page and reason in page
    assert 'id="scan_error"' in page
    record.refresh_from_db()
    assert not record.products.filter(lot=lot).exists()
    assert record.notes == "typed before the scan"  # the rest of the draft is saved


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_api_answers_422_naming_the_lot(clinic, practitioner, record, case):
    make, name, reason = CASES[case]
    lot = make(clinic)
    products = [{"lot_id": line.lot_id, "quantity": str(line.quantity)} for line in record.products.all()]
    response = client_for(practitioner).patch(
        f"{BASE}/{record.pk}",
        {"products": [*products, {"lot_id": lot.pk, "quantity": "1"}]},
        content_type="application/json",
    )
    assert response.status_code == 422
    [message] = response.json()["errors"]["products"]
    assert name in message and reason in message
    assert not record.products.filter(lot=lot).exists()


def test_a_lot_recalled_after_it_was_added_is_named_when_the_draft_is_saved_again(clinic, record):
    line = record.products.order_by("pk").first()
    mark_lot_recalled(line.lot, reason="Supplier notice", actor=None)
    with pytest.raises(ValidationError, match=f"Lot {line.lot.lot_number} of .* has been recalled"):
        update_session_draft(record, actor=None, notes="later", products=lines_of(record))
    record.refresh_from_db()
    assert record.notes == ""


def test_a_usable_lot_is_still_accepted(clinic, record):
    lot = make_lot(clinic, "vitamin_c_ampoule", lot_number="VC-GOOD")
    update_session_draft(record, actor=None, products=[*lines_of(record), (lot, "1")])
    assert record.products.filter(lot=lot).exists()
