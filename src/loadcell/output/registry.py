"""`--out name=arg` to output instances."""

from __future__ import annotations

from importlib import import_module

from loadcell.errors import InvalidConfigError
from loadcell.metrics.registry import Registry
from loadcell.metrics.tags import TagSets
from loadcell.output.base import Output

# name -> (module, class): an output's module (the InfluxDB client, XML for JUnit) is imported only by
# a run that asks for it.
OUTPUTS: dict[str, tuple[str, str]] = {
    "json": ("loadcell.output.json", "JSONOutput"),
    "csv": ("loadcell.output.csv", "CSVOutput"),
    "influxdb": ("loadcell.output.influxdb", "InfluxDBOutput"),
    "junit": ("loadcell.report.junit", "JUnitOutput"),
}


def create_output(spec: str, registry: Registry, tagsets: TagSets, env: dict[str, str]) -> Output:
    name, _, arg = spec.partition("=")
    where = OUTPUTS.get(name.strip())
    if where is None:
        raise InvalidConfigError(
            f"--out {spec!r}: unknown output {name!r}; use one of {', '.join(sorted(OUTPUTS))} as NAME=ARG"
        )
    if not arg and name not in ("influxdb", "json", "csv"):  # k6: env config, stdout, file.csv
        raise InvalidConfigError(f"--out {spec!r}: missing the argument, e.g. --out {name}=result.{name}")
    module, cls = where
    output: type[Output] = getattr(import_module(module), cls)
    return output(arg, registry, tagsets, env)
