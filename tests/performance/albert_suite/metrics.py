"""The suite's own metrics: Albert outcomes that are neither success nor a real failure."""

from __future__ import annotations

from loadcell import Counter, Rate

# 1 for each throttled response (429, or a 403 that says it is a rate limit), 0 for every other one.
throttled = Rate("albert_throttled")
# Bulk calls that answered 206 with FailedItems: a partial success, not a failure.
partial_success = Counter("albert_partial_success")
# Items a search did not show yet (the index lags writes); polled, never slept on blindly.
index_lag_polls = Counter("albert_index_lag_polls")
# Token refreshes caused by a 401.
auth_refreshes = Counter("albert_auth_refreshes")
