"""Execution segments: k6's striped partitioning of one test across several instances.

A run split with ``--execution-segment``/``--execution-segment-sequence`` must give every instance
(worker process, pod) a disjoint share of VUs and iterations that adds up exactly to the unsplit test,
and it must be computable by each instance alone. loadcell uses the same split for its own workers, so
this module is a line-by-line port of k6 v1.1.0's arithmetic, not an approximation:

- ``lib/execution_segment.go``: ``ExecutionSegment`` (parse, ``Scale``, ``Split``), the
  ``ExecutionSegmentSequence`` (parse, ``LCD``, filling), the striping algorithm of
  ``NewExecutionSegmentSequenceWrapper``, ``ScaleInt64``, ``GetStripedOffsets``,
  ``GetNewExecutionSegmentSequenceFromValue``, ``ExecutionTuple`` and ``SegmentedIndex``.
- ``lib/options.go`` (``Options.Validate``): the "segment not in sequence" error.

How each executor scales its parameters with the tuple (``lib/executor/*.go``) lives beside that
executor in ``loadcell.engine.executors``. Rationals are ``fractions.Fraction`` (k6 uses ``big.Rat``,
parsed and printed as Go does by ``loadcell.engine.rational``); integer division and remainders follow
Go's truncating semantics where k6 relies on them.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import overload

from loadcell.engine.rational import (
    float_string,
    go_quo,
    go_rem,
    parse_rat,
    rat_full_string,
    rat_string,
    scan_int,
)
from loadcell.errors import InvalidConfigError

__all__ = [
    "ExecutionSegment",
    "ExecutionSegmentSequence",
    "ExecutionTuple",
    "SegmentError",
    "SegmentedIndex",
    "global_iterations",
    "split",
]

_ZERO = Fraction(0)
_ONE = Fraction(1)


class SegmentError(InvalidConfigError, ValueError):
    """A segment or sequence k6 would reject; the message is k6's own, so users can search for it."""


def _string_to_rat(text: str) -> Fraction:
    """k6's ``stringToRat``: integer percentages, decimals and fractions."""
    if text.endswith("%"):
        num = scan_int(text[:-1], 10)
        if num is None:
            raise SegmentError(f"'{text}' is not a valid percentage")
        return Fraction(num, 100)
    rat = parse_rat(text)
    if rat is None:
        raise SegmentError(f"'{text}' is not a valid percentage, decimal, fraction or interval value")
    return rat


def _round_up(value: Fraction) -> int:
    """k6's ``roundUp``: truncating quotient, plus one when twice the remainder reaches the denominator."""
    quo = go_quo(value.numerator, value.denominator)
    rem = value.numerator - quo * value.denominator
    return quo + 1 if rem * 2 >= value.denominator else quo


# --------------------------------------------------------------------------------------------------
# ExecutionSegment


