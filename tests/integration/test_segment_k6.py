"""Side by side with the real k6 v1.1.0 binary: loadcell's segment arithmetic must give the same split.

Two oracles:
- ``k6 run --execution-segment ... --summary-export`` for each third of ``0,1/3,2/3,1``: per-scenario
  iteration counts, ``vus_max`` and the global iteration numbers k6 hands out (logged by the script);
- ``k6 inspect --execution-requirements`` (instant, nothing runs): how k6 parses a segment and the
  ``maxVUs`` it reserves per segment, for every executor and several uneven sequences.

No network is used; k6's REST API is disabled (``--address ""``) so parallel runs can't collide.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from loadcell.engine.executors.arrival_rate import scale_arrival_rate
from loadcell.engine.executors.constant_arrival_rate import constant_arrival_rate_starts
from loadcell.engine.executors.constant_vus import scale_constant_vus
from loadcell.engine.executors.per_vu_iterations import scale_per_vu
from loadcell.engine.executors.ramping_vus import ramping_vus_requirements
from loadcell.engine.executors.shared_iterations import scale_shared_iterations
from loadcell.engine.executors.steps import SECOND_NS, Stage, max_possible_vus
from loadcell.engine.segment import ExecutionSegment, ExecutionTuple, SegmentError


def _find_k6() -> str | None:
    venv_k6 = Path(sys.executable).with_name("k6")
    if venv_k6.exists():
        return str(venv_k6)
    return shutil.which("k6")


K6 = _find_k6()
pytestmark = pytest.mark.skipif(K6 is None, reason="the k6 binary is not installed (expected next to python)")

S = SECOND_NS
THIRDS = "0,1/3,2/3,1"
THIRD_SEGMENTS = ["0:1/3", "1/3:2/3", "2/3:1"]
K6_ENV = {**os.environ, "K6_NO_USAGE_REPORT": "true"}

# --------------------------------------------------------------------------------------------------
# k6 run, one process per third

RUN_SCRIPT = """
import { sleep } from 'k6';
import exec from 'k6/execution';

export const options = {
  scenarios: {
    shared: { executor: 'shared-iterations', vus: 3, iterations: 10, exec: 'work', maxDuration: '20s' },
    shared2: { executor: 'shared-iterations', vus: 2, iterations: 11, exec: 'work', maxDuration: '20s' },
    pervu: { executor: 'per-vu-iterations', vus: 5, iterations: 2, exec: 'work', maxDuration: '20s' },
    // 2050ms, not 2s: the slot at exactly 2s would race with the end of the duration in k6.
    car: {
      executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '2050ms',
      preAllocatedVUs: 10, maxVUs: 10, exec: 'work',
    },
  },
  thresholds: {
    'iterations{scenario:shared}': ['count>=0'],
    'iterations{scenario:shared2}': ['count>=0'],
    'iterations{scenario:pervu}': ['count>=0'],
    'iterations{scenario:car}': ['count>=0'],
  },
};

export function work() {
  console.log(JSON.stringify({
    s: exec.scenario.name, gi: exec.scenario.iterationInTest, li: exec.scenario.iterationInInstance,
  }));
  sleep(0.01);
}
"""
CAR_RATE, CAR_DURATION_NS = 10, 2_050_000_000
SCENARIOS = ("shared", "shared2", "pervu", "car")


class SegmentRun:
    """What one k6 instance reported: the summary export's metrics and the logged iteration numbers."""

    def __init__(self, metrics: dict, iterations: dict[str, list[tuple[int, int]]]) -> None:
        self.metrics = metrics
        self.iterations = iterations

    def count(self, scenario: str) -> int:
        return int(self.metrics.get(f"iterations{{scenario:{scenario}}}", {}).get("count", 0))


