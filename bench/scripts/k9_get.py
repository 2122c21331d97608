"""K9 (k9-load) side of the benchmark: an `async def default()` Python script, GET + check."""

import os

import k9

URL = os.environ.get("BENCH_URL", "http://127.0.0.1:8080/api/ping")


async def default() -> None:
    res = await k9.http.get(URL)
    k9.check(res, {"status is 200": lambda r: r.status == 200})
