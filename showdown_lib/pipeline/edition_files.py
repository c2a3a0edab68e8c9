"""Every raw file an edition reads: its folder, the snapshots it resolves, its curated set.

The pipeline hashes these to decide whether an edition's scores must be computed again, and an
open step allows reading exactly these for an ``edition:`` input.
"""
from __future__ import annotations

from pathlib import Path

from ..acquire.editions import load_edition
from ..core import paths


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")) if folder.is_dir() else []


def edition_input_files(edition_id: str, sources: list[str] | None = None, with_edition: bool = True) -> list[Path]:
    """The raw files behind ``edition_id``; with ``sources``, only those sources' resolved snapshots."""
    from ..acquire.observations import resolve_snapshots

    edition = load_edition(edition_id)
    files: list[Path] = []
    if with_edition:
        files += _files(edition.folder) + [paths.frameworks_file(), paths.criteria_file()]
        fallback = edition.inputs.get("published_fallback")
        if fallback:
            files += _files(load_edition(str(fallback)).folder)
    if edition.kind != "collected":
        return files
    for source, snap in resolve_snapshots(edition).items():
        if snap and (not sources or source in sources):
            files += _files(paths.snapshots_dir(source) / snap)
        if snap and source == "ops_probe" and with_edition:
            files.append(paths.raw_dir() / "probe_checks.yaml")  # the converter rule that classifies ONNX results
    curated = edition.inputs.get("curated")
    if with_edition and isinstance(curated, dict) and curated.get("set"):
        files += _files(paths.curated_dir() / str(curated["set"]))
    return files
