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


@pytest.fixture
def pipeline_project(scratch_root):
    """A scratch project with the real notebooks, step table and processed tables (SHOWDOWN_ROOT points at it)."""
    shutil.copytree(ROOT / "notebooks", scratch_root / "notebooks")
    shutil.rmtree(scratch_root / "data" / "processed")
    shutil.copytree(ROOT / "data" / "processed", scratch_root / "data" / "processed")
    return scratch_root


def digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path: to show that nothing was written."""
    import hashlib

    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


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
