"""Shared fixtures: the real methodology, and a scratch copy of the project for tests that write."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def method():
    from showdown_lib.methodology import load_methodology

    return load_methodology()


@pytest.fixture
def scratch_root(tmp_path, monkeypatch):
    """A copy of data/ (and pyproject.toml) under tmp_path, with SHOWDOWN_ROOT pointing at it."""
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    (root / "data" / "processed").mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    monkeypatch.setenv("SHOWDOWN_ROOT", str(root))
    return root


def pytest_configure(config):
    """nbval executes the committed notebooks, whose last cells publish tables and figures: point
    them (through SHOWDOWN_ROOT, which the kernels inherit) at a scratch copy of the project, so
    `make test` never rewrites a tracked file."""
    import os
    import tempfile

    if not getattr(config.option, "nbval", False) or os.environ.get("SHOWDOWN_ROOT"):
        return
    sandbox = Path(tempfile.mkdtemp(prefix="showdown-nbval-")) / "project"
    sandbox.mkdir()
    shutil.copytree(ROOT / "data", sandbox / "data")
    shutil.copytree(ROOT / "notebooks", sandbox / "notebooks", ignore=shutil.ignore_patterns("*.ipynb"))
    shutil.copy(ROOT / "pyproject.toml", sandbox / "pyproject.toml")
    os.environ["SHOWDOWN_ROOT"] = str(sandbox)
    config._showdown_sandbox = sandbox.parent


def pytest_unconfigure(config):
    sandbox = getattr(config, "_showdown_sandbox", None)
    if sandbox is not None:
        import os

        os.environ.pop("SHOWDOWN_ROOT", None)
        shutil.rmtree(sandbox, ignore_errors=True)
