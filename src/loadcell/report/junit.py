"""JUnit XML of a run's verdicts: one test case per threshold and per check, as CI systems read it.

The layout is Ant's (the JUnit schema CI systems accept): <testsuites> with a "thresholds" and a
"checks" suite, each with <properties>, its cases, <system-out> and <system-err>. A failing
threshold's failure carries the value it was judged on; a failing check's, how many of its runs failed.
"""

from __future__ import annotations

import socket
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from loadcell.metrics.buffer import MetricBatch
from loadcell.output.base import Output, OutputStats, RunInfo
from loadcell.report.html import thresholds_of


def _checks(group: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = [(group["path"], check) for check in group["checks"]]
    for sub in group["groups"]:
        out.extend(_checks(sub))
    return out


def _suite(
    parent: ET.Element, index: int, name: str, cases: list[tuple[str, str, str | None]], props: dict[str, str]
) -> None:
    """cases: (classname, name, failure message or None)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    suite = ET.SubElement(
        parent,
        "testsuite",
        {
            "name": name,
            "package": "loadcell",
            "id": str(index),
            "timestamp": stamp,
            "hostname": socket.gethostname() or "localhost",
            "tests": str(len(cases)),
            "failures": str(sum(1 for *_, failure in cases if failure is not None)),
            "errors": "0",
            "skipped": "0",
            "time": props.pop("time"),
        },
    )
    properties = ET.SubElement(suite, "properties")
    for key, value in props.items():
        ET.SubElement(properties, "property", {"name": key, "value": value})
    for classname, case_name, failure in cases:
        case = ET.SubElement(suite, "testcase", {"classname": classname, "name": case_name, "time": "0"})
        if failure is not None:
            ET.SubElement(case, "failure", {"message": failure, "type": name}).text = failure
    ET.SubElement(suite, "system-out")
    ET.SubElement(suite, "system-err")


def junit_xml(data: dict[str, Any], run: dict[str, str], exit_code: int) -> bytes:
    """data: the run's summary data (what report.html is rendered from); run: test id and script."""
    seconds = f"{data['state']['testRunDurationMs'] / 1000:.3f}"
    props = {
        "test_id": run.get("test_id", ""),
        "script": run.get("script", ""),
        "exit_code": str(exit_code),
    }
    thresholds = [
        (
            f"thresholds.{t['metric']}",
            t["source"],
            None if t["ok"] else f"{t['source']} failed: {t['observed']}",
        )
        for t in thresholds_of(data)
    ]
    checks = []
    for path, check in _checks(data["root_group"]):
        total = check["passes"] + check["fails"]
        failure = f"{check['fails']} of {total} failed" if check["fails"] else None
        checks.append((f"checks.{path or '(root)'}", check["name"], failure))
    root = ET.Element("testsuites")
    _suite(root, 0, "thresholds", thresholds, {**props, "time": seconds})
    _suite(root, 1, "checks", checks, {**props, "time": seconds})
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_junit(path: str | Path, data: dict[str, Any], run: dict[str, str], exit_code: int) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(junit_xml(data, run, exit_code))


class JUnitOutput(Output):
    """`--out junit=FILE`: written once the run's verdicts are known; no per-sample work."""

    name = "junit"
    wants_raw = False

    async def start(self, info: RunInfo) -> None:
        self.run = {"test_id": info.test_id, "script": info.script}

    def add(self, batch: MetricBatch) -> None:
        pass

    async def stop(self) -> OutputStats:
        return self.stats

    def conclude(self, summary_data: dict[str, Any], exit_code: int) -> None:
        write_junit(self.arg, summary_data, self.run, exit_code)
