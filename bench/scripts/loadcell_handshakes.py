"""loadcell side of bench/tls_wire.py: 50 VUs started one by one over 5 s, so each VU's one TLS
handshake runs alone; one GET and a 1 s pause per iteration."""

import os
from typing import Any

from loadcell import check, sleep

URL = os.environ.get("BENCH_URL", "https://127.0.0.1:18443/api/ping")
options = {
    "scenarios": {
        "ramp": {
            "executor": "ramping-vus",
            "startVUs": 0,
            "stages": [{"duration": "5s", "target": 50}],
            "gracefulRampDown": "0s",
        }
    }
}


async def default(vu: Any) -> None:
    r = await vu.http.get(URL)
    check(r, {"status is 200": lambda r: r.status == 200})
    await sleep(1)
