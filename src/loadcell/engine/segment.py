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
- ``lib/executor/*.go``: how each executor scales its parameters with the tuple (functions at the end).

Rationals are ``fractions.Fraction`` (k6 uses ``big.Rat``); integer division and remainders follow Go's
truncating semantics where k6 relies on them; durations are integer nanoseconds like Go's
``time.Duration``. Text parsing reproduces ``big.Rat.SetString`` (base prefixes, ``_`` separators,
exponents) so the same flag value means the same segment in k6 and loadcell.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

from loadcell.errors import InvalidConfigError

__all__ = [
    "SECOND_NS",
    "ArrivalRateScaling",
    "ExecutionSegment",
    "ExecutionSegmentSequence",
    "ExecutionStep",
    "ExecutionTuple",
    "PerVUIterationsScaling",
    "RampingVUsScaling",
    "SegmentError",
    "SegmentedIndex",
    "SharedIterationsScaling",
    "Stage",
    "constant_arrival_rate_starts",
    "global_iterations",
    "max_planned_vus",
    "max_possible_vus",
    "parse_rat",
    "ramping_arrival_rate_starts",
    "ramping_vus_raw_steps",
    "ramping_vus_requirements",
    "rat_string",
    "scale_arrival_rate",
    "scale_constant_vus",
    "scale_per_vu",
    "scale_ramping_vus",
    "scale_shared_iterations",
    "split",
    "ticker_period_ns",
]

SECOND_NS = 1_000_000_000
_ZERO = Fraction(0)
_ONE = Fraction(1)


class SegmentError(InvalidConfigError, ValueError):
    """A segment or sequence k6 would reject; the message is k6's own, so users can search for it."""


# --------------------------------------------------------------------------------------------------
# Go arithmetic helpers


def _go_quo(a: int, b: int) -> int:
    """Go's ``a / b`` for integers: truncates toward zero (Python's ``//`` floors)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _go_rem(a: int, b: int) -> int:
    """Go's ``a % b``: the sign follows the dividend."""
    return a - _go_quo(a, b) * b


def _go_duration(x: float) -> int:
    """Go's ``time.Duration(x)`` for a float64: truncation toward zero."""
    return int(x)


# --------------------------------------------------------------------------------------------------
# big.Rat text forms


def rat_string(value: Fraction) -> str:
    """``big.Rat.RatString``: ``"a/b"``, or just ``"a"`` for integers (used by segment strings)."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def _rat_full_string(value: Fraction) -> str:
    """``big.Rat.String`` (what ``%s`` prints for a ``*big.Rat``): always ``"a/b"``."""
    return f"{value.numerator}/{value.denominator}"


def _float_string(value: Fraction, prec: int) -> str:
    """``big.Rat.FloatString(prec)``: decimal with ``prec`` digits, halves rounded away from zero."""
    if value.denominator == 1:
        return str(value.numerator) + ("." + "0" * prec if prec > 0 else "")
    num, den = abs(value.numerator), value.denominator
    q, r = divmod(num, den)
    p = 10**prec if prec > 0 else 1
    r, r2 = divmod(r * p, den)
    if den <= 2 * r2:
        r += 1
        if r >= p:
            q += 1
            r -= p
    out = ("-" if value.numerator < 0 else "") + str(q)
    if prec > 0:
        out += "." + str(r).rjust(prec, "0")
    return out


class _Reader:
    """A byte cursor, standing in for the ``io.ByteScanner`` Go's number scanners read from."""

    __slots__ = ("pos", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def at_end(self) -> bool:
        return self.pos >= len(self.text)


def _digit_value(ch: str) -> int:
    if "0" <= ch <= "9":
        return ord(ch) - ord("0")
    if "a" <= ch <= "z":
        return ord(ch) - ord("a") + 10
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    return 1 << 30  # not a digit in any base


def _scan_nat(r: _Reader, base: int, frac_ok: bool) -> tuple[int, int, int] | None:
    """Port of Go's ``nat.scan``: returns (value, actual base, count) or None on a scan error.

    ``count`` is the number of digits, or ``-(digits after the radix point)`` when one was seen.
    """
    prev = "."  # '.', '0' (a digit) or '_'
    inval_sep = False
    b, prefix, count = base, "", 0
    if base == 0:
        b = 10
        if r.peek() == "0":
            prev, count = "0", 1
            r.pos += 1
            ch = r.peek()
            if ch is not None:
                if ch in "bB":
                    b, prefix = 2, "b"
                elif ch in "oO":
                    b, prefix = 8, "o"
                elif ch in "xX":
                    b, prefix = 16, "x"
                elif not frac_ok:
                    b, prefix = 8, "0"
                if prefix:
                    count = 0
                    if prefix != "0":
                        r.pos += 1
    value, dp = 0, -1
    while (ch := r.peek()) is not None:
        if ch == "." and frac_ok and dp < 0:
            dp, prev = count, "."
        elif ch == "_" and base == 0:
            if prev != "0":
                inval_sep = True
            prev = "_"
        else:
            d = _digit_value(ch)
            if d >= b:
                break
            prev = "0"
            count += 1
            value = value * b + d
        r.pos += 1
    if inval_sep or prev == "_":
        return None
    if count == 0:
        if prefix == "0":
            return 0, 10, 1  # a lone octal prefix "0" is decimal zero
        return None
    if dp >= 0:
        count = dp - count
    return value, b, count


def _scan_sign(r: _Reader) -> bool:
    ch = r.peek()
    if ch in ("+", "-"):
        r.pos += 1
        return ch == "-"
    return False


def _scan_int(text: str, base: int) -> int | None:
    """``big.Int.SetString(text, base)``: optional sign, digits, nothing left over."""
    r = _Reader(text)
    neg = _scan_sign(r)
    res = _scan_nat(r, base, False)
    if res is None or not r.at_end():
        return None
    return -res[0] if neg else res[0]


def _scan_exponent(r: _Reader) -> tuple[int, int] | None:
    """Go's ``scanExponent(r, base2ok=true, sepOk=true)``: returns (exponent, base) or None."""
    ch = r.peek()
    if ch is None or ch not in "eEpP":
        return 0, 10
    ebase = 10 if ch in "eE" else 2
    r.pos += 1
    digits = ""
    ch = r.peek()
    if ch in ("+", "-"):
        if ch == "-":
            digits = "-"
        r.pos += 1
    prev, inval_sep, has_digits = ".", False, False
    while (ch := r.peek()) is not None:
        if "0" <= ch <= "9":
            digits += ch
            prev, has_digits = "0", True
        elif ch == "_":
            if prev != "0":
                inval_sep = True
            prev = "_"
        else:
            break
        r.pos += 1
    if not has_digits or inval_sep or prev == "_":
        return None
    exp = int(digits)
    if not -(1 << 63) <= exp < (1 << 63):
        return None
    return exp, ebase


def parse_rat(text: str) -> Fraction | None:
    """``big.Rat.SetString``: ``"a/b"`` (each side may use 0b/0o/0x/0 prefixes) or a float literal.

    Returns None where Go returns ``ok == false``; that's what makes k6 print "is not a valid ...".
    """
    if not text:
        return None
    if "/" in text:
        sep = text.index("/")
        num = _scan_int(text[:sep], 0)
        if num is None:
            return None
        r = _Reader(text[sep + 1 :])
        den = _scan_nat(r, 0, False)
        if den is None or not r.at_end() or den[0] == 0:
            return None
        return Fraction(num, den[0])
    r = _Reader(text)
    neg = _scan_sign(r)
    mant = _scan_nat(r, 0, True)
    if mant is None:
        return None
    exp_res = _scan_exponent(r)
    if exp_res is None or not r.at_end():
        return None
    value, base, fcount = mant
    exp, ebase = exp_res
    if value == 0:
        return _ZERO
    exp2 = exp5 = 0
    if fcount < 0:
        exp2 = {10: fcount, 2: fcount, 8: fcount * 3, 16: fcount * 4}[base]
        if base == 10:
            exp5 = fcount
    if ebase == 10:
        exp5 += exp
    exp2 += exp
    if abs(exp5) > 1_000_000 or not -10_000_000 <= exp2 <= 10_000_000:
        return None  # k6/Go refuse excessively large exponents
    result = Fraction(-value if neg else value) * Fraction(5) ** exp5 * Fraction(2) ** exp2
    return result


def _string_to_rat(text: str) -> Fraction:
    """k6's ``stringToRat``: integer percentages, decimals and fractions."""
    if text.endswith("%"):
        num = _scan_int(text[:-1], 10)
        if num is None:
            raise SegmentError(f"'{text}' is not a valid percentage")
        return Fraction(num, 100)
    rat = parse_rat(text)
    if rat is None:
        raise SegmentError(f"'{text}' is not a valid percentage, decimal, fraction or interval value")
    return rat


def _round_up(value: Fraction) -> int:
    """k6's ``roundUp``: truncating quotient, plus one when twice the remainder reaches the denominator."""
    quo = _go_quo(value.numerator, value.denominator)
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
            raise SegmentError(f"segment start value must be at least 0 but was {_float_string(start, 2)}")
        if start >= end:
            raise SegmentError(
                f"segment start({_float_string(start, 2)}) must be less than its end({_float_string(end, 2)})"
            )
        if end > 1:
            raise SegmentError(f"segment end value can't be more than 1 but was {_float_string(end, 2)}")

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

    def float_length(self) -> float:
        """The share as a float, for display (k6 shows it as ``scenarios: (33.33%)``)."""
        return float(self.length)

    def __str__(self) -> str:
        return f"{rat_string(self.start)}:{rat_string(self.end)}"

    def scale(self, value: int) -> int:
        """k6's ``ExecutionSegment.Scale``: ``round(value*end - round(value*start))`` with k6's roundUp.

        This is the simple, non-striped scaling; executors use ``ExecutionTuple.scale_int`` instead.
        """
        to_value = Fraction(value) * self.end - _round_up(Fraction(value) * self.start)
        return _round_up(to_value)

    def scale_rat(self, value: Fraction) -> Fraction:
        """k6's ``CopyScaleRat``: ``value * length`` (used for arrival rates)."""
        return value * self.length

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
                    f"the start value {_rat_full_string(segs[i].start)} of segment #{i} must be equal to "
                    f"the end value of the previous one, but it is {_rat_full_string(segs[i - 1].end)}"
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

    def __getitem__(self, index):  # type: ignore[override]
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
        result = _go_quo(value, self.lcd) * len(offs)
        rem = _go_rem(value, self.lcd)
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
        whole = _go_quo(value, self.lcd)
        self.scaled = whole * len(self.offsets)
        self.unscaled = whole * self.lcd + self.start + 1
        i = self.start
        rem = _go_rem(value, self.lcd)
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


# --------------------------------------------------------------------------------------------------
# Executors: how k6 v1.1.0 scales each one (lib/executor/*.go)


class Stage(NamedTuple):
    """One ``stages`` entry: duration in integer nanoseconds (Go's ``time.Duration``) and the target."""

    duration_ns: int
    target: int


@dataclass(frozen=True)
class ExecutionStep:
    """k6's ``lib.ExecutionStep``: from ``time_offset_ns`` on, ``planned_vus`` VUs are needed (plus up to
    ``max_unplanned_vus`` that arrival-rate executors may initialize mid-test)."""

    time_offset_ns: int
    planned_vus: int
    max_unplanned_vus: int = 0

    @property
    def time_offset(self) -> float:
        """The offset in seconds."""
        return self.time_offset_ns / SECOND_NS


def max_planned_vus(steps: Iterable[ExecutionStep]) -> int:
    """k6's ``GetMaxPlannedVUs``."""
    return max((s.planned_vus for s in steps), default=0)


def max_possible_vus(steps: Iterable[ExecutionStep]) -> int:
    """k6's ``GetMaxPossibleVUs`` (planned + unplanned; what ``k6 inspect`` prints as ``maxVUs``)."""
    return max((s.planned_vus + s.max_unplanned_vus for s in steps), default=0)


@dataclass(frozen=True)
class SharedIterationsScaling:
    """shared_iterations.go for one segment.

    ``vus = et.ScaleInt64(vus)``; the iterations are striped with the tuple re-cut by the *unscaled* VUs
    (``GetNewExecutionTupleFromValue(vus)``), so an instance without VUs gets no iterations either.
    ``iteration_tuple`` is that re-cut tuple: k6 numbers the iterations (``iterationInTest``) with its
    ``segmented_index()``. It is None when this segment gets no VUs.
    """

    vus: int
    iterations: int
    iteration_tuple: ExecutionTuple | None

    @property
    def has_work(self) -> bool:
        return self.vus > 0 and self.iterations > 0


def scale_shared_iterations(et: ExecutionTuple, vus: int, iterations: int) -> SharedIterationsScaling:
    """Scaled VUs and iterations of a shared-iterations scenario (10 iterations/3 VUs over thirds: 4/3/3)."""
    try:
        it_tuple: ExecutionTuple | None = et.new_from_value(vus)
    except SegmentError:
        it_tuple = None
    scaled_iters = it_tuple.scale_int(iterations) if it_tuple is not None else 0
    return SharedIterationsScaling(et.scale_int(vus), scaled_iters, it_tuple)


@dataclass(frozen=True)
class PerVUIterationsScaling:
    """per_vu_iterations.go: only the VUs are scaled (``et.ScaleInt64``); each still runs ``iterations``
    (scaling both would be quadratic). Iterations are numbered with the base tuple's index."""

    vus: int
    iterations_per_vu: int

    @property
    def total_iterations(self) -> int:
        return self.vus * self.iterations_per_vu

    @property
    def has_work(self) -> bool:
        return self.vus > 0 and self.iterations_per_vu > 0


def scale_per_vu(et: ExecutionTuple, vus: int, iterations: int = 1) -> PerVUIterationsScaling:
    """Scaled VUs of a per-vu-iterations scenario; iterations per VU are unchanged."""
    return PerVUIterationsScaling(et.scale_int(vus), iterations)


def scale_constant_vus(et: ExecutionTuple, vus: int) -> int:
    """constant_vus.go: ``et.ScaleInt64(vus)``; 0 means this instance has no work for the scenario."""
    return et.scale_int(vus)


@dataclass(frozen=True)
class RampingVUsScaling:
    """ramping_vus.go summary values: ``start_vus = et.ScaleInt64(startVUs)`` and ``max_vus`` =
    ``et.ScaleInt64(max(startVUs, targets))`` (the "Up to N looping VUs" of the description). The actual
    schedule is per-VU striped, see ``ramping_vus_raw_steps``."""

    start_vus: int
    max_vus: int


def scale_ramping_vus(et: ExecutionTuple, start_vus: int, stage_targets: Iterable[int]) -> RampingVUsScaling:
    """Scaled start and peak VUs of a ramping-vus scenario (target 5 over thirds: up to 2/2/1)."""
    peak = max([start_vus, *stage_targets])
    return RampingVUsScaling(et.scale_int(start_vus), et.scale_int(peak))


def ramping_vus_raw_steps(
    et: ExecutionTuple, start_vus: int, stages: Sequence[Stage], zero_end: bool = False
) -> list[ExecutionStep]:
    """k6's ``RampingVUsConfig.getRawExecutionSteps``: this segment's planned VUs over time.

    The unscaled ramp is walked VU by VU with the tuple's ``SegmentedIndex``: this instance adds a VU
    exactly when the global ramp reaches a VU number it owns, so the sum over all instances reproduces the
    unsplit shape step by step. Offsets use Go's integer nanosecond arithmetic. Graceful ramp-down is not
    included (see ``ramping_vus_requirements``); ``zero_end`` appends a final 0-VU step like k6.
    """
    index = et.segmented_index()
    from_vus = start_vus
    time_till_end = 0
    scaled, unscaled = index.go_to(from_vus)
    steps = [ExecutionStep(0, scaled)]

    def add_step(offset: int, planned: int) -> None:
        if steps[-1].planned_vus != planned:
            steps.append(ExecutionStep(offset, planned))

    for duration, stage_end in stages:
        time_till_end += duration
        diff = stage_end - from_vus
        if diff == 0:
            continue
        if duration == 0:
            scaled, unscaled = index.go_to(stage_end)
            add_step(time_till_end, scaled)
            from_vus = stage_end
            continue
        if unscaled > stage_end:  # ramp down: a VU stops at the time of the next-lower global VU
            while unscaled > stage_end:
                add_step(time_till_end - _go_quo(duration * (stage_end - unscaled + 1), diff), scaled - 1)
                scaled, unscaled = index.prev()
        else:
            while unscaled <= stage_end:
                add_step(time_till_end - _go_quo(duration * (stage_end - unscaled), diff), scaled)
                scaled, unscaled = index.next()
        from_vus = stage_end
    if zero_end and steps[-1].planned_vus != 0:
        steps.append(ExecutionStep(time_till_end, 0))
    return steps


def _reserve_vus_for_graceful_ramp_downs(
    raw: list[ExecutionStep], end_offset: int, graceful_ramp_down: int
) -> list[ExecutionStep]:
    """k6's ``reserveVUsForGracefulRampDowns``: keep VUs reserved while ramped-down ones may still finish."""
    new_steps: list[ExecutionStep] = []
    last_planned = 0
    last_downward_slope = 0
    n = len(raw)
    step_num = 0
    while step_num < n:
        step = raw[step_num]
        if step_num == 0 or step.planned_vus > last_planned:
            new_steps.append(step)
            last_planned = step.planned_vus
            step_num += 1
            continue
        if step.planned_vus == last_planned:
            step_num += 1
            continue
        skipped = False
        timeout_offset = step.time_offset_ns + graceful_ramp_down
        adv_start = max(step_num + 1, last_downward_slope)
        was_ramping_down = True
        for adv in range(adv_start, n):
            adv_step = raw[adv]
            if adv_step.time_offset_ns > timeout_offset:
                break
            if adv_step.planned_vus >= last_planned:
                step_num = adv - 1
                skipped = True
                break
            if was_ramping_down:
                if raw[adv - 1].planned_vus > adv_step.planned_vus:
                    last_downward_slope = adv
                else:
                    was_ramping_down = False
        if skipped:
            step_num += 1
            continue
        if timeout_offset >= end_offset:
            break
        new_steps.append(ExecutionStep(timeout_offset, step.planned_vus))
        last_planned = step.planned_vus
        step_num += 1
    return new_steps


def ramping_vus_requirements(
    et: ExecutionTuple,
    start_vus: int,
    stages: Sequence[Stage],
    graceful_ramp_down_ns: int = 30 * SECOND_NS,
    graceful_stop_ns: int = 30 * SECOND_NS,
) -> list[ExecutionStep]:
    """k6's ``RampingVUsConfig.GetExecutionRequirements``: raw steps plus VUs held for graceful ramp-down,
    ending with 0 VUs at ``sum(durations) + gracefulStop``. Its max is the instance's VU reservation."""
    steps = ramping_vus_raw_steps(et, start_vus, stages, zero_end=False)
    end_offset = sum(s.duration_ns for s in stages) + graceful_stop_ns
    if graceful_ramp_down_ns > 0:
        steps = _reserve_vus_for_graceful_ramp_downs(steps, end_offset, graceful_ramp_down_ns)
    if steps[-1].planned_vus != 0:
        steps.append(ExecutionStep(end_offset, 0))
    return steps


@dataclass(frozen=True)
class ArrivalRateScaling:
    """constant_arrival_rate.go / ramping_arrival_rate.go for one segment.

    - ``pre_allocated_vus = et.ScaleInt64(preAllocatedVUs)``, ``max_vus = et.ScaleInt64(maxVUs)``,
      ``max_unplanned_vus = max_vus - pre_allocated_vus`` (both executors since k6 PR #3593).
    - The iterations are striped with ``iteration_tuple = et.GetNewExecutionTupleFromValue(maxVUs)``
      (unscaled maxVUs): its ``striped_offsets()`` give the global slots ``gi`` this instance starts, and
      its ``segmented_index()`` numbers the iterations. None (and no work) when ``max_vus`` is 0.
    - ``rate_per_second``: the scaled rate k6 displays, ``rate/timeUnit * iteration_tuple.length``.
    """

    pre_allocated_vus: int
    max_vus: int
    max_unplanned_vus: int
    iteration_tuple: ExecutionTuple | None
    rate_per_second: Fraction

    @property
    def has_work(self) -> bool:
        return self.max_vus > 0


def scale_arrival_rate(
    et: ExecutionTuple,
    rate: int,
    pre_allocated: int,
    max_vus: int | None = None,
    time_unit_ns: int = SECOND_NS,
) -> ArrivalRateScaling:
    """Scaled VUs, iteration tuple and display rate of an arrival-rate scenario (``max_vus`` defaults to
    ``pre_allocated`` as in k6's ``Validate``)."""
    max_vus = pre_allocated if max_vus is None else max_vus
    scaled_pre, scaled_max = et.scale_int(pre_allocated), et.scale_int(max_vus)
    it_tuple: ExecutionTuple | None = None
    if scaled_max > 0:
        try:
            it_tuple = et.new_from_value(max_vus)
        except SegmentError:
            it_tuple = None
    length = it_tuple.segment.length if it_tuple is not None else _ZERO
    per_sec = Fraction(rate, time_unit_ns) * length * SECOND_NS
    return ArrivalRateScaling(scaled_pre, scaled_max, scaled_max - scaled_pre, it_tuple, per_sec)


def ticker_period_ns(rate: int, time_unit_ns: int = SECOND_NS) -> int:
    """k6's ``getTickerPeriod(rate/timeUnit)``: ``time.Duration(float64(timeUnit/rate))``, 0 for rate 0."""
    if rate == 0:
        return 0
    return _go_duration(float(Fraction(time_unit_ns, rate)))


def constant_arrival_rate_starts(
    iteration_tuple: ExecutionTuple, rate: int, time_unit_ns: int = SECOND_NS, duration_ns: int | None = None
) -> Iterator[tuple[int, int]]:
    """k6's constant-arrival-rate schedule for one segment: ``(gi, start_offset_ns)`` pairs with
    ``start = unscaled_ticker_period * gi``, ``gi`` from ``iteration_tuple.striped_offsets()``.

    Stops after ``duration_ns``: a slot at exactly the duration races with k6's deadline, and k6 1.1.0
    started it in 22 of 24 runs measured (10/s for 2s: 21 iterations; 120 per 1m for 5s: 11), so it
    is kept. Infinite if ``duration_ns`` is None.
    """
    period = ticker_period_ns(rate, time_unit_ns)
    if period <= 0:
        return  # k6 rejects rate <= 0 in Validate; never loop forever on it
    start, offsets, _ = iteration_tuple.striped_offsets()
    for gi in global_iterations(start, offsets):
        t = period * gi
        if duration_ns is not None and t > duration_ns:
            return
        yield gi, t


def _no_negative_sqrt(f: float) -> float:
    return math.sqrt(f) if math.copysign(1.0, f) > 0 else 0.0


def ramping_arrival_rate_starts(
    iteration_tuple: ExecutionTuple, start_rate: int, stages: Sequence[Stage], time_unit_ns: int = SECOND_NS
) -> Iterator[tuple[int, int]]:
    """Port of k6's ``RampingArrivalRateConfig.cal``: ``(gi, start_offset_ns)`` of this segment's
    iterations, in order, until the stages end.

    The i-th global iteration starts when the area under the (linear) rate curve reaches i; k6 solves that
    with float64 (the same IEEE operations in the same order here, then Go's truncating conversion), and
    skips the indices other segments own via the striped offsets of ``iteration_tuple`` (the tuple re-cut by
    maxVUs, see ``scale_arrival_rate``).
    """
    start, offsets, _ = iteration_tuple.striped_offsets()
    li = -1
    stage_start = 0
    time_unit = float(time_unit_ns)
    done_so_far = end_count = 0.0
    frm = float(start_rate) / time_unit
    i = float(start + 1)  # the algorithm works with areas, so the first event is at area 1, not 0
    n = len(offsets)
    for duration, target in stages:
        to = float(target) / time_unit
        dur = float(duration)
        if frm != to:
            end_count += dur * ((to - frm) / 2 + frm)
            while i <= end_count:
                x = (
                    frm * dur
                    - _no_negative_sqrt(dur * (frm * frm * dur + 2 * (i - done_so_far) * (to - frm)))
                ) / (frm - to)
                yield int(i) - 1, _go_duration(x) + stage_start
                li += 1
                i += float(offsets[li % n])
        else:
            end_count += dur * to
            while i <= end_count:
                yield int(i) - 1, _go_duration((i - done_so_far) / to) + stage_start
                li += 1
                i += float(offsets[li % n])
        done_so_far = end_count
        frm = to
        stage_start += duration
