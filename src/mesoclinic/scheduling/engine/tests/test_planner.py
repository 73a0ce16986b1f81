from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings

from mesoclinic.scheduling.engine import (
    ClinicIndex,
    Plan,
    PlanRequest,
    PlanStatus,
    epoch_seconds,
    plan_series,
    plan_series_in,
)

from . import oracle
from .strategies import (
    ALL_WEEK,
    FALL_BACK,
    HALF_HOUR,
    MONDAY,
    SPRING_FORWARD,
    at,
    basic_clinic,
    clinic,
    hours,
    instances,
    long_series,
    resource,
    series,
)


def starts(plan: Plan) -> list[str]:
    assert plan.status is PlanStatus.PLANNED, plan.reason
    return [s.start.isoformat() for s in plan.sessions]


def plan_and_check(c, s) -> Plan:
    """Plan, and validate every planned series against the independent rules."""
    plan = plan_series(c, s)
    if plan.status is PlanStatus.PLANNED:
        assert oracle.violations(PlanRequest(c, s), plan) == []
    return plan


def day(n: int, hhmm: str = "09:00") -> str:
    """ISO start ``n`` days after Monday 2027-01-04 (winter, +01:00)."""
    return at(MONDAY + timedelta(days=n), hhmm).isoformat()


def busy_day(n: int, start: str = "00:00", end: str = "23:59"):
    d = MONDAY + timedelta(days=n)
    return (at(d, start), at(d, end))


def test_it_plans_the_project_example():
    plan = plan_and_check(basic_clinic(), series())
    assert plan.as_dict()["sessions"][0] == {
        "index": 1,
        "start": "2027-01-04T09:00:00+01:00",
        "end": "2027-01-04T09:30:00+01:00",
        "practitioner": "anna",
        "room": "room-1",
        "device": "ep-1",
    }
    assert starts(plan) == [day(0), day(14), day(28), day(42)]


def test_a_busy_interval_moves_the_session_and_touching_is_fine():
    anna = resource("anna", "practitioner", busy=[busy_day(0, "09:00", "10:00")])
    c = clinic(anna, resource("room-1", "room"), resource("ep-1", "device", ["electroporation"]))
    assert starts(plan_and_check(c, series(sessions=1)))[0] == day(0, "10:00")  # touches the busy end


def test_the_buffer_must_fit_before_the_next_busy_interval_and_closing_time():
    # 30 min + 10 min buffer: 09:15 would end its buffer at 09:55 (fine), 09:30 at 10:10 (clashes).
    anna = resource(
        "anna", "practitioner", busy=[busy_day(0, "09:00", "09:15"), busy_day(0, "09:55", "16:30")]
    )
    c = clinic(anna, resource("room-1", "room"), resource("ep-1", "device", ["electroporation"]))
    assert starts(plan_and_check(c, series(sessions=1)))[0] == day(0, "09:15")
    anna = resource("anna", "practitioner", busy=[busy_day(0, "09:00", "16:30")])
    c = clinic(anna, resource("room-1", "room"), resource("ep-1", "device", ["electroporation"]))
    # 16:30 + 40 min > 17:00 closing, so the first session moves to Tuesday.
    assert starts(plan_and_check(c, series(sessions=1)))[0] == day(1)
    plan = plan_and_check(c, series(sessions=1, buffer_minutes=0))
    assert starts(plan)[0] == day(0, "16:30")


def test_needle_needs_no_device():
    c = clinic(resource("anna", "practitioner"), resource("room-1", "room"))
    plan = plan_and_check(c, series(modality="needle"))
    assert [s.device for s in plan.sessions] == [None] * 4
    assert plan.as_dict()["sessions"][0]["device"] is None
    assert plan_series(c, series()).reason == "no device for electroporation"


@pytest.mark.parametrize(
    ("resources", "reason"),
    [
        (
            [resource("room-1", "room"), resource("ep-1", "device", ["electroporation"])],
            "no practitioner is qualified for electroporation",
        ),
        (
            [
                resource("anna", "practitioner", ["needle"]),
                resource("room-1", "room"),
                resource("ep-1", "device", ["electroporation"]),
            ],
            "no practitioner is qualified for electroporation",
        ),
        (
            [resource("anna", "practitioner"), resource("ep-1", "device", ["electroporation"])],
            "no room is equipped for electroporation",
        ),
        (
            [resource("anna", "practitioner"), resource("room-1", "room", ["needle"])],
            "no room is equipped for electroporation",
        ),
        (
            [
                resource("anna", "practitioner"),
                resource("room-1", "room"),
                resource("ep-1", "device", ["sonophoresis"]),
            ],
            "no device for electroporation",
        ),
    ],
)
def test_it_names_the_missing_kind_of_resource(resources, reason):
    assert plan_series(clinic(*resources), series()) == Plan.infeasible(reason)


