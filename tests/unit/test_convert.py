"""`loadcell convert`: the k6 -> loadcell mappings, and every unsupported construct flagged, not dropped."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from loadcell.cli.main import cli
from loadcell.convert.files import convert_source
from loadcell.convert.program import ModuleInfo
from loadcell.convert.report import Report
from loadcell.errors import ScriptError
from tests.conftest import ROOT, run_loadcell

EVERYTHING = ROOT / "tests" / "convert" / "unsupported" / "everything.js"
HEAD = (
    "import http from 'k6/http';\nimport encoding from 'k6/encoding';\n"
    "import { check, group, sleep, fail } from 'k6';\n"
)


def no_helpers(spec: str) -> ModuleInfo:
    raise AssertionError(f"unexpected local import {spec}")


def convert(js: str) -> tuple[str, Report]:
    report = Report()
    code, _ = convert_source(HEAD + js, "t.js", report, no_helpers)
    return code, report


def in_default(body: str) -> str:
    code, report = convert(f"export default function () {{\n{body}\n}}\n")
    assert report.flagged == 0, report.summary()
    return code


@pytest.mark.parametrize(
    ("js", "python"),
    [
        ("http.get('http://h/', { timeout: 1500 });", "await vu.http.get('http://h/', timeout=1.5)"),
        ("http.get('http://h/', { timeout: '2s' });", "timeout='2s'"),
        ("http.get('http://h/', { responseType: 'none' });", "response_type='none'"),
        ("http.get('http://h/', { redirects: 0 });", "redirects=0"),
        (
            "http.get('http://h/', { responseCallback: http.expectedStatuses(200, { min: 400, max: 4 }) });",
            "expected_statuses=expected_statuses(200, {'min': 400, 'max': 4})",
        ),
        (
            "http.post('http://h/', JSON.stringify({ a: 1 }));",
            "await vu.http.post('http://h/', json={'a': 1})",
        ),
        ("http.del(`http://h/${__VU}`);", 'await vu.http.delete(f"http://h/{vu.id}")'),
        ("const a = `it ${__ITER} of ${__ENV.N}`;", "a = f\"it {vu.iteration} of {env.get('N')}\""),
        ('const q = `a\n"b" ${x}`;', 'q = f"""a\n"b" {x}"""'),
        ("const b = 'id-' + __VU + '-x';", 'b = f"id-{vu.id}-x"'),
        ("const c = __ENV.HOST ?? 'h';", "c = env.get('HOST', 'h')"),
        ("const d = JSON.parse('{}');", "d = json.loads('{}')"),
        ("const e = Math.floor(Math.random() * 10);", "e = math.floor(random.random() * 10)"),
        ("const f = Date.now();", "f = int(time.time() * 1000)"),
        ("const g = { ...{ a: 1 }, b: 2 };", "g = {**{'a': 1}, 'b': 2}"),
        ("const h = [1, 2].map((x) => x * 2);", "h = [x * 2 for x in [1, 2]]"),
        ("const i = [1, 2].filter((x) => x > 1);", "i = [x for x in [1, 2] if x > 1]"),
        ("[1, 2].forEach((x, n) => { sleep(x); });", "for n, x in enumerate([1, 2]):"),
        ("for (let i = 1; i <= 3; i++) { sleep(i); }", "for i in range(1, 3 + 1):"),
        (
            "for (let i = 0; i < 9; i++) { i += 2; }",
            "i = 0\n    while i < 9:\n        i += 2\n        i += 1",
        ),
        (
            "for (const [k, v] of Object.entries({ a: 1 })) { sleep(v); }",
            "for k, v in list({'a': 1}.items()):",
        ),
        ("const j = x === null ? 1 : 2;", "j = 1 if x is None else 2"),
        ("if (!ok && n !== 2) { fail('no'); }", "if not ok and n != 2:"),
        ("console.warn('slow', 3);", "log.warning('%s %s', 'slow', 3)"),
        ("const r = http.get('http://h/'); const l = r.body.length;", "l = len(r.text)"),
        ("const r = http.get('http://h/'); const w = r.timings.waiting;", "w = r.timings.waiting"),
        (
            "const r = http.get('http://h/'); const k = r.json().items[0].id;",
            "k = r.json()['items'][0]['id']",
        ),
        ("group('g', () => { sleep(1); });", "with group('g'):\n        await sleep(1)"),
        (
            "check(1, { 'one': (v) => v === 1 }, { t: 'x' });",
            "check(1, {'one': lambda v: v == 1}, {'t': 'x'})",
        ),
        ("try { fail('x'); } catch (err) { console.error(err); }", "except Exception as err:"),
        ("throw new Error('stop');", "raise RuntimeError('stop')"),
        (
            "const s = 'A-b'.toLowerCase().split('-').join('+');",
            "s = '+'.join(map(str, 'A-b'.lower().split('-')))",
        ),
        ("const u = 'abc'.includes('b');", "u = 'b' in 'abc'"),
        (
            "http.setResponseCallback(http.expectedStatuses(200, 404));",
            "vu.http.expected = expected_statuses(200, 404)",
        ),
        ("const v = (1.2345).toFixed(2);", "v = format(1.2345, '.2f')"),
        ("const w = group('g', () => { return sleep(1); });", "with group('g'):\n        w = await sleep(1)"),
        ("function step() { sleep(1); }\ngroup('g', step);", "with group('g'):\n        await step()"),
        ("const b64 = encoding.b64encode('u:p');", "b64 = base64.b64encode('u:p'.encode()).decode()"),
        (
            "const raw = encoding.b64decode(t, 'rawurl', 's');",
            'base64.urlsafe_b64decode(t + "=" * (-len(t) % 4)).decode()',
        ),
    ],
)
def test_mapping(js: str, python: str) -> None:
    assert python in in_default(js)


def test_vu_functions_helpers_and_lifecycle() -> None:
    code, report = convert(
        "import exec from 'k6/execution';\n"
        "export const options = { scenarios: { s: { executor: 'shared-iterations', exec: 'doWork' } } };\n"
        "function slowHelper(n) { sleep(n); return n; }\n"
        "export function setup() { return { n: 1 }; }\n"
        "export function doWork(data) { slowHelper(data.n); exec.test.abort('done'); }\n"
        "export function teardown(data) { console.log(data.n); }\n"
        "export function handleSummary(data) { return { 'out.json': JSON.stringify(data) }; }\n"
    )
    assert report.flagged == 0, report.summary()
    assert "'exec': 'do_work'" in code  # the scenario's exec follows the function's new name
    assert "async def slow_helper(n):\n    await sleep(n)" in code  # async because it sleeps
    assert "async def do_work(vu):\n    await slow_helper(vu.data['n'])\n    abort('done')" in code
    assert "def setup():" in code and "async def setup" not in code
    assert "def teardown(data):" in code
    assert "def handle_summary(data):" in code


@pytest.mark.parametrize(
    ("js", "expected"),
    [
        (
            "const params = { timeout: 500, responseType: 'text' };\n"
            "function main() { http.get('http://h/', params); }\nexport default main;\n",
            [
                "params = {'timeout': 0.5, 'response_type': 'text'}",
                "async def main(vu):\n    await vu.http.get('http://h/', **params)",
                "default = main",
            ],
        ),
        (
            "let started = Date.now();\nexport default function () { started = 0; }\n",
            ["if 'started' not in vu.store:\n        vu.store['started'] = int(time.time() * 1000)"],
        ),
        (
            "let hits = 0;\nexport default function () { hits += 1; }\n",
            ["vu.store['hits'] += 1", "vu.store.setdefault('hits', 0)", "# `hits` is per-VU state in k6"],
        ),
    ],
    ids=["params-variable-and-named-default", "computed-module-state", "module-state-in-vu-store"],
)
def test_whole_script_mapping(js: str, expected: list[str]) -> None:
    code, report = convert(js)
    assert report.flagged == 0, report.summary()
    for line in expected:
        assert line in code


def test_faker_providers_map_and_others_are_flagged() -> None:
    code, report = convert(
        "import { faker } from '@faker-js/faker';\nexport default function () {\n"
        "  const p = { n: faker.person.firstName(), w: faker.lorem.words(3) };\n"
        "  const f = faker.number.float({ min: 1, max: 2 });\n"
        "  const q = faker.music.genre();\n}\n"
    )
    assert "fake.first_name()" in code and '" ".join(fake.words(3))' in code
    assert "fake.pyfloat(min_value=1, max_value=2)" in code
    assert "# TODO(convert): faker provider faker.music.genre() (no Python Faker mapping)" in code
    assert [f.line for f in report.flags] == [8]


def test_converted_parts_that_differ_from_k6_are_flagged_for_review() -> None:
    code, report = convert(
        "import exec from 'k6/execution';\n"
        "import { textSummary } from 'https://jslib.k6.io/k6-summary/0.0.2/index.js';\n"
        "export default function () { console.log(exec.vu.idInInstance); }\n"
        "export function handleSummary(data) { return { stdout: textSummary(data, { indent: ' ' }) }; }\n"
    )
    assert (report.flagged, report.unsupported) == (2, 0)
    assert "# TODO(convert): exec.vu.idInInstance is read test-wide" in code
    assert "log.info(vu.id)" in code  # converted all the same
    assert "# TODO(convert): textSummary()'s options" in code
    assert "return {'stdout': render_summary(data)}" in code
    assert "(converted; review it)" in report.summary()


def test_a_syntax_error_names_its_line() -> None:
    with pytest.raises(ScriptError, match=r"t.js:5:\d+: JavaScript syntax error"):
        convert("export default function () {\n  const = 1;\n}\n")


# -- every unsupported construct, each kept as a comment under its TODO(convert) line ------------

UNSUPPORTED = [
    ("import ws from 'k6/ws';", "import of module 'k6/ws' (no loadcell counterpart)"),
    ("import { parseHTML } from 'k6/html';", "import of module 'k6/html' (no loadcell counterpart)"),
    ("import { randomString }", "'randomString' of 'https://jslib.k6.io/k6-utils/1.4.0/index.js'"),
    ("class Client {}", "class declaration"),
    ("eval('1 + 1');", "eval()"),
    ("'abc'.replace(/b/g, 'x')", "regular expression literal"),
    ("swapped?.length", "optional chaining (?.)"),
    ("outer: for", "labeled statement"),
    ("faker.commerce.productName()", "faker provider faker.commerce.productName()"),
    ("{ cookies: { a: 'b' } }", "http params key 'cookies'"),
    ("const now = new Date();", "new Date()"),
    ("typeof now", "the typeof operator"),
    ("this.x = 1;", "`this`"),
    ("bits >>>= 1;", "the >>>= operator"),
    ("switch (bits)", "switch case that falls through"),
    (".html();", "method .html()"),
    (".reduce(", "method .reduce()"),
    ("const { a = 1 }", "destructuring pattern 'a = 1'"),
    ("const y = bits++;", "++/-- inside an expression"),
    ("group('early'", "return from inside a group() callback before its end"),
    ("{ timeout: bits }", "http timeout given by an expression"),
    ("http.cookieJar()", "http.cookieJar()"),
    (").cookies;", "response property .cookies"),
    ("Promise.all([])", "Promise.all()"),
    ("ws.connect(", "ws.connect() from module 'k6/ws'"),
]


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], Report]:
    report = Report()
    code, _ = convert_source(EVERYTHING.read_text(), str(EVERYTHING), report, no_helpers)
    return code.splitlines(), report


@pytest.mark.parametrize(("js", "construct"), UNSUPPORTED, ids=[c for _, c in UNSUPPORTED])
def test_unsupported_construct_is_flagged_and_kept(
    everything: tuple[list[str], Report], js: str, construct: str
) -> None:
    lines, report = everything
    todo = [i for i, line in enumerate(lines) if line.strip().startswith(f"# TODO(convert): {construct}")]
    assert len(todo) == 1, construct
    assert js in lines[todo[0] + 1], lines[todo[0] : todo[0] + 2]  # the JavaScript follows, commented
    assert lines[todo[0] + 1].lstrip().startswith("# ")
    flag = next(f for f in report.flags if f.construct.startswith(construct))
    assert flag.unsupported
    assert js in EVERYTHING.read_text().splitlines()[flag.line - 1]


def test_every_construct_of_the_fixture_is_covered(everything: tuple[list[str], Report]) -> None:
    _, report = everything
    assert report.flagged == report.unsupported == len(UNSUPPORTED)


def test_partial_conversion_exits_107_unless_allowed(tmp_path: Path) -> None:
    js = tmp_path / "everything.js"
    shutil.copy(EVERYTHING, js)
    refused = CliRunner().invoke(cli, ["convert", str(js)])
    assert refused.exit_code == 107, refused.output
    assert "pass --allow-partial" in refused.stderr
    assert f"flagged: {len(UNSUPPORTED)}, unsupported: {len(UNSUPPORTED)}" in refused.stdout
    allowed = CliRunner().invoke(cli, ["convert", str(js), "-o", str(tmp_path / "out.py"), "--allow-partial"])
    assert allowed.exit_code == 0, allowed.output
    inspected = run_loadcell("inspect", str(tmp_path / "out.py"))  # the partial output still loads
    assert inspected.code == 0, inspected.out
