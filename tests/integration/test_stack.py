"""The results stack (docker-compose.yml, Grafana provisioning, dashboards, alert rules), checked without
Docker or Grafana: the compose file against the Compose specification's JSON schema, the files' structure
and secrets hygiene, every dashboard query run against a real influxd holding a real loadcell run (raw and
aggregated outputs) with Grafana's macros and variables rendered the way Grafana renders them, and every
alert rule evaluated (its queries against the real influxd, then Grafana's reduce/threshold/math steps)
on a passing and a failing run."""

from __future__ import annotations

import importlib.resources
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import ROOT, Server, run_loadcell, write_script
from tests.integration.influx_fixtures import Influxd, influxd  # noqa: F401
from tests.support.compose_env import MissingVariable, interpolate

DEPLOY = ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((DEPLOY / "dashboards").glob("*.json"))
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DATASOURCE = yaml.safe_load((DEPLOY / "provisioning" / "datasources" / "influxdb.yaml").read_text())[
    "datasources"
][0]
PROVIDER = yaml.safe_load((DEPLOY / "provisioning" / "dashboards" / "loadcell.yaml").read_text())[
    "providers"
][0]
ENV_EXAMPLE = dict(
    line.split("=", 1)
    for line in (ROOT / ".env.example").read_text().splitlines()
    if line.strip() and not line.lstrip().startswith("#")
)
ALERTING_FILE = DEPLOY / "provisioning" / "alerting" / "loadcell.yaml"
ALERTING = yaml.safe_load(ALERTING_FILE.read_text())
RULES = [r for group in ALERTING["groups"] for r in group["rules"]]
ANGULAR = {"graph", "singlestat", "table-old"}
DB = "K6"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def panels(dash: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dash["panels"]:
        yield panel
        yield from panel.get("panels", [])


def targets(dash: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for panel in panels(dash):
        for t in panel.get("targets", []):
            yield panel, t


# --- the compose file and provisioning ------------------------------------------------------------------


def test_compose_file_validates_against_the_compose_specification() -> None:
    """The schema of the Compose specification, as check-jsonschema vendors it (its `vendor.compose-spec`)."""
    vendored = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(vendored.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(COMPOSE)]
    assert not errors, errors
    # ... and the schema is strict enough to catch a misspelt key.
    broken = {
        **COMPOSE,
        "services": {**COMPOSE["services"], "grafana": {**COMPOSE["services"]["grafana"], "volume": []}},
    }
    assert not validator.is_valid(broken)


def test_compose_file_with_a_filled_in_env_example_resolves_and_still_validates() -> None:
    """As docker compose reads it with .env: every variable resolves, each service gets its own account."""
    env = {k: (f"secret-{k.lower()}" if v == "change-me" else v) for k, v in ENV_EXAMPLE.items()}
    vendored = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(vendored.read_text())
    resolved = interpolate(COMPOSE, env)
    jsonschema.validators.validator_for(schema)(schema).validate(resolved)
    services = resolved["services"]
    assert (
        services["loadcell"]["environment"]["LOADCELL_INFLUXDB_PASSWORD"]
        == env["INFLUXDB_WRITE_USER_PASSWORD"]
    )
    assert (
        services["grafana"]["environment"]["INFLUXDB_READ_USER_PASSWORD"]
        == env["INFLUXDB_READ_USER_PASSWORD"]
    )
    assert services["influxdb"]["environment"]["INFLUXDB_ADMIN_PASSWORD"] == env["INFLUXDB_ADMIN_PASSWORD"]
    for name in ("grafana", "loadcell"):
        assert env["INFLUXDB_ADMIN_PASSWORD"] not in json.dumps(services[name]), (
            f"{name} holds the admin's password"
        )
    assert services["grafana"]["environment"]["ALERT_WEBHOOK_URL"] == "http://127.0.0.1:9/"  # none set
    webhook = "https://hooks.example/alerts"
    resolved = interpolate(COMPOSE, {**env, "ALERT_WEBHOOK_URL": webhook})
    assert resolved["services"]["grafana"]["environment"]["ALERT_WEBHOOK_URL"] == webhook
    assert (
        resolved["services"]["grafana"]["user"] == "472:472"
        and resolved["services"]["loadcell"]["user"] == "1000:1000"
    )
    with pytest.raises(MissingVariable, match=r"set INFLUXDB_WRITE_USER in \.env"):
        interpolate(COMPOSE, {k: v for k, v in env.items() if k != "INFLUXDB_WRITE_USER"})


def test_the_runner_service_builds_loadcell_and_writes_to_the_stacks_influxdb_as_the_write_user() -> None:
    runner, influxdb = COMPOSE["services"]["loadcell"], COMPOSE["services"]["influxdb"]
    assert runner["profiles"] == [
        "runner"
    ]  # `docker compose up` leaves it out; `docker compose run` starts it
    assert runner["build"]["context"] == "." and (ROOT / runner["build"]["dockerfile"]).is_file()
    dockerfile = (ROOT / runner["build"]["dockerfile"]).read_text()
    assert 'ENTRYPOINT ["loadcell"]' in dockerfile  # so `docker compose run --rm loadcell run SCRIPT` works
    uid = re.search(r"useradd --uid (\d+)", dockerfile).group(1)
    assert runner["user"] == f"${{LOADCELL_USER:-{uid}:{uid}}}"
    env = runner["environment"]
    assert env["K6_OUT"] == "influxdb=http://influxdb:8086/${INFLUXDB_DB:-K6}"
    assert env["LOADCELL_INFLUXDB_USERNAME"].startswith("${INFLUXDB_WRITE_USER:?")
    assert env["LOADCELL_INFLUXDB_PASSWORD"].startswith("${INFLUXDB_WRITE_USER_PASSWORD:?")
    assert "ADMIN" not in json.dumps(runner), "the runner never gets the admin's credentials"
    assert runner["depends_on"]["influxdb"]["condition"] == "service_healthy" and "healthcheck" in influxdb
    mounts = dict(v.split(":")[:2] for v in runner["volumes"])
    assert mounts["./results"] == f"{runner['working_dir']}/results"
    assert mounts["./tests"] == f"{runner['working_dir']}/tests"
    assert (ROOT / "tests" / "performance" / "crud.py").is_file()
    assert runner["read_only"] is True and runner["tmpfs"] == ["/tmp"] and runner["cap_drop"] == ["ALL"]
    # One network for every service, named so that containers of other projects can join it.
    assert COMPOSE["networks"]["default"]["name"] == "loadcell"
    assert all("networks" not in svc for svc in COMPOSE["services"].values())


def test_grafana_reads_with_the_read_user_only() -> None:
    assert DATASOURCE["user"] == "$INFLUXDB_READ_USER"
    assert DATASOURCE["secureJsonData"]["password"] == "$INFLUXDB_READ_USER_PASSWORD"
    grafana = COMPOSE["services"]["grafana"]["environment"]
    assert not [k for k in grafana if k.startswith(("INFLUXDB_ADMIN", "INFLUXDB_WRITE"))]


def test_compose_runs_influxdb_18_and_grafana_with_data_and_logs_on_the_host() -> None:
    services = {k: v for k, v in COMPOSE["services"].items() if k != "loadcell"}
    assert services["influxdb"]["image"].startswith("influxdb:1.8")
    assert services["grafana"]["image"].startswith("grafana/grafana:")
    mounts = {s: [v.split(":")[0] for v in services[s]["volumes"]] for s in services}
    assert "./data/influxdb" in mounts["influxdb"] and "./log/influxdb" in mounts["influxdb"]
    assert "./data/grafana" in mounts["grafana"] and "./log/grafana" in mounts["grafana"]
    for service in services.values():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{port}: publish on loopback only"
    # The influxdb image creates the admin user only when HTTP auth is on.
    assert services["influxdb"]["environment"]["INFLUXDB_HTTP_AUTH_ENABLED"] == "true"
    assert services["influxdb"]["environment"]["INFLUXDB_DB"].endswith(f":-{DB}}}")


def test_compose_takes_every_secret_from_the_environment() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    referenced = set(re.findall(r"\$\{(\w+)", text))
    assert referenced <= set(ENV_EXAMPLE), f"not in .env.example: {referenced - set(ENV_EXAMPLE)}"
    for service in COMPOSE["services"].values():
        for key, value in service.get("environment", {}).items():
            if "PASSWORD" in key:
                assert str(value).startswith("${"), f"{key} must come from .env, not the compose file"
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    for key, value in ENV_EXAMPLE.items():
        if "PASSWORD" in key and not value.startswith("${"):
            assert value == "change-me", f"{key}: a placeholder, never a real secret"


def test_provisioning_points_grafana_at_the_compose_influxdb_and_the_mounted_dashboards() -> None:
    grafana = COMPOSE["services"]["grafana"]
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"])
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    assert (DEPLOY / "provisioning" / "dashboards").is_dir()
    assert PROVIDER["options"]["path"] == mounts["./deploy/grafana/dashboards"]
    assert grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"].startswith(
        PROVIDER["options"]["path"]
    )
    assert DATASOURCE["type"] == "influxdb" and DATASOURCE["url"] == "http://influxdb:8086"
    assert "influxdb" in COMPOSE["services"]
    # Grafana interpolates $VARS in provisioning files from its own environment.
    for ref in re.findall(
        r"\$(\w+)", (DEPLOY / "provisioning" / "datasources" / "influxdb.yaml").read_text()
    ):
        assert ref in grafana["environment"], f"${ref} is not in the grafana service's environment"


# --- the dashboards' JSON ----------------------------------------------------------------------------------


def test_dashboard_files_are_the_generators_output() -> None:
    proc = subprocess.run(
        [sys.executable, str(DEPLOY / "build_dashboards.py"), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_dashboard_json_model_is_one_grafana_provisions(path: Path) -> None:
    dash = load(path)
    assert dash["id"] is None and dash["title"] and 0 < len(dash["uid"]) <= 40
    assert dash["schemaVersion"] >= 36
    ids = [p["id"] for p in panels(dash)]
    assert len(ids) == len(set(ids)), "duplicate panel ids"
    for panel in panels(dash):
        assert panel["type"] not in ANGULAR, f"{panel['title']}: Angular panel type {panel['type']}"
        pos = panel["gridPos"]
        assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24, f"{panel['title']}: off the 24-column grid"
        refs = [t["refId"] for t in panel.get("targets", [])]
        assert len(refs) == len(set(refs)), f"{panel['title']}: duplicate refIds"
    for panel, t in targets(dash):
        assert t["datasource"]["uid"] == DATASOURCE["uid"], panel["title"]
        assert panel["datasource"]["uid"] == DATASOURCE["uid"], panel["title"]
        assert "$timeFilter" in t["query"], (
            f"{panel['title']}: no $timeFilter, Grafana's time range is ignored"
        )
    titles = [d["title"] for d in map(load, DASHBOARDS)]
    uids = [d["uid"] for d in map(load, DASHBOARDS)]
    assert len(set(titles)) == len(titles) and len(set(uids)) == len(uids)


# --- every query against a real influxd with a real run -------------------------------------------------

SCRIPT = """
from loadcell import check, env, group, sleep

# Longer than a second: vus/vus_max are sampled once a second, as in k6.
options = {"vus": 3, "duration": "2s"}


async def default(vu):
    async with group("api"):
        r = await vu.http.get(env["BASE_URL"] + "/ping", tags={"name": "ping"})
        check(r, {"status is 200": lambda r: r.status == 200})
        r = await vu.http.get(env["BASE_URL"] + "/status/500", tags={"name": "broken"})
        check(r, {"status is 200": lambda r: r.status == 200})
    await sleep(0.05)
"""


def _regex_escape(value: str) -> str:
    """Grafana's escaping of a variable value inside an InfluxQL /regex/ (including '/')."""
    return re.sub(r"([\\^$*+?.()|{}\[\]/])", r"\\\1", value)


def render(query: str, variables: dict[str, list[str]]) -> str:
    """Grafana's macros with a fixed range, and $var / ${var} as Grafana renders them for InfluxQL."""
    query = query.replace("$timeFilter", "time >= now() - 1h").replace("$__interval_ms", "1000")
    query = query.replace("$__interval", "1s")

    def value(match: re.Match[str]) -> str:
        values = variables[match.group(1) or match.group(2)]
        if match.string[match.start() - 1 : match.start()] != "^":  # not inside /^...$/: the plain value(s)
            return ",".join(values)
        escaped = [_regex_escape(v) for v in values]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"

    return re.sub(r"\$\{(\w+)\}|\$(?!tag_|timeFilter|__)(\w+)", value, query)


@pytest.fixture(scope="module")
def run_data(influxd: Influxd, target: Server, tmp_path_factory: pytest.TempPathFactory) -> str:  # noqa: F811
    """One loadcell run written to database K6 twice: k6's raw layout and the aggregated measurements."""
    script = write_script(tmp_path_factory.mktemp("stack"), SCRIPT)
    res = run_loadcell(
        "run", "-q", str(script), "-e", f"BASE_URL={target.url}",
        "--out", f"influxdb={influxd.url}/{DB}",
        "--out", f"influxdb={influxd.url}/{DB}?mode=aggregated",
        "--tag", "testid=stack-check",
    )  # fmt: skip
    assert res.code == 0, res.out
    return "stack-check"


def variables_for(dash: dict[str, Any], server: Influxd, db: str = DB) -> dict[str, list[str]]:
    """Each variable's options as Grafana lists them: custom ones from their list, query ones by running
    their query (the second column, deduplicated, sorted as the variable says); single-value ones keep the
    first option, Grafana's default."""
    out: dict[str, list[str]] = {}
    for var in dash["templating"]["list"]:
        if var["type"] == "custom":
            out[var["name"]] = var["query"].split(",")
        else:
            series = server.query(render(var["query"], out), db=db)
            values = list(dict.fromkeys(row[1] for s in series for row in s["values"]))
            if var["sort"] in (1, 2):
                values.sort(reverse=var["sort"] == 2)
            assert values, f"variable {var['name']}: {var['query']} found no values"
            out[var["name"]] = values if var.get("multi") else values[:1]
    return out


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_dashboard_query_returns_data_from_a_loadcell_run(
    path: Path,
    run_data: str,
    influxd: Influxd,  # noqa: F811
) -> None:
    dash = load(path)
    variables = variables_for(dash, influxd)
    if "testid" in variables:
        assert variables["testid"] == [run_data]
    checked = 0
    for panel, t in targets(dash):
        # A repeated row shows one panel per value of its variable: run the query once per value.
        repeated = re.search(r"\$\{?Measurement\b", t["query"]) and "Measurement" in variables
        repeat_var = "Measurement" if repeated else None
        for values in [[v] for v in variables[repeat_var]] if repeat_var else [None]:
            scope = {**variables, repeat_var: values} if repeat_var else variables
            query = render(t["query"], scope)
            series = influxd.query(query, db=DB)
            assert series, f"{path.name} / {panel['title']} / {t['refId']}: no data for {query}"
            assert any(row[1:] != [None] * (len(row) - 1) for s in series for row in s["values"]), query
            checked += 1
    assert checked >= 10


def test_render_escapes_like_grafana() -> None:
    q = 'SELECT 1 FROM "m" WHERE "name" =~ /^$name$/ AND $timeFilter GROUP BY time($__interval)'
    assert render(q, {"name": ["/api/a.b", "x"]}) == (
        'SELECT 1 FROM "m" WHERE "name" =~ /^(\\/api\\/a\\.b|x)$/ AND time >= now() - 1h GROUP BY time(1s)'
    )
    assert render("SELECT mean(value) FROM $Measurement WHERE $timeFilter", {"Measurement": ["vus"]}) == (
        "SELECT mean(value) FROM vus WHERE time >= now() - 1h"
    )


def test_a_run_written_only_aggregated_shows_on_every_panel(
    alert_runs: int,
    influxd: Influxd,  # noqa: F811
) -> None:
    """The failing alert run, also written aggregated only to a database of its own, so that no raw point
    helps: every panel of both dashboards has data."""
    assert not {m for m in influxd.measurements("aggonly") if not m.endswith("_agg")}
    for path in DASHBOARDS:
        dash = load(path)
        variables = variables_for(dash, influxd, db="aggonly")
        if "testid" in variables:
            assert variables["testid"] == ["alerts-fail"]
        for panel in panels(dash):
            if not panel.get("targets"):
                continue
            repeat = "Measurement" if any("Measurement" in t["query"] for t in panel["targets"]) else None
            for values in [[v] for v in variables[repeat]] if repeat else [None]:
                scope = {**variables, repeat: values} if repeat else variables
                shown = [
                    t for t in panel["targets"] if influxd.query(render(t["query"], scope), db="aggonly")
                ]
                assert shown, f"{path.name} / {panel['title']} ({values}): no data from an aggregated run"


def test_heatmaps_are_calculated_from_the_points() -> None:
    heatmaps = [p for path in DASHBOARDS for p in panels(load(path)) if p["type"] == "heatmap"]
    assert heatmaps
    for panel in heatmaps:
        assert panel["options"]["calculate"] is True, f"{panel['title']}: raw points draw as one strip"


def test_the_testid_variable_defaults_to_the_newest_run_in_the_time_range(influxd: Influxd) -> None:  # noqa: F811
    """Runs named as loadcell names them (start time first), one outside the range, one aggregated only."""
    now = time.time()

    def testid(ago: float) -> str:
        return time.strftime("%Y%m%d-%H%M%S", time.localtime(now - ago)) + "-crud-0a1b2c"

    def ns(ago: float) -> int:
        return int((now - ago) * 1e9)

    influxd.create_db("runs")
    lines = [
        f"http_reqs,testid={testid(3 * 3600)} value=1 {ns(3 * 3600)}",  # before the range
        f"http_reqs,testid={testid(1800)} value=1 {ns(1800)}",
        f"http_reqs_agg,testid={testid(300)} count=5i,sum=5 {ns(300)}",  # aggregated only, the newest
        f"http_reqs,testid={testid(2400)} value=1 {ns(2400)}",
    ]
    assert influxd.write("runs", "\n".join(lines))[0] == 204
    dash = load(DEPLOY / "dashboards" / "loadcell.json")
    (var,) = [v for v in dash["templating"]["list"] if v["name"] == "testid"]
    series = influxd.query(render(var["query"], {}), db="runs")
    # One string column per series: Grafana takes a series' (legacy) second column, or (backend mode)
    # each frame's first string field, so any other column would add options.
    assert all(len(s["columns"]) == 2 and all(isinstance(r[1], str) for r in s["values"]) for s in series)
    options = sorted(dict.fromkeys(row[1] for s in series for row in s["values"]), reverse=var["sort"] == 2)
    assert options == [testid(300), testid(1800), testid(2400)]  # the first is Grafana's default
    assert var["refresh"] == 2  # re-listed when the time range changes


# --- the alert rules ----------------------------------------------------------------------------------------

PASSING = """
from loadcell import check, env

# Ends with a stage at 0 VUs, as a finished run should: its last `vus` point is 0.
options = {"stages": [{"duration": "1.5s", "target": 3}, {"duration": "0.3s", "target": 0},
                      {"duration": "1.5s", "target": 0}]}


async def default(vu):
    r = await vu.http.get(env["BASE_URL"] + "/ping", tags={"name": "ping"})
    check(r, {"status is 200": lambda r: r.status == 200})
"""
FAILING = """
from loadcell import check, env

options = {"vus": 3, "duration": "2s"}


async def default(vu):
    for path in ("/delay/600", "/status/500"):
        r = await vu.http.get(env["BASE_URL"] + path, tags={"name": path})
        check(r, {"status is 200": lambda r: r.status == 200})
"""


def grafana_interpolate(text: str, env: dict[str, str]) -> str:
    """Grafana's provisioning interpolation of a value: $VAR and ${VAR} from the environment (unknown
    ones empty, as Go's os.ExpandEnv), `$$` a literal `$`."""
    parts = text.split("$$")
    expanded = [
        re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m.group(1) or m.group(2), ""), p) for p in parts
    ]
    return "$".join(expanded)


def grafana_loads(node: Any, env: dict[str, str], key: str = "") -> Any:
    """The alerting file as Grafana 11 reads it: every value interpolated except the queries' and
    expressions' `model`, which it keeps raw (so that macros such as $timeFilter survive)."""
    if key == "model":
        return node
    if isinstance(node, dict):
        return {k: grafana_loads(v, env, k) for k, v in node.items()}
    if isinstance(node, list):
        return [grafana_loads(v, env) for v in node]
    return grafana_interpolate(node, env) if isinstance(node, str) else node


WEBHOOK = "https://hooks.example/loadcell"
LOADED = grafana_loads(ALERTING, {"ALERT_WEBHOOK_URL": WEBHOOK})
LOADED_RULES = [r for group in LOADED["groups"] for r in group["rules"]]


def test_alerting_file_is_the_generators_output() -> None:
    proc = subprocess.run(
        [sys.executable, str(DEPLOY / "build_alerts.py"), "--check"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr


def test_alerting_provisioning_is_one_grafana_loads() -> None:
    # Every $VAR Grafana expands (models aside) is in the grafana service's environment: the webhook URL.
    outside_models = json.dumps({**ALERTING, "groups": []}) + json.dumps(
        [{k: v for k, v in r.items() if k != "data"} for r in RULES]
    )
    env_refs = set(re.findall(r"\$\{?(\w+)", outside_models.replace("$$", "")))
    assert env_refs == {"ALERT_WEBHOOK_URL"}
    assert env_refs <= set(COMPOSE["services"]["grafana"]["environment"])
    (contact,) = LOADED["contactPoints"]
    (receiver,) = contact["receivers"]
    assert receiver["type"] == "webhook" and receiver["settings"]["url"] == WEBHOOK
    (policy,) = LOADED["policies"]
    assert policy["receiver"] == contact["name"] and "testid" in policy["group_by"]
    uids = [r["uid"] for r in LOADED_RULES]
    assert len(uids) == len(set(uids)) and all(0 < len(u) <= 40 for u in uids)
    for group in LOADED["groups"]:
        assert group["folder"] == PROVIDER["folder"] and re.fullmatch(r"\d+[sm]", group["interval"])
    for r in LOADED_RULES:
        assert "{{ $labels.testid }}" in r["annotations"]["summary"], r["annotations"]  # $$ became $
        refs = [d["refId"] for d in r["data"]]
        assert len(refs) == len(set(refs)) and r["condition"] in refs, r["title"]
        assert r["noDataState"] in {"OK", "NoData", "Alerting"} and r["execErrState"] in {
            "OK",
            "Error",
            "Alerting",
        }
        for d in r["data"]:
            model = d["model"]
            assert model["refId"] == d["refId"]
            if d["datasourceUid"] == DATASOURCE["uid"]:
                assert (
                    "$timeFilter" in model["query"]
                    and "$$" not in model["query"]
                    and model["rawQuery"] is True
                )
                assert d["relativeTimeRange"]["from"] > d["relativeTimeRange"]["to"] >= 0
            else:
                assert d["datasourceUid"] == "__expr__" and model["type"] in {"reduce", "threshold", "math"}
                used = re.findall(r"\$(\w+)", model["expression"]) or [model["expression"]]
                assert set(used) <= set(refs[: refs.index(d["refId"])]), f"{r['title']}: {used}"
    titles = " / ".join(r["title"] for r in LOADED_RULES)
    for needed in (
        "http_req_duration p95",
        "http_req_failed above 1%",
        "checks below 100%",
        "stopped sending",
    ):
        assert titles.count(needed) == 2, f"{needed}: once on the raw and once on the aggregated measurements"


def evaluate(rule: dict[str, Any], server: Influxd, at_ms: int) -> dict[str, bool]:
    """A rule's state per run (testid) at `at_ms`: its queries on the real influxd with $timeFilter rendered
    as Grafana renders a relative range, then Grafana's reduce (last, drop non-numbers), threshold and
    math steps, per series."""
    results: dict[str, dict[str, Any]] = {}
    for d in rule["data"]:
        model = d["model"]
        if d["datasourceUid"] == DATASOURCE["uid"]:
            span = d["relativeTimeRange"]
            window = f"time >= {at_ms - span['from'] * 1000}ms and time <= {at_ms - span['to'] * 1000}ms"
            query = model["query"].replace("$timeFilter", window)
            series = server.query(query, db=DB)
            results[d["refId"]] = {s["tags"]["testid"]: [row[1] for row in s["values"]] for s in series}
        elif model["type"] == "reduce":
            source = results[model["expression"]]
            kept = {k: [v for v in values if isinstance(v, (int, float))] for k, values in source.items()}
            results[d["refId"]] = {k: values[-1] for k, values in kept.items() if values}
        elif model["type"] == "threshold":
            (condition,) = model["conditions"]
            op, (bound,) = condition["evaluator"]["type"], condition["evaluator"]["params"]
            compare = {"gt": float.__gt__, "lt": float.__lt__}[op]
            results[d["refId"]] = {
                k: compare(float(v), bound) for k, v in results[model["expression"]].items()
            }
        else:  # math: series matched by their labels, as Grafana does
            expr = model["expression"]
            names = re.findall(r"\$(\w+)", expr)
            keys = set.intersection(*(set(results[n]) for n in names))
            python = expr.replace("&&", " and ").replace("||", " or ")
            results[d["refId"]] = {
                k: bool(eval(re.sub(r"\$(\w+)", lambda m, k=k: repr(results[m.group(1)][k]), python), {}))
                for k in keys
            }
    return {k: bool(v) for k, v in results[rule["condition"]].items()}


@pytest.fixture(scope="module")
def alert_runs(influxd: Influxd, target: Server, tmp_path_factory: pytest.TempPathFactory) -> int:  # noqa: F811
    """A passing and a failing run, at the same time, each written raw and aggregated (the failing one also
    aggregated only, to the database aggonly); their end in ms."""
    folder = tmp_path_factory.mktemp("alerts")

    def run(name: str, body: str, outs: tuple[str, ...]) -> None:
        res = run_loadcell(
            "run", "-q", str(write_script(folder / name, body)), "-e", f"BASE_URL={target.url}",
            "--out", f"influxdb={influxd.url}/{DB}", "--out", f"influxdb={influxd.url}/{DB}?mode=aggregated",
            *outs, "--tag", f"testid=alerts-{name}",
        )  # fmt: skip
        assert res.code == 0, res.out

    for name in ("pass", "fail"):
        (folder / name).mkdir()
    aggonly = ("--out", f"influxdb={influxd.url}/aggonly?mode=aggregated")
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(run, ("pass", "fail"), (PASSING, FAILING), ((), aggonly)))
    return int(time.time() * 1000)


@pytest.mark.parametrize("rule", LOADED_RULES, ids=[r["uid"] for r in LOADED_RULES])
def test_every_alert_rule_fires_on_the_failing_run_and_stays_normal_on_the_passing_one(
    rule: dict[str, Any],
    alert_runs: int,
    influxd: Influxd,  # noqa: F811
) -> None:
    stall = "stalled" in rule["uid"]
    # The stall rule is judged a while after both runs stopped sending; the others right after them.
    at = alert_runs + 90_000 if stall else alert_runs
    state = evaluate(rule, influxd, at)
    assert state.get("alerts-fail") is True, f"{rule['title']}: {state}"
    assert state.get("alerts-pass", False) is False, f"{rule['title']}: {state}"
    if stall:  # while they are sending, neither is stalled
        assert not any(evaluate(rule, influxd, alert_runs - 1000).values())
