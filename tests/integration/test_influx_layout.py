"""--out influxdb writes k6's layout: the same lines for the same samples, the same schema in InfluxDB."""

# ruff: noqa: E501  (k6's captured lines below are kept verbatim)

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from loadcell.errors import InvalidConfigError
from loadcell.metrics import registry as R
from loadcell.metrics.buffer import MetricBatch
from loadcell.metrics.registry import MetricType, Registry, ValueType
from loadcell.metrics.tags import TagSets
from loadcell.output.influxdb import InfluxDBOutput, LineFormatter, go_float, parse_settings
from tests.conftest import Server, run_k6, run_loadcell, write_script
from tests.integration.influx_fixtures import Influxd, influxd  # noqa: F401

# Lines k6 v1.1.0 wrote for basic.js (k6-semantics.md §6.3), timestamps cut off.
K6_LINES = r"""
vus value=2
vus_max value=2
data_sent,scenario=default value=161
data_received,scenario=default value=740
iteration_duration,scenario=default value=203.299563
iterations,scenario=default value=1
http_reqs,expected_response=true,group=::pages,method=GET,name=home,proto=HTTP/1.0,scenario=default,status=200 url="home",value=1
http_req_duration,expected_response=true,group=::pages,method=GET,name=home,proto=HTTP/1.0,scenario=default,status=200 url="home",value=1.285528
http_req_blocked,expected_response=true,group=::pages,method=GET,name=home,proto=HTTP/1.0,scenario=default,status=200 url="home",value=0.236766
http_req_connecting,expected_response=true,group=::pages,method=GET,name=home,proto=HTTP/1.0,scenario=default,status=200 url="home",value=0.163887
http_req_tls_handshaking,expected_response=true,group=::pages,method=GET,name=home,proto=HTTP/1.0,scenario=default,status=200 url="home",value=0
http_req_sending,expected_response=true,group=::pages,method=GET,name=home,proto=HTTP/1.0,scenario=default,status=200 url="home",value=0.043761
http_req_waiting,expected_response=true,group=::pages,method=GET,name=home,proto=HTTP/1.0,scenario=default,status=200 url="home",value=1.000528
http_req_receiving,expected_response=true,group=::pages,method=GET,name=home,proto=HTTP/1.0,scenario=default,status=200 url="home",value=0.241239
http_req_failed,expected_response=true,group=::pages,method=GET,name=home,proto=HTTP/1.0,scenario=default,status=200 url="home",value=0
checks,check=status\ is\ 200,group=::pages,scenario=default value=1
checks,check=body\ has\ hello,group=::pages,scenario=default value=1
my_trend,group=::pages,kind=waiting,scenario=default value=1.000528
group_duration,group=::pages,scenario=default value=1.716086
http_reqs,error_code=1404,expected_response=false,method=GET,name=http://127.0.0.1:18080/missing-2,proto=HTTP/1.0,scenario=default,status=404 url="http://127.0.0.1:18080/missing-2",value=1
data_sent,group=::setup value=0
""".strip().splitlines()
T0 = 1795688033.538836758


class Samples:
    """Builds MetricBatches for a private registry and tag sets."""

    def __init__(self) -> None:
        self.registry = Registry()
        for m in R.REGISTRY.metrics:
            self.registry.get_or_create(m.name, m.type, m.contains)
        self.registry.get_or_create("my_trend", MetricType.TREND, ValueType.TIME)
        self.tagsets = TagSets()

    def tid(self, **tags: str) -> int:
        return self.tagsets.intern_dict(tags)

    def gen(self, *rows: tuple[str, dict[str, str], float]) -> MetricBatch:
        data = [[self.registry.by_name[n].id, self.tid(**tags), T0, v] for n, tags, v in rows]
        return MetricBatch(gen=np.array(data, dtype=np.float64))

    def http(self, tags: dict[str, str], *values: float, t: float = T0) -> MetricBatch:
        return MetricBatch(http=np.array([[self.tid(**tags), t, *values]], dtype=np.float64))

    def output(self, arg: str = "http://127.0.0.1:1/db", **env: str) -> InfluxDBOutput:
        return InfluxDBOutput(arg, self.registry, self.tagsets, env)


