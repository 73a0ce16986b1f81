"""``mark_lot_recalled``: blocks the lot, needs a reason, audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mesoclinic.accounts.models import Clinic, StaffMember
from mesoclinic.audit.models import AuditEvent
from mesoclinic.inventory.services import mark_lot_recalled
from mesoclinic.testing import make_lot


def test_it_marks_the_lot_recalled_with_its_reason(clinic: Clinic, physician: StaffMember) -> None:
    lot = make_lot(clinic)
    mark_lot_recalled(lot, reason="Supplier notice 7", actor=physician.user)
    lot.refresh_from_db()
    assert lot.is_recalled
    assert lot.recall_reason == "Supplier notice 7"
    assert AuditEvent.objects.filter(action="lot.recall", object_id=str(lot.pk)).exists()


def test_it_requires_a_reason(clinic: Clinic, physician: StaffMember) -> None:
    lot = make_lot(clinic)
    with pytest.raises(ValidationError, match="Say why"):
        mark_lot_recalled(lot, reason="  ", actor=physician.user)
    lot.refresh_from_db()
    assert not lot.is_recalled


def test_it_refuses_a_second_recall(clinic: Clinic, physician: StaffMember) -> None:
    lot = make_lot(clinic)
    mark_lot_recalled(lot, reason="First", actor=physician.user)
    with pytest.raises(ValidationError, match="already recalled"):
        mark_lot_recalled(lot, reason="Second", actor=physician.user)
    lot.refresh_from_db()
    assert lot.recall_reason == "First"
