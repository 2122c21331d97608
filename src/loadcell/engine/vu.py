"""Virtual users: identity, tags, group path and the per-VU HTTP client, found through a ContextVar."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, cast

from loadcell.http.client import HttpClient
from loadcell.metrics.handle import MetricsHandle, current_owner
from loadcell.metrics.tags import TagPairs, TagSets, merge_pairs

if TYPE_CHECKING:
    from loadcell.engine.context import RunContext

# The VU whose code runs now: the metrics handle's owner variable, seen with the VU's type.
current_vu = cast("ContextVar[VU]", current_owner)


class VU:
    """One virtual user. k6 semantics: id is 1-based (0 in setup/teardown), iteration 0-based.

    Its samples go through its metrics handle (`metrics`): the HTTP client and the C Ledger write
    into it, and never call back into the VU."""

    def __init__(self, vu_id: int, ctx: RunContext) -> None:
        self.id = vu_id
        self.ctx = ctx
        self.buffer = ctx.buffer
        self.tagsets: TagSets = ctx.tagsets
        self.iteration = -1  # iteration within the current scenario
        self.executor: Any = None  # the scenario's executor (k6/execution reads its counters)
        self.scenario_iteration = -1  # this iteration's index among the scenario's in this process
        self.iteration_in_instance = -1
        self.iteration_end = 0.0  # clock time before which the next iteration may not start
        self.must_yield = False  # the last iteration did not give the event loop a turn
        self.scenario_name = ""
        self.data: Any = None
        self.store: dict[str, Any] = {}  # per-VU script state (each k6 VU has its own globals)
        self.env: dict[str, str] = ctx.env
        self._base: TagPairs = ctx.test_tags
        self._custom: dict[str, str] = {}
        self._scenario_tags: TagPairs = ()
        self.metrics = MetricsHandle(ctx.buffer, ctx.tagsets, self._base)
        # Tag set of iteration-level samples (iterations, data_*): scenario and test tags, no group.
        self.base_tid = self.metrics.base_tid
        self.sample_tagset = self.metrics.sample_tagset
        self.http = HttpClient(self.metrics, ctx.client_settings())
        # Request, check and iteration rows, written in C (the bytes of the iteration so far too).
        self.ledger = self.http.ledger

    @property
    def group(self) -> str:
        """k6's group path ("::a::b"), which tags the VU's samples."""
        return self.metrics.group

    @group.setter
    def group(self, value: str) -> None:
        self.metrics.group = value

    # tags ----------------------------------------------------------------------------------------
    def enter_scenario(self, name: str, scenario_tags: Mapping[str, str], env: Mapping[str, str]) -> None:
        self.scenario_name = name
        self.iteration = -1
        tags = dict(self.ctx.test_tags)
        tags.update(scenario_tags)
        tags["scenario"] = name
        self._scenario_tags = tuple(sorted(tags.items()))
        self.env = {**self.ctx.env, **env} if env else self.ctx.env
        self._rebase()

    @property
    def tags(self) -> dict[str, str]:
        """k6's exec.vu.tags: a copy; use set_tag() to change it."""
        return dict(self._base)

    def set_tag(self, key: str, value: str | None) -> None:
        if value is None:
            self._custom.pop(key, None)
        else:
            self._custom[key] = str(value)
        self._rebase()

    def _rebase(self) -> None:
        self._base = merge_pairs(self._scenario_tags, self._custom)
        self.base_tid = self.metrics.rebase(self._base)


class VUPool:
    """Hands out VUs with k6's global 1-based ids, reusing released ones across scenarios."""

    def __init__(self, ctx: RunContext, first_id: int = 1) -> None:
        self.ctx = ctx
        self._next_id = first_id
        self.first_id = first_id  # VU ids are the test's; minus this (+1), the instance's
        self._free: list[VU] = []
        self.initialized = 0

    def acquire(self) -> VU:
        if self._free:
            return self._free.pop()
        vu = VU(self._next_id, self.ctx)
        self._next_id += 1
        self.initialized += 1
        return vu

    def release(self, vu: VU) -> None:
        vu.http.reset()
        self._free.append(vu)

    def close(self) -> None:
        for vu in self._free:
            vu.http.close()
