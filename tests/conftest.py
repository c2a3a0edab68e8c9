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
