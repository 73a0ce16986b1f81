"""Immutable sets of half-open integer intervals: the arithmetic under every availability question.

An :class:`IntervalSet` stores sorted, disjoint, non-touching half-open intervals ``[a, b)`` of integers
(the engine uses seconds since the UTC epoch) as one flat tuple ``(a0, b0, a1, b1, ...)``. With that layout
``x`` lies in the set exactly when ``bisect_right(bounds, x)`` is odd, so membership, windowing and "next
fitting start" are binary searches, and the set operations are one linear sweep over the merged
boundaries.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Literal

__all__ = ["IntervalSet"]

_Op = Literal["or", "and", "sub"]


@dataclass(frozen=True, slots=True)
class IntervalSet:
    """A finite union of half-open integer intervals ``[a, b)``, kept sorted, disjoint and merged.

    Parameters
    ----------
    bounds : tuple of int
        Flat boundaries ``(a0, b0, a1, b1, ...)`` with ``a0 < b0 < a1 < b1 < ...``: strictly increasing,
        so touching intervals are already merged. Use :meth:`from_intervals` to build a set from arbitrary
        (unsorted, overlapping, touching) intervals.

    Raises
    ------
    ValueError
        If ``bounds`` has odd length, holds a non-integer, or is not strictly increasing.

    Notes
    -----
    Half-open intervals make "back to back" exact: ``[9:00, 10:00)`` and ``[10:00, 11:00)`` touch without
    overlapping, and their union is ``[9:00, 11:00)``.

    References
    ----------
    .. [1] E. W. Dijkstra, "Why numbering should start at zero", EWD831, 1982 (the case for half-open
       ranges).
    .. [2] M. de Berg et al., *Computational Geometry: Algorithms and Applications*, 3rd ed., Springer,
       2008, ch. 2 (plane sweep over sorted event points).
    """

    bounds: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        _check_bounds(self.bounds)

    @classmethod
    def _raw(cls, bounds: Sequence[int]) -> IntervalSet:
        """Wrap ``bounds`` already known to be valid, skipping the O(n) check (internal fast path)."""
        out = object.__new__(cls)
        object.__setattr__(out, "bounds", tuple(bounds))
        return out

    @classmethod
    def from_intervals(cls, intervals: Iterable[tuple[int, int]]) -> IntervalSet:
        """Build a set from ``(start, end)`` pairs in any order; overlapping and touching ones merge.

        Parameters
        ----------
        intervals : iterable of (int, int)
            Half-open intervals; empty ones (``start == end``) are dropped.

        Returns
        -------
        IntervalSet

        Raises
        ------
        ValueError
            If an interval ends before it starts.
        """
        pairs = sorted(intervals)
        out: list[int] = []
        for a, b in pairs:
            if b <= a:
                if b < a:
                    raise ValueError(f"intervals: [{a}, {b}) ends before it starts")
                continue
            if out and a <= out[-1]:
                out[-1] = max(out[-1], b)
            else:
                out.append(a)
                out.append(b)
        return cls._raw(out)

    @staticmethod
    def union_all(sets: Iterable[IntervalSet]) -> IntervalSet:
        """Union of any number of sets in one sort-and-merge pass (timsort merges the sorted runs).

        Parameters
        ----------
        sets : iterable of IntervalSet

        Returns
        -------
        IntervalSet
        """
        return IntervalSet.from_intervals(chain.from_iterable(s.intervals() for s in sets))

    # -- reading -----------------------------------------------------------------------------------

    def intervals(self) -> Iterator[tuple[int, int]]:
        """Yield the intervals ``(a, b)`` in increasing order."""
        b = self.bounds
        return zip(b[0::2], b[1::2], strict=True)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return self.intervals()

    def __len__(self) -> int:
        """Number of maximal intervals (not of points)."""
        return len(self.bounds) // 2

    def __bool__(self) -> bool:
        return bool(self.bounds)

    def __contains__(self, x: object) -> bool:
        return isinstance(x, int) and bisect_right(self.bounds, x) % 2 == 1

    @property
    def measure(self) -> int:
        """Total length of the set (number of integer points it holds)."""
        b = self.bounds
        return sum(b[1::2]) - sum(b[0::2])

    def covers(self, start: int, end: int) -> bool:
        """Whether ``[start, end)`` (non-empty) lies inside one interval of the set.

        Parameters
        ----------
        start, end : int
            The half-open interval, ``start < end``.

        Returns
        -------
        bool
        """
        i = bisect_right(self.bounds, start)
        return i % 2 == 1 and end <= self.bounds[i]

    def next_fit(self, x: int, length: int) -> int | None:
        """Smallest ``s >= x`` such that ``[s, s + length)`` lies inside the set, or None.

        Parameters
        ----------
        x : int
            Lower bound for the start.
        length : int
            Length of the interval to place, ``>= 1``.

        Returns
        -------
        int or None

        Notes
        -----
        One binary search, then a forward scan over the intervals too short for ``length``.
        """
        b = self.bounds
        i = bisect_right(b, x)
        n = len(b)
        if i % 2 == 1:
            if b[i] - x >= length:
                return x
            i += 1
        while i < n:
            if b[i + 1] - b[i] >= length:
                return b[i]
            i += 2
        return None

    # -- deriving ----------------------------------------------------------------------------------

    def clip(self, lo: int, hi: int) -> IntervalSet:
        """The part of the set inside ``[lo, hi)``, found by binary search (O(log n + k)).

        Parameters
        ----------
        lo, hi : int
            The window; an empty or inverted window gives the empty set.

        Returns
        -------
        IntervalSet
        """
        if hi <= lo:
            return _EMPTY
        b = self.bounds
        i = bisect_right(b, lo)
        j = bisect_left(b, hi)
        inner = list(b[i:j])
        if i % 2 == 1:
            inner.insert(0, lo)
        if j % 2 == 1:
            inner.append(hi)
        return IntervalSet._raw(inner)

    def splice(self, lo: int, hi: int, inside: IntervalSet) -> IntervalSet:
        """This set outside ``[lo, hi)`` and ``inside`` within it: ``(self - [lo, hi)) | inside.clip(lo, hi)``.

        Parameters
        ----------
        lo, hi : int
            The window to replace, ``lo < hi``.
        inside : IntervalSet
            The new content of the window; whatever it holds outside the window is ignored.

        Returns
        -------
        IntervalSet

        Notes
        -----
        Two binary searches and slices of the boundary tuples, plus a merge at each seam where an interval
        now touches across ``lo`` or ``hi``: what recomputing one day of a long set costs, without a sweep
        over all of it (used when a booking changes a few days of a resource's free time).
        """
        if hi <= lo:
            return self
        left = list(self.clip(_below(self, inside, lo), lo).bounds)
        middle = inside.clip(lo, hi).bounds
        right = self.clip(hi, _above(self, inside, hi)).bounds
        out = left
        for part in (middle, right):
            if out and part and out[-1] == part[0]:  # [a, x) then [x, b): one interval [a, b)
                out.pop()
                out.extend(part[1:])
            else:
                out.extend(part)
        return IntervalSet._raw(out)

    def shrink(self, length: int) -> IntervalSet:
        """Feasible starts for a block of ``length``: ``[a, b - length]`` for every ``[a, b)`` long enough.

        Parameters
        ----------
        length : int
            Length of the block, ``>= 1``.

        Returns
        -------
        IntervalSet
            In half-open form ``[a, b - length + 1)``.

        Raises
        ------
        ValueError
            If ``length < 1``.
        """
        _check_length(length)
        cut = length - 1
        out: list[int] = []
        for a, b in self.intervals():
            if b - a >= length:
                out.append(a)
                out.append(b - cut)
        return IntervalSet._raw(out)

    def union(self, other: IntervalSet) -> IntervalSet:
        """Points in either set."""
        return _combine(self.bounds, other.bounds, "or")

    def intersection(self, other: IntervalSet) -> IntervalSet:
        """Points in both sets."""
        return _combine(self.bounds, other.bounds, "and")

    def difference(self, other: IntervalSet) -> IntervalSet:
        """Points in this set and not in ``other``."""
        return _combine(self.bounds, other.bounds, "sub")

    __or__ = union
    __and__ = intersection
    __sub__ = difference


def _combine(a: tuple[int, ...], b: tuple[int, ...], op: _Op) -> IntervalSet:
    """Sweep the merged boundaries of ``a`` and ``b``, emitting a boundary where the result flips.

    Each set's boundaries toggle "inside"; at every distinct boundary value the result membership just
    after it is ``op(inside_a, inside_b)``, and a boundary is written whenever that changes. The output is
    therefore strictly increasing and merged. O(len(a) + len(b)).
    """
    if op == "and" and (not a or not b):
        return _EMPTY
    if op == "sub" and (not a or not b):
        return IntervalSet._raw(a)
    if op == "or" and (not a or not b):
        return IntervalSet._raw(a or b)
    out: list[int] = []
    i = j = 0
    na, nb = len(a), len(b)
    ina = inb = cur = False
    while i < na or j < nb:
        x = a[i] if j >= nb or (i < na and a[i] <= b[j]) else b[j]
        if i < na and a[i] == x:
            ina = not ina
            i += 1
        if j < nb and b[j] == x:
            inb = not inb
            j += 1
        if op == "or":
            new = ina or inb
        elif op == "and":
            new = ina and inb
        else:
            new = ina and not inb
        if new != cur:
            out.append(x)
            cur = new
    return IntervalSet._raw(out)


def _below(a: IntervalSet, b: IntervalSet, x: int) -> int:
    """An integer below every boundary of ``a`` and ``b`` and below ``x`` (the left end of a window)."""
    return min(a.bounds[:1] + b.bounds[:1] + (x,)) - 1


def _above(a: IntervalSet, b: IntervalSet, x: int) -> int:
    """An integer above every boundary of ``a`` and ``b`` and above ``x``."""
    return max(a.bounds[-1:] + b.bounds[-1:] + (x,)) + 1


def _check_bounds(bounds: object) -> None:
    """Raise ValueError unless ``bounds`` is a tuple of ints, even in length and strictly increasing."""
    if not isinstance(bounds, tuple):
        raise ValueError(f"bounds: expected a tuple of int, got {type(bounds).__name__}")
    if len(bounds) % 2:
        raise ValueError(f"bounds: expected an even number of boundaries, got {len(bounds)}")
    for k, x in enumerate(bounds):
        if not isinstance(x, int) or isinstance(x, bool):
            raise ValueError(f"bounds[{k}]: expected an int, got {type(x).__name__}")
        if k and x <= bounds[k - 1]:
            raise ValueError(f"bounds[{k}]: {x} does not follow {bounds[k - 1]} (must strictly increase)")


def _check_length(length: int) -> None:
    """Raise ValueError unless ``length`` is a positive int."""
    if not isinstance(length, int) or length < 1:
        raise ValueError(f"length: expected a positive int, got {length!r}")


_EMPTY = IntervalSet()
