"""Virtual users: identity, tags, group path and the per-VU HTTP client, found through a ContextVar."""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from loadcell.http._wire import Ledger
from loadcell.http.client import HttpClient
from loadcell.http.response import Response
from loadcell.metrics import registry as R
from loadcell.metrics.buffer import SampleBuffer
from loadcell.metrics.tags import TagPairs, TagSets, merge_pairs

if TYPE_CHECKING:
    from loadcell.engine.context import RunContext

current_vu: ContextVar[VU] = ContextVar("loadcell_vu")


class VU:
    """One virtual user. k6 semantics: id is 1-based (0 in setup/teardown), iteration 0-based."""

    def __init__(self, vu_id: int, ctx: RunContext) -> None:
        self.id = vu_id
        self.ctx = ctx
        self.buffer: SampleBuffer = ctx.buffer
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
        self.group = ""
        self._base: TagPairs = ctx.test_tags
        self._custom: dict[str, str] = {}
        self._scenario_tags: TagPairs = ()
        # Tag set of iteration-level samples (iterations, data_*): scenario and test tags, no group.
        self.base_tid = self.tagsets.intern(self._base)
        # Tag-set ids by request/check facts, read directly by the VU's Ledger (C) on the hot path.
        self.http_cache: dict[tuple, int] = {}
        self._sample_cache: dict[tuple, int] = {}
        self.check_cache: dict[tuple, int] = {}
        buffer = self.buffer
        # Request, check and iteration rows, written in C (the bytes of the iteration so far too).
        self.ledger = Ledger(
            self,
            buffer.http,
            buffer.gen,
            buffer.iters,
            self.http_cache,
            self.check_cache,
            self.http_tagset,
            self.check_tagset,
            Response,
            R.CHECKS.id,
        )
        self.http = HttpClient(self)

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
        self.base_tid = self.tagsets.intern(self._base)
        self.http_cache.clear()
        self._sample_cache.clear()
        self.check_cache.clear()

    def sample_tagset(self, extra: Mapping[str, str] | None, with_group: bool = True) -> int:
        """Tags for checks, custom metrics and group_duration: base + group + extra."""
        key = (self.group if with_group else None, tuple(extra.items()) if extra else None)
        tid = self._sample_cache.get(key)
        if tid is None:
            tags: dict[str, str] = dict(self._base)
            if with_group and self.group:
                tags["group"] = self.group
            if extra:
                tags.update({str(k): str(v) for k, v in extra.items()})
            tid = self.tagsets.intern_dict(tags)
            self._sample_cache[key] = tid
        return tid

    def check_tagset(self, name: str, extra: Mapping[str, str] | None) -> int:
        key = (self.group, name, tuple(extra.items()) if extra else None)
        tid = self.check_cache.get(key)
        if tid is None:
            if "::" in name:
                raise ValueError(f"check name {name!r} may not contain '::' (it separates group names)")
            tid = self.check_cache[key] = self.sample_tagset(
                {"check": name, **extra} if extra else {"check": name}
            )
        return tid

    def http_tagset(
        self,
        method: str,
        url: str,
        status: int,
        proto: str,
        expected: str,
        error_code: int,
        extra: Mapping[str, str] | None,
        tls_version: str = "",
        error: str = "",
    ) -> int:
        # The Ledger looks the 8-field key up itself; error_code follows from status, except for errors.
        extra_key = tuple(extra.items()) if extra else None
        key: tuple = (self.group, method, url, status, proto, expected, extra_key, tls_version)
        if error or not status:
            key += (error_code, error)
        tid = self.http_cache.get(key)
        if tid is None:
            tags: dict[str, str] = dict(self._base)
            tags.update(method=method, url=url, name=url, status=str(status))
            if proto:
                tags["proto"] = proto
            if tls_version:
                tags["tls_version"] = tls_version
            if self.group:
                tags["group"] = self.group
            if expected:
                tags["expected_response"] = expected
            if error_code:
                tags["error_code"] = str(error_code)
            if error:
                tags["error"] = error
            if extra:
                tags.update({str(k): str(v) for k, v in extra.items()})
                if "name" in extra:
                    tags["url"] = str(extra["name"])  # k6: a name tag collapses url
            tid = self.tagsets.intern_dict(tags)
            if len(self.http_cache) > 10_000:
                self.http_cache.clear()
            self.http_cache[key] = tid
        return tid


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
