"""A VU's way into the process's metrics: its group, its base tags, its tag-set caches, the sample
buffer and the tag-set interning.

Samples flow one way: the HTTP client and the C Ledger (loadcell.http._wire) write into a handle,
and nothing they are handed leads back to the VU that owns it. The caches are read by the Ledger
directly; on a miss it calls `http_tagset` or `check_tagset` here (loadcell.http.contract lists
what C reads and calls), keyed as the Ledger keys them (the `_wire.http_key` and `check_key`
layouts, one source for both sides).
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import Protocol

from loadcell.http._wire import check_key, http_key
from loadcell.metrics.buffer import SampleBuffer
from loadcell.metrics.clock import now
from loadcell.metrics.tags import TagPairs, TagSets

_HTTP_CACHE_LIMIT = 10_000  # distinct request tag sets kept before the cache starts over

TagKey = tuple[object, ...]


class MetricsHandle:
    """One VU's samples: what it tags them with and where they go."""

    __slots__ = (
        "_base",
        "_sample_cache",
        "base_tid",
        "buffer",
        "check_cache",
        "group",
        "http_cache",
        "tagsets",
    )

    def __init__(
        self,
        buffer: SampleBuffer,
        tagsets: TagSets,
        base: TagPairs,
    ) -> None:
        self.buffer = buffer
        self.tagsets = tagsets
        self.group = ""  # k6's group path, "::a::b"
        # Tag-set ids by request/check facts, read directly by the Ledger (C) on the hot path.
        self.http_cache: dict[TagKey, int] = {}
        self.check_cache: dict[TagKey, int] = {}
        self._sample_cache: dict[TagKey, int] = {}
        self._base = base
        self.base_tid = tagsets.intern(base)

    def rebase(self, base: TagPairs) -> int:
        """New base tags (scenario, test and the VU's own): the cached tag sets are stale."""
        self._base = base
        self.base_tid = self.tagsets.intern(base)
        self.http_cache.clear()
        self._sample_cache.clear()
        self.check_cache.clear()
        return self.base_tid

    def sample(self, metric_id: int, extra: Mapping[str, str] | None, value: float) -> None:
        """One sample of a metric, now, tagged as sample_tagset() tags it."""
        self.buffer.sample(metric_id, self.sample_tagset(extra), now(), value)

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
        key = check_key(self.group, name, extra)
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
        """A request's tag set. The Ledger looks the plain key up itself (error_code follows from
        status); a request with no response adds its error to the key."""
        key = http_key(self.group, method, url, status, proto, expected, extra, tls_version)
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
            if len(self.http_cache) > _HTTP_CACHE_LIMIT:
                self.http_cache.clear()
            self.http_cache[key] = tid
        return tid


class MetricsOwner(Protocol):
    """Whatever runs script code with a handle (a VU): custom metrics find the handle through it."""

    @property
    def metrics(self) -> MetricsHandle: ...


# The owner whose code runs now (the engine sets it; custom metrics and checks read it).
current_owner: ContextVar[MetricsOwner] = ContextVar("loadcell_vu")
