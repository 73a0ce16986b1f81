"""Opening a protocol for online booking is a choice of the clinic, audited."""

from __future__ import annotations

import pytest

from mesoclinic.audit.models import AuditEvent
from mesoclinic.catalog.models import Protocol
from mesoclinic.catalog.services import set_bookable_online

pytestmark = pytest.mark.django_db


def test_protocols_are_closed_until_the_clinic_opens_them_and_the_change_is_audited(clinic, owner):
    protocol = Protocol.objects.filter(clinic=clinic).first()
    assert not Protocol.objects.filter(clinic=clinic, bookable_online=True).exists()
    set_bookable_online(protocol, bookable=True, actor=owner.user)
    set_bookable_online(protocol, bookable=True, actor=owner.user)  # no change, no second row
    protocol.refresh_from_db()
    assert protocol.bookable_online
    events = AuditEvent.objects.filter(action="catalog.protocol.update", object_id=str(protocol.pk))
    assert [(e.data["before"], e.data["after"]) for e in events] == [
        ({"bookable_online": False}, {"bookable_online": True})
    ]
    assert protocol.version == 1  # not a clinical change: no new version
