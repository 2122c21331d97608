"""Metrics: k6's metric model (types, tags, sinks), mergeable histograms and thresholds."""
