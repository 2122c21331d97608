"""The HTTP client: pool -> connection -> protocol, as httpcore layers it; the protocol is C on llhttp."""

from loadcell.http.client import HttpClient, expected_statuses
from loadcell.http.response import Response

__all__ = ["HttpClient", "Response", "expected_statuses"]
