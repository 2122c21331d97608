"""`--out name=arg` to output instances."""

from __future__ import annotations

from loadcell.errors import InvalidConfigError
from loadcell.metrics.registry import Registry
from loadcell.metrics.tags import TagSets
from loadcell.output.base import Output
from loadcell.output.csv import CSVOutput
from loadcell.output.influxdb import InfluxDBOutput
from loadcell.output.json import JSONOutput
from loadcell.report.junit import JUnitOutput

OUTPUTS: dict[str, type[Output]] = {
    "json": JSONOutput,
    "csv": CSVOutput,
    "influxdb": InfluxDBOutput,
    "junit": JUnitOutput,
}


def create_output(spec: str, registry: Registry, tagsets: TagSets, env: dict[str, str]) -> Output:
    name, _, arg = spec.partition("=")
    cls = OUTPUTS.get(name.strip())
    if cls is None:
        raise InvalidConfigError(
            f"--out {spec!r}: unknown output {name!r}; use one of {', '.join(sorted(OUTPUTS))} as NAME=ARG"
        )
    if not arg and name not in ("influxdb", "json", "csv"):  # k6: env config, stdout, file.csv
        raise InvalidConfigError(f"--out {spec!r}: missing the argument, e.g. --out {name}=result.{name}")
    return cls(arg, registry, tagsets, env)
