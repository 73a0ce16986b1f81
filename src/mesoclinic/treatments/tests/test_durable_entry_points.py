"""Amending a signed record is an entry point: called inside another transaction it refuses at once."""

from __future__ import annotations

import pytest
from django.db import transaction

from mesoclinic.treatments.services import amend_session


@pytest.mark.django_db(transaction=True)
def test_amending_refuses_to_run_inside_another_transaction():
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        amend_session()
