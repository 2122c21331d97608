"""HTTPS and HTTP/2 against real TLS servers on a test CA: hypercorn (HTTP/2 and HTTP/1.1 over ALPN)
and a bare h2 server that resets streams, sends GOAWAY and holds its flow-control window.

What k6 does here is the reference (shared/reference/k6-semantics.md, section 13); one test runs the
real k6 beside loadcell against the same server.
"""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import trustme

from tests.conftest import ROOT, Result, run_k6, run_loadcell, stop, write_script


@dataclass(frozen=True)
class PKI:
    ca: Path  # trusted by the clients
    cert: Path  # the server's, for 127.0.0.1 only (so "localhost" does not match it)
    key: Path
    client_ca: Path  # signs client certificates
    client_cert: str  # PEM text, as k6's tlsAuth takes it
    client_key: str


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PKI:
    folder = tmp_path_factory.mktemp("pki")
    ca, client_ca = trustme.CA(), trustme.CA()
    server = ca.issue_cert("127.0.0.1")
    client = client_ca.issue_cert("loadcell-vu@example.com")
    paths = PKI(
        folder / "ca.pem",
        folder / "server.pem",
        folder / "server.key",
        folder / "client-ca.pem",
        client.cert_chain_pems[0].bytes().decode(),
        client.private_key_pem.bytes().decode(),
    )
    ca.cert_pem.write_to_path(str(paths.ca))
    server.cert_chain_pems[0].write_to_path(str(paths.cert))
    server.private_key_pem.write_to_path(str(paths.key))
    client_ca.cert_pem.write_to_path(str(paths.client_ca))
    return paths


def _start(module: str, *args: str) -> tuple[str, subprocess.Popen[str]]:
    """Start a support server and read the URL from its ready line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if line.startswith("target listening on "):
                return line.split()[-1], proc
        if proc.poll() is not None:
            break
    stop(proc)
    raise RuntimeError(f"{module} did not start")


@pytest.fixture(scope="module")
def h2_server(pki: PKI) -> Iterator[str]:
    """hypercorn: HTTP/2 or HTTP/1.1 as the client's ALPN asks."""
    url, proc = _start("tests.support.asgi_target", "--cert", str(pki.cert), "--key", str(pki.key))
    yield url
    stop(proc)


@pytest.fixture(scope="module")
def mtls_server(pki: PKI) -> Iterator[str]:
    url, proc = _start(
        "tests.support.asgi_target",
        "--cert",
        str(pki.cert),
        "--key",
        str(pki.key),
        "--client-ca",
        str(pki.client_ca),
    )
    yield url
    stop(proc)


@pytest.fixture(scope="module")
def bare_h2_server(pki: PKI) -> Iterator[str]:
    url, proc = _start("tests.support.h2_target", "--cert", str(pki.cert), "--key", str(pki.key))
    yield url
    stop(proc)


def _run(
    tmp_path: Path, body: str, *flags: str, env: dict[str, str] | None = None
) -> tuple[Result, list[dict]]:
    """Run a script with a JSON output; returns the result and the http_reqs points."""
    script = write_script(tmp_path, body)
    out = tmp_path / "out.json"
    result = run_loadcell(
        "run", "--quiet", "--no-summary", "--out", f"json={out}", *flags, str(script), env=env
    )
    points = []
    if out.exists():
        for line in out.read_text().splitlines():
            row = json.loads(line)
            if row["type"] == "Point" and row["metric"] == "http_reqs":
                points.append(row["data"]["tags"])
    return result, points


PY_CHECKS = """
from loadcell import check, env
options = {{"vus": 2, "iterations": 6}}

async def default(vu):
    r = await vu.http.get(env["URL"])
    check(r, {{
        "proto": lambda r: r.proto == "{proto}",
        "server spoke it": lambda r: r.json()["http_version"] == "{server}",
        "tls version": lambda r: r.tls_version == "tls1.3",
        "cipher suite": lambda r: r.tls_cipher_suite.startswith("TLS_"),
    }})
"""

JS_CHECKS = """
import http from 'k6/http';
import { check } from 'k6';
export const options = { vus: 2, iterations: 6 };
export default function () {
  const r = http.get(__ENV.URL);
  check(r, {
    'proto': (r) => r.proto === 'HTTP/2.0',
    'server spoke it': (r) => r.json().http_version === '2',
    'tls version': (r) => r.tls_version === 'tls1.3',
    'cipher suite': (r) => r.tls_cipher_suite.startsWith('TLS_'),
  });
}
"""


def _checks(export: dict[str, Any]) -> tuple[int, int]:
    checks = export["metrics"]["checks"]
    return checks["passes"], checks["fails"]


