"""The embedded default output: a results folder with SQLite time series and a self-contained HTML report."""