@dataclass(frozen=True)
class ExecutionSegment:
    """A ``(start, end]`` share of the whole test, ``0 <= start < end <= 1`` (k6's ``ExecutionSegment``).

    Rationals keep thirds exact, so no VU or iteration is lost or doubled between instances.
    """

    start: Fraction
    end: Fraction

    def __post_init__(self) -> None:
        start, end = Fraction(self.start), Fraction(self.end)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        if start < 0:
            raise SegmentError(f"segment start value must be at least 0 but was {float_string(start, 2)}")
        if start >= end:
            raise SegmentError(
                f"segment start({float_string(start, 2)}) must be less than its end({float_string(end, 2)})"
            )
        if end > 1:
            raise SegmentError(f"segment end value can't be more than 1 but was {float_string(end, 2)}")

    @classmethod
    def full(cls) -> ExecutionSegment:
        """The whole test, ``0:1`` (what k6 uses when no segment is given)."""
        return cls(_ZERO, _ONE)

    @classmethod
    def parse(cls, text: str) -> ExecutionSegment:
        """k6's ``NewExecutionSegmentFromString``: ``"1/2:3/4"``, ``"50%:75%"``; without ``:``, the end of a
        segment starting at 0 (``"25%"``, ``"0.25"``, ``"1/4"``); ``""`` is ``0:1``."""
        start, end_text = _ZERO, text or "1"
        if ":" in end_text:
            start_text, end_text = end_text.split(":", 1)
            start = _string_to_rat(start_text)
        return cls(start, _string_to_rat(end_text))

    @property
    def length(self) -> Fraction:
        """``end - start``: the exact share of the test this segment gets."""
        return self.end - self.start

    def __str__(self) -> str:
        return f"{rat_string(self.start)}:{rat_string(self.end)}"

    def scale(self, value: int) -> int:
        """k6's ``ExecutionSegment.Scale``: ``round(value*end - round(value*start))`` with k6's roundUp.

        This is the simple, non-striped scaling; executors use ``ExecutionTuple.scale_int`` instead.
        """
        to_value = Fraction(value) * self.end - _round_up(Fraction(value) * self.start)
        return _round_up(to_value)

    def split(self, parts: int) -> list[ExecutionSegment]:
        """k6's ``Split``: ``parts`` equal consecutive sub-segments of this segment."""
        if parts < 1:
            raise SegmentError(f"the number of parts must be at least 1, {parts} received")
        increment = self.length / parts
        result, start = [], self.start
        for _ in range(parts):
            result.append(ExecutionSegment(start, start + increment))
            start += increment
        return result

    def sub_segment(self, child: ExecutionSegment) -> ExecutionSegment:
        """k6's ``SubSegment``: ``child`` taken as a share of this segment (1/2:1 of 0:1/2 is 1/4:1/2)."""
        start = self.start + self.length * child.start
        return ExecutionSegment(start, start + self.length * child.length)


# --------------------------------------------------------------------------------------------------
# ExecutionSegmentSequence


class ExecutionSegmentSequence(Sequence[ExecutionSegment]):
    """An ordered chain of segments without gaps (k6's ``ExecutionSegmentSequence``), e.g. ``0,1/3,2/3,1``.

    Every instance of a split run is given the same sequence, so that each one stripes VUs and iterations
    against all the others and no two instances take the same one.
    """

    __slots__ = ("_segments",)

    def __init__(self, segments: Iterable[ExecutionSegment] = ()) -> None:
        segs = tuple(segments)
        for i in range(1, len(segs)):
            if segs[i].start != segs[i - 1].end:
                raise SegmentError(
                    f"the start value {rat_full_string(segs[i].start)} of segment #{i} must be equal to "
                    f"the end value of the previous one, but it is {rat_full_string(segs[i - 1].end)}"
                )
        self._segments = segs

    @classmethod
    def parse(cls, text: str) -> ExecutionSegmentSequence:
        """k6's ``NewExecutionSegmentSequenceFromString``: comma-separated cut points; ``""`` is empty."""
        if not text:
            return cls()
        points = text.split(",")
        if len(points) < 2:
            raise SegmentError(
                f"at least 2 points are needed for an execution segment sequence, {len(points)} given"
            )
        rats = [_string_to_rat(p) for p in points]
        return cls(ExecutionSegment(a, b) for a, b in itertools.pairwise(rats))

    def __len__(self) -> int:
        return len(self._segments)

    @overload
    def __getitem__(self, index: int) -> ExecutionSegment: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[ExecutionSegment, ...]: ...

    def __getitem__(self, index: int | slice) -> ExecutionSegment | tuple[ExecutionSegment, ...]:
        return self._segments[index]

    def __iter__(self) -> Iterator[ExecutionSegment]:
        return iter(self._segments)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ExecutionSegmentSequence) and self._segments == other._segments

    def __hash__(self) -> int:
        return hash(self._segments)

    def __repr__(self) -> str:
        return f"ExecutionSegmentSequence({str(self)!r})"

    def __str__(self) -> str:
        if not self._segments:
            return ""
        return ",".join([rat_string(self._segments[0].start), *(rat_string(s.end) for s in self._segments)])

    @property
    def segments(self) -> tuple[ExecutionSegment, ...]:
        return self._segments

    def lcd(self) -> int:
        """k6's ``LCD``: least common multiple of the segment lengths' denominators, i.e. the period after
        which the striping pattern repeats."""
        acc = self._segments[0].length.denominator
        for seg in self._segments[1:]:
            n = seg.length.denominator
            if acc == n or acc % n == 0:
                continue
            acc *= n // math.gcd(acc, n)
        return acc

    def is_full(self) -> bool:
        """Whether it starts at 0 and ends at 1."""
        return bool(self._segments) and self._segments[0].start == 0 and self._segments[-1].end == 1

    def find_segment_position(self, segment: ExecutionSegment) -> int:
        """k6's ``FindSegmentPosition`` (binary search on the start, then an exact match)."""
        lo, hi = 0, len(self._segments)
        while lo < hi:
            mid = (lo + hi) // 2
            if self._segments[mid].start >= segment.start:
                hi = mid
            else:
                lo = mid + 1
        if lo >= len(self._segments) or self._segments[lo] != segment:
            raise SegmentError(f"couldn't find segment {segment} in sequence {self}")
        return lo

    @classmethod
    def filled(
        cls, sequence: ExecutionSegmentSequence | None, fallback: ExecutionSegment | None
    ) -> ExecutionSegmentSequence:
        """k6's ``GetFilledExecutionSegmentSequence``: pads the sequence (or the lone segment) to ``0..1``."""
        if not sequence:
            if fallback is None or fallback.length == 1:
                return cls([ExecutionSegment.full()])
            segs = [fallback]
        else:
            segs = list(sequence)
        if segs[0].start != 0:
            segs.insert(0, ExecutionSegment(_ZERO, segs[0].start))
        if segs[-1].end != 1:
            segs.append(ExecutionSegment(segs[-1].end, _ONE))
        return cls(segs)