def test_http2_over_alpn_as_k6_negotiates_it(tmp_path: Path, pki: PKI, h2_server: str) -> None:
    """The same server, loadcell and real k6 1.1.0 side by side: both speak HTTP/2, tag it and the
    TLS version alike, and count the same requests and checks."""
    (tmp_path / "t.py").write_text(PY_CHECKS.format(proto="HTTP/2.0", server="2"))
    (tmp_path / "t.js").write_text(JS_CHECKS)
    lc_out, k6_out = tmp_path / "lc.json", tmp_path / "k6.json"
    lc = run_loadcell(
        "run", "-q", "--tls-ca-bundle", str(pki.ca), "--summary-export", str(lc_out),
        "--out", f"json={tmp_path / 'points.json'}", "-e", f"URL={h2_server}/", str(tmp_path / "t.py"),
    )  # fmt: skip
    k6 = run_k6(
        "run", "-q", "--summary-export", str(k6_out), "-e", f"URL={h2_server}/", str(tmp_path / "t.js"),
        env={"SSL_CERT_FILE": str(pki.ca)},  # Go reads the roots from here
    )  # fmt: skip
    assert lc.code == 0 and k6.code == 0, lc.out + k6.out
    lc_export, k6_export = json.loads(lc_out.read_text()), json.loads(k6_out.read_text())
    assert _checks(lc_export) == _checks(k6_export) == (24, 0)
    assert lc_export["metrics"]["http_reqs"]["count"] == k6_export["metrics"]["http_reqs"]["count"] == 6
    tags = [
        json.loads(line)["data"]["tags"]
        for line in (tmp_path / "points.json").read_text().splitlines()
        if '"http_reqs"' in line and '"Point"' in line
    ]
    assert {(t["proto"], t["tls_version"]) for t in tags} == {("HTTP/2.0", "tls1.3")}
    # The handshake is timed on each VU's first request only: its connection is reused after.
    tls = lc_export["metrics"]["http_req_tls_handshaking"]
    assert tls["min"] == 0 and tls["max"] > 0


@pytest.mark.parametrize("switch", ["flag", "GODEBUG"])
def test_http11_can_be_forced(tmp_path: Path, pki: PKI, h2_server: str, switch: str) -> None:
    flags = ["--no-http2"] if switch == "flag" else []
    env = {"GODEBUG": "http2client=0"} if switch == "GODEBUG" else None
    result, points = _run(
        tmp_path,
        PY_CHECKS.format(proto="HTTP/1.1", server="1.1"),
        "--tls-ca-bundle", str(pki.ca), "-e", f"URL={h2_server}/", *flags, env=env,
    )  # fmt: skip
    assert result.code == 0, result.out
    assert {p["proto"] for p in points} == {"HTTP/1.1"} and len(points) == 6
    assert "checks_failed" not in result.out or "0 out of 24" in result.out


BATCH = """
from loadcell import env
options = {"iterations": 1}
ports = []

async def default(vu):
    responses = await vu.http.batch([env["URL"]] * 5)
    assert all(r.status == 200 for r in responses), [r.error for r in responses]
    print("PORTS", sorted({r.json()["port"] for r in responses}), flush=True)
"""


@pytest.mark.parametrize(("flags", "connections"), [((), 1), (("--no-http2",), 5)])
def test_batch_multiplexes_over_one_http2_connection(
    tmp_path: Path, pki: PKI, h2_server: str, flags: tuple[str, ...], connections: int
) -> None:
    """k6's batch: five streams on the VU's one HTTP/2 connection; five connections over HTTP/1.1."""
    result, points = _run(tmp_path, BATCH, "--tls-ca-bundle", str(pki.ca), "-e", f"URL={h2_server}/", *flags)
    assert result.code == 0, result.out
    ports = json.loads(next(line for line in result.out.splitlines() if "PORTS" in line).split("PORTS", 1)[1])
    assert len(ports) == connections
    assert len(points) == 5


ONE_GET = """
from loadcell import env
options = {{"iterations": 1, {options}}}

async def default(vu):
    r = await vu.http.get(env["URL"])
    print("RESULT", r.status, r.error_code, r.error, r.tls_version, r.tls_cipher_suite, sep="|", flush=True)
"""


def _result(result: Result) -> list[str]:
    line = next((ln for ln in result.out.splitlines() if ln.startswith("RESULT")), "")
    assert line, result.out
    return line.split("|")[1:]


