"""The report's template is compiled once per user (Jinja's bytecode cache in the temp dir), and a
temp dir that is not safe to use means compiling each time, not a failed report."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from jinja2 import Environment

from loadcell.report import html


def test_an_unsafe_cache_folder_means_no_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / f"_jinja2-cache-{os.getuid()}").symlink_to(elsewhere)  # Jinja refuses a link
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert html._compiled_templates() is None


def test_the_compiled_report_template_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    cache = html._compiled_templates()
    assert cache is not None
    Environment(loader=html._env.loader, bytecode_cache=cache).get_template("report.html.j2")
    assert list((tmp_path / f"_jinja2-cache-{os.getuid()}").glob("*.cache"))
