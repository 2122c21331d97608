"""The Albert journeys J2-J10 weighted as in the reference mix; J1 once per VU; J9 on its own.

loadcell run tests/performance/mixed.py -e ALBERT_BASE_URL=http://127.0.0.1:8091 -e PROFILE=load
"""

from albert_suite.config import load_config
from albert_suite.lifecycle import suite_setup, suite_teardown
from albert_suite.metrics import throttled  # noqa: F401 - registers the metric the thresholds use
from albert_suite.profiles import profile_scenarios
from albert_suite.runner import bulk_export, weighted_journey

from loadcell import env

CONFIG = load_config()
_vus = int(env["VUS"]) if "VUS" in env else None
options = {
    "scenarios": {
        **profile_scenarios(CONFIG.profile, "journeys", _vus, env.get("DURATION")),
        **profile_scenarios(CONFIG.profile, "bulk", 1, env.get("DURATION")),
    },
    "thresholds": {
        "checks": ["rate>=1.0"],
        "http_req_failed": ["rate<0.01"],
        "http_req_duration{expected_response:true}": ["p(95)<500"],
        "albert_throttled": ["rate<0.01"],
    },
}


async def setup():
    return await suite_setup()


async def journeys(vu):
    await weighted_journey(vu)


async def bulk(vu):
    await bulk_export(vu)


async def teardown(data):
    await suite_teardown(data)
