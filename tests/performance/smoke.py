"""Smoke test of the Albert API: every journey J1-J10 once, with all checks and thresholds.

loadcell run tests/performance/smoke.py -e ALBERT_BASE_URL=http://127.0.0.1:8091
"""

from albert_suite.config import load_config
from albert_suite.lifecycle import suite_setup, suite_teardown
from albert_suite.metrics import throttled  # noqa: F401 - registers the metric the thresholds use
from albert_suite.runner import every_journey

CONFIG = load_config()
options = {
    "scenarios": {"smoke": {"executor": "per-vu-iterations", "vus": 1, "iterations": 1, "exec": "smoke"}},
    "thresholds": {
        "checks": ["rate>=1.0"],
        "http_req_failed": ["rate<0.01"],
        "albert_throttled": ["rate<0.01"],
    },
}


async def setup():
    return await suite_setup()


async def smoke(vu):
    await every_journey(vu)


async def teardown(data):
    await suite_teardown(data)