def k6_batches(s: Samples) -> list[MetricBatch]:
    home = {
        "expected_response": "true",
        "group": "::pages",
        "method": "GET",
        "name": "home",
        "proto": "HTTP/1.0",
        "scenario": "default",
        "status": "200",
        "url": "home",
    }
    missing = {
        "error_code": "1404",
        "expected_response": "false",
        "method": "GET",
        "name": "http://127.0.0.1:18080/missing-2",
        "proto": "HTTP/1.0",
        "scenario": "default",
        "status": "404",
        "url": "http://127.0.0.1:18080/missing-2",
    }
    default = {"scenario": "default"}
    pages = {"group": "::pages", "scenario": "default"}
    return [
        s.gen(
            ("vus", {}, 2),
            ("vus_max", {}, 2),
            ("data_sent", default, 161),
            ("data_received", default, 740),
            ("iteration_duration", default, 203.299563),
            ("iterations", default, 1),
        ),
        s.http(home, 1.285528, 0.236766, 0.163887, 0, 0.043761, 1.000528, 0.241239, 0),
        s.gen(
            ("checks", {**pages, "check": "status is 200"}, 1),
            ("checks", {**pages, "check": "body has hello"}, 1),
            ("my_trend", {**pages, "kind": "waiting"}, 1.000528),
            ("group_duration", pages, 1.716086),
        ),
        # k6 writes no http_req_failed line when the row has none (NaN); this one has 1 like k6's 404.
        s.http(missing, 0.5, 0, 0, 0, 0.1, 0.3, 0.1, float("nan")),
        s.gen(("data_sent", {"group": "::setup"}, 0)),
    ]


def lines_for(
    out: InfluxDBOutput, s: Samples, batches: list[MetricBatch], test_id: str = "run1"
) -> list[str]:
    fmt = LineFormatter(out.settings, s.registry, s.tagsets, test_id)
    lines: list[str] = []
    for batch in batches:
        lines.extend(fmt.raw_lines(batch)[0])
    return lines


def test_lines_are_k6s_byte_for_byte_without_the_run_tag() -> None:
    s = Samples()
    out = s.output(LOADCELL_INFLUXDB_TESTID_TAG="false")
    lines = lines_for(out, s, k6_batches(s))
    heads = [line.rsplit(" ", 1)[0] for line in lines]
    # The 404 row has no http_req_failed in our fixture and a different duration, so compare it alone.
    expected = [line for line in K6_LINES if "missing-2" not in line]
    ours = [h for h in heads if "missing-2" not in h]
    assert ours == expected
    assert [h for h in heads if h.startswith("http_reqs,error_code")] == [K6_LINES[-2]]
    for line in lines:
        ts = line.rsplit(" ", 1)[1]
        assert ts.isdigit() and len(ts) == 19 and abs(int(ts) - int(T0 * 1e9)) < 2_000, line


def test_run_tag_is_added_in_sorted_place_unless_the_sample_has_one() -> None:
    s = Samples()
    out = s.output()
    lines = [line.rsplit(" ", 1)[0] for line in lines_for(out, s, k6_batches(s), test_id="run1")]
    assert lines[0] == "vus,testid=run1 value=2"
    assert lines[2] == "data_sent,scenario=default,testid=run1 value=161"
    assert lines[6].startswith("http_reqs,expected_response=true,group=::pages,method=GET,name=home,")
    assert ",status=200,testid=run1 url=" in lines[6]
    # k6's second capture: --tag testid=abc123, ?precision=ms, K6_INFLUXDB_TAGS_AS_FIELDS=vu:int,iter:int,url
    s2 = Samples()
    tags = {
        "expected_response": "true",
        "method": "GET",
        "name": "http://127.0.0.1:18080/index.html",
        "scenario": "default",
        "status": "200",
        "testid": "abc123",
        "url": "http://127.0.0.1:18080/index.html",
    }
    out2 = s2.output("http://127.0.0.1:1/k6db?precision=ms", K6_INFLUXDB_TAGS_AS_FIELDS="vu:int,iter:int,url")
    t = 1795687693.8565
    batches = [
        s2.http(tags, 5.545229, 0, 0, 0, 0, 5, 0.5, 0, t=t),
        MetricBatch(
            gen=np.array(
                [[s2.registry.by_name["iterations"].id, s2.tid(scenario="default", testid="abc123"), t, 1]]
            )
        ),
    ]
    lines2 = lines_for(out2, s2, batches, test_id="ours")
    assert lines2[1] == (
        "http_req_duration,expected_response=true,method=GET,name=http://127.0.0.1:18080/index.html,"
        'scenario=default,status=200,testid=abc123 url="http://127.0.0.1:18080/index.html",value=5.545229'
        " 1795687693856"
    )
    assert lines2[-1] == "iterations,scenario=default,testid=abc123 value=1 1795687693856"


