from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mesoclinic.scheduling.engine import IntervalSet

# The model: a set of integer points in a small universe.
UNIVERSE = 60
pairs = st.tuples(st.integers(0, UNIVERSE), st.integers(0, UNIVERSE)).map(lambda p: (min(p), max(p)))
interval_lists = st.lists(pairs, max_size=8)
interval_sets = interval_lists.map(IntervalSet.from_intervals)
lengths = st.integers(1, 15)


def points(s: IntervalSet) -> set[int]:
    return {x for a, b in s for x in range(a, b)}


def from_points(xs: set[int]) -> IntervalSet:
    return IntervalSet.from_intervals((x, x + 1) for x in xs)


@given(interval_lists)
def test_it_builds_sorted_disjoint_merged_sets(spans):
    s = IntervalSet.from_intervals(spans)
    assert points(s) == {x for a, b in spans for x in range(a, b)}
    assert list(s.bounds) == sorted(set(s.bounds))  # strictly increasing: no overlap, no touching
    assert s == from_points(points(s))  # canonical: equal point sets, equal values


@given(interval_sets, interval_sets)
def test_set_operations_match_the_point_model(a, b):
    assert points(a | b) == points(a) | points(b)
    assert points(a & b) == points(a) & points(b)
    assert points(a - b) == points(a) - points(b)
    assert a | b == from_points(points(a) | points(b))
    assert a & b == from_points(points(a) & points(b))
    assert a - b == from_points(points(a) - points(b))


@given(st.lists(interval_sets, max_size=5))
def test_union_all_matches_repeated_union(sets):
    expected = IntervalSet()
    for s in sets:
        expected = expected | s
    assert IntervalSet.union_all(sets) == expected


@given(interval_sets, lengths)
def test_shrink_gives_exactly_the_starts_whose_block_fits(s, length):
    free = points(s)
    starts = {x for x in range(-1, UNIVERSE + 1) if all(y in free for y in range(x, x + length))}
    assert points(s.shrink(length)) == starts


@given(interval_sets, st.integers(-2, UNIVERSE + 2), lengths)
def test_next_fit_is_the_first_fitting_start(s, x, length):
    free = points(s)
    fits = [y for y in range(x, UNIVERSE + 1) if all(z in free for z in range(y, y + length))]
    assert s.next_fit(x, length) == (fits[0] if fits else None)


@given(interval_sets, st.integers(-2, UNIVERSE + 2), st.integers(-2, UNIVERSE + 2))
def test_clip_is_intersection_with_the_window(s, lo, hi):
    assert s.clip(lo, hi) == s & IntervalSet.from_intervals([(lo, hi)] if lo < hi else [])


@given(interval_sets, st.integers(-2, UNIVERSE + 2), st.integers(-2, UNIVERSE + 2), interval_sets)
def test_splice_replaces_the_window_and_nothing_else(s, lo, hi, inside):
    spliced = s.splice(lo, hi, inside)
    window = set(range(lo, hi))
    assert points(spliced) == (points(s) - window) | (points(inside) & window)
    assert spliced == from_points(points(spliced))  # canonical: merged across the seams


@given(interval_sets, st.integers(-2, UNIVERSE + 2), st.integers(1, 10))
def test_membership_and_cover_use_half_open_bounds(s, x, n):
    assert (x in s) == (x in points(s))
    assert s.covers(x, x + n) == all(y in points(s) for y in range(x, x + n))


@given(interval_sets)
def test_measure_and_length(s):
    assert s.measure == len(points(s))
    assert len(s) == len(s.bounds) // 2
    assert bool(s) == bool(points(s))


def test_touching_intervals_merge_and_back_to_back_blocks_fit():
    s = IntervalSet.from_intervals([(10, 20), (20, 30)])
    assert s.bounds == (10, 30)
    assert s.covers(10, 30)
    busy = IntervalSet.from_intervals([(15, 20)])
    free = s - busy
    assert free.bounds == (10, 15, 20, 30)
    assert free.covers(20, 25)
    assert not free.covers(14, 16)


def test_it_names_the_bad_bounds():
    with pytest.raises(ValueError, match=r"bounds\[2\]: 15 does not follow 20"):
        IntervalSet((10, 20, 15, 30))
    with pytest.raises(ValueError, match="even number"):
        IntervalSet((1, 2, 3))
    with pytest.raises(ValueError, match=r"intervals: \[5, 3\) ends before it starts"):
        IntervalSet.from_intervals([(5, 3)])
    with pytest.raises(ValueError, match="length: expected a positive int"):
        IntervalSet((0, 5)).shrink(0)