@pytest.fixture(scope="module")
def k6_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SegmentRun]:
    """Runs the three thirds concurrently (about 2.5 s in all) and parses what each one reported."""
    work = tmp_path_factory.mktemp("k6_segments")
    script = work / "script.js"
    script.write_text(RUN_SCRIPT)
    procs = {}
    for i, seg in enumerate(THIRD_SEGMENTS):
        cmd = [
            str(K6), "run", "--quiet", "--no-usage-report", "--address", "", "--log-format", "json",
            "--execution-segment", seg, "--execution-segment-sequence", THIRDS,
            "--summary-export", str(work / f"summary{i}.json"), str(script),
        ]  # fmt: skip
        stderr = (work / f"stderr{i}.txt").open("w")
        procs[seg] = (
            subprocess.Popen(cmd, cwd=work, env=K6_ENV, stdout=subprocess.DEVNULL, stderr=stderr),
            stderr,
        )
    runs = {}
    for i, (seg, (proc, stderr)) in enumerate(procs.items()):
        try:
            rc = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
        finally:
            stderr.close()
        log = (work / f"stderr{i}.txt").read_text()
        assert rc == 0, f"k6 failed for {seg}:\n{log}"
        iterations: dict[str, list[tuple[int, int]]] = {}
        for line in log.splitlines():
            entry = json.loads(line)
            if entry.get("source") == "console":
                rec = json.loads(entry["msg"])
                iterations.setdefault(rec["s"], []).append((rec["gi"], rec["li"]))
        metrics = json.loads((work / f"summary{i}.json").read_text())["metrics"]
        runs[seg] = SegmentRun(metrics, iterations)
    return runs


def expected_for(seg: str) -> dict[str, dict]:
    """loadcell's prediction for one third: per scenario, VUs, iteration count and global numbers."""
    et = ExecutionTuple(seg, THIRDS)
    out: dict[str, dict] = {}
    for name, vus, iters in (("shared", 3, 10), ("shared2", 2, 11)):
        sc = scale_shared_iterations(et, vus, iters)
        numbers = []
        if sc.iteration_tuple is not None:
            idx = sc.iteration_tuple.segmented_index()
            numbers = [idx.next()[1] - 1 for _ in range(sc.iterations)]
        out[name] = {"vus": sc.vus, "count": sc.iterations, "numbers": numbers}
    pv = scale_per_vu(et, 5, 2)
    idx = et.segmented_index()
    out["pervu"] = {
        "vus": pv.vus,
        "count": pv.total_iterations,
        "numbers": [idx.next()[1] - 1 for _ in range(pv.total_iterations)],
    }
    ar = scale_arrival_rate(et, CAR_RATE, pre_allocated=10, max_vus=10)
    assert ar.iteration_tuple is not None
    slots = [gi for gi, _ in constant_arrival_rate_starts(ar.iteration_tuple, CAR_RATE, S, CAR_DURATION_NS)]
    out["car"] = {"vus": ar.max_vus, "count": len(slots), "numbers": slots}
    return out


@pytest.mark.parametrize("seg", THIRD_SEGMENTS)
def test_iteration_counts_match_k6(k6_runs: dict[str, SegmentRun], seg: str) -> None:
    run, expected = k6_runs[seg], expected_for(seg)
    assert {s: run.count(s) for s in SCENARIOS} == {s: expected[s]["count"] for s in SCENARIOS}
    assert run.metrics["iterations"]["count"] == sum(e["count"] for e in expected.values())
    # All scenarios start together and arrival-rate VUs are all pre-allocated, so vus_max is the sum.
    assert run.metrics["vus_max"]["value"] == sum(e["vus"] for e in expected.values())


@pytest.mark.parametrize("seg", THIRD_SEGMENTS)
def test_global_iteration_numbers_match_k6(k6_runs: dict[str, SegmentRun], seg: str) -> None:
    run, expected = k6_runs[seg], expected_for(seg)
    for scenario in SCENARIOS:
        logged = run.iterations.get(scenario, [])
        assert sorted(gi for gi, _ in logged) == expected[scenario]["numbers"], scenario
        assert sorted(li for _, li in logged) == list(range(len(logged))), scenario