def test_escaping_typed_fields_and_non_finite_values() -> None:
    s = Samples()
    out = s.output(LOADCELL_INFLUXDB_TAGS_AS_FIELDS="vu:int,iter:int,flag:bool,ratio:float,url,note")
    tags = {
        "name": "a b,c=d",
        "scenario": "x",
        "url": 'http://h/p?q="1"\\',
        "vu": "7",
        "iter": "x9",
        "flag": "true",
        "ratio": "0.25",
        "note": "",
    }
    batch = s.gen(("my_trend", tags, 1e-7), ("my_trend", tags, float("nan")), ("my_trend", tags, 1e17))
    fmt = LineFormatter(out.settings, s.registry, s.tagsets, "")
    lines, skipped = fmt.raw_lines(batch)
    assert skipped == 1
    head = r"my_trend,name=a\ b\,c\=d,scenario=x flag=true,iter=" + '"x9"' + ",ratio=0.25,"
    assert lines[0].startswith(head + r'url="http://h/p?q=\"1\"\\",value=0.0000001,vu=7i ')
    assert " value=" not in lines[0]
    assert ",value=100000000000000000,vu=7i " in lines[1]
    # the second line is a different sample of the same series at the same time: moved by 1 ns, not lost
    assert int(lines[1].rsplit(" ", 1)[1]) == int(lines[0].rsplit(" ", 1)[1]) + 1


def test_go_float_matches_strconv_f_minus_one() -> None:
    cases = {1.0: "1", 0.0: "0", 203.299563: "203.299563", 1e-5: "0.00001", 1.5e16: "15000000000000000"}
    for value, text in cases.items():
        assert go_float(value) == text
    assert go_float(0.1 + 0.2) == "0.30000000000000004"


def test_settings_precedence_aliases_and_errors() -> None:
    env = {
        "K6_INFLUXDB_PUSH_INTERVAL": "5s",
        "K6_INFLUXDB_CONCURRENT_WRITES": "2",
        "LOADCELL_INFLUXDB_CONCURRENT_WRITES": "3",
        "K6_INFLUXDB_USERNAME": "envuser",
        "LOADCELL_INFLUXDB_BUFFER_POINTS": "1000",
    }
    cfg = parse_settings("http://u:p%40ss@127.0.0.1:8086/mydb?pushInterval=250ms&tagsAsFields=url", env)
    assert cfg.addr == "http://127.0.0.1:8086" and cfg.db == "mydb"
    assert (cfg.username, cfg.password) == ("u", "p@ss")
    assert cfg.push_interval == 0.25 and cfg.concurrent_writes == 3 and cfg.buffer_points == 1000
    assert cfg.tags_as_fields == ["url"]
    assert parse_settings("http://127.0.0.1:8086", {}).db == "K6"
    assert parse_settings("http://127.0.0.1:8086/x?mode=aggregated", {}).mode == "aggregated"
    with pytest.raises(InvalidConfigError, match=r"unknown query parameter: bogus, other"):
        parse_settings("http://127.0.0.1:8086/x?bogus=1&other=2", {})
    with pytest.raises(InvalidConfigError, match="ConcurrentWrites must be a positive number"):
        parse_settings("http://127.0.0.1:8086/x?concurrentWrites=0", {})
    with pytest.raises(InvalidConfigError, match=r"invalid type \(long\)"):
        parse_settings("http://127.0.0.1:8086/x", {"K6_INFLUXDB_TAGS_AS_FIELDS": "vu:long"})
    with pytest.raises(InvalidConfigError, match="udp://"):
        parse_settings("udp://127.0.0.1:8089", {})
    with pytest.raises(InvalidConfigError) as err:
        parse_settings("http://u:secretpw@127.0.0.1:8086/x?precision=weeks", {})
    assert "secretpw" not in str(err.value) and "precision" in str(err.value)


# -- against a real influxd, next to the real k6 ----------------------------------------------------------

K6_SCRIPT = """
import http from "k6/http";
import { check, group } from "k6";
import { Counter, Gauge, Rate, Trend } from "k6/metrics";

export const options = { vus: 2, iterations: 12 };
const myTrend = new Trend("my_trend", true);
const myCounter = new Counter("my_counter");
const myRate = new Rate("my_rate");
const myGauge = new Gauge("my_gauge");

export default function () {
  group("pages", function () {
    const r = http.get(`${__ENV.BASE_URL}/`, { tags: { name: "home" } });
    check(r, { "status is 200": (r) => r.status === 200 });
    myTrend.add(r.timings.waiting, { kind: "waiting" });
  });
  http.get(`${__ENV.BASE_URL}/status/404`);
  myCounter.add(2);
  myRate.add(true);
  myGauge.add(7);
}
"""

