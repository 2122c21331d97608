"""--out influxdb=http://[user:pass@]host:8086/DB: k6's InfluxDB v1 layout; never blocks, never loses quietly.

The output wires four parts together:
- config: the settings, from k6's env names, loadcell's own and the --out URL;
- lines: samples as line protocol, k6's layout byte for byte (raw mode);
- aggregate: one `<metric>_agg` point per push interval and series (`mode=aggregated`);
- delivery (with its spool): the background writer, its retries, disk spill and point accounting.
See docs/outputs.md.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from loadcell.errors import InvalidConfigError
from loadcell.metrics.buffer import MetricBatch
from loadcell.metrics.registry import Registry
from loadcell.metrics.tags import TagSets
from loadcell.output.base import Output, OutputStats, RunInfo
from loadcell.output.influxdb.aggregate import Aggregator
from loadcell.output.influxdb.config import InfluxSettings, parse_settings
from loadcell.output.influxdb.delivery import Delivery
from loadcell.output.influxdb.lines import LineFormatter, go_float
from loadcell.output.influxdb.spool import Spool

__all__ = ["Aggregator", "InfluxDBOutput", "InfluxSettings", "LineFormatter", "go_float", "parse_settings"]

SPILL_DIR = "influxdb-spill"
_instances = itertools.count(1)


class InfluxDBOutput(Output):
    name = "influxdb"

    def __init__(self, arg: str, registry: Registry, tagsets: TagSets, env: dict[str, str]) -> None:
        super().__init__(arg, registry, tagsets, env)
        self.settings = parse_settings(arg, env)
        try:
            import aiohttp  # noqa: F401
        except ImportError:
            raise InvalidConfigError(
                "--out influxdb needs aiohttp: pip install aiohttp==3.14.5 (a dependency of loadcell)"
            ) from None
        self.instance = next(_instances)
        # Aggregated mode reads the sink deltas only: workers then need not ship raw rows for it.
        self.wants_raw = self.settings.mode == "raw"

    def description(self) -> str:
        s = self.settings
        mode = " aggregated" if s.mode == "aggregated" else ""
        return f"influxdb{mode} ({s.addr}/{s.db})"

    async def start(self, info: RunInfo) -> None:
        s = self.settings
        self.formatter = LineFormatter(s, self.registry, self.tagsets, info.test_id)
        self.aggregator = Aggregator(self.formatter, self.registry) if s.mode == "aggregated" else None
        results = Path(info.results_dir) if info.results_dir else Path("results") / info.test_id
        window = self.aggregator.close if self.aggregator is not None else None
        self.spool = Spool(s, self.stats, (results / SPILL_DIR).resolve(), self.instance)
        self.delivery = Delivery(self.spool, window)
        await self.delivery.start()

    def add(self, batch: MetricBatch) -> None:
        if self.aggregator is not None:
            self.aggregator.add(batch)
            return
        lines, skipped = self.formatter.raw_lines(batch)
        if skipped:
            self.stats.produced += skipped
            self.stats.drop(skipped, "NaN or Inf value (InfluxDB has no such float)")
        if lines:
            self.spool.append(lines)

    async def stop(self) -> OutputStats:
        await self.delivery.stop()
        return self.stats

    def hurry(self) -> None:
        self.delivery.hurry()
