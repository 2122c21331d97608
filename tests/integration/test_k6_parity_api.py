"""k6's script API side by side with the real k6 binary: each pair of scripts runs against the same
local target, and the counts, export keys and values, summary blocks and log lines must agree.

tests/k6_examples/ holds k6's own HTTP examples (redirects, cookies, batch, tagging, html, form
post), each as the k6 script and its loadcell port.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, Result, Server, run_k6, run_loadcell

EXAMPLES = ROOT / "tests" / "k6_examples"


def run_pair(
    tmp_path: Path, js: str, py: str, *args: str, own: tuple[str, ...] = ()
) -> tuple[Result, dict, Result, dict]:
    """Both scripts with the same flags (`own`: loadcell's alone); each side's result and export."""
    (tmp_path / "t.js").write_text(js)
    (tmp_path / "t.py").write_text(py)
    k6 = run_k6("run", "-q", *args, "--summary-export", str(tmp_path / "k6.json"), str(tmp_path / "t.js"))
    export = str(tmp_path / "lc.json")
    lc = run_loadcell(
        "run", "-q", "--no-results", *own, *args, "--summary-export", export, str(tmp_path / "t.py")
    )
    return k6, json.loads((tmp_path / "k6.json").read_text()), lc, json.loads(Path(export).read_text())


def checks_of(group: dict[str, Any], path: str = "") -> dict[str, tuple[int, int]]:
    """Every check of an export's group tree: group path::name -> (passes, fails)."""
    found = {f"{path}::{n}": (c["passes"], c["fails"]) for n, c in group["checks"].items()}
    for name, sub in group["groups"].items():
        found.update(checks_of(sub, f"{path}::{name}"))
    return found


def console_lines(out: str) -> list[str]:
    """The msg of each console line, as written (quoted and escaped as logrus writes it)."""
    return re.findall(r" level=\w+ msg=(.*) source=console$", out, re.MULTILINE)


@pytest.mark.parametrize(
    "example", ["redirects", "cookies", "http_batch", "tagging", "html", "html_form_post"]
)
def test_k6_examples_behave_as_in_k6(tmp_path: Path, target: Server, example: str) -> None:
    base = ["-e", f"BASE={target.url}"]
    k6 = run_k6(
        "run", "-q", *base, "--summary-export", str(tmp_path / "k6.json"), str(EXAMPLES / f"{example}.js")
    )
    lc = run_loadcell(
        "run", "-q", "--no-results", *base, "--summary-export", str(tmp_path / "lc.json"),
        str(EXAMPLES / f"{example}.py"),
    )  # fmt: skip
    assert k6.code == lc.code == 0, (k6.out, lc.out)
    theirs, ours = (json.loads((tmp_path / f"{s}.json").read_text()) for s in ("k6", "lc"))
    assert checks_of(ours["root_group"]) == checks_of(theirs["root_group"])
    assert all(fails == 0 for _, fails in checks_of(ours["root_group"]).values()), lc.out
    assert set(ours["metrics"]) == set(theirs["metrics"])
    assert ours["metrics"]["http_reqs"]["count"] == theirs["metrics"]["http_reqs"]["count"]
    for name, values in theirs["metrics"].items():
        assert ours["metrics"][name].get("thresholds") == values.get("thresholds"), name
    assert console_lines(lc.stderr) == console_lines(k6.stderr)


ABORT_JS = """
import exec from 'k6/execution';
export const options = {
  iterations: 5,
  thresholds: { iteration_duration: ['p(99)<10000', 'p(70)<10000'], checks: ['rate>0.5'] },
};
export default function () {
  console.log('line one\\nline "two"', 'ok');
  console.warn('plain');
  if (exec.scenario.iterationInTest === 0) throw new Error('boom');
  if (exec.scenario.iterationInTest === 2) exec.test.abort('enough');
}
"""

ABORT_PY = """
from loadcell import console, execution
options = {
    "iterations": 5,
    "thresholds": {"iteration_duration": ["p(99)<10000", "p(70)<10000"], "checks": ["rate>0.5"]},
}
def default(vu):
    console.log('line one\\nline "two"', "ok")
    console.warn("plain")
    if execution.scenario.iteration_in_test == 0:
        raise RuntimeError("boom")
    if execution.scenario.iteration_in_test == 2:
        execution.test.abort("enough")
"""


def test_abort_errors_thresholds_and_console_match_k6(tmp_path: Path) -> None:
    k6, theirs, lc, ours = run_pair(tmp_path, ABORT_JS, ABORT_PY)
    assert k6.code == lc.code == 108, (k6.out, lc.out)
    # D2: only k6's keys, though an iteration threw.
    assert set(ours) == set(theirs) == {"root_group", "metrics"}
    # D3: the aborting iteration counts (iterations 0, 1, 2), and nothing is dropped.
    assert ours["metrics"]["iterations"]["count"] == theirs["metrics"]["iterations"]["count"] == 3
    assert set(ours["metrics"]) == set(theirs["metrics"])
    # D1: summaryTrendStats only; the thresholds' p(70) and p(99) show beside them in the text.
    assert set(ours["metrics"]["iteration_duration"]) == set(theirs["metrics"]["iteration_duration"])
    assert "p(99)" not in ours["metrics"]["iteration_duration"]
    for out in (k6.stdout, lc.stdout):
        assert re.search(r"✓ 'p\(70\)<10000' p\(70\)=\d", out), out
        # D8: the checks block at zero, with k6's NaN.
        assert re.search(r"checks_total\.+: 0 +0/s", out), out
        assert re.search(r"checks_succeeded\.+: 0\.00% 0 out of 0", out), out
        assert re.search(r"checks_failed\.+: NaN% +0 out of 0", out), out
    # Console lines: k6's levels, escaping and source; three iterations logged before the abort.
    expected = ['"line one\\nline \\"two\\" ok"', "plain"] * 3
    assert console_lines(lc.stderr) == console_lines(k6.stderr) == expected
    assert lc.stderr.count("level=warning msg=plain source=console") == 3


HANDLE_JS = """
export const options = { iterations: 2, thresholds: { iteration_duration: ['p(99)<10000'] } };
export default function () { throw new Error('counted, not exported'); }
export function handleSummary(data) { return { [__ENV.OUT]: JSON.stringify(data) }; }
"""

HANDLE_PY = """
import json
from loadcell import env
options = {"iterations": 2, "thresholds": {"iteration_duration": ["p(99)<10000"]}}
def default(vu):
    raise RuntimeError("counted, not exported")
def handle_summary(data):
    return {env["OUT"]: json.dumps(data)}
"""


def test_handle_summary_data_has_k6_keys_and_stats(tmp_path: Path) -> None:
    (tmp_path / "t.js").write_text(HANDLE_JS)
    (tmp_path / "t.py").write_text(HANDLE_PY)
    k6 = run_k6("run", "-q", "-e", f"OUT={tmp_path / 'k6.json'}", str(tmp_path / "t.js"))
    lc = run_loadcell(
        "run", "-q", "--no-results", "-e", f"OUT={tmp_path / 'lc.json'}", str(tmp_path / "t.py")
    )
    assert k6.code == lc.code == 0, (k6.out, lc.out)
    theirs, ours = (json.loads((tmp_path / f"{s}.json").read_text()) for s in ("k6", "lc"))
    assert set(ours) == set(theirs)
    duration = ours["metrics"]["iteration_duration"]
    assert set(duration["values"]) == set(theirs["metrics"]["iteration_duration"]["values"])
    assert duration["thresholds"] == theirs["metrics"]["iteration_duration"]["thresholds"]
    assert "counted, not exported" in lc.stderr


HTTP_JS = """
import http from 'k6/http';
import { check, sleep } from 'k6';
export const options = {
  iterations: 2, userAgent: 'same-agent', discardResponseBodies: true,
  thresholds: { 'http_reqs{name:posted}': ['count==2'] },
};
export default function () {
  http.get(`${__ENV.BASE}/bin/redirect/3`);
  const posted = http.post(`${__ENV.BASE}/bin/post`, { a: '1' }, {
    headers: { 'X-Extra': 'yes' }, tags: { name: 'posted' }, timeout: 5000, responseType: 'text',
    redirects: 0, responseCallback: http.expectedStatuses(200),
  });
  check(posted, { 'params headers sent': (r) => r.json().headers['x-extra'] === 'yes' });
  const dropped = http.get(`${__ENV.BASE}/`);
  let threw = false;
  try { dropped.json(); } catch (e) { threw = true; }
  check(dropped, { 'discarded body is null': (r) => r.body === null, 'json() throws': () => threw });
  const set = http.get(`${__ENV.BASE}/bin/cookies/set?a=1`, { redirects: 0 });
  console.log(JSON.stringify(set.cookies));
  console.log(`${set.status_text}|${set.remote_ip}|${set.remote_port}|${set.request.method}|${set.request.url}`);
  sleep(0.05);
}
"""

HTTP_PY = """
import json
from loadcell import check, console, env, expected_statuses, sleep
options = {
    "iterations": 2, "userAgent": "same-agent", "discardResponseBodies": True,
    "thresholds": {"http_reqs{name:posted}": ["count==2"]},
}
async def default(vu):
    await vu.http.get(env["BASE"] + "/bin/redirect/3")
    posted = await vu.http.post(env["BASE"] + "/bin/post", {"a": "1"}, {
        "headers": {"X-Extra": "yes"}, "tags": {"name": "posted"}, "timeout": 5000, "responseType": "text",
        "redirects": 0, "responseCallback": expected_statuses(200),
    })
    check(posted, {"params headers sent": lambda r: r.json()["headers"]["x-extra"] == "yes"})
    dropped = await vu.http.get(env["BASE"] + "/")
    try:
        dropped.json()
        threw = False
    except ValueError:
        threw = True
    check(dropped, {"discarded body is null": lambda r: r.body is None, "json() throws": lambda _: threw})
    set_ = await vu.http.get(env["BASE"] + "/bin/cookies/set?a=1", params={"redirects": 0})
    console.log(json.dumps(set_.cookies, separators=(",", ":")))
    r = set_.request
    console.log(f"{set_.status_text}|{set_.remote_ip}|{set_.remote_port}|{r['method']}|{r['url']}")
    await sleep(0.05)
"""


def test_requests_params_and_bodies_match_k6_on_the_wire(tmp_path: Path, target: Server) -> None:
    k6, theirs, lc, ours = run_pair(tmp_path, HTTP_JS, HTTP_PY, "-e", f"BASE={target.url}")
    assert k6.code == lc.code == 0, (k6.out, lc.out)
    assert checks_of(ours["root_group"]) == checks_of(theirs["root_group"])
    assert all(fails == 0 for _, fails in checks_of(ours["root_group"]).values()), lc.out
    for name in ("http_reqs", "data_sent"):  # D5: each redirect hop names its Referer, as k6's
        assert ours["metrics"][name]["count"] == theirs["metrics"][name]["count"], name
    assert ours["metrics"]["http_reqs{name:posted}"]["thresholds"] == {"count==2": False}
    assert console_lines(lc.stderr) == console_lines(k6.stderr)
    # A sleep is never shorter than asked, in k6 (500.90 ms for 500) as here.
    assert theirs["metrics"]["iteration_duration"]["min"] >= 50
    assert ours["metrics"]["iteration_duration"]["min"] >= 50


EXEC_JS = """
import exec from 'k6/execution';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } };
export default function () {
  const s = exec.scenario;
  console.log(`scenario ${s.name} ${s.executor} ${exec.test.options.scenarios.s.executor}`);
  console.log(`test ${exec.scenario.iterationInTest}`);
  console.log(`instance ${exec.scenario.iterationInInstance}`);
  console.log(`vu ${exec.vu.idInTest} ${exec.vu.idInInstance} ${exec.vu.iterationInScenario}`);
  console.log(`vus ${exec.instance.vusInitialized}`);
}
"""
EXEC_PY = """
from loadcell import console, execution as exec
options = {"scenarios": {"s": {"executor": "per-vu-iterations", "vus": 2, "iterations": 2}}}
def default(vu):
    s = exec.scenario
    console.log(f"scenario {s.name} {s.executor} {exec.test.options['scenarios']['s']['executor']}")
    console.log(f"test {s.iteration_in_test}")
    console.log(f"instance {s.iteration_in_instance}")
    console.log(f"vu {exec.vu.id_in_test} {exec.vu.id_in_instance} {exec.vu.iteration_in_scenario}")
    console.log(f"vus {exec.instance.vus_initialized}")
"""


def test_execution_api_matches_k6(tmp_path: Path) -> None:
    # One process, as k6 is one instance (with --workers each worker is an instance of its own).
    k6, _, lc, _ = run_pair(tmp_path, EXEC_JS, EXEC_PY, own=("--workers", "1"))
    assert k6.code == lc.code == 0, (k6.out, lc.out)
    # The VUs interleave differently from run to run: the multiset of lines is what must agree.
    assert sorted(console_lines(lc.stderr)) == sorted(console_lines(k6.stderr))
    assert len(console_lines(lc.stderr)) == 20


@pytest.mark.parametrize("flag", [["-s", "10x:5"], ["-u", "abc"]], ids=str)
def test_a_bad_flag_exits_255_as_k6(tmp_path: Path, flag: list[str]) -> None:
    (tmp_path / "t.js").write_text("export default function () {}\n")
    (tmp_path / "t.py").write_text("def default(vu):\n    pass\n")
    k6 = run_k6("run", "-q", *flag, str(tmp_path / "t.js"))
    lc = run_loadcell("run", "-q", "--no-results", *flag, str(tmp_path / "t.py"))
    assert k6.code == lc.code == 255, (k6.out, lc.out)


def test_a_forgotten_await_is_a_counted_error_naming_the_line(tmp_path: Path, target: Server) -> None:
    (tmp_path / "f.py").write_text(
        "from loadcell import sleep\n"
        "options = {'iterations': 2}\n"
        "async def default(vu):\n"
        "    await sleep(0)\n"
        "    sleep(0.01)\n"
        f"    vu.http.get({target.url!r})\n"
    )
    lc = run_loadcell("run", "-q", "--no-results", str(tmp_path / "f.py"))
    assert lc.code == 0, lc.out
    assert "2× ForgottenAwaitError: sleep() was called without `await` at f.py:5" in lc.stderr
    request = "a request (vu.http.get/post/..., http.batch) was made without `await` at f.py:6"
    assert f"2× ForgottenAwaitError: {request}" in lc.stderr


FULL_JS = """
import http from 'k6/http';
import { check, group } from 'k6';
export const options = {
  scenarios: {
    a: { executor: 'shared-iterations', iterations: 2 },
    b: { executor: 'per-vu-iterations', iterations: 1, exec: 'other' },
  },
  thresholds: { checks: ['rate>0.5'] },
};
export default function () {
  group('g1', () => {
    check(1, { one: () => true });
    group('inner', () => { http.get(__ENV.BASE); });
  });
  check(1, { root: () => true });
}
export function other() { group('g2', () => { http.get(__ENV.BASE); }); }
"""
FULL_PY = """
from loadcell import check, env, group
options = {
    "scenarios": {
        "a": {"executor": "shared-iterations", "iterations": 2},
        "b": {"executor": "per-vu-iterations", "iterations": 1, "exec": "other"},
    },
    "thresholds": {"checks": ["rate>0.5"]},
}
async def default(vu):
    with group("g1"):
        check(1, {"one": lambda _: True})
        with group("inner"):
            await vu.http.get(env["BASE"])
    check(1, {"root": lambda _: True})
async def other(vu):
    with group("g2"):
        await vu.http.get(env["BASE"])
"""


def layout(summary: str) -> list[str]:
    """A summary's lines without their numbers: block titles, metric names with their dots, checks."""
    kept = r"(^\s*\S+?\.*:|^\s*\{ [^}]+ \}\.*:|^\s*[✓✗ ] \S+?\.*:).*"
    return [re.sub(kept, r"\1", line).rstrip() for line in summary.strip("\n").split("\n")]


@pytest.mark.parametrize(
    ("mode", "marker"), [("full", "      ↳ GROUP: inner "), ("legacy", "       █ inner")]
)
def test_full_and_legacy_summaries_have_k6_layout(
    tmp_path: Path, target: Server, mode: str, marker: str
) -> None:
    k6, _, lc, _ = run_pair(tmp_path, FULL_JS, FULL_PY, f"--summary-mode={mode}", "-e", f"BASE={target.url}/")
    assert k6.code == lc.code == 0, (k6.out, lc.out)
    assert layout(lc.stdout) == layout(k6.stdout)
    assert marker in lc.stdout
