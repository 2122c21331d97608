"""--summary-export: k6's legacy JSON shape (summary-wrapper.js oldJSONSummary)."""

from __future__ import annotations

from typing import Any


def _old_group(group: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": group["name"],
        "path": group["path"],
        "id": group["id"],
        "groups": {g["name"]: _old_group(g) for g in group["groups"]},
        "checks": {c["name"]: c for c in group["checks"]},
    }


def export_json(data: dict[str, Any]) -> dict[str, Any]:
    """Reshape summary data as k6 does: values flattened, rate -> value, thresholds inverted."""
    metrics: dict[str, Any] = {}
    for name, metric in data["metrics"].items():
        values = dict(metric["values"])
        if metric["type"] == "rate":
            values = {"passes": values["passes"], "fails": values["fails"], "value": values["rate"]}
        if "thresholds" in metric:
            # k6's quirk: true means the threshold FAILED.
            values["thresholds"] = {src: not res["ok"] for src, res in metric["thresholds"].items()}
        metrics[name] = values
    out = {"root_group": _old_group(data["root_group"]), "metrics": metrics}
    for key, value in data.items():
        if key not in ("root_group", "metrics", "options", "state"):
            out[key] = value
    return go_numbers(out)


def go_numbers(value: Any) -> Any:
    """Whole floats as integers, as Go's encoding/json writes a float64 (`20`, not `20.0`): typed
    readers of k6's export (Go structs with int fields) reject `20.0`."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: go_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [go_numbers(v) for v in value]
    return value