def test_certificate_failures_get_k6_codes(tmp_path: Path, pki: PKI, h2_server: str) -> None:
    port = h2_server.rsplit(":", 1)[1]
    unknown, _ = _run(tmp_path, ONE_GET.format(options=""), "-e", f"URL={h2_server}/")
    assert _result(unknown)[:2] == ["0", "1310"]
    mismatch, _ = _run(
        tmp_path,
        ONE_GET.format(options=""),
        "--tls-ca-bundle",
        str(pki.ca),
        "-e",
        f"URL=https://localhost:{port}/",
    )
    assert _result(mismatch)[:2] == ["0", "1311"]
    insecure, _ = _run(
        tmp_path, ONE_GET.format(options='"insecureSkipTLSVerify": True'), "-e", f"URL={h2_server}/"
    )
    assert _result(insecure)[:2] == ["200", "0"]


def test_client_certificates_are_sent_to_their_domains(tmp_path: Path, pki: PKI, mtls_server: str) -> None:
    auth = {"domains": ["127.0.0.1"], "cert": pki.client_cert, "key": pki.client_key}
    other = {**auth, "domains": ["example.com"]}
    flags = ("--tls-ca-bundle", str(pki.ca), "-e", f"URL={mtls_server}/")
    with_cert, _ = _run(tmp_path, ONE_GET.format(options=f'"tlsAuth": {[auth]!r}'), *flags)
    assert _result(with_cert)[0] == "200", with_cert.out
    for options in ("", f'"tlsAuth": {[other]!r}'):  # no certificate for this host: refused
        refused, _ = _run(tmp_path, ONE_GET.format(options=options), *flags)
        status, code = _result(refused)[:2]
        assert status == "0" and code != "0", refused.out


def test_tls_version_and_cipher_suites_are_followed(tmp_path: Path, pki: PKI, h2_server: str) -> None:
    suite = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"  # trustme's keys are ECDSA
    options = f'"tlsVersion": {{"min": "tls1.2", "max": "tls1.2"}}, "tlsCipherSuites": ["{suite}"]'
    result, points = _run(
        tmp_path, ONE_GET.format(options=options), "--tls-ca-bundle", str(pki.ca), "-e", f"URL={h2_server}/"
    )
    assert _result(result) == ["200", "0", "", "tls1.2", suite]
    assert [p["tls_version"] for p in points] == ["tls1.2"]


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ('"tlsVersion": "tls9"', "tlsVersion"),
        ('"tlsVersion": {"min": "tls1.3", "max": "tls1.2"}', "tlsVersion"),
        ('"tlsCipherSuites": ["TLS_NOPE"]', "tlsCipherSuites"),
        ('"tlsAuth": [{"domains": ["a"], "cert": "x", "key": "y"}]', "tlsAuth[0].cert"),
    ],
)
def test_wrong_tls_options_stop_the_run_with_104(tmp_path: Path, options: str, named: str) -> None:
    result, points = _run(tmp_path, ONE_GET.format(options=options), "-e", "URL=https://127.0.0.1:9/")
    assert result.code == 104, result.out
    assert named in result.out and not points


def test_stream_reset_goaway_and_flow_control(tmp_path: Path, pki: PKI, bare_h2_server: str) -> None:
    script = """
from loadcell import env
options = {"iterations": 1}

async def default(vu):
    base = env["URL"]
    for path in ("/", "/reset", "/goaway", "/", "/calm", "/malformed", "/"):
        r = await vu.http.get(base + path)
        print("RESULT", path, r.status, r.error_code, r.error, sep="|", flush=True)
    r = await vu.http.post(base + "/size", b"x" * 200_000)
    print("RESULT", "/size", r.status, r.error_code, r.text, sep="|", flush=True)
"""
    result, points = _run(tmp_path, script, "--tls-ca-bundle", str(pki.ca), "-e", f"URL={bare_h2_server}")
    assert result.code == 0, result.out
    lines = [ln.split("|")[1:] for ln in result.out.splitlines() if ln.startswith("RESULT")]
    assert lines == [
        ["/", "200", "0", ""],
        ["/reset", "0", "1639", "http2: stream error with http2 ErrCode CANCEL"],
        ["/goaway", "200", "0", ""],
        ["/", "200", "0", ""],  # a new connection after the GOAWAY
        ["/calm", "0", "1622", "http2: received GoAway with http2 ErrCode ENHANCE_YOUR_CALM"],
        ["/malformed", "0", "1652", "http2: connection error with http2 ErrCode PROTOCOL_ERROR"],
        ["/", "200", "0", ""],  # the server's headers are checked on every response, not only once
        ["/size", "200", "0", "200000"],  # more than the server's 65,535-byte window
    ]
    assert {p["proto"] for p in points if p["status"] != "0"} == {"HTTP/2.0"} and len(points) == 8
