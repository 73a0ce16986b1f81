"""``mesoclinic inventory check-balances``: 0 when every stored balance equals its ledger, 1 naming a lot that
does not, 2 for an unknown clinic."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from mesoclinic.accounts.models import Clinic
from mesoclinic.inventory.models import Lot
from mesoclinic.testing import make_lot

pytestmark = pytest.mark.django_db


def _check(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("inventory", "check-balances", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_it_passes_when_every_balance_equals_its_ledger(clinic: Clinic) -> None:
    make_lot(clinic, quantity="2.5")
    make_lot(clinic, quantity=0)
    assert _check("--clinic", clinic.slug) == (0, "2 lots, every balance equals its ledger\n", "")


def test_it_names_a_lot_whose_stored_balance_differs(clinic: Clinic) -> None:
    lot = make_lot(clinic, quantity=4)
    Lot.objects.filter(pk=lot.pk).update(balance=Decimal("4.5"))  # behind the ledger's back
    code, out, err = _check()
    assert (code, out) == (1, "")
    assert err == f"lot {lot.pk}: stored balance 4.5, ledger 4\n"


def test_an_unknown_clinic_is_a_usage_error() -> None:
    with pytest.raises(CommandError) as raised:
        call_command("inventory", "check-balances", "--clinic", "nowhere")
    assert raised.value.returncode == 2
