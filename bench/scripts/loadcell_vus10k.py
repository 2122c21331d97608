"""Many VUs, each waiting 1 s per request: memory per VU, not throughput."""

from loadcell import check, env

URL = env.get("BENCH_URL", "http://127.0.0.1:18081/api/slow1s")


async def default(vu):
    r = await vu.http.get(URL)
    check(r, {"status is 200": lambda r: r.status == 200})
