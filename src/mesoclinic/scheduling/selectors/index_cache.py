"""Each location's free-time index, kept per process and brought up to the location's schedule version.

Services patch this process's kept indexes after their commit (``patch_kept_indexes``) and write the same
change to the change feed (``ScheduleChange``) in their transaction; every other process applies the feed's
rows to its own kept indexes before it reads them (``location_index``). Every other change of the schedule
moves the location's version without a feed row, so the next read rebuilds.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from mesoclinic.accounts.models import Location
from mesoclinic.scheduling.engine import (
    Clinic,
    ClinicIndex,
)
from mesoclinic.scheduling.models import (
    Appointment,
    ScheduleChange,
    ScheduleVersion,
)
from mesoclinic.scheduling.selectors.engine_adapter import (
    SLOT_MINUTES,
    ResourceMap,
    engine_clinic,
    location_timezone,
)

#: An index asked for days it does not cover, at the same version, is rebuilt over both its days and the
#: new ones while that spans at most this many days (else over the new ones alone).
INDEX_DAYS_MAX = 400
INDEX_CACHE_SIZE = 32
#: A kept index more than this many feed rows behind is rebuilt rather than patched row by row.
FEED_MAX_CHANGES = 200


@dataclass(frozen=True)
class _Indexed:
    token: tuple[int, int]  # the location's (version, stamp) the index was built at
    first: date
    last: date
    clinic: Clinic
    resources: ResourceMap
    index: ClinicIndex


class _IndexCache:
    """A small LRU of built indexes, shared by the threads of one process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, str, int], _Indexed] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str, int], token: tuple[int, int]) -> _Indexed | None:
        """The entry for ``key`` built at ``token``, whatever days it covers, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.token != token:
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[int, str, int], entry: _Indexed) -> None:
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def peek(self, key: tuple[int, str, int]) -> _Indexed | None:
        """The entry for ``key`` at whatever version it was built, or None."""
        with self._lock:
            return self._entries.get(key)

    def kept_at(
        self, location_id: int, token: tuple[int, int]
    ) -> list[tuple[tuple[int, str, int], _Indexed]]:
        """The location's entries built at (or patched up to) ``token``."""
        with self._lock:
            return [(k, e) for k, e in self._entries.items() if k[0] == location_id and e.token == token]

    def replace(self, key: tuple[int, str, int], old: _Indexed, new: _Indexed) -> bool:
        """Put ``new`` in place of ``old`` unless another thread replaced ``old`` meanwhile."""
        with self._lock:
            if self._entries.get(key) is not old:
                return False
            self._entries[key] = new
            return True


index_cache = _IndexCache(INDEX_CACHE_SIZE)


def schedule_token(location: Location) -> tuple[int, int] | None:
    """The location's schedule ``(version, stamp)``; one query. None if it has no version row yet."""
    return location_schedule_token(location.pk)


def location_schedule_token(location_id: int) -> tuple[int, int] | None:
    """``schedule_token`` by the location's id."""
    row = ScheduleVersion.objects.filter(location_id=location_id).values_list("version", "stamp").first()
    return (row[0], row[1]) if row is not None else None


def replaced_token(location_id: int) -> tuple[int, int] | None:
    """Right after a bump of the location's version in this transaction: the token that bump replaced.

    A writer calls it after its first bump (which holds the version row's lock until commit), so the
    answer is exactly the schedule its write starts from. None if the location has no version row.
    """
    row = (
        ScheduleVersion.objects.filter(location_id=location_id)
        .values_list("version", "previous_stamp")
        .first()
    )
    return (row[0] - 1, row[1]) if row is not None and row[0] > 0 else None


