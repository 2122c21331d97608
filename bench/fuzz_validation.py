"""Count how the validation path fares on hostile input: accepted, rejected (104, naming the key),
crashed (a traceback) or hung. The same strategies as tests/unit/test_validation_fuzz.py, many more
examples, and no stop at the first failure, so a checkout's defects are counted, not just found:

    python bench/fuzz_validation.py                 # 4,000 single-fault + 4,000 free-form
                                                    # + 2,000 CLI cases, in this process
    python bench/fuzz_validation.py --cases 500     # per strategy (the CLI gets half)
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's tests.support
from tests.support.option_cases import (
    BATCH,
    CLI_VALUES,
    Case,
    Outcome,
    batches,
    cli_outcome,
    free_form,
    fuzz_settings,
    names_key,
    outcome,
    single_fault,
)


def _show(value: Any) -> str:
    try:
        return repr(value)[:200]
    except ValueError:  # an int of more than 4,300 digits
        return "<a value with an int of 4,300+ digits>"


class Tally:
    def __init__(self) -> None:
        self.verdicts: Counter[str] = Counter()
        self.defects: Counter[str] = Counter()
        self.samples: dict[str, str] = {}

    def add(self, result: Outcome, key: str | None, shown: Any) -> None:
        self.verdicts[result.verdict] += 1
        kind = ""
        if result.verdict in ("crashed", "hung"):
            kind = f"{result.verdict}: {result.message.splitlines()[0][:90]}"
        elif result.verdict == "rejected" and result.code != 104:
            kind = f"rejected with {result.code}"
        elif result.verdict == "rejected" and key is not None and not names_key(result.message, key):
            kind = f"message does not name {key!r}"
        if kind:
            self.defects[kind.split(":")[0] if kind.startswith("message") else kind] += 1
            self.samples.setdefault(kind, _show(shown))

    def print(self, title: str) -> None:
        total = sum(self.verdicts.values())
        print(f"{title}: {total} cases, " + ", ".join(f"{k} {v}" for k, v in sorted(self.verdicts.items())))
        for kind, count in self.defects.most_common(15):
            print(f"    {count:6d}  {kind}")
        for kind, shown in list(self.samples.items())[:12]:
            print(f"      e.g. {kind[:80]} <- {shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=4000, help="cases per strategy")
    args = parser.parse_args()
    logging.getLogger("loadcell").disabled = True
    run = fuzz_settings(args.cases // BATCH)
    faults, free, cli = Tally(), Tally(), Tally()

    @run
    @given(batches(single_fault()))
    def one_fault(cases: list[Case]) -> None:
        for case in cases:
            faults.add(outcome(case.options), case.key, case.options)

    @run
    @given(batches(free_form()))
    def any_mix(cases: list[dict[str, Any]]) -> None:
        for options in cases:
            free.add(outcome(options), None, options)

    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "fuzz_cli.py"
        script.write_text("options = {}\n\nasync def default(vu):\n    pass\n")

        @settings(run, max_examples=args.cases // BATCH // 2)
        @given(batches(CLI_VALUES))
        def flags(cases: list[dict[str, str]]) -> None:
            for values in cases:
                cli.add(cli_outcome(script, values), None, values)

        one_fault()
        any_mix()
        flags()
    faults.print("single fault (options)")
    free.print("free form (options)")
    cli.print("CLI flags (loadcell inspect)")
    total = sum(sum(t.verdicts.values()) for t in (faults, free, cli))
    bad = sum(t.verdicts["crashed"] + t.verdicts["hung"] for t in (faults, free, cli))
    print(f"total: {total} cases, {bad} crashed or hung")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
