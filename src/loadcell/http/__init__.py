"""The HTTP client: client (k6's calls) -> exchange (a VU's connections and request path) ->
connection (the protocol, C on llhttp) -> the Ledger, which writes each finished exchange into the
VU's metrics handle (loadcell.metrics.handle). The C/Python contract is loadcell.http.contract."""

from loadcell.http.client import HttpClient, expected_statuses
from loadcell.http.response import Response

__all__ = ["HttpClient", "Response", "expected_statuses"]
