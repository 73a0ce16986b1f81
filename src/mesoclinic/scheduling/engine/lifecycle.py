"""An appointment's life as one explicit state machine: which action may move it from which state, when.

Every status change of an appointment, whoever asks (the desk, the API, the CLI, an import, signing a
session record), is decided here and nowhere else. The rules:

* check-in: a booked appointment, on its own day in the clinic's time zone (not the day before, not later);
* no-show: a booked or checked-in appointment, once its start has passed;
* cancel: a booked or checked-in appointment, at any time;
* completion comes only from *signing the session record* (a booked or checked-in appointment, from its
  day on), or from a physician recording that the patient was *treated elsewhere / recorded on paper*,
  with a reason (shown as such in reports and adherence);
* moving (reschedule): a booked appointment only;
* completed, cancelled and no-show appointments are final: nothing moves them.

Pure: no Django, no clock. Callers pass ``now``, the appointment's start and the clinic's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from enum import StrEnum

from mesoclinic.clinical_codes.dates import local_day


class State(StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    HELD = "held"  # an online visitor's hold: confirmed or released by its own services, no action here


class Action(StrEnum):
    CHECK_IN = "check_in"
    NO_SHOW = "no_show"
    CANCEL = "cancel"
    SIGN_RECORD = "sign_record"
    TREATED_ELSEWHERE = "treated_elsewhere"
    RESCHEDULE = "reschedule"


class Completion(StrEnum):
    """How a completed appointment came to be completed."""

    SIGNED_RECORD = "signed_record"  # its session record was signed
    ELSEWHERE = "elsewhere"  # a physician recorded it as treated elsewhere / recorded on paper, with a reason
    IMPORTED = "imported"  # history brought over from another system: no record here
    UNRECORDED = "unrecorded"  # marked completed before completion required a signed record


# The completions that count as a session done (adherence, the course's end and its maintenance recall).
COUNTED_COMPLETIONS = frozenset({Completion.SIGNED_RECORD, Completion.ELSEWHERE})

FINAL_STATES = frozenset({State.COMPLETED, State.CANCELLED, State.NO_SHOW})

_STATE_WORDS = {
    State.BOOKED: "booked",
    State.CHECKED_IN: "checked-in",
    State.COMPLETED: "completed",
    State.CANCELLED: "cancelled",
    State.NO_SHOW: "no-show",
    State.HELD: "held",
}
_ACTION_WORDS = {
    Action.CHECK_IN: "checked in",
    Action.NO_SHOW: "marked as a no-show",
    Action.CANCEL: "cancelled",
    Action.SIGN_RECORD: "completed",
    Action.TREATED_ELSEWHERE: "recorded as treated elsewhere",
    Action.RESCHEDULE: "moved",
}


@dataclass(frozen=True)
class Facts:
    """What the decision depends on besides the state and the action.

    Parameters
    ----------
    now
        The current moment (aware).
    starts_at
        The appointment's start (aware).
    tz
        The clinic's (location's) time zone: "its day" is the local calendar day of ``starts_at``.
    record_signed
        Whether the appointment's session record is signed (``SIGN_RECORD`` needs it).
    physician
        Whether the actor may record a treatment done elsewhere or on paper (a physician).
    reason
        The reason given (``TREATED_ELSEWHERE`` needs one).
    """

    now: datetime
    starts_at: datetime
    tz: tzinfo
    record_signed: bool = False
    physician: bool = False
    reason: str = ""

    def __post_init__(self) -> None:
        for name in ("now", "starts_at"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"{name} must be timezone-aware.")

    @property
    def today(self) -> date:
        return local_day(self.now, self.tz)

    @property
    def its_day(self) -> date:
        return local_day(self.starts_at, self.tz)


@dataclass(frozen=True)
class Transition:
    """An allowed change: the state to write, and (for a completion) how it was completed."""

    to: State
    completion: Completion | None = None


class TransitionRefused(Exception):  # noqa: N818 — a refusal, not a failure of the program
    """The action is not allowed now; ``code`` names the rule, ``str(error)`` says why in plain words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


_FROM: dict[Action, frozenset[State]] = {
    Action.CHECK_IN: frozenset({State.BOOKED}),
    Action.NO_SHOW: frozenset({State.BOOKED, State.CHECKED_IN}),
    Action.CANCEL: frozenset({State.BOOKED, State.CHECKED_IN}),
    Action.SIGN_RECORD: frozenset({State.BOOKED, State.CHECKED_IN}),
    Action.TREATED_ELSEWHERE: frozenset({State.BOOKED, State.CHECKED_IN}),
    Action.RESCHEDULE: frozenset({State.BOOKED}),
}


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def decide(state: State | str, action: Action | str, facts: Facts) -> Transition:
    """The change ``action`` makes to an appointment in ``state``, or the reason it may not.

    Parameters
    ----------
    state
        The appointment's status now (one of :class:`State`).
    action
        What is asked (one of :class:`Action`).
    facts
        The moment, the appointment's start and time zone, and what the actor brings (:class:`Facts`).

    Returns
    -------
    Transition
        The new state (``RESCHEDULE`` keeps ``booked``) and, for a completion, how it was completed.

    Raises
    ------
    ValueError
        For an unknown state or action (a programming error, not a refusal).
    TransitionRefused
        With ``code`` one of ``final`` (the appointment is completed, cancelled or a no-show),
        ``wrong_state``, ``not_its_day`` (check-in on another day), ``not_started`` (a no-show before the
        start), ``too_early`` (a completion before the appointment's day), ``unsigned`` (no signed
        record), ``physician_only`` and ``reason_needed``.
    """
    state, action = State(state), Action(action)
    if state not in _FROM[action]:
        code = "final" if state in FINAL_STATES else "wrong_state"
        if action is Action.RESCHEDULE:
            raise TransitionRefused(code, "Only a booked appointment can be moved.")
        raise TransitionRefused(
            code, f"A {_STATE_WORDS[state]} appointment cannot be {_ACTION_WORDS[action]}."
        )
    if action is Action.CHECK_IN:
        if facts.today != facts.its_day:
            raise TransitionRefused(
                "not_its_day",
                f"A patient can be checked in only on the day of the appointment ({_day(facts.its_day)}).",
            )
        return Transition(State.CHECKED_IN)
    if action is Action.NO_SHOW:
        if facts.now < facts.starts_at:
            raise TransitionRefused(
                "not_started", "A patient can be marked as a no-show only after the appointment's start."
            )
        return Transition(State.NO_SHOW)
    if action is Action.CANCEL:
        return Transition(State.CANCELLED)
    if action is Action.RESCHEDULE:
        return Transition(State.BOOKED)
    return _completion(action, facts)


def _completion(action: Action, facts: Facts) -> Transition:
    """Signing the record, or a physician's "treated elsewhere": from the appointment's day on."""
    if facts.today < facts.its_day:
        raise TransitionRefused(
            "too_early",
            f"This session is on {_day(facts.its_day)}: it cannot be completed before its day.",
        )
    if action is Action.SIGN_RECORD:
        if not facts.record_signed:
            raise TransitionRefused("unsigned", "An appointment is completed by signing its session record.")
        return Transition(State.COMPLETED, Completion.SIGNED_RECORD)
    if not facts.physician:
        raise TransitionRefused(
            "physician_only",
            "Only a physician may record a session as treated elsewhere or recorded on paper.",
        )
    if not facts.reason.strip():
        raise TransitionRefused(
            "reason_needed", "Say why there is no session record (treated elsewhere, recorded on paper...)."
        )
    return Transition(State.COMPLETED, Completion.ELSEWHERE)
