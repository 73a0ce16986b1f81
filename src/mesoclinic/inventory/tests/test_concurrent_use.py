"""Two sessions signing at the same moment never overdraw a lot (row lock / IMMEDIATE transaction)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from mesoclinic.accounts.models import Role
from mesoclinic.inventory.selectors import balance
from mesoclinic.inventory.services import LotUnusableError, use_lot
from mesoclinic.testing import make_clinic, make_lot, make_staff

AT = datetime(2026, 3, 10, 10, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_it_lets_only_one_of_two_concurrent_uses_take_the_last_stock() -> None:
    clinic = make_clinic()
    actor = make_staff(clinic, Role.PRACTITIONER).user
    lot = make_lot(clinic, quantity=10)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def take() -> None:
        try:
            barrier.wait()
            use_lot(lot, Decimal(6), at=AT, actor=actor)
            outcomes.append("used")
        except LotUnusableError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "used"]
    assert balance(lot) == 4
