"""The one place loadcell's version is written: pyproject.toml reads it, the CLI and User-Agent print it."""

__version__ = "0.1.0"
