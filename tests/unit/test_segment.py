"""Execution segments must match k6 v1.1.0 exactly: known values from k6's own tests and the reference
doc (§7.1), plus properties (no VU or iteration lost or doubled) over random sequences."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loadcell.engine.executors.arrival_rate import scale_arrival_rate
from loadcell.engine.executors.constant_arrival_rate import constant_arrival_rate_starts, ticker_period_ns
from loadcell.engine.executors.constant_vus import scale_constant_vus
from loadcell.engine.executors.per_vu_iterations import scale_per_vu
from loadcell.engine.executors.ramping_arrival_rate import ramping_arrival_rate_starts
from loadcell.engine.executors.ramping_vus import (
    ramping_vus_raw_steps,
    ramping_vus_requirements,
    scale_ramping_vus,
)
from loadcell.engine.executors.shared_iterations import scale_shared_iterations
from loadcell.engine.executors.steps import SECOND_NS, Stage, max_planned_vus, max_possible_vus
from loadcell.engine.rational import parse_rat
from loadcell.engine.segment import (
    ExecutionSegment,
    ExecutionSegmentSequence,
    ExecutionTuple,
    SegmentedIndex,
    SegmentError,
    global_iterations,
    split,
)

S = SECOND_NS
THIRDS = "0,1/3,2/3,1"
THIRD_SEGMENTS = ["0:1/3", "1/3:2/3", "2/3:1"]


def steps_s(steps):
    """Steps as (whole seconds, VUs), the form k6's tests write them in."""
    assert all(s.time_offset_ns % S == 0 for s in steps)
    return [(s.time_offset_ns // S, s.planned_vus) for s in steps]


# ------------------------------------------------------------------------------------------------
# parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "0:1"),
        ("1", "0:1"),
        ("25%", "0:1/4"),
        ("1/4", "0:1/4"),
        ("0:1/4", "0:1/4"),
        ("0.25", "0:1/4"),
        ("0.2:2/3", "1/5:2/3"),
        ("2/4:75%", "1/2:3/4"),
        ("50%:75%", "1/2:3/4"),
        ("0:2/10", "0:1/5"),
        (".5", "0:1/2"),
        ("5e-1", "0:1/2"),
        ("+1/3", "0:1/3"),
        ("010/30", "0:4/15"),  # Go's base-0 ints: a leading 0 is octal in fractions...
        ("0.10", "0:1/10"),  # ...but not in decimals
        ("1_0/30", "0:1/3"),
        ("0x1/3", "0:1/3"),
        ("1/3:0b11/4", "1/3:3/4"),
        ("1p-1", "0:1/2"),
    ],
)
def test_segment_parse_and_string(text: str, expected: str) -> None:
    assert str(ExecutionSegment.parse(text)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.5%", "'1.5%' is not a valid percentage"),
        (" 1/3", "' 1/3' is not a valid percentage, decimal, fraction or interval value"),
        ("1/0", "'1/0' is not a valid percentage, decimal, fraction or interval value"),
        ("08/30", "'08/30' is not a valid percentage, decimal, fraction or interval value"),
        ("1__0/30", "'1__0/30' is not a valid percentage, decimal, fraction or interval value"),
        ("-1/3:1/3", "segment start value must be at least 0 but was -0.33"),
        ("1/2:1/3", "segment start(0.50) must be less than its end(0.33)"),
        ("1/3:1/3", "segment start(0.33) must be less than its end(0.33)"),
        ("0:3/2", "segment end value can't be more than 1 but was 1.50"),
        ("0:0", "segment start(0.00) must be less than its end(0.00)"),
        ("2/3:1/6", "segment start(0.67) must be less than its end(0.17)"),
    ],
)
def test_segment_parse_errors_use_k6_messages(text: str, message: str) -> None:
    with pytest.raises(SegmentError) as err:
        ExecutionSegment.parse(text)
    assert str(err.value) == message


