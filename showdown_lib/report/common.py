"""Shared by every presenter: inline display, computed Markdown, the run record, framework names."""
from __future__ import annotations

import datetime as dt
import platform
import subprocess
from importlib import metadata
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from .. import paths
from ..registry import load_registry

pd.set_option("display.precision", 1)
pd.set_option("display.max_columns", 30)
pd.set_option("display.max_colwidth", None)
pd.set_option("display.width", 160)


def display(obj: Any) -> None:
    try:
        from IPython.display import display as ipy_display

        ipy_display(obj)
    except ImportError:  # outside IPython: print
        print(obj)


def md(text: str) -> None:
    """Show computed Markdown."""
    try:
        from IPython.display import Markdown

        display(Markdown(text))
    except ImportError:
        print(text)


def environment_record() -> pd.DataFrame:
    """Package versions and the git revision the notebook ran with (the report's last cell)."""
    rows = [{"item": "python", "version": platform.python_version()}]
    for pkg in ("showdown", "pandas", "numpy", "matplotlib", "seaborn", "papermill", "requests"):
        try:
            rows.append({"item": pkg, "version": metadata.version(pkg)})
        except metadata.PackageNotFoundError:
            rows.append({"item": pkg, "version": "not installed"})
    try:
        rev = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=paths.project_root(), capture_output=True,
                             text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        rev = "unknown"
    rows.append({"item": "git revision", "version": rev})
    rows.append({"item": "run at (UTC)", "version": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")})
    return pd.DataFrame(rows).set_index("item")


class Presenter:
    """A step's presenter: the registry's names and colours, and the step's writer."""

    def __init__(self, step) -> None:
        self.step = step
        self.registry = load_registry()  # colours are fixed over the whole registry
        self.all_frameworks = self.registry
        self.names = {fw.id: fw.name for fw in self.registry}

    def show(self, fig, name: str) -> None:
        """Stage ``fig`` (PNG and SVG, when the step saves figures), show it inline, close it."""
        self.step.save_figure(fig, name)
        display(fig)
        plt.close(fig)

    def write(self, frame: pd.DataFrame, name: str) -> str:
        return "staged " + self.step.write_table(frame, name)

    def label(self, frame: pd.DataFrame, column: str = "framework") -> pd.DataFrame:
        out = frame.copy()
        out[column] = out[column].map(lambda f: self.names.get(f, f))
        return out
