"""Shared fixtures: the real methodology, and a scratch copy of the project for tests that write."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def method():
    from showdown_lib.core.methodology import load_methodology

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
    """nbval executes the committed notebooks, whose last cells publish tables and figures: the kernels
    it starts get SHOWDOWN_ROOT pointing at a scratch copy of the project, so `make test` never rewrites
    a tracked file. The unit tests keep the real project."""
    import tempfile

    if not getattr(config.option, "nbval", False):
        return
    sandbox = Path(tempfile.mkdtemp(prefix="showdown-nbval-")) / "project"
    sandbox.mkdir()
    shutil.copytree(ROOT / "data", sandbox / "data")
    shutil.copytree(ROOT / "notebooks", sandbox / "notebooks")
    shutil.copy(ROOT / "pyproject.toml", sandbox / "pyproject.toml")
    config._showdown_sandbox = sandbox


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before an nbval cell (whose notebook's kernel starts in its setup), point SHOWDOWN_ROOT at the sandbox."""
    import os

    sandbox = getattr(item.config, "_showdown_sandbox", None)
    if sandbox is None:
        return
    if type(item).__module__.startswith("nbval"):
        os.environ["SHOWDOWN_ROOT"] = str(sandbox)
    elif os.environ.get("SHOWDOWN_ROOT") == str(sandbox):
        os.environ.pop("SHOWDOWN_ROOT")


def pytest_unconfigure(config):
    sandbox = getattr(config, "_showdown_sandbox", None)
    if sandbox is not None:
        import os

        if os.environ.get("SHOWDOWN_ROOT") == str(sandbox):
            os.environ.pop("SHOWDOWN_ROOT")
        shutil.rmtree(sandbox.parent, ignore_errors=True)