def test_parse_rat_matches_go_big_rat() -> None:
    assert parse_rat("3") == 3
    assert parse_rat("-0.125") == Fraction(-1, 8)
    assert parse_rat("1e3") == 1000
    assert parse_rat("0") == 0
    assert parse_rat("00") == 0
    assert parse_rat("0o17/1") == 15
    assert parse_rat("1/-3") is None  # the divisor can't be signed
    assert parse_rat("") is None
    assert parse_rat("1e") is None
    assert parse_rat("_1/3") is None


def test_sequence_parse_string_lcd() -> None:
    seq = ExecutionSegmentSequence.parse(THIRDS)
    assert str(seq) == THIRDS
    assert [str(s) for s in seq] == THIRD_SEGMENTS
    assert seq.is_full()
    assert len(ExecutionSegmentSequence.parse("")) == 0
    for text, lcd in [
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", 10),
        ("0,0.1,0.5,0.6,0.7,0.8,0.9,1", 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", 10),
        ("0,1/3,5/6", 6),
        ("0,1/3,4/7", 21),
    ]:
        assert ExecutionSegmentSequence.parse(text).lcd() == lcd


def test_sequence_errors_use_k6_messages() -> None:
    with pytest.raises(
        SegmentError, match=r"^at least 2 points are needed for an execution segment sequence, 1 given$"
    ):
        ExecutionSegmentSequence.parse("0")
    with pytest.raises(SegmentError, match=r"^segment start\(0.33\) must be less than its end\(0.25\)$"):
        ExecutionSegmentSequence.parse("0,1/3,1/4,1")
    with pytest.raises(SegmentError) as err:
        ExecutionSegmentSequence([ExecutionSegment.parse("0:1/3"), ExecutionSegment.parse("1/2:1")])
    assert str(err.value) == (
        "the start value 1/2 of segment #1 must be equal to the end value of the previous one, but it is 1/3"
    )


@pytest.mark.parametrize(
    ("segment", "sequence", "message"),
    [
        (None, THIRDS, "provided segment 0:1 can't be found in sequence 0,1/3,2/3,1"),
        ("1/4:1/2", THIRDS, "provided segment 1/4:1/2 can't be found in sequence 0,1/3,2/3,1"),
        ("1/3:2/3", "0,1/3", "provided segment 1/3:2/3 can't be found in sequence 0,1/3"),
    ],
)
def test_tuple_segment_must_be_in_sequence(segment: str | None, sequence: str, message: str) -> None:
    with pytest.raises(SegmentError) as err:
        ExecutionTuple(segment, sequence)
    assert str(err.value) == message


def test_tuple_fills_sequence_around_segment() -> None:
    assert str(ExecutionTuple("1/3:2/3").sequence) == THIRDS
    assert str(ExecutionTuple().sequence) == "0,1"
    assert str(ExecutionTuple("0:1/3", "0,1/3").sequence) == "0,1/3,1"
    assert str(ExecutionTuple("1/3:2/3", "1/3,2/3")) == "1/3:2/3 in 0,1/3,2/3,1"


def test_split_is_k6_operator_style() -> None:
    segments, seq = split(3)
    assert [str(s) for s in segments] == THIRD_SEGMENTS
    assert str(seq) == THIRDS
    segments, seq = split(1)
    assert [str(s) for s in segments] == ["0:1"]
    assert str(seq) == "0,1"
    with pytest.raises(SegmentError, match="the number of parts must be at least 1, 0 received"):
        split(0)


def test_segment_scale_and_sub_segment() -> None:
    # ExecutionSegment.Scale (the non-striped rounding) differs from the striped ScaleInt64.
    assert [ExecutionSegment.parse(s).scale(5) for s in THIRD_SEGMENTS] == [2, 1, 2]
    assert [ExecutionTuple(s, THIRDS).scale_int(5) for s in THIRD_SEGMENTS] == [2, 2, 1]
    parent = ExecutionSegment.parse("1/2:1")
    assert str(parent.sub_segment(ExecutionSegment.parse("0:1/2"))) == "1/2:3/4"


# ------------------------------------------------------------------------------------------------
# k6's own test vectors (lib/execution_segment_test.go)


@pytest.mark.parametrize(
    ("seq", "seg", "start", "offsets", "lcd"),
    [
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0:0.3", 0, [4, 3, 3], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.3:0.5", 1, [4, 6], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.5:0.6", 2, [10], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.6:0.7", 3, [10], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.8:0.9", 8, [10], 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, [10], 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, [10], 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0:0.2", 1, [4, 6], 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0.6:0.7", 3, [10], 10),
        ("0,0.2,0.5", "0:0.2", 3, [6, 4], 10),
        ("0,0.2,0.5", "0.2:0.5", 1, [4, 2, 4], 10),
        ("0,2/5,4/5", "0:2/5", 0, [3, 2], 5),
        ("0,2/5,4/5", "2/5:4/5", 1, [3, 2], 5),
        ("", "0:0.2", 1, [5], 5),
        ("", "0:1/5", 1, [5], 5),
        ("", "0:2/10", 1, [5], 5),
        ("", "0:0.4", 1, [2, 3], 5),
        ("", "0:2/5", 1, [2, 3], 5),
        ("", "2/5:4/5", 1, [3, 2], 5),
        ("", "0:4/10", 1, [2, 3], 5),
        ("", "1/10:5/10", 1, [2, 2, 4, 2], 10),
    ],
)
def test_striped_offsets_k6_vectors(seq: str, seg: str, start: int, offsets: list[int], lcd: int) -> None:
    assert ExecutionTuple(seg, seq).striped_offsets() == (start, offsets, lcd)


@pytest.mark.parametrize(
    ("seg", "seq", "scale", "new_scale"),
    [
        (None, None, {50: 50, 1: 1, 0: 0}, {50: {50: 50, 1: 1, 0: 0}, 1: {50: 50, 1: 1, 0: 0}, 0: None}),
        ("0:1", "0,1", {50: 50, 1: 1, 0: 0}, {50: {50: 50, 1: 1, 0: 0}, 0: None}),
        ("0:1", "", {50: 50, 1: 1, 0: 0}, {1: {50: 50, 1: 1, 0: 0}, 0: None}),
        (
            "0:1/3",
            THIRDS,
            {50: 17, 3: 1, 2: 1, 1: 1, 0: 0},
            {
                50: {50: 17, 1: 1, 0: 0},
                20: {50: 18, 1: 1, 0: 0},
                3: {50: 17, 1: 1, 0: 0},
                2: {50: 25, 1: 1, 0: 0},
                1: {50: 50, 1: 1, 0: 0},
                0: None,
            },
        ),
        (
            "1/3:2/3",
            THIRDS,
            {50: 17, 3: 1, 2: 1, 1: 0, 0: 0},
            {
                50: {50: 17, 1: 0, 0: 0},
                20: {50: 17, 1: 0, 0: 0},
                3: {50: 17, 1: 0, 0: 0},
                2: {50: 25, 1: 0, 0: 0},
                1: None,
                0: None,
            },
        ),
        (
            "2/3:1",
            THIRDS,
            {50: 16, 3: 1, 2: 0, 1: 0, 0: 0},
            {
                50: {50: 16, 1: 0, 0: 0},
                20: {50: 15, 1: 0, 0: 0},
                3: {50: 16, 1: 0, 0: 0},
                2: None,
                1: None,
                0: None,
            },
        ),
    ],
)
def test_new_execution_tuple_k6_vectors(seg, seq, scale, new_scale) -> None:
    et = ExecutionTuple(seg, seq)
    assert {v: et.scale_int(v) for v in scale} == scale
    for value, expected in new_scale.items():
        if expected is None:
            with pytest.raises(SegmentError):
                et.new_from_value(value)
            continue
        new = et.new_from_value(value)
        assert {v: new.scale_int(v) for v in expected} == expected


def test_new_tuple_from_value_sequence() -> None:
    assert str(ExecutionTuple("0:1/3", THIRDS).new_from_value(20).sequence) == "0,7/20,7/10,1"


def test_segmented_index_k6_walks() -> None:
    s = SegmentedIndex(start=0, offsets=[1], lcd=1)
    walk = [s.next(), s.prev(), s.next(), s.next(), s.next(), s.prev(), s.prev(), s.next()]
    assert walk == [(1, 1), (0, 0), (1, 1), (2, 2), (3, 3), (2, 2), (1, 1), (2, 2)]

    s = SegmentedIndex(start=1, offsets=[2], lcd=2)
    walk = [s.next(), s.prev(), s.next(), s.next(), s.next(), s.prev(), s.prev(), s.prev(), s.next()]
    assert walk == [(1, 2), (0, 0), (1, 2), (2, 4), (3, 6), (2, 4), (1, 2), (0, 0), (1, 2)]

    s = SegmentedIndex(start=1, offsets=[4, 3], lcd=7)
    assert [s.next(), s.prev(), s.next(), s.next(), s.next()] == [(1, 2), (0, 0), (1, 2), (2, 6), (3, 9)]
    assert [s.prev(), s.prev(), s.prev(), s.next()] == [(2, 6), (1, 2), (0, 0), (1, 2)]
    assert [s.go_to(6), s.go_to(5), s.go_to(7), s.go_to(8), s.go_to(9)] == [
        (2, 6),
        (1, 2),
        (2, 6),
        (2, 6),
        (3, 9),
    ]
    assert [s.prev(), s.prev(), s.prev()] == [(2, 6), (1, 2), (0, 0)]
    with pytest.raises(IndexError):
        s.prev()


# ------------------------------------------------------------------------------------------------
# §7.1 of the reference doc: observed with k6 v1.1.0, sequence 0,1/3,2/3,1


def test_reference_table_shared_iterations() -> None:
    results = [
        scale_shared_iterations(ExecutionTuple(s, THIRDS), vus=3, iterations=10) for s in THIRD_SEGMENTS
    ]
    assert [(r.vus, r.iterations) for r in results] == [(1, 4), (1, 3), (1, 3)]
    assert all(r.has_work for r in results)


def test_reference_table_ramping_vus_target_5() -> None:
    stages = [Stage(10 * S, 5)]
    maxima = []
    for seg in THIRD_SEGMENTS:
        et = ExecutionTuple(seg, THIRDS)
        assert scale_ramping_vus(et, 0, [5]).max_vus == max_planned_vus(
            ramping_vus_requirements(et, 0, stages)
        )
        maxima.append(scale_ramping_vus(et, 0, [5]).max_vus)
    assert maxima == [2, 2, 1]


def test_reference_table_constant_arrival_rate_10_per_second() -> None:
    duration = 10 * S
    per_segment = []
    for seg in THIRD_SEGMENTS:
        scaling = scale_arrival_rate(ExecutionTuple(seg, THIRDS), rate=10, pre_allocated=3, max_vus=3)
        assert scaling.rate_per_second == Fraction(10, 3)  # k6 shows 3.33 iterations/s
        assert (scaling.pre_allocated_vus, scaling.max_vus, scaling.max_unplanned_vus) == (1, 1, 0)
        assert scaling.iteration_tuple is not None
        per_segment.append(
            [gi for gi, _ in constant_arrival_rate_starts(scaling.iteration_tuple, 10, S, duration)]
        )
    assert per_segment[0][:4] == [0, 3, 6, 9]
    assert per_segment[1][:4] == [1, 4, 7, 10]
    assert per_segment[2][:4] == [2, 5, 8, 11]
    merged = sorted(itertools.chain.from_iterable(per_segment))
    assert merged == list(range(101))  # a partition, no overlap; the slot at exactly 10 s included


def test_arrival_rate_iterations_are_striped_by_max_vus() -> None:
    # k6 re-cuts the tuple by the *unscaled* maxVUs: with maxVUs=10 over thirds the iteration
    # shares become 4/10, 3/10, 3/10 instead of thirds.
    shares = []
    for seg in THIRD_SEGMENTS:
        scaling = scale_arrival_rate(ExecutionTuple(seg, THIRDS), rate=10, pre_allocated=10, max_vus=10)
        assert scaling.iteration_tuple is not None
        shares.append(scaling.iteration_tuple.segment.length)
    assert shares == [Fraction(2, 5), Fraction(3, 10), Fraction(3, 10)]


def test_arrival_rate_requirements_k6_vectors() -> None:
    # lib/executor/ramping_arrival_rate_test.go, ..._GetExecutionRequirements (after k6 PR #3593)
    quarters = "0,1/4,1/2,3/4,1"
    for pre, mx, seg, seq, planned, unplanned in [
        (1, 4000, "0:1/4", quarters, 1, 999),
        (100, 4000, "0:1/4", quarters, 25, 975),
        (1, 4000, "0:1", "0,1", 1, 3999),
        (100, 4000, "0:1", "0,1", 100, 3900),
    ]:
        scaling = scale_arrival_rate(ExecutionTuple(seg, seq), rate=1, pre_allocated=pre, max_vus=mx)
        assert (scaling.pre_allocated_vus, scaling.max_unplanned_vus) == (planned, unplanned)
    # TestRampingArrivalRateCornerCase: maxVUs 2 over 1/5:2/5 of 0,1/5,2/5,1 has no work
    assert not scale_arrival_rate(ExecutionTuple("1/5:2/5", "0,1/5,2/5,1"), 1, 0, 2).has_work


def test_other_executors_scaling() -> None:
    pervu = [scale_per_vu(ExecutionTuple(s, THIRDS), vus=5, iterations=2) for s in THIRD_SEGMENTS]
    assert [(p.vus, p.total_iterations) for p in pervu] == [(2, 4), (2, 4), (1, 2)]
    assert [scale_constant_vus(ExecutionTuple(s, THIRDS), 5) for s in THIRD_SEGMENTS] == [2, 2, 1]
    shared = [
        scale_shared_iterations(ExecutionTuple(s, THIRDS), vus=2, iterations=11) for s in THIRD_SEGMENTS
    ]
    assert [(r.vus, r.iterations) for r in shared] == [(1, 6), (1, 5), (0, 0)]
    assert shared[2].iteration_tuple is None and not shared[2].has_work


def test_ticker_period() -> None:
    assert ticker_period_ns(10) == 100_000_000
    assert ticker_period_ns(3) == 333_333_333
    assert ticker_period_ns(7, 60 * S) == 8_571_428_571
    assert ticker_period_ns(0) == 0


# ------------------------------------------------------------------------------------------------
# ramping-vus (lib/executor/ramping_vus_test.go)

RAMP = [
    Stage(2 * S, 6),
    Stage(5 * S, 1),
    Stage(4 * S, 5),
    Stage(4 * S, 1),
    Stage(3 * S, 4),
    Stage(2 * S, 4),
    Stage(0, 1),
    Stage(3 * S, 1),
]
RAMP_LONG = [
    *RAMP,
    Stage(0, 5),
    Stage(3 * S, 5),
    Stage(0, 0),
    Stage(2 * S, 2),
    Stage(2 * S, 0),
    Stage(4 * S, 4),
]
ONE_THIRD_STEPS = [(0, 1), (1, 2), (4, 1), (7, 0), (8, 1), (11, 2), (12, 1), (15, 0), (16, 1), (20, 0)]
ONE_THIRD_LONG = [*ONE_THIRD_STEPS, (23, 2), (26, 0), (28, 1), (29, 0), (32, 1)]


def test_ramping_vus_one_third_plan() -> None:
    et = ExecutionTuple("0:1/3")
    assert steps_s(ramping_vus_raw_steps(et, 4, RAMP)) == ONE_THIRD_STEPS
    assert steps_s(ramping_vus_raw_steps(et, 4, RAMP, zero_end=True)) == ONE_THIRD_STEPS
    expected = {
        30: [(0, 1), (1, 2), (42, 1), (50, 0)],
        80: [(0, 1), (1, 2), (42, 1), (50, 0)],
        3: [(0, 1), (1, 2), (26, 0)],
        0: [(0, 1), (1, 2), (23, 0)],
    }
    for graceful_stop, steps in expected.items():
        assert steps_s(ramping_vus_requirements(et, 4, RAMP, 30 * S, graceful_stop * S)) == steps
    assert steps_s(ramping_vus_requirements(et, 4, RAMP, 0, 0)) == ONE_THIRD_STEPS


@pytest.mark.parametrize(
    ("seg", "seq", "expected"),
    [
        (
            None,
            None,
            [(i, v) for i, v in enumerate([4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3, 4])]
            + [
                (20, 1),
                (23, 5),
                (26, 0),
                (27, 1),
                (28, 2),
                (29, 1),
                (30, 0),
                (31, 1),
                (32, 2),
                (33, 3),
                (34, 4),
            ],
        ),
        ("0:1/3", None, ONE_THIRD_LONG),
        ("0:1/3", "0,1/3,1", ONE_THIRD_LONG),
        ("1/3:2/3", None, ONE_THIRD_LONG),
        ("2/3:1", None, ONE_THIRD_LONG),
        (
            "0:1/3",
            THIRDS,
            [
                (0, 2),
                (5, 1),
                (10, 2),
                (13, 1),
                (18, 2),
                (20, 1),
                (23, 2),
                (26, 0),
                (27, 1),
                (30, 0),
                (31, 1),
                (34, 2),
            ],
        ),
        ("1/3:2/3", THIRDS, ONE_THIRD_LONG),
        (
            "2/3:1",
            THIRDS,
            [(0, 1), (2, 2), (3, 1), (6, 0), (9, 1), (14, 0), (17, 1), (20, 0), (23, 1), (26, 0), (33, 1)],
        ),
    ],
)
def test_ramping_vus_execution_tuple_k6_vectors(seg, seq, expected) -> None:
    assert steps_s(ramping_vus_raw_steps(ExecutionTuple(seg, seq), 4, RAMP_LONG)) == expected


UP_DOWN = [Stage(2 * S, 2), Stage(2 * S, 0), Stage(2 * S, 2), Stage(2 * S, 0)]


@pytest.mark.parametrize(
    ("seg", "seq", "start", "stages", "expected"),
    [
        (None, None, 2, [Stage(0, 5), Stage(2 * S, 3)], [(0, 2), (0, 5), (1, 4), (2, 3)]),
        (None, None, 3, [Stage(2 * S, 5)], [(0, 3), (1, 4), (2, 5)]),
        (None, None, 0, UP_DOWN, [(0, 0), (1, 1), (2, 2), (3, 1), (4, 0), (5, 1), (6, 2), (7, 1), (8, 0)]),
        ("0:1/2", None, 0, UP_DOWN, [(0, 0), (1, 1), (4, 0), (5, 1), (8, 0)]),
        ("1/2:1", None, 0, UP_DOWN, [(0, 0), (2, 1), (3, 0), (6, 1), (7, 0)]),
        ("2/3:1", THIRDS, 0, UP_DOWN, [(0, 0)]),
        ("0:1/3", "0,1/3,1/2,2/3,1", 0, UP_DOWN, [(0, 0), (1, 1), (4, 0), (5, 1), (8, 0)]),
        (
            "0:0.3",
            "0,0.3,0.6,0.9,1",
            0,
            [Stage(20 * S, 20), Stage(30 * S, 30)],
            [(0, 0), (1, 1), (5, 2), (8, 3), (11, 4), (15, 5), (18, 6), (23, 7), (35, 8), (44, 9)],
        ),
        (
            None,
            None,
            0,
            [Stage(5 * S, 5), Stage(5 * S, 0)],
            [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (6, 4), (7, 3), (8, 2), (9, 1), (10, 0)],
        ),
    ],
)
def test_ramping_vus_corner_cases_k6_vectors(seg, seq, start, stages, expected) -> None:
    assert steps_s(ramping_vus_raw_steps(ExecutionTuple(seg, seq), start, stages)) == expected


# ------------------------------------------------------------------------------------------------
# ramping-arrival-rate (lib/executor/ramping_arrival_rate_test.go)

CAL_STAGES = [Stage(5 * S, 1), Stage(1 * S, 1), Stage(5 * S, 0)]


@pytest.mark.parametrize(
    ("seg", "seq", "time_unit", "expected_ms"),
    [
        (None, None, S, [3162, 4472, 5500, 6527, 7837, 11000]),
        ("0:1/3", None, S, [4472, 7837]),
        ("0:1/3", "0,1/3,1", S, [4472, 7837]),
        ("1/3:2/3", None, S, [4472, 7837]),
        ("2/3:1", None, S, [4472, 7837]),
        ("0:1/3", THIRDS, S, [3162, 6527]),
        ("1/3:2/3", THIRDS, S, [4472, 7837]),
        ("2/3:1", THIRDS, S, [5500, 11000]),
        (
            None,
            None,
            S // 3,
            [
                1825,
                2581,
                3162,
                3651,
                4082,
                4472,
                4830,
                5166,
                5499,
                5833,
                6169,
                6527,
                6917,
                7348,
                7837,
                8418,
                9174,
                10999,
            ],
        ),
    ],
)
def test_ramping_arrival_rate_cal_k6_vectors(seg, seq, time_unit, expected_ms) -> None:
    got = [t for _, t in ramping_arrival_rate_starts(ExecutionTuple(seg, seq), 0, CAL_STAGES, time_unit)]
    assert len(got) == len(expected_ms)
    for t, ms in zip(got, expected_ms, strict=True):
        assert abs(t - ms * 1_000_000) <= ms * 1_000  # k6 asserts InEpsilon(0.001)


def test_ramping_arrival_rate_exact_float_port() -> None:
    # Exact nanoseconds (Go float64 math, truncating conversion), not just k6's 0.1% tolerance.
    got = [t for _, t in ramping_arrival_rate_starts(ExecutionTuple(), 0, CAL_STAGES, S)]
    assert got == [3162277660, 4472135954, 5499999999, 6527864045, 7837722339, 11000000000]


@pytest.mark.parametrize(
    ("seg", "expected"),
    [
        ("0:1/4", [1, 6, 11, 16]),
        ("1/4:3/4", [0, 2, 4, 5, 7, 9, 10, 12, 14, 15, 17, 19, 20]),
        ("3/4:1", [3, 8, 13, 18]),
    ],
)
def test_ramping_arrival_rate_global_iters_k6_vectors(seg: str, expected: list[int]) -> None:
    # TestRampingArrivalRateGlobalIters: timeUnit 950ms, 0 -> 20 -> 0 over 1s+1s, preAllocated 4, maxVUs 5
    scaling = scale_arrival_rate(ExecutionTuple(seg, "0,1/4,3/4,1"), 0, pre_allocated=4, max_vus=5)
    assert scaling.iteration_tuple is not None
    stages = [Stage(S, 20), Stage(S, 0)]
    starts = ramping_arrival_rate_starts(scaling.iteration_tuple, 0, stages, 950_000_000)
    assert [gi for gi, _ in starts] == expected


# ------------------------------------------------------------------------------------------------
# properties over random sequences


@st.composite
def sequences(draw, max_denominator: int = 10, max_segments: int = 6) -> ExecutionSegmentSequence:
    """Random full sequences with small denominators (so the striping period stays small)."""
    point = st.integers(min_value=2, max_value=max_denominator).flatmap(
        lambda d: st.integers(min_value=1, max_value=d - 1).map(lambda n: Fraction(n, d))
    )
    points = draw(st.sets(point, max_size=max_segments - 1))
    cuts = [Fraction(0), *sorted(points), Fraction(1)]
    return ExecutionSegmentSequence(ExecutionSegment(a, b) for a, b in itertools.pairwise(cuts))


def tuples_of(seq: ExecutionSegmentSequence) -> list[ExecutionTuple]:
    return [ExecutionTuple(seg, seq) for seg in seq]


PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(seq=sequences(), value=st.integers(min_value=0, max_value=5000))
def test_scaled_values_sum_to_total(seq: ExecutionSegmentSequence, value: int) -> None:
    ets = tuples_of(seq)
    assert sum(et.scale_int(value) for et in ets) == value
    assert sum(seg.scale(value) for seg in seq) == value  # k6 asserts this for Segment.Scale too
    for et in ets:  # stable: scaling never decreases as the value grows
        assert et.scale_int(value) <= et.scale_int(value + 1) <= et.scale_int(value) + 1


@PROPERTY_SETTINGS
@given(
    seq=sequences(),
    cycles=st.integers(min_value=1, max_value=3),
    extra=st.integers(min_value=0, max_value=50),
)
def test_striped_global_iterations_partition_the_integers(
    seq: ExecutionSegmentSequence, cycles: int, extra: int
) -> None:
    ets = tuples_of(seq)
    limit = cycles * ets[0].lcd + extra
    owned = []
    for et in ets:
        start, offsets, lcd = et.striped_offsets()
        assert sum(offsets) == lcd and len(offsets) == et.segment.length * lcd
        mine = list(itertools.takewhile(lambda gi: gi < limit, global_iterations(start, offsets)))
        assert len(mine) == et.scale_int(limit)  # ScaleInt64 counts exactly the owned indices
        idx = et.segmented_index()
        assert [idx.next()[1] - 1 for _ in mine] == mine  # SegmentedIndex walks the same indices
        owned.extend(mine)
    assert sorted(owned) == list(range(limit))


@PROPERTY_SETTINGS
@given(
    seq=sequences(),
    vus=st.integers(min_value=1, max_value=40),
    iterations=st.integers(min_value=0, max_value=400),
)
def test_executor_shares_sum_to_the_unsplit_test(
    seq: ExecutionSegmentSequence, vus: int, iterations: int
) -> None:
    ets = tuples_of(seq)
    shared = [scale_shared_iterations(et, vus, vus + iterations) for et in ets]
    assert sum(s.vus for s in shared) == vus
    assert sum(s.iterations for s in shared) == vus + iterations
    assert all(s.iterations == 0 for s in shared if s.vus == 0)
    assert sum(scale_per_vu(et, vus, 3).total_iterations for et in ets) == 3 * vus
    arrival = [scale_arrival_rate(et, 7, pre_allocated=vus, max_vus=vus + iterations) for et in ets]
    assert sum(a.pre_allocated_vus for a in arrival) == vus
    assert sum(a.max_vus for a in arrival) == vus + iterations
    assert sum(a.rate_per_second for a in arrival) == 7
    slots = []
    for a in arrival:
        if a.iteration_tuple is not None:
            slots.extend(gi for gi, _ in constant_arrival_rate_starts(a.iteration_tuple, 7, S, 5 * S))
    expected = [gi for gi, _ in constant_arrival_rate_starts(ExecutionTuple(), 7, S, 5 * S)]
    assert sorted(slots) == expected == list(range(36))


@PROPERTY_SETTINGS
@given(
    seq=sequences(max_denominator=8, max_segments=4),
    start=st.integers(min_value=0, max_value=6),
    stages=st.lists(
        st.builds(
            Stage, st.sampled_from([0, S, 2 * S, 3 * S, 5 * S]), st.integers(min_value=0, max_value=12)
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_ramping_vus_segments_add_up_to_the_unsplit_shape(
    seq: ExecutionSegmentSequence, start: int, stages: list[Stage]
) -> None:
    full = ramping_vus_raw_steps(ExecutionTuple(), start, stages)
    parts = [ramping_vus_raw_steps(et, start, stages) for et in tuples_of(seq)]
    assert sum(p[0].planned_vus for p in parts) == full[0].planned_vus

    def at(steps, t):  # the plan after all steps at offsets <= t were applied
        return [s.planned_vus for s in steps if s.time_offset_ns <= t][-1]

    times = sorted({s.time_offset_ns for steps in [full, *parts] for s in steps})
    for t in times:
        assert sum(at(p, t) for p in parts) == at(full, t)
    assert sum(
        scale_ramping_vus(et, start, [s.target for s in stages]).max_vus for et in tuples_of(seq)
    ) == max([start, *(s.target for s in stages)])


def test_max_vus_helpers() -> None:
    et = ExecutionTuple("0:1/4", "0,1/4,1/2,3/4,1")
    steps = ramping_vus_requirements(et, 0, [Stage(4 * S, 8)], 0, 0)
    assert max_planned_vus(steps) == max_possible_vus(steps) == 2
