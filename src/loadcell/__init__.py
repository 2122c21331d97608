"""loadcell: k6's load-testing model with Python scripts.

Scripts import their whole API from here, as k6 scripts import from 'k6'.
"""

import os

# numpy's OpenBLAS would start a spinning thread per core; loadcell's numpy work is sorting and
# bucketing, never BLAS, and those threads would steal CPU from the event loop.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from loadcell import _collector  # pauses the collector while the imports below run
from loadcell._version import __version__ as __version__
from loadcell.api import abort, check, env, exec_info, fail, group, http, mark_failed, sleep
from loadcell.engine.console import console
from loadcell.engine.execution import execution
from loadcell.http.client import expected_statuses, set_response_callback
from loadcell.http.cookies import CookieJar
from loadcell.http.html import Selection, parse_html
from loadcell.http.response import Response
from loadcell.http.tagged import url
from loadcell.metrics.custom import Counter, Gauge, Rate, Trend

__all__ = [
    "CookieJar",
    "Counter",
    "Gauge",
    "Rate",
    "Response",
    "Selection",
    "Trend",
    "abort",
    "check",
    "console",
    "env",
    "exec_info",
    "execution",
    "expected_statuses",
    "fail",
    "group",
    "http",
    "mark_failed",
    "parse_html",
    "set_response_callback",
    "sleep",
    "url",
]

_collector.resume_after_import()
