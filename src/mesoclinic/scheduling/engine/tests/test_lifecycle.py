"""The appointment state machine as a table: from-state × action × conditions → new state or refusal."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mesoclinic.scheduling.engine.lifecycle import (
    Action,
    Completion,
    Facts,
    State,
    Transition,
    TransitionRefused,
    decide,
)

WARSAW = ZoneInfo("Europe/Warsaw")
START = datetime(2031, 3, 3, 10, 0, tzinfo=WARSAW)  # Monday 10:00 in Warsaw

# Conditions, named as a receptionist would say them.
DAY_BEFORE = START - timedelta(days=1)
MORNING_OF = START.replace(hour=7)  # its day, before the start
AFTER_START = START + timedelta(minutes=20)
LATE_EVENING = START.replace(hour=23, minute=30)  # its day still, in Warsaw (22:30 UTC)
DAY_AFTER = START + timedelta(days=1)
NEXT_MONTH = START + timedelta(days=30)

B, CI, C, X, NS = State.BOOKED, State.CHECKED_IN, State.COMPLETED, State.CANCELLED, State.NO_SHOW
SIGNED = {"record_signed": True}
PHYSICIAN = {"physician": True, "reason": "Treated at the partner clinic; paper record scanned."}

TABLE = [
    # state, action, now, extra facts, expected state (or refusal code), completion
    (B, Action.CHECK_IN, MORNING_OF, {}, CI, None),
    (B, Action.CHECK_IN, AFTER_START, {}, CI, None),
    (B, Action.CHECK_IN, LATE_EVENING, {}, CI, None),
    (B, Action.CHECK_IN, DAY_BEFORE, {}, "not_its_day", None),
    (B, Action.CHECK_IN, DAY_AFTER, {}, "not_its_day", None),
    (B, Action.CHECK_IN, NEXT_MONTH - timedelta(days=60), {}, "not_its_day", None),
    (CI, Action.CHECK_IN, AFTER_START, {}, "wrong_state", None),
    (C, Action.CHECK_IN, AFTER_START, {}, "final", None),
    (X, Action.CHECK_IN, MORNING_OF, {}, "final", None),
    (NS, Action.CHECK_IN, AFTER_START, {}, "final", None),
    (B, Action.NO_SHOW, AFTER_START, {}, NS, None),
    (B, Action.NO_SHOW, DAY_AFTER, {}, NS, None),
    (CI, Action.NO_SHOW, AFTER_START, {}, NS, None),
    (B, Action.NO_SHOW, MORNING_OF, {}, "not_started", None),
    (B, Action.NO_SHOW, DAY_BEFORE, {}, "not_started", None),
    (B, Action.NO_SHOW, START - timedelta(seconds=1), {}, "not_started", None),
    (B, Action.NO_SHOW, START, {}, NS, None),
    (C, Action.NO_SHOW, DAY_AFTER, {}, "final", None),
    (X, Action.NO_SHOW, DAY_AFTER, {}, "final", None),
    (NS, Action.NO_SHOW, DAY_AFTER, {}, "final", None),
    (B, Action.CANCEL, DAY_BEFORE, {}, X, None),
    (CI, Action.CANCEL, AFTER_START, {}, X, None),
    (C, Action.CANCEL, DAY_AFTER, {}, "final", None),
    (X, Action.CANCEL, DAY_AFTER, {}, "final", None),
    (NS, Action.CANCEL, DAY_AFTER, {}, "final", None),
    (B, Action.SIGN_RECORD, AFTER_START, SIGNED, C, Completion.SIGNED_RECORD),
    (CI, Action.SIGN_RECORD, AFTER_START, SIGNED, C, Completion.SIGNED_RECORD),
    (CI, Action.SIGN_RECORD, MORNING_OF, SIGNED, C, Completion.SIGNED_RECORD),
    (CI, Action.SIGN_RECORD, NEXT_MONTH, SIGNED, C, Completion.SIGNED_RECORD),
    (B, Action.SIGN_RECORD, DAY_BEFORE, SIGNED, "too_early", None),
    (CI, Action.SIGN_RECORD, AFTER_START, {}, "unsigned", None),
    (B, Action.SIGN_RECORD, AFTER_START, {"physician": True, "reason": "done"}, "unsigned", None),
    (C, Action.SIGN_RECORD, AFTER_START, SIGNED, "final", None),
    (X, Action.SIGN_RECORD, AFTER_START, SIGNED, "final", None),
    (NS, Action.SIGN_RECORD, AFTER_START, SIGNED, "final", None),
    (B, Action.TREATED_ELSEWHERE, DAY_AFTER, PHYSICIAN, C, Completion.ELSEWHERE),
    (CI, Action.TREATED_ELSEWHERE, AFTER_START, PHYSICIAN, C, Completion.ELSEWHERE),
    (B, Action.TREATED_ELSEWHERE, DAY_BEFORE, PHYSICIAN, "too_early", None),
    (B, Action.TREATED_ELSEWHERE, DAY_AFTER, {"reason": "paper record"}, "physician_only", None),
    (B, Action.TREATED_ELSEWHERE, DAY_AFTER, {"physician": True, "reason": "   "}, "reason_needed", None),
    (B, Action.TREATED_ELSEWHERE, DAY_AFTER, {"physician": True, **SIGNED}, "reason_needed", None),
    (C, Action.TREATED_ELSEWHERE, DAY_AFTER, PHYSICIAN, "final", None),
    (X, Action.TREATED_ELSEWHERE, DAY_AFTER, PHYSICIAN, "final", None),
    (NS, Action.TREATED_ELSEWHERE, DAY_AFTER, PHYSICIAN, "final", None),
    (B, Action.RESCHEDULE, DAY_BEFORE, {}, B, None),
    (CI, Action.RESCHEDULE, AFTER_START, {}, "wrong_state", None),
    (C, Action.RESCHEDULE, DAY_BEFORE, {}, "final", None),
    (X, Action.RESCHEDULE, DAY_BEFORE, {}, "final", None),
    (NS, Action.RESCHEDULE, DAY_BEFORE, {}, "final", None),
    # A held appointment (an online visitor's hold) is confirmed or released by its own services: no action.
    *((State.HELD, action, DAY_AFTER, PHYSICIAN, "wrong_state", None) for action in Action),
]


@pytest.mark.parametrize("row", TABLE, ids=lambda row: f"{row[0]}-{row[1]}-{row[4]}")
def test_the_table(row):
    state, action, now, extra, expected, completion = row
    facts = Facts(now=now, starts_at=START, tz=WARSAW, **extra)
    if isinstance(expected, State):
        assert decide(state, action, facts) == Transition(expected, completion)
    else:
        with pytest.raises(TransitionRefused) as refused:
            decide(state, action, facts)
        assert refused.value.code == expected
        assert str(refused.value)  # a sentence for the person who asked


def test_it_covers_every_state_and_action():
    assert {(row[0], row[1]) for row in TABLE} == {(s, a) for s in State for a in Action}


def test_it_says_which_day_a_check_in_belongs_to():
    with pytest.raises(TransitionRefused, match=r"only on the day of the appointment \(Mon 3 Mar 2031\)"):
        decide(B, Action.CHECK_IN, Facts(now=DAY_BEFORE, starts_at=START, tz=WARSAW))


def test_its_day_is_the_clinics_local_day_not_utc():
    # 00:30 on Tuesday in Warsaw is still Monday in UTC: a check-in then is the next day's.
    late = datetime(2031, 3, 4, 0, 30, tzinfo=WARSAW)
    with pytest.raises(TransitionRefused):
        decide(B, Action.CHECK_IN, Facts(now=late, starts_at=START, tz=WARSAW))
    early = datetime(2031, 3, 3, 0, 30, tzinfo=WARSAW)  # Sunday 23:30 UTC, Monday in Warsaw
    assert decide(B, Action.CHECK_IN, Facts(now=early, starts_at=START, tz=WARSAW)).to is CI


def test_a_completed_appointment_never_changes_whatever_the_conditions():
    for action in Action:
        for now in (DAY_BEFORE, AFTER_START, NEXT_MONTH):
            with pytest.raises(TransitionRefused) as refused:
                decide(C, action, Facts(now=now, starts_at=START, tz=WARSAW, **SIGNED, **PHYSICIAN))
            assert refused.value.code == "final"


def test_it_accepts_plain_strings_and_rejects_unknown_ones():
    facts = Facts(now=AFTER_START, starts_at=START, tz=WARSAW)
    assert decide("booked", "no_show", facts).to is NS
    with pytest.raises(ValueError):
        decide("lost", "no_show", facts)
    with pytest.raises(ValueError):
        decide("booked", "complete", facts)


def test_it_refuses_naive_times():
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        Facts(now=datetime(2031, 3, 3, 10), starts_at=START, tz=WARSAW)  # noqa: DTZ001 — the point