def test_k6_split_is_a_partition(k6_runs: dict[str, SegmentRun]) -> None:
    """What makes segments safe for distributed runs, observed on k6 itself: no overlap, nothing lost."""
    for scenario, total in (("shared", 10), ("shared2", 11), ("car", 21)):
        numbers = sorted(gi for run in k6_runs.values() for gi, _ in run.iterations.get(scenario, []))
        assert numbers == list(range(total)), scenario
    assert sum(run.count("pervu") for run in k6_runs.values()) == 10


# --------------------------------------------------------------------------------------------------
# k6 inspect --execution-requirements: parsing and maxVUs, no test run needed


def k6_inspect(tmp: Path, name: str, options: dict) -> tuple[dict | None, str]:
    """k6's resolved options plus ``maxVUs`` for a script with these options (or None and stderr)."""
    script = tmp / f"{name}.js"
    script.write_text(f"export const options = {json.dumps(options)};\nexport default function () {{}}\n")
    proc = subprocess.run(
        [str(K6), "inspect", "--execution-requirements", str(script)],
        capture_output=True,
        text=True,
        timeout=30,
        env=K6_ENV,
        cwd=tmp,
        check=False,
    )
    if proc.returncode != 0:
        return None, proc.stderr
    return json.loads(proc.stdout), proc.stderr


SEGMENT_TEXTS = [
    "",
    "25%",
    "1/4",
    "0.2:2/3",
    "2/4:75%",
    "010/30",
    "1_0/30",
    "0x1/3",
    "1/3:0b11/4",
    "5e-1",
    "1p-2",
    ".5",
    "0.1e1",
    "1.5%",
    " 1/3",
    "1/0",
    "08/30",
    "1__0/3",
    "-1/3:1/3",
    "1/2:1/3",
    "0:3/2",
]


def test_segment_parsing_matches_k6(tmp_path: Path) -> None:
    scenario = {"a": {"executor": "shared-iterations", "vus": 1, "iterations": 1}}

    def compare(item: tuple[int, str]) -> None:
        i, text = item
        result, stderr = k6_inspect(tmp_path, f"parse{i}", {"executionSegment": text, "scenarios": scenario})
        try:
            ours = str(ExecutionSegment.parse(text))
        except SegmentError as err:
            assert result is None, f"{text!r}: k6 accepted it as {result and result['executionSegment']}"
            assert str(err) in stderr, f"{text!r}: k6 said {stderr!r}"
            return
        assert result is not None, f"{text!r}: k6 rejected it: {stderr}"
        assert (result["executionSegment"] or "0:1") == ours, text

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(compare, enumerate(SEGMENT_TEXTS)))


def test_segment_not_in_sequence_error_matches_k6(tmp_path: Path) -> None:
    for i, (seg, seq) in enumerate([("0:1", THIRDS), ("1/4:1/2", THIRDS), ("1/3:2/3", "0,1/3")]):
        result, stderr = k6_inspect(
            tmp_path,
            f"seq{i}",
            {
                "executionSegment": seg,
                "executionSegmentSequence": seq,
                "scenarios": {"a": {"executor": "shared-iterations", "vus": 1, "iterations": 1}},
            },
        )
        assert result is None
        with pytest.raises(SegmentError) as err:
            ExecutionTuple(seg, seq)
        assert str(err.value) in stderr


TUPLES = [
    *((seg, THIRDS) for seg in THIRD_SEGMENTS),
    *((seg, "0,0.3,0.6,0.9,1") for seg in ("0:0.3", "0.3:0.6", "0.6:0.9", "0.9:1")),
    *((seg, "0,1/4,3/4,1") for seg in ("0:1/4", "1/4:3/4", "3/4:1")),
    ("1/5:3/5", ""),
]

