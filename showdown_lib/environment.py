"""The interpreter and the package versions a step's outputs depend on.

Every notebook shows them in its run record (its last cell), and every step's record in the pipeline state
holds them (:mod:`showdown_lib.pipeline`), so a run under other versions runs its steps again instead of
calling outputs of another environment up to date. Nothing here changes when nothing changed: no clock,
no revision, no machine name.
"""
from __future__ import annotations

import platform
from importlib import metadata

PACKAGES = ("showdown", "pandas", "numpy", "matplotlib", "seaborn", "papermill", "requests")


def versions() -> dict[str, str]:
    """``{"python": "3.11.7", "pandas": "2.2.3", ...}``: the interpreter, then each package of :data:`PACKAGES`."""
    out = {"python": platform.python_version()}
    for pkg in PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out
