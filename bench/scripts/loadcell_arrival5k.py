"""constant-arrival-rate at 5,000 iterations/s for 10 s: every iteration must start, none dropped."""

from loadcell import env

URL = env.get("BENCH_URL", "http://127.0.0.1:18081/api/ping")
options = {
    "scenarios": {
        "arrival": {
            "executor": "constant-arrival-rate",
            "rate": 5000,
            "duration": "10s",
            "preAllocatedVUs": 300,
            "maxVUs": 1000,
        }
    }
}


async def default(vu):
    await vu.http.get(URL)
