"""Property-based: hostile option dicts, threshold strings and CLI values never crash or hang the
validation path; each rejection is k6's 104 (255 for a CLI flag k6 cannot parse) naming the key.

10,250 generated cases in all: 4,000 single faults, 2,000 free mixes, 4,000 threshold entries and
250 CLI flag sets (each accepted one loads TLS contexts, ~50 ms). Ten cases go to a hypothesis
example (the engine's per-example cost is most of the time otherwise), derandomized so CI sees the
same cases every run. bench/fuzz_validation.py counts the outcomes of the same strategies on any
checkout (docs/benchmarks.md).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loadcell.config.values import show
from loadcell.errors import InvalidConfigError
from loadcell.metrics.registry import REGISTRY
from loadcell.metrics.thresholds import parse_thresholds
from tests.support.option_cases import (
    CLI_KEYS,
    CLI_VALUES,
    METRICS,
    THRESHOLD_ENTRY,
    Case,
    batches,
    cli_outcome,
    free_form,
    fuzz_settings,
    names_key,
    outcome,
    single_fault,
)


@pytest.fixture(autouse=True)
def quiet() -> Iterator[None]:
    """Rejected cases are the point here; their log lines are not."""
    logger = logging.getLogger("loadcell")
    logger.disabled = True
    yield
    logger.disabled = False


def test_one_hostile_value_in_a_valid_config_is_refused_naming_its_key() -> None:
    seen: Counter[str] = Counter()

    @fuzz_settings(400)
    @given(batches(single_fault()))
    def check(cases: list[Case]) -> None:
        for case in cases:
            result = outcome(case.options)
            seen[result.verdict] += 1
            assert result.verdict in ("accepted", "rejected"), f"{result} <- {show(case.options, 300)}"
            if result.verdict == "rejected":
                assert result.code == 104, result
                assert names_key(result.message, case.key), f"{case.key!r} not in {result.message!r}"

    check()
    assert sum(seen.values()) >= 4000 and seen["accepted"] > 0 and seen["rejected"] > 0, seen


def test_any_mix_of_hostile_values_is_accepted_or_refused_with_104() -> None:
    seen: Counter[str] = Counter()

    @fuzz_settings(200)
    @given(batches(free_form()))
    def check(cases: list[dict[str, Any]]) -> None:
        for options in cases:
            result = outcome(options)
            seen[result.verdict] += 1
            assert result.verdict in ("accepted", "rejected"), f"{result} <- {show(options, 300)}"
            if result.verdict == "rejected":
                assert result.code == 104 and result.message, result
                thresholds = options.get("thresholds")
                keys = [*options, *(thresholds if isinstance(thresholds, dict) else ())]
                assert any(names_key(result.message, str(k)) for k in keys), result

    check()
    assert sum(seen.values()) >= 2000 and seen["accepted"] > 0, seen


def test_threshold_entries_parse_or_are_refused_naming_the_metric() -> None:
    types = {m.name: m.type for m in REGISTRY.metrics}
    seen: Counter[str] = Counter()

    @fuzz_settings(400)
    @given(batches(st.tuples(st.sampled_from(METRICS), THRESHOLD_ENTRY)))
    def check(cases: list[tuple[str, Any]]) -> None:
        for metric, entry in cases:
            try:
                parse_thresholds({metric: [entry]}, types)
                seen["accepted"] += 1
            except InvalidConfigError as exc:
                seen["rejected"] += 1
                assert metric in str(exc) and exc.exit_code == 104, (str(exc), show(entry))

    check()
    assert sum(seen.values()) >= 4000 and seen["accepted"] > 0 and seen["rejected"] > 0, seen


def test_cli_values_through_the_cli_entry_point(tmp_path: Path) -> None:
    """`loadcell inspect` with generated flags, in this process: exit 0, or a refusal naming a flag:
    255 for a flag value k6 cannot parse (`-u abc`, `-d 10x`, `-s 10x:5`: k6 1.1.0 exits 255 for these,
    tests/integration/test_k6_parity_api.py), 104 for an option value it parses but refuses."""
    script = tmp_path / "flags.py"
    script.write_text("options = {}\n\nasync def default(vu):\n    pass\n")
    seen: Counter[str] = Counter()

    @fuzz_settings(25)
    @given(batches(CLI_VALUES))
    def check(cases: list[dict[str, str]]) -> None:
        for values in cases:
            result = cli_outcome(script, values)
            seen[result.verdict] += 1
            assert result.verdict in ("accepted", "rejected"), (result, values)
            if result.verdict == "rejected":
                assert result.code in (104, 255), (result, values)
                named = [CLI_KEYS[flag] for flag in values] + list(values)
                assert any(names_key(result.message, key) for key in named), (result.message, values)

    check()
    assert sum(seen.values()) >= 250 and seen["accepted"] > 0 and seen["rejected"] > 0, seen
