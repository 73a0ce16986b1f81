"""When each message is due: plain date arithmetic, no Django, no clock (callers pass ``now`` and the zone).

Every due instant is a pure function of the object it is about (an appointment's start, a session's time,
the last done session of a course, a recall's date), never of when the worker happens to run: the same
object always gives the same instant, which the delivery log's unique key relies on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

COMPLICATION_CHECK_WEEKS = (4, 8)
"""Atypical (mycobacterial) infections after injections appear 1–12 weeks later; ask at 4 and 8 weeks."""

COMPLICATION_CHECK_WINDOW = timedelta(days=7)
AFTERCARE_WINDOW = timedelta(hours=48)
RECALL_WINDOW_DAYS = 60
"""Past these, a message that was never sent (worker down, feature newly switched on) is not sent late."""


def _check_aware(name: str, moment: datetime) -> None:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}.")


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``day`` at the clinic (a due date becomes a due instant)."""
    return datetime.combine(day, time(0), tz)


def in_quiet_hours(moment: time, start: time, end: time) -> bool:
    """Whether a local wall-clock time falls in quiet hours ``start``–``end`` (which may span midnight).

    ``start == end`` means no quiet hours at all.
    """
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def quiet_hours_end(now: datetime, tz: ZoneInfo, start: time, end: time) -> datetime | None:
    """When the quiet hours that ``now`` falls in end (aware), or None when ``now`` is not in them."""
    _check_aware("now", now)
    local = now.astimezone(tz)
    if not in_quiet_hours(local.timetz().replace(tzinfo=None), start, end):
        return None
    day = local.date() if local.time() < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tz)


def reminder_due(starts_at: datetime, lead_hours: Iterable[int], now: datetime) -> datetime | None:
    """The reminder due now for an appointment at ``starts_at``: the latest lead instant already reached.

    Only one reminder is due at a time: when the worker (or the booking) comes after two lead instants,
    the patient gets the nearer one, not both in a row. None before the first lead or once it has begun.
    """
    _check_aware("starts_at", starts_at)
    _check_aware("now", now)
    if now >= starts_at:
        return None
    reached = [starts_at - timedelta(hours=h) for h in lead_hours if starts_at - timedelta(hours=h) <= now]
    return max(reached) if reached else None


@dataclass(frozen=True)
class ContinuationWindow:
    """The days in which the next session of a series should happen, and when to ask the patient to book."""

    opens: date
    closes: date
    ask_on: date


def continuation_window(
    last_done: date, *, interval_days: int, tolerance_days: int, lead_days: int
) -> ContinuationWindow:
    """The next session's window after the last one done (interval ± tolerance) and the day to ask.

    The patient is asked ``lead_days`` before the window opens so there is time to book inside it, but
    never on the day of the last session itself.
    """
    if interval_days < 0 or tolerance_days < 0 or lead_days < 0:
        raise ValueError("interval_days, tolerance_days and lead_days must not be negative.")
    opens = last_done + timedelta(days=max(interval_days - tolerance_days, 1))
    closes = last_done + timedelta(days=interval_days + tolerance_days)
    ask_on = max(opens - timedelta(days=lead_days), last_done + timedelta(days=1))
    return ContinuationWindow(opens=opens, closes=max(closes, opens), ask_on=ask_on)


def complication_checks_due(
    performed_at: datetime, now: datetime, weeks: Sequence[int] = COMPLICATION_CHECK_WEEKS
) -> list[datetime]:
    """The late-complication checks of a session due at ``now`` (reached, and not a week stale)."""
    _check_aware("performed_at", performed_at)
    _check_aware("now", now)
    due = [performed_at + timedelta(weeks=w) for w in weeks]
    return [d for d in due if d <= now < d + COMPLICATION_CHECK_WINDOW]
