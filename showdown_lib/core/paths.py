"""Every folder the project reads or writes, found from the project root.

No notebook or module writes a literal path: they ask this module. The root is the folder that
holds ``pyproject.toml`` above this package, or ``SHOWDOWN_ROOT`` when set (tests use it to run
against a scratch copy).
"""
from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    env = os.environ.get("SHOWDOWN_ROOT")
    if env:
        return Path(env).resolve()
    library = Path(__file__).resolve().parents[1]  # showdown_lib/
    for candidate in library.parents:
        if (candidate / "pyproject.toml").exists() and (candidate / "data").is_dir():
            return candidate
    return library.parent


def raw_dir() -> Path:
    return project_root() / "data" / "raw"


def processed_dir(edition: str | None = None) -> Path:
    base = project_root() / "data" / "processed"
    return base / edition if edition else base


def editions_dir() -> Path:
    return raw_dir() / "editions"


def edition_dir(edition: str) -> Path:
    return editions_dir() / edition


def snapshots_dir(source: str | None = None) -> Path:
    base = raw_dir() / "snapshots"
    return base / source if source else base


def curated_dir() -> Path:
    return raw_dir() / "curated"


def figures_dir(edition: str) -> Path:
    return project_root() / "reports" / "figures" / edition


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def frameworks_file() -> Path:
    return raw_dir() / "frameworks.yaml"


def criteria_file() -> Path:
    return raw_dir() / "criteria.yaml"


def shown(path: str | Path, whole_outside: bool = False) -> str:
    """A path as messages and logs show it: relative to the project when it is inside it, so nothing written
    by the project shows this machine's folders; outside it, its name alone, or the path as given with
    ``whole_outside`` (an error about a file the user named, which must say which one)."""
    try:
        return str(Path(path).resolve().relative_to(project_root().resolve()))
    except (ValueError, OSError):
        return str(path) if whole_outside else Path(path).name
