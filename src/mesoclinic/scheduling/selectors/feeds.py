"""Private calendar feeds: finding one by its token, who may manage which, and what a feed shows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from mesoclinic.accounts.models import Role, StaffMember
from mesoclinic.ids import pk_or_404
from mesoclinic.scheduling.models import (
    Appointment,
    AppointmentStatus,
    CalendarFeed,
    CalendarFeedKind,
    Device,
    Room,
)
from mesoclinic.scheduling.selectors.access import (
    get_device_for_user,
    get_practitioner_for_user,
    get_room_for_user,
    practitioners_for_clinic,
)

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=365)


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed this URL token opens, or None (unknown and revoked tokens look the same).

    A practitioner's feed also stops when they leave the clinic (their staff membership is deactivated):
    a former colleague's phone keeps no view of the diary, whether or not someone remembered to revoke it.
    """
    feed = (
        CalendarFeed.objects.filter(token_hash=CalendarFeed.hash_token(token), revoked_at__isnull=True)
        .select_related("clinic")
        .first()
    )
    if feed is None:
        return None
    if (
        feed.kind == CalendarFeedKind.PRACTITIONER
        and not practitioners_for_clinic(feed.clinic_id).filter(pk=feed.object_id).exists()
    ):
        return None
    return feed


def calendar_feeds_for_user(staff: StaffMember) -> QuerySet[CalendarFeed]:
    """Feeds the caller may see and revoke: every feed of the clinic for its owner, else their own."""
    feeds = CalendarFeed.objects.filter(clinic_id=staff.clinic_id)
    if staff.role == Role.OWNER:
        return feeds
    return feeds.filter(kind=CalendarFeedKind.PRACTITIONER, object_id=staff.pk)


def get_calendar_feed_for_user(staff: StaffMember | None, feed_id: Any) -> CalendarFeed:
    """A feed of the caller's clinic, or 404. Whether they may manage it is ``may_manage_calendar_feed``."""
    if staff is None:
        raise Http404
    found = CalendarFeed.objects.filter(clinic_id=staff.clinic_id, pk=pk_or_404(feed_id)).first()
    if found is None:
        raise Http404
    return found


def may_manage_calendar_feed(staff: StaffMember, kind: str, object_id: int) -> bool:
    """The owner manages every feed; a physician or practitioner manages the feed of their own diary."""
    if staff.role == Role.OWNER:
        return True
    if staff.role not in (Role.PHYSICIAN, Role.PRACTITIONER):
        return False
    return kind == CalendarFeedKind.PRACTITIONER and object_id == staff.pk


def get_feed_resource_for_user(
    staff: StaffMember | None, kind: str, object_id: Any
) -> StaffMember | Room | Device:
    """The practitioner, room or device a feed would show, in the caller's clinic, or 404."""
    if kind == CalendarFeedKind.PRACTITIONER:
        return get_practitioner_for_user(staff, object_id)
    if kind == CalendarFeedKind.ROOM:
        return get_room_for_user(staff, object_id)
    if kind == CalendarFeedKind.DEVICE:
        return get_device_for_user(staff, object_id)
    raise Http404


def feed_resource_names(feeds: Iterable[CalendarFeed]) -> dict[tuple[str, int], str]:
    """``(kind, object_id) -> name`` for the resources behind ``feeds`` (three queries at most)."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for feed in feeds:
        wanted[feed.kind].add(feed.object_id)
    names: dict[tuple[str, int], str] = {}
    models: dict[str, tuple[Any, str]] = {
        CalendarFeedKind.PRACTITIONER: (StaffMember, "display_name"),
        CalendarFeedKind.ROOM: (Room, "name"),
        CalendarFeedKind.DEVICE: (Device, "name"),
    }
    for kind, ids in wanted.items():
        model, field_name = models[kind]
        for pk, name in model.objects.filter(pk__in=ids).values_list("pk", field_name):
            names[(kind, pk)] = name
    return names


def feed_appointments(feed: CalendarFeed, *, now: datetime) -> QuerySet[Appointment]:
    """The feed resource's appointments from 30 days before ``now`` to 365 days after, in every status: a
    cancelled one (or a no-show) stays, as ``STATUS:CANCELLED`` with a higher ``SEQUENCE``, so that calendars
    that copied it mark it cancelled rather than keep it (scheduling/ical.py)."""
    resource = {
        CalendarFeedKind.PRACTITIONER: "practitioner_id",
        CalendarFeedKind.ROOM: "room_id",
        CalendarFeedKind.DEVICE: "device_id",
    }[CalendarFeedKind(feed.kind)]
    return (
        Appointment.objects.filter(
            clinic_id=feed.clinic_id,
            starts_at__gte=now - FEED_PAST,
            starts_at__lt=now + FEED_AHEAD,
            **{resource: feed.object_id},
        )
        .exclude(status=AppointmentStatus.HELD)
        .select_related("protocol__modality", "practitioner", "room", "device", "location")
        .order_by("starts_at", "pk")
    )