@dataclass(frozen=True)
class Hold:
    """The time one appointment holds its practitioner, room and device: ``start .. end`` (the end of the
    session plus its cleaning buffer, ``blocked_until``)."""

    practitioner_id: int
    room_id: int
    device_id: int | None
    start: datetime
    end: datetime

    @classmethod
    def of(cls, appointment: Appointment) -> Hold:
        return cls(
            appointment.practitioner_id,
            appointment.room_id,
            appointment.device_id,
            appointment.starts_at,
            appointment.blocked_until,
        )

    def as_row(self) -> list[object]:
        """The hold as a change feed row stores it (JSON): ids, then the instants in ISO 8601."""
        return [
            self.practitioner_id,
            self.room_id,
            self.device_id,
            self.start.isoformat(),
            self.end.isoformat(),
        ]

    @classmethod
    def from_row(cls, row: list[object]) -> Hold:
        """``as_row`` read back; raises ``ValueError`` on anything else."""
        practitioner_id, room_id, device_id, start, end = row
        if not all(isinstance(v, int) for v in (practitioner_id, room_id)) or not isinstance(
            device_id, int | None
        ):
            raise ValueError(f"not a hold: {row!r}")
        return cls(
            practitioner_id,  # type: ignore[arg-type]  # checked just above
            room_id,  # type: ignore[arg-type]  # checked just above
            device_id,
            datetime.fromisoformat(str(start)),
            datetime.fromisoformat(str(end)),
        )


def patch_kept_indexes(
    location_id: int,
    before: tuple[int, int],
    after: tuple[int, int],
    *,
    added: Iterable[Hold] = (),
    removed: Iterable[Hold] = (),
) -> int:
    """After a committed write of this process: patch the location's kept indexes instead of dropping them.

    The write took the location's schedule from ``before`` to ``after`` and did nothing to it but book
    ``added`` and free ``removed``. Only entries kept at exactly ``before`` are patched (the appointments'
    intervals taken out of or given back to their resources' free time, ``ClinicIndex.with_busy``) and
    moved to ``after``. An entry at any other version missed someone else's write (another process, or a
    write this one made that changed hours or resources): it is left alone, so the next call sees a
    version it was not built at and rebuilds it. Called by ``transaction.on_commit``, never before the
    commit: an index must never hold a write that may still roll back under a committed version.

    Returns the number of entries patched.
    """
    added, removed = tuple(added), tuple(removed)
    patched = 0
    for key, entry in index_cache.kept_at(location_id, before):
        if index_cache.replace(key, entry, _patched(entry, after, added, removed)):
            patched += 1
    return patched


def _patched(
    entry: _Indexed, token: tuple[int, int], added: tuple[Hold, ...], removed: tuple[Hold, ...]
) -> _Indexed:
    resources = entry.resources
    ids: tuple[dict[int | None, str], ...] = (
        {m.pk: rid for rid, m in resources.practitioners.items()},
        {r.pk: rid for rid, r in resources.rooms.items()},
        {d.pk: rid for rid, d in resources.devices.items()},
    )
    changes: dict[str, tuple[list[tuple[datetime, datetime]], list[tuple[datetime, datetime]]]] = {}
    for side, holds in enumerate((added, removed)):
        for hold in holds:
            for pk, table in zip((hold.practitioner_id, hold.room_id, hold.device_id), ids, strict=True):
                rid = table.get(pk)
                if rid is not None:
                    changes.setdefault(rid, ([], []))[side].append((hold.start, hold.end))
    index = entry.index.with_busy(changes)
    return _Indexed(token, entry.first, entry.last, index.clinic, resources, index)


def _caught_up(location_id: int, kept: _Indexed, token: tuple[int, int]) -> _Indexed | None:
    """``kept`` patched with the change feed's rows up to ``token``, or None if it must be rebuilt.

    One indexed query: the location's rows after the kept version, up to ``token``'s, in version order.
    They apply only as an unbroken chain, each row starting exactly from the version (count and stamp)
    the one before it left, the first from ``kept``'s and the last ending at ``token``. A write that left
    no row (hours, holidays, time off, resources, any service that does not patch), a row pruned, one of
    a kind this code does not know, or more than ``FEED_MAX_CHANGES`` of them: None, and the caller
    rebuilds from the database, as it would without a feed.
    """
    if kept.token[0] >= token[0]:
        return None
    rows = list(
        ScheduleChange.objects.filter(
            location_id=location_id, version__gt=kept.token[0], version__lte=token[0]
        )
        .order_by("version", "pk")
        .values_list("previous_version", "previous_stamp", "version", "stamp", "kind", "added", "removed")[
            : FEED_MAX_CHANGES + 1
        ]
    )
    if len(rows) > FEED_MAX_CHANGES:
        return None
    entry = kept
    for previous_version, previous_stamp, version, stamp, kind, added, removed in rows:
        if (previous_version, previous_stamp) != entry.token or kind != ScheduleChange.HOLDS:
            return None
        try:
            holds = tuple(tuple(Hold.from_row(row) for row in side) for side in (added, removed))
        except (TypeError, ValueError):  # not a list of holds: written by another version of this code
            return None
        entry = _patched(entry, (version, stamp), holds[0], holds[1])
    return entry if entry.token == token else None


