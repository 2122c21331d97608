"""What a script puts in a request head never breaks the framing: header fields are refused as Go's
client refuses them (a failed request, k6's error text and code) and paths are escaped as Go escapes
them. Side by side with the real k6 binary against a server that records every request head."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_k6, run_loadcell, write_script


class RecordingServer:
    """Answers 200 to every request head it reads and keeps each head's request line."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.lines: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buf = b""
        with conn:
            while data := conn.recv(65536):
                buf += data
                while b"\r\n\r\n" in buf:
                    head, _, buf = buf.partition(b"\r\n\r\n")
                    self.lines.append(head.split(b"\r\n")[0])
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


@pytest.fixture
def recorder() -> Iterator[RecordingServer]:
    server = RecordingServer()
    yield server
    server.sock.close()


SMUGGLE = {"Authorization": "Bearer tok\r\nX-Injected: yes\r\n\r\nGET /smuggled HTTP/1.1"}
# (tag name, path, headers, method): each is one request in both scripts.
CASES = [
    ("crlf_value", "/v", SMUGGLE, "GET"),
    ("crlf_name", "/n", {"X-A\r\nX-B": "x"}, "GET"),
    ("space_name", "/s", {"Bad Name": "x"}, "GET"),
    ("nul_value", "/z", {"X-Nul": "a\x00b"}, "GET"),
    ("del_value", "/d", {"X-Tab": "a\tb", "X-Del": "a\x7fb"}, "GET"),
    ("host_crlf", "/h", {"Host": "a\r\nb"}, "GET"),
    ("bad_method", "/m", {}, "GE T"),
    ("fine_value", "/ok", {"X-Tab": "a\tb", "X-Utf": "é€"}, "GET"),
    ("space_path", "/a b?q=1 2", {}, "GET"),
    ("odd_path", '/a%20b/%7e/é/[x]/a"b<c>{d}|e^f`g\\h!(*)?q=a"b', {}, "GET"),
    ("escaped_path", "/a%2fb/%7e[x]:@!", {}, "GET"),
    ("crlf_url", "/a\r\nb", {}, "GET"),
    ("bad_escape", "/bad%zz", {}, "GET"),
]


def _scripts(base: str) -> tuple[str, str]:
    js_calls = "\n".join(
        f"  http.request({json.dumps(method)}, {json.dumps(base + path)}, null,"
        f" {{ headers: {json.dumps(headers)}, tags: {{ name: {json.dumps(name)} }} }});"
        for name, path, headers, method in CASES
    )
    py_calls = "\n".join(
        f"    await vu.http.request({method!r}, {base + path!r}, headers={headers!r},"
        f" tags={{'name': {name!r}}})"
        for name, path, headers, method in CASES
    )
    js = (
        "import http from 'k6/http';\nexport const options = { iterations: 1 };\n"
        f"export default function () {{\n{js_calls}\n}}\n"
    )
    py = f"options = {{'iterations': 1}}\n\nasync def default(vu):\n{py_calls}\n"
    return js, py


def _errors(out: Path) -> dict[str, tuple[str, str]]:
    """name tag -> (error, error_code) of each http_reqs point."""
    found = {}
    for line in out.read_text().splitlines():
        row = json.loads(line)
        if row["type"] == "Point" and row["metric"] == "http_reqs":
            tags = row["data"]["tags"]
            found[tags["name"]] = (tags.get("error", ""), tags.get("error_code", ""))
    return found


def test_header_fields_and_paths_go_out_as_k6_sends_them(tmp_path: Path, recorder: RecordingServer) -> None:
    js, py = _scripts(recorder.url)
    (tmp_path / "t.js").write_text(js)
    script = write_script(tmp_path, py)
    k6 = run_k6("run", "-q", "--out", f"json={tmp_path / 'k6.json'}", str(tmp_path / "t.js"))
    assert k6.code == 0, k6.out
    k6_lines, recorder.lines = recorder.lines, []
    lc = run_loadcell("run", "-q", "--no-results", "--out", f"json={tmp_path / 'lc.json'}", str(script))
    assert lc.code == 0, lc.out
    assert "Traceback" not in lc.out and "iteration error" not in lc.out, lc.out
    # Nothing was smuggled: the server saw the same request lines, in the same order, from both.
    assert recorder.lines == k6_lines, (recorder.lines, k6_lines)
    assert b"GET /a%20b?q=1 2 HTTP/1.1" in recorder.lines
    assert not any(b"smuggled" in line for line in recorder.lines)
    k6_errors, lc_errors = _errors(tmp_path / "k6.json"), _errors(tmp_path / "lc.json")
    assert set(lc_errors) == {name for name, *_ in CASES}
    for name, _, _, _ in CASES:
        if name in ("crlf_url", "bad_escape"):
            # k6 emits no sample for a URL it cannot parse; it logs the error, which must be ours.
            error, code = lc_errors[name]
            assert code == "1020" and error.startswith("invalid URL: parse "), lc_errors[name]
            assert error.replace("\\", "\\\\").replace('"', '\\"') in k6.out, (error, k6.out)
        else:
            assert lc_errors[name] == k6_errors[name], (name, lc_errors[name], k6_errors[name])
    assert lc_errors["crlf_value"] == ('net/http: invalid header field value for "Authorization"', "1000")
    assert "tok" not in lc.out  # the error names the field, never its value