def test_the_earliest_first_session_wins_over_a_smaller_deviation():
    # Session 2 exactly 14 days after Monday is closed (busy), so a Monday start costs a deviation of 1;
    # starting Tuesday would allow 0 deviation, but the first session comes first.
    anna = resource("anna", "practitioner", busy=[busy_day(14)])
    c = clinic(anna, resource("room-1", "room"), resource("ep-1", "device", ["electroporation"]))
    plan = plan_and_check(c, series(sessions=2, interval_days=14, tolerance_days=1))
    assert starts(plan) == [day(0), day(15)]  # day 13 is a Sunday (closed)


def test_the_smallest_deviation_wins_over_earlier_later_sessions():
    # Day 13 (Sunday) opens late for anna, day 14 at 09:00: deviation 0 beats the earlier day 13.
    week = hours(
        **{d: [("09:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")}, sun=[("16:00", "17:00")]
    )
    c = clinic(
        resource("anna", "practitioner", week=week),
        resource("room-1", "room", week=ALL_WEEK),
        resource("ep-1", "device", ["electroporation"], week=ALL_WEEK),
    )
    plan = plan_and_check(c, series(sessions=2, interval_days=14, tolerance_days=1))
    assert starts(plan) == [day(0), day(14)]


def test_equal_deviation_takes_the_earlier_dates():
    # Day 14 is closed: day 13 (Sunday, open here) and day 15 both deviate by one; day 13 is earlier.
    c = clinic(
        resource("anna", "practitioner", week=ALL_WEEK, busy=[busy_day(14, "00:00", "23:59")]),
        resource("room-1", "room", week=ALL_WEEK),
        resource("ep-1", "device", ["electroporation"], week=ALL_WEEK),
    )
    plan = plan_and_check(c, series(sessions=2, tolerance_days=1))
    assert starts(plan) == [day(0), day(13, "00:00")]


def test_ties_go_to_the_smallest_resource_ids():
    c = clinic(
        resource("bob", "practitioner"),
        resource("anna", "practitioner"),
        resource("room-2", "room"),
        resource("room-1", "room"),
        resource("ep-2", "device", ["electroporation"]),
        resource("ep-1", "device", ["electroporation"]),
    )
    for same in (True, False):
        plan = plan_and_check(c, series(same_practitioner=same))
        assert {(s.practitioner, s.room, s.device) for s in plan.sessions} == {("anna", "room-1", "ep-1")}


def test_same_practitioner_keeps_one_practitioner_and_without_it_sessions_may_switch():
    # anna is away in week 3 (days 14-18), bob in week 1 (days 0-4).
    anna = resource(
        "anna",
        "practitioner",
        busy=[(at(MONDAY + timedelta(days=14), "00:00"), at(MONDAY + timedelta(days=19), "00:00"))],
    )
    bob = resource(
        "bob", "practitioner", busy=[(at(MONDAY, "00:00"), at(MONDAY + timedelta(days=5), "00:00"))]
    )
    c = clinic(anna, bob, resource("room-1", "room"), resource("ep-1", "device", ["electroporation"]))
    mixed = plan_and_check(c, series(sessions=3, tolerance_days=0, same_practitioner=False))
    assert starts(mixed) == [day(0), day(14), day(28)]
    assert [s.practitioner for s in mixed.sessions] == ["anna", "bob", "anna"]
    # One practitioner for all: both can start on day 7 at the earliest; the tie goes to anna.
    same = plan_and_check(c, series(sessions=3, tolerance_days=0, same_practitioner=True))
    assert [s.practitioner for s in same.sessions] == ["anna"] * 3
    assert starts(same) == [day(7), day(21), day(35)]


def test_a_series_keeps_its_wall_clock_time_across_the_spring_forward_change():
    c = basic_clinic()
    plan = plan_and_check(
        c, series(sessions=3, interval_days=7, tolerance_days=0, earliest=at(date(2027, 3, 22), "09:00"))
    )
    assert starts(plan) == [
        "2027-03-22T09:00:00+01:00",
        "2027-03-29T09:00:00+02:00",
        "2027-04-05T09:00:00+02:00",
    ]
    assert plan.sessions[1].end.isoformat() == "2027-03-29T09:30:00+02:00"


def test_no_session_starts_at_a_skipped_time_and_the_fold_hour_is_used_twice():
    c = clinic(
        resource("anna", "practitioner", week=ALL_WEEK),
        resource("room-1", "room", week=ALL_WEEK),
        resource("ep-1", "device", ["electroporation"], week=ALL_WEEK),
        slot_minutes=30,
    )
    one = {"sessions": 1, "duration_minutes": 30, "buffer_minutes": 0}
    spring = plan_and_check(c, series(**one, earliest=at(SPRING_FORWARD, "02:00", fold=0)))
    assert starts(spring) == ["2027-03-28T03:00:00+02:00"]
    anna = resource(
        "anna",
        "practitioner",
        week=ALL_WEEK,
        busy=[(at(FALL_BACK, "02:00", fold=0), at(FALL_BACK, "02:00", fold=1))],
    )
    c2 = clinic(anna, *c.resources[1:], slot_minutes=30)
    fall = plan_and_check(c2, series(**one, earliest=at(FALL_BACK, "01:30")))
    assert starts(fall) == ["2027-10-31T01:30:00+02:00"]
    fall = plan_and_check(c2, series(**one, earliest=at(FALL_BACK, "02:00")))
    assert starts(fall) == ["2027-10-31T02:00:00+01:00"]  # the second 02:00, after anna's busy hour


def test_sessions_never_run_past_midnight_even_on_24_hour_days():
    c = clinic(
        resource("anna", "practitioner", week=ALL_WEEK),
        resource("room-1", "room", week=ALL_WEEK),
        resource("ep-1", "device", ["electroporation"], week=ALL_WEEK),
    )
    plan = plan_and_check(
        c, series(sessions=1, duration_minutes=60, buffer_minutes=0, earliest=at(MONDAY, "23:30"))
    )
    assert starts(plan) == [day(1, "00:00")]


def test_day_long_sessions_on_consecutive_days_do_not_overlap():
    c = clinic(
        resource("anna", "practitioner", week=ALL_WEEK),
        resource("room-1", "room", week=ALL_WEEK),
        resource("ep-1", "device", ["electroporation"], week=ALL_WEEK),
    )
    s = series(
        sessions=3,
        interval_days=1,
        tolerance_days=0,
        duration_minutes=1380,
        buffer_minutes=60,
        earliest=at(MONDAY, "00:00"),
    )
    plan = plan_and_check(c, s)
    assert starts(plan) == [day(0, "00:00"), day(1, "00:00"), day(2, "00:00")]
    # A 23-hour day cannot hold a 24-hour block: the spring-forward Sunday is skipped.
    s = series(sessions=1, duration_minutes=1440, buffer_minutes=0, earliest=at(SPRING_FORWARD, "00:00"))
    assert starts(plan_and_check(c, s)) == ["2027-03-29T00:00:00+02:00"]


def test_it_says_when_the_series_cannot_fit_the_horizon():
    plan = plan_series(basic_clinic(), series(sessions=12, horizon_days=120))
    assert (
        plan.reason
        == "the series does not fit within 120 days: 12 sessions at least 12 days apart need 132 days"
    )
    # 10 sessions need 108-144 days; anna only works Mondays and Tuesdays, so no spacing fits 120 days.
    plan = plan_series(basic_clinic(), series(sessions=10, horizon_days=120))
    assert plan.reason == (
        "the series does not fit within 120 days: session 8 cannot be placed 12–16 days after session 7 "
        "early enough for session 10 to start by 2027-05-04 09:00: anna, room-1 or ep-1 is busy or "
        "closed on every such day"
    )
    # Every day 11:00-17:00, earliest Monday 10:00, horizon 14 days: Monday + 14 days at 11:00 is too late.
    week = hours(**{d: [("11:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    c = clinic(
        resource("anna", "practitioner", week=week),
        resource("room-1", "room", week=week),
        resource("ep-1", "device", ["electroporation"], week=week),
    )
    fortnight = {"sessions": 2, "interval_days": 14, "tolerance_days": 0, "horizon_days": 14}
    plan = plan_series(c, series(**fortnight, earliest=at(MONDAY, "10:00")))
    assert (
        plan.reason == "the series does not fit within 14 days: session 2 would start after 2027-01-18 10:00"
    )
    plan = plan_and_check(c, series(**fortnight, earliest=at(MONDAY, "11:00")))
    assert starts(plan) == [day(0, "11:00"), day(14, "11:00")]


def test_it_names_the_session_that_cannot_be_placed_and_who_blocks_it():
    # anna is away for the whole window in which session 3 could fall (days 24-32).
    away = (at(MONDAY + timedelta(days=20), "00:00"), at(MONDAY + timedelta(days=40), "00:00"))
    c = clinic(
        resource("anna", "practitioner", busy=[away]),
        resource("room-1", "room"),
        resource("ep-1", "device", ["electroporation"]),
    )
    plan = plan_series(c, series(horizon_days=30))
    assert plan.status is PlanStatus.INFEASIBLE
    plan = plan_series(c, series(sessions=3, horizon_days=60))
    assert (
        plan.reason
        == "session 3 cannot be placed 12–16 days after session 2: anna, room-1 or ep-1 is busy or closed on every such day"
    )


def test_it_says_when_no_session_fits_at_all():
    c = clinic(
        resource("anna", "practitioner", week=hours(mon=[("09:00", "10:00")])),
        resource("room-1", "room", week=hours(tue=[("09:00", "10:00")])),
        resource("ep-1", "device", ["electroporation"]),
    )
    plan = plan_series(c, series(sessions=1, horizon_days=30))
    assert plan.reason == (
        "no session of electroporation can be placed between 2027-01-04 09:00 and 2027-02-03 09:00: "
        "no practitioner (anna), room (room-1) and device (ep-1) are free together for a 40-minute "
        "(30-minute session + 10-minute buffer) slot"
    )


def test_with_several_practitioners_the_reason_says_none_can_do_the_series():
    away = (at(MONDAY + timedelta(days=20), "00:00"), at(MONDAY + timedelta(days=40), "00:00"))
    c = clinic(
        resource("anna", "practitioner", busy=[away]),
        resource(
            "bob", "practitioner", busy=[(at(MONDAY, "00:00"), at(MONDAY + timedelta(days=60), "00:00"))]
        ),
        resource("room-1", "room"),
        resource("ep-1", "device", ["electroporation"]),
    )
    plan = plan_series(c, series(sessions=3, horizon_days=60))
    assert plan.reason == (
        "none of the 2 qualified practitioners can do all 3 sessions; with anna, who gets furthest, "
        "session 3 cannot be placed 12–16 days after session 2: anna, room-1 or ep-1 is busy or closed on "
        "every such day"
    )


def test_a_prebuilt_index_gives_the_same_plan_and_must_cover_the_window():
    c, s = basic_clinic(), series()
    index = ClinicIndex.build(c, date(2026, 12, 1), date(2027, 12, 31))
    assert plan_series_in(index, s) == plan_series(c, s)
    short = ClinicIndex.build(c, date(2027, 1, 1), date(2027, 2, 1))
    with pytest.raises(
        ValueError, match="index: covers 2027-01-01 to 2027-02-01, the series needs 2027-01-04 to 2027-05-04"
    ):
        plan_series_in(short, s)


def test_earliest_may_carry_any_offset():
    s = series(earliest=at(MONDAY, "09:00").astimezone(oracle.UTC))
    assert starts(plan_series(basic_clinic(), s))[0] == day(0)
    assert epoch_seconds(plan_series(basic_clinic(), s).sessions[0].start) == epoch_seconds(
        at(MONDAY, "09:00")
    )


@settings(max_examples=300)
@given(instances())
def test_the_planner_matches_brute_force_and_every_plan_obeys_every_rule(request):
    """Small random instances near DST changes: complete (never infeasible when brute force finds a plan),
    optimal (same objective tuple, and practitioner on ties) and valid (independent validator)."""
    plan = plan_series(request.clinic, request.series)
    brute = oracle.brute_force(request, HALF_HOUR)
    if brute is None:
        assert plan.status is PlanStatus.INFEASIBLE
        assert plan.reason
        return
    assert plan.status is PlanStatus.PLANNED, plan.reason
    assert oracle.violations(request, plan, HALF_HOUR) == []
    got = oracle.objective(request, tuple(epoch_seconds(s.start) for s in plan.sessions))
    assert got == brute.objective
    if request.series.same_practitioner:
        assert plan.sessions[0].practitioner == brute.practitioner


@settings(max_examples=150)
@given(long_series())
def test_the_dp_over_days_matches_brute_force_on_longer_series(request):
    """Up to 6 sessions, one start per day, random closed days: deviation, ties and dead ends."""
    plan = plan_series(request.clinic, request.series)
    brute = oracle.brute_force(request, 3600)
    if brute is None:
        assert plan.status is PlanStatus.INFEASIBLE
        return
    assert plan.status is PlanStatus.PLANNED, plan.reason
    assert oracle.violations(request, plan, 3600) == []
    assert oracle.objective(request, tuple(epoch_seconds(s.start) for s in plan.sessions)) == brute.objective
    if request.series.same_practitioner:
        assert plan.sessions[0].practitioner == brute.practitioner
