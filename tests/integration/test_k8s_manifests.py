"""deploy/k8s, checked without a cluster: the manifests agree with each other, and the exact command
lines they give the coordinator and the agents run a distributed test here (cluster names mapped to
127.0.0.1, the script and InfluxDB to local ones)."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import LOADCELL, ROOT, Server, free_port, run_loadcell, write_script
from tests.integration.influx_fixtures import Influxd, influxd  # noqa: F401

K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATION = yaml.safe_load((K8S / "kustomization.yaml").read_text())
DOCS = [d for name in KUSTOMIZATION["resources"] for d in yaml.safe_load_all((K8S / name).read_text())]
TOKEN = secrets.token_hex(16)


def kind(k: str, name: str) -> dict[str, Any]:
    return next(d for d in DOCS if d["kind"] == k and d["metadata"]["name"] == name)


COORDINATOR = kind("Job", "loadcell-coordinator")
AGENTS = kind("Job", "loadcell-agents")
SERVICE = kind("Service", "loadcell-coordinator")


def container(job: dict[str, Any]) -> dict[str, Any]:
    return job["spec"]["template"]["spec"]["containers"][0]


def flag(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_every_host_in_the_command_lines_is_a_service_of_the_manifests() -> None:
    services = {d["metadata"]["name"] for d in DOCS if d["kind"] == "Service"}
    for job in (COORDINATOR, AGENTS):
        for arg in container(job)["args"]:
            for host in re.findall(r"^(?:https?://)?([a-z][a-z0-9-]*):\d+", arg):
                assert host in services, f"{arg}: {host} is not a Service here (configure it from the Secret)"


def test_coordinator_agents_and_service_agree() -> None:
    c_args, a_args = container(COORDINATOR)["args"], container(AGENTS)["args"]
    agents = int(flag(c_args, "--agents"))
    assert AGENTS["spec"]["parallelism"] == AGENTS["spec"]["completions"] == agents
    listen_port = int(flag(c_args, "--listen").rpartition(":")[2])
    port = SERVICE["spec"]["ports"][0]
    assert port["port"] == listen_port
    named = {p["name"]: p["containerPort"] for p in container(COORDINATOR)["ports"]}
    assert named[port["targetPort"]] == listen_port
    labels = COORDINATOR["spec"]["template"]["metadata"]["labels"]
    assert all(labels.get(k) == v for k, v in SERVICE["spec"]["selector"].items())
    assert flag(a_args, "--coordinator") == f"{SERVICE['metadata']['name']}:{port['port']}"
    for job in (COORDINATOR, AGENTS):
        assert job["spec"]["backoffLimit"] == 0  # a failed test must not be re-run silently
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_both_sides_see_the_script_at_the_same_path_and_share_the_secret() -> None:
    script = container(COORDINATOR)["args"][1]
    generated = KUSTOMIZATION["configMapGenerator"][0]
    for job in (COORDINATOR, AGENTS):
        spec = job["spec"]["template"]["spec"]
        volume = next(v for v in spec["volumes"] if v.get("configMap", {}).get("name") == generated["name"])
        mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["name"] == volume["name"])
        assert script == f"{mount['mountPath']}/{Path(generated['files'][0]).name}"
        assert spec["containers"][0]["envFrom"] == [{"secretRef": {"name": "loadcell"}}]
        assert "env" not in spec["containers"][0], "secrets come from the Secret, not literal env values"
    assert (K8S / generated["files"][0]).is_file()
    inspect = run_loadcell("inspect", str(K8S / generated["files"][0]))
    assert inspect.code == 0, inspect.out


def test_the_manifests_command_lines_run_a_distributed_test(
    tmp_path: Path,
    target: Server,
    influxd: Influxd,  # noqa: F811
) -> None:
    script = write_script(
        tmp_path,
        "from loadcell import check, env\n"
        'options = {"scenarios": {"s": {"executor": "shared-iterations", "vus": 8, "iterations": 80}},\n'
        '           "thresholds": {"iterations": ["count==80"]}}\n'
        "async def default(vu):\n"
        '    r = await vu.http.get(env["BASE_URL"] + "/")\n'
        '    check(r, {"ok": lambda r: r.status == 200})\n',
    )
    port = free_port()
    local = {
        container(COORDINATOR)["args"][1]: str(script),
        flag(container(COORDINATOR)["args"], "--listen"): f"127.0.0.1:{port}",
        flag(container(AGENTS)["args"], "--coordinator"): f"127.0.0.1:{port}",
        "/results": str(tmp_path / "results"),
    }
    env = {**os.environ, "LOADCELL_AGENT_TOKEN": TOKEN, "BASE_URL": target.url}
    agent_args = [local.get(a, a) for a in container(AGENTS)["args"]]
    agents = [
        subprocess.Popen(
            [*LOADCELL, *agent_args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(AGENTS["spec"]["parallelism"])
    ]
    export = tmp_path / "summary.json"
    # The Secret's part, as the coordinator pod would have it in its environment.
    secret = {
        "LOADCELL_AGENT_TOKEN": TOKEN,
        "BASE_URL": target.url,
        "LOADCELL_INFLUXDB_ADDR": influxd.url,
        "LOADCELL_INFLUXDB_DB": "K6",
    }
    res = run_loadcell(
        *[local.get(a, a) for a in container(COORDINATOR)["args"]], "-q", "--summary-export", str(export),
        env=secret,
    )  # fmt: skip
    codes = [a.wait(timeout=60) for a in agents]
    assert res.code == 0, res.out
    assert codes == [0] * len(agents)
    assert json.loads(export.read_text())["metrics"]["iterations"]["count"] == 80
    assert influxd.count("K6", "iterations") == 80
    assert any((tmp_path / "results").iterdir())


def test_the_albert_overlay_runs_the_suite_the_image_bundles() -> None:
    """deploy/k8s/albert points the coordinator at the suite the Dockerfile copies into the image."""
    overlay = yaml.safe_load((K8S / "albert" / "kustomization.yaml").read_text())
    assert overlay["resources"] == [".."]
    (patch,) = overlay["patches"]
    assert patch["target"] == {"kind": "Job", "name": COORDINATOR["metadata"]["name"]}
    (op,) = yaml.safe_load(patch["patch"])
    assert op["op"] == "replace" and op["path"] == "/spec/template/spec/containers/0/args/1"
    assert container(COORDINATOR)["args"][1].endswith(".py")  # index 1 is the base's script
    copies = re.findall(r"^COPY (\S+) (\S+)$", (ROOT / "Dockerfile").read_text(), re.M)
    image_dir, repo_dir = next((dst, src) for src, dst in copies if op["value"].startswith(dst + "/"))
    script = ROOT / repo_dir / op["value"].removeprefix(image_dir + "/")
    assert (script.parent / "albert_suite").is_dir()  # the suite's package travels with its scripts
    inspect = run_loadcell("inspect", str(script), "-e", "ALBERT_BASE_URL=http://127.0.0.1:8091")
    assert inspect.code == 0, inspect.out
