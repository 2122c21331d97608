"""Locust side of the benchmark: FastHttpUser, constant(0) wait, one GET per task.

Locust counts any non-2xx/3xx response as a failure by itself, which is its equivalent of the check.
The path comes from BENCH_PATH; the host from --host.
"""

import os

from locust import FastHttpUser, constant, task

PATH = os.environ.get("BENCH_PATH", "/api/ping")


class BenchUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self) -> None:
        self.client.get(PATH)
