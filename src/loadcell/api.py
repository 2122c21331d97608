"""The script API: k6's check(), group(), sleep(), __ENV, exec and test.abort()/fail(), in Python."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from types import CoroutineType
from typing import Any, NoReturn

from loadcell.engine.context import get_context
from loadcell.engine.execution import abort as abort  # k6's exec.test.abort(), also a script API name
from loadcell.engine.execution import mark_failed as mark_failed  # k6's exec.test.fail()
from loadcell.engine.vu import VU, current_vu
from loadcell.http import cookies
from loadcell.http.client import expected_statuses, set_response_callback
from loadcell.http.cookies import CookieJar
from loadcell.http.tagged import url as tagged_url
from loadcell.metrics import registry as R
from loadcell.metrics.clock import now


class _Env(Mapping[str, str]):
    """k6's __ENV: process environment, overlaid by -e KEY=VALUE, overlaid by the scenario's env."""

    def _data(self) -> dict[str, str]:
        vu = current_vu.get(None)
        return vu.env if vu is not None else get_context().env

    def __getitem__(self, key: str) -> str:
        return self._data()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data())

    def __len__(self) -> int:
        return len(self._data())


env = _Env()


def _vu(what: str) -> VU:
    vu = current_vu.get(None)
    if vu is None:
        raise RuntimeError(
            f"{what} can only be called in setup(), a VU function or teardown(), not at import"
        )
    return vu


def check(
    value: Any, checks: Mapping[str, Callable[[Any], Any] | bool], tags: Mapping[str, str] | None = None
) -> bool:
    """Evaluate named predicates; one `checks` sample each. Never fails the run by itself."""
    vu = current_vu.get(None) or _vu("check()")
    if type(value) is CoroutineType:  # k6's http.get() returns the response; ours must be awaited
        value.close()
        raise TypeError(
            "check() got a coroutine, not a response: write `r = await vu.http.get(...)` in an"
            " `async def` function"
        )
    return vu.ledger.checks(value, checks, tags)  # the predicates run, and their samples are written, in C


class group:
    """`with group("name"):` or `async with group("name"):` sets the ::group tag and times it."""

    __slots__ = ("_name", "_prev", "_start", "_vu")

    def __init__(self, name: str) -> None:
        if "::" in name:
            raise ValueError(f"group name {name!r} may not contain '::'")
        self._name = name

    def __enter__(self) -> group:
        vu = self._vu = _vu("group()")
        self._prev = vu.group
        vu.group = f"{vu.group}::{self._name}"
        self._start = now()
        return self

    def __exit__(self, *exc: object) -> None:
        vu = self._vu
        end = now()
        vu.buffer.sample(R.GROUP_DURATION.id, vu.sample_tagset(None), end, (end - self._start) * 1000.0)
        vu.group = self._prev

    async def __aenter__(self) -> group:
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__(*exc)


async def sleep(seconds: float) -> None:
    """k6's sleep(); must be awaited so other VUs run meanwhile. Never shorter than asked: the
    loop's timers may fire up to a millisecond early, so the rest is slept again."""
    end = now() + seconds
    await asyncio.sleep(seconds)
    left = end - now()
    while left > 0:
        await asyncio.sleep(left)
        left = end - now()


class FailError(Exception):
    """Raised by fail(): the iteration ends there and still counts, its error logged and counted."""


def fail(reason: str = "") -> NoReturn:
    """k6's fail(): end this iteration with an error; the test goes on and does not fail for it."""
    raise FailError(reason)


class _HttpProxy:
    """`http.get(...)` as in k6: the calling VU's client (also usable in setup and teardown), and
    k6/http's module-level names: CookieJar, cookie_jar(), url(), expected_statuses(),
    set_response_callback()."""

    CookieJar = CookieJar
    url = staticmethod(tagged_url)
    expected_statuses = staticmethod(expected_statuses)
    set_response_callback = staticmethod(set_response_callback)

    @staticmethod
    def cookie_jar() -> cookies.CookieJar:  # the module's: CookieJar here names the class attribute
        """k6's http.cookieJar(): the calling VU's jar (cleared between iterations)."""
        return _vu("http.cookie_jar()").http.cookies

    def __getattr__(self, name: str) -> Any:
        return getattr(_vu("http").http, name)


http = _HttpProxy()


class _ExecInfo:
    """A small k6/execution: the current VU's ids and scenario."""

    @property
    def vu(self) -> VU:
        return _vu("exec_info.vu")

    @property
    def scenario(self) -> str:
        return _vu("exec_info.scenario").scenario_name


exec_info = _ExecInfo()