PY_SCRIPT = """
from loadcell import Counter, Gauge, Rate, Trend, check, env, group

options = {"vus": 2, "iterations": 12}
my_trend = Trend("my_trend", is_time=True)
my_counter = Counter("my_counter")
my_rate = Rate("my_rate")
my_gauge = Gauge("my_gauge")

async def default(vu):
    with group("pages"):
        r = await vu.http.get(env["BASE_URL"] + "/", tags={"name": "home"})
        check(r, {"status is 200": lambda r: r.status == 200})
        my_trend.add(r.timings["waiting"], {"kind": "waiting"})
    await vu.http.get(env["BASE_URL"] + "/status/404")
    my_counter.add(2)
    my_rate.add(True)
    my_gauge.add(7)
"""


def test_same_schema_as_k6_in_a_real_influxdb(tmp_path: Path, target: Server, influxd: Influxd) -> None:  # noqa: F811
    js = tmp_path / "script.js"
    js.write_text(K6_SCRIPT)
    k6 = run_k6("run", "-q", "-e", f"BASE_URL={target.url}", "--out", f"influxdb={influxd.url}/k6db", str(js))
    assert k6.code == 0, k6.out
    script = write_script(tmp_path, PY_SCRIPT)
    lc = run_loadcell(
        "run", "-q", str(script), "-e", f"BASE_URL={target.url}", "--out", f"influxdb={influxd.url}/lcdb"
    )
    assert lc.code == 0, lc.out

    assert influxd.measurements("lcdb") == influxd.measurements("k6db")
    k6_tags, lc_tags = influxd.tag_keys("k6db"), influxd.tag_keys("lcdb")
    assert set(lc_tags) == set(k6_tags)
    for measurement, keys in k6_tags.items():
        assert "testid" in lc_tags[measurement], measurement
        assert lc_tags[measurement] - {"testid"} == keys, measurement
    # vus and vus_max carry no tag at all in k6; ours carry only the run id
    assert "vus" not in k6_tags or not k6_tags["vus"]
    assert influxd.field_keys("lcdb") == influxd.field_keys("k6db")
    # and the same number of points per measurement (same iterations, same samples per iteration)
    for measurement in influxd.measurements("k6db") - {"vus", "vus_max", "data_sent", "data_received"}:
        assert influxd.count("lcdb", measurement) == influxd.count("k6db", measurement), measurement


@pytest.mark.parametrize("workers", ["1", "2"])
def test_point_count_equals_the_summary_count(
    tmp_path: Path,
    target: Server,
    influxd: Influxd,  # noqa: F811
    workers: str,
) -> None:
    script = write_script(
        tmp_path,
        PY_SCRIPT.replace('{"vus": 2, "iterations": 12}', '{"vus": 10, "duration": "3s"}'),
    )
    export = tmp_path / "summary.json"
    res = run_loadcell(
        "run",
        "-q",
        str(script),
        "-e",
        f"BASE_URL={target.url}",
        "--out",
        f"influxdb={influxd.url}/countdb{workers}",
        "--summary-export",
        str(export),
        "--workers",
        workers,
    )
    assert res.code == 0, res.out
    summary = json.loads(export.read_text())
    metrics = summary["metrics"]
    assert influxd.count(f"countdb{workers}", "http_reqs") == metrics["http_reqs"]["count"] > 1000
    assert influxd.count(f"countdb{workers}", "iterations") == metrics["iterations"]["count"]
    checks = metrics["checks"]
    assert influxd.count(f"countdb{workers}", "checks") == checks["passes"] + checks["fails"]
    assert (
        influxd.count(f"countdb{workers}", "my_rate")
        == metrics["my_rate"]["passes"] + metrics["my_rate"]["fails"]
    )
    assert influxd.count(f"countdb{workers}", "my_counter") * 2 == metrics["my_counter"]["count"]
    (stats,) = [v for k, v in summary["outputs"].items() if k.startswith("influxdb")]
    assert stats["dropped"] == 0 and stats["produced"] == stats["delivered"]
    assert influxd.total_points(f"countdb{workers}") == stats["delivered"]
