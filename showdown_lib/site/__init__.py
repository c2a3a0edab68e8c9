"""The report as a static web site, built from the executed notebooks and the processed tables.

``build(out_dir=None)`` writes ``reports/site/`` (or ``out_dir``) and returns the path of its index page.
"""
from __future__ import annotations

from pathlib import Path


def build(out_dir: str | Path | None = None) -> Path:
    from .builder import build as _build

    return _build(out_dir)


__all__ = ["build"]
