"""Reading a ``plan-series`` request from its JSON form into :class:`~.model.PlanRequest`.

The format (all times are the clinic's local wall clock unless they carry a UTC offset)::

    {"timezone": "Europe/Warsaw",          # IANA zone, required
     "slot_minutes": 15,                   # grid step after local midnight, 1-1440, default 15
     "horizon_days": 120,                  # last start at most this many days after earliest (120)
     "resources": [                        # required
       {"id": "anna",                      # unique, non-empty
        "kind": "practitioner",            # practitioner | room | device
        "modalities": ["needle", "electroporation"],
        "hours": {"mon": [["09:00", "13:00"], ["14:00", "18:00"]]},   # mon..sun; missing = closed;
                                                                     # "24:00" ends at midnight
        "busy": [["2027-01-05T10:00", "2027-01-05T11:30"]]},         # optional
       ...],
     "request": {"modality": "electroporation", "sessions": 4, "interval_days": 14,
                 "tolerance_days": 2,        # default 0, below interval_days
                 "duration_minutes": 30, "buffer_minutes": 10,          # buffer default 0
                 "earliest": "2027-01-04T09:00",
                 "same_practitioner": true}}                           # default true

A local time that the clocks skip (02:30 on a spring-forward day) is an error: give a UTC offset. One
that occurs twice (02:30 on a fall-back day) means its first occurrence, as Python's ``fold=0`` [1]_.

References
----------
.. [1] A. Belopolsky, T. Peters, "PEP 495 - Local Time Disambiguation", 2015,
   https://peps.python.org/pep-0495/
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .model import DAY_NAMES, YEARS, Clinic, PlanRequest, Resource, ResourceKind, SeriesRequest, WeeklyHours

__all__ = ["PlanInputError", "parse_local_datetime", "parse_wall_time", "plan_request_from_json"]

_TOP_KEYS = ("timezone", "slot_minutes", "horizon_days", "resources", "request")
_RESOURCE_KEYS = ("id", "kind", "modalities", "hours", "busy")
_SERIES_KEYS = (
    "modality",
    "sessions",
    "interval_days",
    "tolerance_days",
    "duration_minutes",
    "buffer_minutes",
    "earliest",
    "same_practitioner",
)
_DEFAULTS = {"slot_minutes": 15, "horizon_days": 120}
_WALL_TIME = re.compile(r"(\d{2}):(\d{2})")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})?")
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")
_KINDS = ", ".join(kind.value for kind in ResourceKind)


class PlanInputError(ValueError):
    """A plan request is malformed; the one-line message names the field and what is wrong."""


def plan_request_from_json(obj: object) -> PlanRequest:
    """Build a :class:`~.model.PlanRequest` from decoded JSON (format in the module docstring).

    Parameters
    ----------
    obj : object
        The decoded JSON document.

    Returns
    -------
    PlanRequest

    Raises
    ------
    PlanInputError
        Naming the field, e.g. ``resources[0].hours.mon[0][1]: '25:00' is not a time (HH:MM, 00:00 to
        24:00)`` or ``unknown key 'colour' in resources[1] (allowed: ...)``.
    """
    data = _check_object(obj, "request file", _TOP_KEYS)
    for key in ("timezone", "resources", "request"):
        if key not in data:
            raise PlanInputError(f"{key}: missing (required)")
    tz = _zone(data["timezone"])
    slot_minutes = data.get("slot_minutes", _DEFAULTS["slot_minutes"])
    horizon_days = data.get("horizon_days", _DEFAULTS["horizon_days"])
    resources = tuple(
        _resource(item, f"resources[{i}]", tz) for i, item in enumerate(_list(data, "resources"))
    )
    seen: dict[str, int] = {}
    for i, resource in enumerate(resources):
        if resource.id in seen:
            raise PlanInputError(
                f"resources[{i}].id: duplicate id {resource.id!r} (also resources[{seen[resource.id]}])"
            )
        seen[resource.id] = i
    try:
        clinic = Clinic(tz, slot_minutes, resources)
    except ValueError as exc:
        raise PlanInputError(str(exc)) from None
    return PlanRequest(clinic, _series(data["request"], tz, horizon_days))


def parse_wall_time(value: object, where: str, *, end: bool = False) -> int:
    """Parse ``"HH:MM"`` into minutes after midnight.

    Parameters
    ----------
    value : object
        The JSON value.
    where : str
        Field path used in the error message.
    end : bool, default False
        Whether ``"24:00"`` (the end of the day) is allowed.

    Returns
    -------
    int
        0 to 1439, or 1440 for ``"24:00"`` when ``end``.

    Raises
    ------
    PlanInputError
        ``<where>: '25:00' is not a time (HH:MM, 00:00 to 24:00)``.
    """
    match = _WALL_TIME.fullmatch(value) if isinstance(value, str) else None
    if match:
        hours, minutes = int(match[1]), int(match[2])
        if hours < 24 and minutes < 60:
            return hours * 60 + minutes
        if end and (hours, minutes) == (24, 0):
            return 1440
        if (hours, minutes) == (24, 0):
            raise PlanInputError(f"{where}: '24:00' can only end an interval, not start one")
    raise PlanInputError(f"{where}: {value!r} is not a time (HH:MM, 00:00 to 24:00)")


def parse_local_datetime(value: object, tz: tzinfo, where: str) -> datetime:
    """Parse ``YYYY-MM-DDTHH:MM[:SS][offset]``; without an offset it is wall-clock time in ``tz``.

    Parameters
    ----------
    value : object
        The JSON value.
    tz : tzinfo
        The clinic's zone.
    where : str
        Field path used in the error message.

    Returns
    -------
    datetime
        Aware; in ``tz`` when no offset was given.

    Raises
    ------
    PlanInputError
        If the text is malformed, or names a local time the clocks skip in ``tz``.
    """
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise PlanInputError(
            f"{where}: {value!r} is not a date and time (YYYY-MM-DDTHH:MM, optionally with a UTC offset)"
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PlanInputError(f"{where}: {value!r} is not a valid date and time") from None
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        raise PlanInputError(f"{where}: {value!r} is outside the years {YEARS[0]} to {YEARS[1]}")
    if parsed.tzinfo is not None:
        return parsed
    aware = parsed.replace(tzinfo=tz)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != parsed:
        raise PlanInputError(
            f"{where}: {value!r} does not exist in {tz} (the clocks skip it); give a UTC offset"
        )
    return aware


def _zone(value: object) -> tzinfo:
    """The IANA zone named ``value``."""
    if not isinstance(value, str):
        raise PlanInputError(f"timezone: expected an IANA time zone name (string), got {_json_type(value)}")
    if _ZONE_NAME.fullmatch(value):
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise PlanInputError(
        f"timezone: unknown time zone {value!r} (expected an IANA name such as 'Europe/Warsaw')"
    )


def _resource(obj: object, where: str, tz: tzinfo) -> Resource:
    """One resource entry."""
    data = _check_object(obj, where, _RESOURCE_KEYS)
    for key in ("id", "kind", "modalities", "hours"):
        if key not in data:
            raise PlanInputError(f"{where}.{key}: missing (required)")
    rid = data["id"]
    if not isinstance(rid, str) or not rid:
        raise PlanInputError(f"{where}.id: expected a non-empty string, got {_json_repr(rid)}")
    kind = data["kind"]
    if not isinstance(kind, str) or kind not in {k.value for k in ResourceKind}:
        raise PlanInputError(f"{where}.kind: unknown kind {_json_repr(kind)} (kinds: {_KINDS})")
    modalities = []
    for i, code in enumerate(_list(data, "modalities", where)):
        if not isinstance(code, str) or not code:
            raise PlanInputError(f"{where}.modalities[{i}]: expected a modality code, got {_json_repr(code)}")
        modalities.append(code)
    busy = tuple(_span(item, f"{where}.busy[{i}]", tz) for i, item in enumerate(_list(data, "busy", where)))
    return Resource(
        rid, ResourceKind(kind), frozenset(modalities), _hours(data["hours"], f"{where}.hours"), busy
    )


def _hours(obj: object, where: str) -> WeeklyHours:
    """Weekly hours ``{"mon": [["09:00", "13:00"], ...], ...}``."""
    if not isinstance(obj, Mapping):
        raise PlanInputError(f"{where}: expected an object of days (mon..sun), got {_json_type(obj)}")
    days: dict[str, list[tuple[int, int]]] = {}
    for day, spans in obj.items():
        if day not in DAY_NAMES:
            raise PlanInputError(f"{where}: unknown day {day!r} (days: {', '.join(DAY_NAMES)})")
        if not isinstance(spans, list):
            raise PlanInputError(f"{where}.{day}: expected a list of [start, end], got {_json_type(spans)}")
        out = []
        for k, span in enumerate(spans):
            at = f"{where}.{day}[{k}]"
            if not isinstance(span, list) or len(span) != 2:
                raise PlanInputError(f'{at}: expected [start, end], e.g. ["09:00", "13:00"]')
            start = parse_wall_time(span[0], f"{at}[0]")
            end = parse_wall_time(span[1], f"{at}[1]", end=True)
            if end <= start:
                raise PlanInputError(f"{at}: end {span[1]} is not after start {span[0]}")
            out.append((start, end))
        days[day] = out
    return WeeklyHours.from_mapping(days)


def _span(obj: object, where: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """A busy interval ``[start, end]``."""
    if not isinstance(obj, list) or len(obj) != 2:
        raise PlanInputError(f'{where}: expected [start, end], e.g. ["2027-01-05T10:00", "2027-01-05T11:30"]')
    start = parse_local_datetime(obj[0], tz, f"{where}[0]")
    end = parse_local_datetime(obj[1], tz, f"{where}[1]")
    if end.timestamp() <= start.timestamp():  # not `end <= start`: same-zone comparison ignores fold
        raise PlanInputError(f"{where}: end {obj[1]} is not after start {obj[0]}")
    return start, end


def _series(obj: object, tz: tzinfo, horizon_days: object) -> SeriesRequest:
    """The ``request`` object (plus the top-level ``horizon_days``)."""
    data = _check_object(obj, "request", _SERIES_KEYS)
    for key in ("modality", "sessions", "interval_days", "duration_minutes", "earliest"):
        if key not in data:
            raise PlanInputError(f"request.{key}: missing (required)")
    modality = data["modality"]
    if not isinstance(modality, str) or not modality:
        raise PlanInputError(f"request.modality: expected a modality code, got {_json_repr(modality)}")
    earliest = parse_local_datetime(data["earliest"], tz, "request.earliest")
    try:
        return SeriesRequest(
            modality=modality,
            sessions=data["sessions"],
            interval_days=data["interval_days"],
            duration_minutes=data["duration_minutes"],
            earliest=earliest,
            tolerance_days=data.get("tolerance_days", 0),
            buffer_minutes=data.get("buffer_minutes", 0),
            same_practitioner=data.get("same_practitioner", True),
            horizon_days=horizon_days,  # type: ignore[arg-type]  # unchecked JSON: SeriesRequest checks it and raises ValueError, turned into PlanInputError below
        )
    except ValueError as exc:
        message = str(exc)
        prefix = "" if message.startswith("horizon_days") else "request."
        raise PlanInputError(prefix + message) from None


def _check_object(obj: object, what: str, keys: Sequence[str]) -> Mapping[str, Any]:
    """Return ``obj`` if it is a JSON object whose keys are all among ``keys``."""
    if not isinstance(obj, Mapping):
        raise PlanInputError(f"{what}: expected a JSON object, got {_json_type(obj)}")
    if unknown := sorted(set(obj) - set(keys), key=str):
        raise PlanInputError(f"unknown key {unknown[0]!r} in {what} (allowed: {', '.join(keys)})")
    return obj


def _list(data: Mapping[str, Any], key: str, where: str = "") -> list[Any]:
    """Return the list ``data[key]`` (missing or null -> empty)."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        path = f"{where}.{key}" if where else key
        raise PlanInputError(f"{path}: expected a list, got {_json_type(value)}")
    return value


def _json_repr(value: object) -> str:
    """A JSON value as it appears in messages (strings quoted, others by type)."""
    return repr(value) if isinstance(value, str) else _json_type(value)


def _json_type(value: object) -> str:
    """Name of ``value``'s JSON type, for error messages."""
    names = {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