RAMP = [
    (2, 6),
    (5, 1),
    (4, 5),
    (4, 1),
    (3, 4),
    (2, 4),
    (0, 1),
    (3, 1),
    (0, 5),
    (3, 5),
    (0, 0),
    (2, 2),
    (4, 4),
]


def ramping_vus_case(start: int, stages: list[tuple[int, int]], ramp_down: int | None, stop: int | None):
    """A ramping-vus scenario for k6 and the matching loadcell computation of its maxVUs."""
    scenario: dict = {
        "executor": "ramping-vus",
        "startVUs": start,
        "stages": [{"duration": f"{d}s", "target": t} for d, t in stages],
    }
    if ramp_down is not None:
        scenario["gracefulRampDown"] = f"{ramp_down}s"
    if stop is not None:
        scenario["gracefulStop"] = f"{stop}s"

    def ours(et: ExecutionTuple) -> int:
        steps = ramping_vus_requirements(
            et,
            start,
            [Stage(d * S, t) for d, t in stages],
            graceful_ramp_down_ns=(30 if ramp_down is None else ramp_down) * S,
            graceful_stop_ns=(30 if stop is None else stop) * S,
        )
        return max_possible_vus(steps)

    return scenario, ours


EXECUTOR_CASES = {
    "ramping-vus-target-5": ramping_vus_case(0, [(1, 5)], 0, None),
    "ramping-vus-k6-plan": ramping_vus_case(4, RAMP, None, None),
    "ramping-vus-short-ramp-down": ramping_vus_case(3, [(5, 17), (3, 2), (0, 9), (4, 0), (2, 11)], 2, 1),
    "constant-vus": (
        {"executor": "constant-vus", "vus": 7, "duration": "1s"},
        lambda et: scale_constant_vus(et, 7),
    ),
    "per-vu-iterations": (
        {"executor": "per-vu-iterations", "vus": 5, "iterations": 3},
        lambda et: scale_per_vu(et, 5, 3).vus,
    ),
    "shared-iterations": (
        {"executor": "shared-iterations", "vus": 4, "iterations": 50},
        lambda et: scale_shared_iterations(et, 4, 50).vus,
    ),
    "constant-arrival-rate": (
        {
            "executor": "constant-arrival-rate",
            "rate": 9,
            "duration": "1s",
            "preAllocatedVUs": 3,
            "maxVUs": 11,
        },
        lambda et: (lambda a: a.pre_allocated_vus + a.max_unplanned_vus)(scale_arrival_rate(et, 9, 3, 11)),
    ),
    "ramping-arrival-rate": (
        {
            "executor": "ramping-arrival-rate",
            "startRate": 2,
            "stages": [{"duration": "1s", "target": 8}],
            "preAllocatedVUs": 5,
            "maxVUs": 13,
        },
        lambda et: (lambda a: a.pre_allocated_vus + a.max_unplanned_vus)(scale_arrival_rate(et, 2, 5, 13)),
    ),
}


@pytest.mark.parametrize("case", sorted(EXECUTOR_CASES))
def test_max_vus_per_segment_match_k6_inspect(tmp_path: Path, case: str) -> None:
    scenario, ours = EXECUTOR_CASES[case]

    def compare(item: tuple[int, tuple[str, str]]) -> tuple[str, int, int]:
        i, (seg, seq) = item
        options = {"executionSegment": seg, "scenarios": {"s": scenario}}
        if seq:
            options["executionSegmentSequence"] = seq
        result, stderr = k6_inspect(tmp_path, f"{case}{i}", options)
        assert result is not None, stderr
        return f"{seg} in {seq}", result["maxVUs"], ours(ExecutionTuple(seg, seq or None))

    with ThreadPoolExecutor(max_workers=4) as pool:
        rows = list(pool.map(compare, enumerate(TUPLES)))
    assert [(name, k6) for name, k6, _ in rows] == [(name, mine) for name, _, mine in rows]
