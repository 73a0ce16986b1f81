"""revoke_calendar_feed: a revoked feed stays revoked, at the time it was first revoked, audited once."""

from __future__ import annotations

import pytest

from mesoclinic.audit.models import AuditEvent
from mesoclinic.scheduling.models import CalendarFeedKind
from mesoclinic.scheduling.selectors import calendar_feed_for_token
from mesoclinic.scheduling.services import create_calendar_feed, revoke_calendar_feed
from mesoclinic.testing import make_schedulable

pytestmark = pytest.mark.django_db


def test_it_revokes_once(clinic, owner):
    room = make_schedulable(clinic).room
    feed, token = create_calendar_feed(
        clinic, kind=CalendarFeedKind.ROOM, object_id=room.pk, actor=owner.user
    )
    assert calendar_feed_for_token(token) == feed
    revoke_calendar_feed(feed, actor=owner.user)
    feed.refresh_from_db()
    first = feed.revoked_at
    assert first is not None
    revoke_calendar_feed(feed, actor=owner.user)
    feed.refresh_from_db()
    assert feed.revoked_at == first
    assert calendar_feed_for_token(token) is None
    assert AuditEvent.objects.filter(action="calendar_feed.revoke", actor=owner.user).count() == 1