# --------------------------------------------------------------------------------------------------
# The striping algorithm (ExecutionSegmentSequenceWrapper)


class _StripedSequence:
    """k6's ``ExecutionSegmentSequenceWrapper``: a full sequence plus its precomputed striped offsets.

    ``offsets[i]`` is ``[start, d1, d2, ..., dn]``: the first element index (within each ``lcd``-long
    cycle) owned by segment i, then the distances to each next owned index, the last one wrapping into
    the next cycle. Exactly ``numerator(length_i * lcd)`` indices per cycle belong to segment i.
    """

    __slots__ = ("lcd", "offsets", "sequence")

    def __init__(self, sequence: ExecutionSegmentSequence) -> None:
        if not sequence.is_full():
            raise SegmentError(f"Cannot wrap around a non-full execution segment sequence '{sequence}'")
        self.sequence = sequence
        n = len(sequence)
        lcd = sequence.lcd()
        self.lcd = lcd
        offsets: list[list[int]] = [[] for _ in range(n)]
        norm = [seg.length.numerator * (lcd // seg.length.denominator) for seg in sequence]
        # Biggest segments first; stable, like Go's sort.SliceStable.
        order = sorted(range(n), key=lambda i: -norm[i])
        sorted_norm = [norm[i] for i in order]
        prev = [0] * n
        chosen = [0] * n
        for i in range(lcd):
            for sorted_index in range(n):
                num = chosen[sorted_index] * lcd
                denom = sorted_norm[sorted_index]
                if i > num // denom or (i == num // denom and num % denom == 0):
                    chosen[sorted_index] += 1
                    index = order[sorted_index]
                    own = offsets[index]
                    own.append(i - prev[index])
                    prev[index] = i
                    if len(own) == denom:
                        own.append(own[0] + lcd - i)
                    break
        self.offsets = offsets

    def scale_int(self, index: int, value: int) -> int:
        """k6's ``ExecutionSegmentSequenceWrapper.ScaleInt64``: how many of the first ``value`` global
        indices fall into segment ``index``; the per-segment results always sum to ``value``."""
        start, offs = self.offsets[index][0], self.offsets[index][1:]
        result = go_quo(value, self.lcd) * len(offs)
        rem = go_rem(value, self.lcd)
        gi, i = 0, start
        while i < rem:
            result += 1
            i += offs[gi]
            gi += 1
        return result

    def striped_offsets(self, index: int) -> tuple[int, list[int], int]:
        own = self.offsets[index]
        return own[0], list(own[1:]), self.lcd

    def new_from_value(self, value: int, tracked_index: int) -> tuple[_StripedSequence, int]:
        """k6's ``GetNewExecutionSegmentSequenceFromValue``: re-cuts the sequence so each segment's
        length becomes ``scale_int(value)/value`` (segments that get 0 are dropped)."""
        if value < 1:
            raise SegmentError(f"cannot generate new sequence for value {value}")
        if value % self.lcd == 0:
            return self, tracked_index
        new_index = -1
        segs: list[ExecutionSegment] = []
        prev = 0
        for i in range(len(self.sequence)):
            new_value = self.scale_int(i, value)
            if new_value == 0:
                continue
            segs.append(ExecutionSegment(Fraction(prev, value), Fraction(prev + new_value, value)))
            prev += new_value
            if i == tracked_index:
                new_index = len(segs) - 1
        if new_index == -1:
            raise SegmentError(
                f"segment {tracked_index} ({self.sequence[tracked_index]}) isn't present in the new sequence"
            )
        return _striped(ExecutionSegmentSequence(segs)), new_index


@functools.lru_cache(maxsize=256)
def _striped(sequence: ExecutionSegmentSequence) -> _StripedSequence:
    """Cached wrapper: the striping costs O(lcd * segments) and executors ask for it repeatedly."""
    return _StripedSequence(sequence)


# --------------------------------------------------------------------------------------------------
# ExecutionTuple and SegmentedIndex


class ExecutionTuple:
    """One segment within its (filled) sequence, k6's ``ExecutionTuple``: the object every executor
    scales with, so all instances agree on who gets which VU and iteration."""

    __slots__ = ("_striped", "index", "segment")

    def __init__(
        self,
        segment: ExecutionSegment | str | None = None,
        sequence: ExecutionSegmentSequence | str | None = None,
    ) -> None:
        """Validates like k6 (``Options.Validate`` then ``NewExecutionTuple``); strings are parsed."""
        seg = ExecutionSegment.parse(segment) if isinstance(segment, str) else segment
        seq = ExecutionSegmentSequence.parse(sequence) if isinstance(sequence, str) else sequence
        if seq:
            wanted = seg if seg is not None else ExecutionSegment.full()
            if wanted not in seq:
                raise SegmentError(f"provided segment {wanted} can't be found in sequence {seq}")
        striped = _striped(ExecutionSegmentSequence.filled(seq, seg))
        self._striped = striped
        self.segment = seg if seg is not None else ExecutionSegment.full()
        self.index = striped.sequence.find_segment_position(self.segment)

    @classmethod
    def _of(cls, striped: _StripedSequence, index: int) -> ExecutionTuple:
        et = cls.__new__(cls)
        et._striped = striped
        et.index = index
        et.segment = striped.sequence[index]
        return et

    @property
    def sequence(self) -> ExecutionSegmentSequence:
        """The filled (``0..1``) sequence this tuple stripes against."""
        return self._striped.sequence

    @property
    def lcd(self) -> int:
        return self._striped.lcd

    def __str__(self) -> str:
        return f"{self.segment} in {self.sequence}"

    def __repr__(self) -> str:
        return f"ExecutionTuple({str(self.segment)!r}, {str(self.sequence)!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ExecutionTuple)
            and self.segment == other.segment
            and self.sequence == other.sequence
        )

    def __hash__(self) -> int:
        return hash((self.segment, self.sequence))

    def scale_int(self, value: int) -> int:
        """k6's ``ExecutionTuple.ScaleInt64``: this segment's striped share of ``value`` (VUs, iterations);
        the shares of all segments of the sequence sum to ``value`` exactly."""
        if len(self._striped.sequence) == 1:
            return value
        return self._striped.scale_int(self.index, value)

    def striped_offsets(self) -> tuple[int, list[int], int]:
        """k6's ``GetStripedOffsets``: ``(start, offsets, lcd)``. The global indices owned by this segment
        are ``start``, ``start + offsets[0]``, ``+ offsets[1]``, ... cycling through ``offsets``."""
        return self._striped.striped_offsets(self.index)

    def new_from_value(self, value: int) -> ExecutionTuple:
        """k6's ``GetNewExecutionTupleFromValue``: the tuple re-cut by ``value`` (e.g. the scenario's VUs or
        maxVUs). Raises ``SegmentError`` if this segment gets nothing of ``value``."""
        striped, index = self._striped.new_from_value(value, self.index)
        return ExecutionTuple._of(striped, index)

    def segmented_index(self) -> SegmentedIndex:
        """k6's ``NewSegmentedIndex``: iterator over (local, global) 1-based counters for this segment."""
        start, offsets, lcd = self.striped_offsets()
        return SegmentedIndex(start, offsets, lcd)


class SegmentedIndex:
    """k6's ``SegmentedIndex``: walks this segment's share of a global 1-based counter.

    ``scaled`` counts this segment's elements, ``unscaled`` is the matching global position. k6 numbers
    iterations (``scenario.iterationInTest`` = unscaled - 1) and steps ramping-vus VUs with it.
    """

    __slots__ = ("lcd", "offsets", "scaled", "start", "unscaled")

    def __init__(self, start: int, offsets: Sequence[int], lcd: int) -> None:
        self.start, self.offsets, self.lcd = start, list(offsets), lcd
        self.scaled = 0
        self.unscaled = 0

    def next(self) -> tuple[int, int]:
        """Advance to the next element of this segment; returns ``(scaled, unscaled)``."""
        if self.scaled == 0:
            self.unscaled += self.start + 1
        else:
            self.unscaled += self.offsets[(self.scaled - 1) % len(self.offsets)]
        self.scaled += 1
        return self.scaled, self.unscaled

    def prev(self) -> tuple[int, int]:
        """Step back one element (undefined in k6 at 0; raises here)."""
        if self.scaled <= 0:
            raise IndexError("SegmentedIndex.prev() called at the first position")
        if self.scaled == 1:
            self.unscaled -= self.start + 1
        else:
            self.unscaled -= self.offsets[(self.scaled - 2) % len(self.offsets)]
        self.scaled -= 1
        return self.scaled, self.unscaled

    def go_to(self, value: int) -> tuple[int, int]:
        """k6's ``GoTo``: the biggest scaled position whose unscaled (global) value is ``<= value``."""
        gi = 0
        whole = go_quo(value, self.lcd)
        self.scaled = whole * len(self.offsets)
        self.unscaled = whole * self.lcd + self.start + 1
        i = self.start
        rem = go_rem(value, self.lcd)
        while i < rem:
            self.scaled += 1
            self.unscaled += self.offsets[gi]
            i += self.offsets[gi]
            gi += 1
        if gi > 0:
            self.unscaled -= self.offsets[gi - 1]
        elif self.scaled > 0:
            self.unscaled -= self.offsets[-1]
        if self.scaled == 0:
            self.unscaled = 0
        return self.scaled, self.unscaled


def global_iterations(start: int, offsets: Sequence[int]) -> Iterator[int]:
    """The global (0-based) indices a segment owns, in order, forever: ``start``, ``start+offsets[0]``, ...

    This is the ``gi`` loop of k6's constant-arrival-rate (and the ``i`` of ramping-arrival-rate's ``cal``):
    iteration slot ``gi`` starts at ``gi * unscaled_ticker_period``. Over all segments of a sequence the
    yielded indices partition 0, 1, 2, ... exactly.
    """
    gi, li, n = start, 0, len(offsets)
    while True:
        yield gi
        gi += offsets[li % n]
        li += 1


def split(n: int) -> tuple[list[ExecutionSegment], ExecutionSegmentSequence]:
    """An equal split into ``n`` instances, like k6-operator: segments ``i/n:(i+1)/n`` and the sequence
    ``0,1/n,...,1`` that every instance must be given alongside its own segment."""
    segments = ExecutionSegment.full().split(n)
    return segments, ExecutionSegmentSequence(segments)
