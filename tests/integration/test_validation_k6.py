"""Hostile options through the real CLI, side by side with k6 1.1.0's verdict on the same options.

Each case is written twice, as a k6 script and as a loadcell script with the same `options`; both
tools' `inspect` must agree: 0 for an accepted config, 104 for a refused one (k6 checks the
execution config only with --execution-requirements). loadcell's side goes through its CLI entry
point in this process, which keeps the comparison fast; `run` goes through a real process below.
The cases are drawn from what the property-based tests generate (tests/support/option_cases.py),
limited to values a JS script can spell too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_k6, run_loadcell, write_script
from tests.support.option_cases import cli_outcome


def _scenario(**fields: object) -> dict:
    return {"scenarios": {"s": {"executor": "constant-vus", "duration": "2s", **fields}}}


def _threshold(entry: object) -> dict:
    return {"thresholds": {"http_req_duration": [entry]}}


CASES = {
    "infinite duration": ({"duration": "9" * 400 + "s"}, 104),
    "executor is an object": ({"scenarios": {"s": {"executor": {}, "duration": "2s"}}}, 104),
    "vus is false": ({"vus": False, "duration": "2s"}, 104),
    "vus past int64": ({"vus": 2**63, "duration": "2s"}, 104),
    "negative setupTimeout": ({"setupTimeout": -1}, 104),
    "scenario name with a newline": (
        {"scenarios": {"a\n": {"executor": "constant-vus", "duration": "2s"}}},
        104,
    ),
    "huge stage target": ({"stages": [{"duration": "10s", "target": 10**12}]}, 104),
    "p(N)": (_threshold("p(N)<250"), 104),
    "abortOnFail is a string": (_threshold({"threshold": "p(95)<250", "abortOnFail": "false"}), 104),
    "delayAbortEval is a list": (_threshold({"threshold": "p(95)<250", "delayAbortEval": [1]}), 104),
    "hex right-hand side": (_threshold("avg<0x10"), 104),
    "noSetup is a string": ({"noSetup": "false"}, 104),
    "gracefulStop is null": (_scenario(gracefulStop=None), 0),
    "vus as a numeric string": ({"vus": "2", "duration": "2s"}, 0),
    "exponent right-hand side": (_threshold("avg<1e3"), 0),
    "delayAbortEval in milliseconds": (_threshold({"threshold": "p(95)<250", "delayAbortEval": 1000}), 0),
}


@pytest.mark.parametrize(("options", "code"), list(CASES.values()), ids=list(CASES))
def test_inspect_gives_k6s_verdict(tmp_path: Path, options: dict, code: int) -> None:
    text = json.dumps(options)
    (tmp_path / "t.js").write_text(f"export const options = {text};\nexport default function () {{}}\n")
    script = write_script(
        tmp_path, f"import json\noptions = json.loads({text!r})\n\nasync def default(vu):\n    pass\n"
    )
    k6 = run_k6("inspect", "--execution-requirements", str(tmp_path / "t.js"))
    lc = cli_outcome(script, {})
    assert k6.code == code, k6.out
    assert (lc.verdict, lc.code) == ("accepted" if code == 0 else "rejected", code), lc.message
    if code:
        assert "level=error" in lc.message


def test_the_huge_stage_target_message_is_k6s(tmp_path: Path) -> None:
    script = write_script(
        tmp_path,
        'options = {"stages": [{"duration": "10s", "target": 10**12}]}\n\nasync def default(vu):\n    pass\n',
    )
    res = run_loadcell("run", str(script))
    assert res.code == 104 and "target for stage 1 exceeds max limit of 100000000" in res.stderr


def test_a_malformed_percentile_fails_run_before_any_load(tmp_path: Path) -> None:
    """It passed validation, ran the whole test, then crashed with no summary (exit 1)."""
    script = write_script(
        tmp_path,
        'options = {"vus": 1, "duration": "30s", "thresholds": {"http_req_duration": ["p(N)<250"]}}\n\n'
        "async def default(vu):\n    pass\n",
    )
    res = run_loadcell("run", str(script))
    assert res.code == 104, res.out
    assert 'failed parsing threshold expression\'s \\"p(N)<250\\" left hand side' in res.stderr
    assert "malformed percentile value" in res.stderr
    assert "max duration" not in res.stdout  # refused before the header, let alone the load
