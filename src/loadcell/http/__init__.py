"""The HTTP client: client (the k6 calls, a VU's idle connections) -> connection -> protocol (C, llhttp)."""

from loadcell.http.client import HttpClient, expected_statuses
from loadcell.http.response import Response

__all__ = ["HttpClient", "Response", "expected_statuses"]