def _grown(kept: _Indexed, first: date, last: date) -> tuple[date, date]:
    """The days to rebuild over when ``kept`` misses ``first .. last`` at its own version.

    Both, grown on the missing side by the kept span (doubling, so a walk through the months costs a few
    rebuilds, not one a month), within ``INDEX_DAYS_MAX``; else both; else the new days alone.
    """
    span = kept.last - kept.first + timedelta(days=1)
    lo = min(first, kept.first - span) if first < kept.first else kept.first
    hi = max(last, kept.last + span) if last > kept.last else kept.last
    for lo_, hi_ in ((lo, hi), (min(first, kept.first), max(last, kept.last))):
        if (hi_ - lo_).days <= INDEX_DAYS_MAX:
            return lo_, hi_
    return first, last


def location_index(
    location: Location, modality: str, first: date, last: date
) -> tuple[Clinic, ResourceMap, ClinicIndex]:
    """``engine_clinic`` for ``modality`` indexed over at least the local dates ``first .. last``.

    Reused from this process's cache while the location's schedule version is the one it was built at
    (one query), else built and kept. After a write the first call builds just the days it asks for, so
    it costs what an uncached call did; later calls at the same version that ask for other days rebuild
    over those and the kept ones together, with room to grow (``_grown``), so the kept index comes to
    cover what is being asked.

    Bookings, cancellations, moves and no-shows do not cost a rebuild. Those made by *this* process patch
    the kept entries on commit with the appointments they booked or freed and move them to the new
    version, provided the entries were at exactly the version the write started from
    (``patch_kept_indexes``). Those made by *other* processes are read from the change feed: an entry at
    an older version is patched with the feed's rows since (one more query, ``_caught_up``). Changes of
    hours, holidays or resources move the version without a feed row, so the next call rebuilds.

    The version is read before the rows, so an index may hold writes newer than the version it is kept
    at (it is then rebuilt on the next call), never older ones: every answer includes all the writes
    committed before the call began. Booking trusts none of it anyway: ``services.check_sessions_fit``
    reads the database, and the database's no-overlap constraint settles races.
    """
    token = schedule_token(location)
    key = (location.pk, modality, SLOT_MINUTES)
    if token is not None:
        kept = index_cache.get(key, token)
        if kept is None and (behind := index_cache.peek(key)) is not None:
            kept = _caught_up(location.pk, behind, token)  # another process's writes, from the feed
            if kept is not None and not index_cache.replace(key, behind, kept):
                kept = index_cache.get(key, token)  # another thread got there first: take what it left
        if kept is not None and kept.first <= first and last <= kept.last:
            return kept.clinic, kept.resources, kept.index
        if kept is not None:  # same version, other days: cover both while that stays within the limit
            first, last = _grown(kept, first, last)
    else:  # a location made without one (bulk_create): create it; this first answer is not kept
        ScheduleVersion.objects.get_or_create(location=location)
    tz = location_timezone(location)
    window = (
        datetime.combine(first - timedelta(days=1), time(), tz),
        datetime.combine(last + timedelta(days=2), time(), tz),
    )
    clinic, resources = engine_clinic(location, modality, window=window)
    index = ClinicIndex.build(clinic, first, last)
    if token is not None:
        index_cache.put(key, _Indexed(token, first, last, clinic, resources, index))
    return clinic, resources, index
