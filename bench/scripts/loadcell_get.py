"""loadcell side of the benchmark: one GET and one check per iteration, all default metrics and tags."""

import os
from typing import Any

from loadcell import check

URL = os.environ.get("BENCH_URL", "http://127.0.0.1:8080/api/ping")


async def default(vu: Any) -> None:
    r = await vu.http.get(URL)
    check(r, {"status is 200": lambda r: r.status == 200})
