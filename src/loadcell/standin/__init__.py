"""Local stand-in servers that speak just enough of a real API for offline load tests."""
