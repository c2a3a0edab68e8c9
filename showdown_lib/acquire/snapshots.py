"""Snapshots: how a collector's result is stored (``data/raw/snapshots/<source>/<as_of>/``), sealed, read back
with its checks, and which snapshot of each source an edition uses.

A snapshot folder holds ``observations.csv``, one CSV per auxiliary table and ``provenance.json`` (source,
endpoint template, method, retrieved and as-of dates, collector version, counts, failures, and the sha256 of
every other file, verified on every read).
"""
from __future__ import annotations

import copy
import datetime as dt
import warnings
from typing import Any

from .sources.base import ISO_DAY, OBSERVATION_COLUMNS, SourceResult, check_day, check_observations


def snapshot_path(source: str, as_of: str, root=None):
    from pathlib import Path

    from ..core import paths

    base = Path(root) if root else paths.snapshots_dir()
    return base / source / str(as_of)


# --------------------------------------------------------------------------- writing and reading snapshots

def file_checksums(folder) -> dict[str, str]:
    """sha256 of every data file of a snapshot folder (all files but ``provenance.json``)."""
    from pathlib import Path

    from ..core.fileio import sha256_of

    return {p.name: sha256_of(p) for p in sorted(Path(folder).iterdir()) if p.is_file() and p.name != "provenance.json"}


def write_snapshot(result: SourceResult, root=None, retrieved_at: str | None = None):
    """Write a collector's result to ``snapshots/<source>/<as_of>/`` in one atomic step.

    The folder holds ``observations.csv``, one CSV per auxiliary table and ``provenance.json``
    (source, endpoint template, method, retrieved_at, as_of, collector version, counts, failures,
    and the sha256 of every other file). If anything fails while writing, the previous snapshot of
    that date is left whole.
    """
    import pandas as pd

    from ..core.fileio import atomic_directory, atomic_write_csv, atomic_write_json

    target = snapshot_path(result.source, result.as_of, root)
    rows = [o.as_row() for o in result.observations]
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
    frame = frame.sort_values(["framework", "metric"], kind="stable")
    # the checks of loading, before anything is written: a collector's bad value never reaches the disk
    check_observations(frame.astype(object).where(frame.notna(), None).reset_index(drop=True), target / "observations.csv",
                       result.source, str(result.as_of))
    provenance = {
        "source": result.source,
        "endpoint": result.endpoint,
        "method": result.method,
        "retrieved_at": retrieved_at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "as_of": result.as_of,
        "collector_version": result.collector_version,
        "n_observations": len(rows),
        "n_ok": int(sum(1 for r in rows if r["status"] == "ok")),
        "n_missing": int(sum(1 for r in rows if r["status"] == "missing")),
        "failures": list(result.failures),
        "tables": sorted(result.tables),
        "extra": result.extra,
    }
    with atomic_directory(target) as tmp:
        atomic_write_csv(tmp / "observations.csv", frame)
        for name, table in result.tables.items():
            atomic_write_csv(tmp / f"{name}.csv", pd.DataFrame(table))
        provenance["checksums"] = file_checksums(tmp)
        atomic_write_json(tmp / "provenance.json", provenance)
    return target


def read_provenance(folder, source: str, as_of: str, allow_unsealed: bool = False) -> dict[str, Any]:
    """``provenance.json`` of a snapshot folder, checked: a mapping of this source and date whose
    checksums match the files (a provenance without checksums is an error unless ``allow_unsealed``:
    only ``collect --seal`` reads one). Every problem is a :class:`DataError` naming the file."""
    from ..core.errors import DataError
    from ..core.fileio import read_json

    path = folder / "provenance.json"
    prov = read_json(path)
    if not isinstance(prov, dict):
        raise DataError(path, f"must be a JSON object (a mapping of fields), got a JSON {type(prov).__name__}")
    from ..core.schemas import validate

    if "checksums" in prov or not allow_unsealed:
        if "checksums" not in prov:
            raise DataError(path, "no checksums recorded, so a changed value could not be noticed; check the snapshot's rows and run "
                            f"`python -m showdown_lib.acquire.collect --seal {source}/{as_of}` to record them", field="checksums")
        validate(prov, "provenance", path)
    for key, want in (("source", source), ("as_of", as_of)):
        if key not in prov:
            raise DataError(path, "missing required field", field=key)
        if str(prov[key]) != want:
            raise DataError(path, f"{key} is {prov[key]!r} but the snapshot folder says {want!r}", field=key)
    sums = prov.get("checksums")
    if sums is None and not allow_unsealed:
        raise DataError(path, "no checksums recorded, so a changed value could not be noticed; check the snapshot's rows and run "
                        f"`python -m showdown_lib.acquire.collect --seal {source}/{as_of}` to record them", field="checksums")
    if sums is not None:
        if not isinstance(sums, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in sums.items()):
            raise DataError(path, "checksums must map file names to sha256 hex digests", field="checksums")
        actual = file_checksums(folder)
        for name in sorted(set(sums) | set(actual)):
            if name not in actual:
                raise DataError(folder / name, f"file not found, but {path.name} records its checksum", field="checksums")
            if name not in sums:
                raise DataError(folder / name, f"not covered by the checksums in {path.name}: a file was added after collection", field="checksums")
            if sums[name] != actual[name]:
                raise DataError(folder / name, f"checksum mismatch: {path.name} records {sums[name][:12]}..., the file has "
                                f"{actual[name][:12]}...; the file changed after collection", field="checksums")
    return prov


def read_snapshot(source: str, as_of: str, root=None):
    """Load ``observations.csv`` and ``provenance.json`` of one snapshot, validated.

    Checked: the provenance (see :func:`read_provenance`, including checksums), the columns, and
    every row against :data:`METRIC_RULES` (type, range, one row per framework and metric). Errors
    name the file, the row and the column.
    """
    from ..core.errors import DataError
    from ..core.fileio import check_read, read_csv, recover_directory

    folder = snapshot_path(source, as_of, root)
    recover_directory(folder)
    if not folder.is_dir():
        raise DataError(folder, f"no {source} snapshot as of {as_of}")
    files = sorted(p for p in folder.iterdir() if p.is_file())
    key = (str(folder.resolve()), source, str(as_of), tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files))
    if key in _SNAPSHOT_CACHE:  # checked already in this process, and no file of it changed since
        for p in files:
            check_read(p)  # a step that did not declare the snapshot still may not read it
        obs, prov = _SNAPSHOT_CACHE[key]
        return obs.copy(), copy.deepcopy(prov)
    prov = read_provenance(folder, source, str(as_of))
    path = folder / "observations.csv"
    obs = read_csv(path, required=OBSERVATION_COLUMNS, dtype=str, keep_default_na=False, na_values=[""])
    check_observations(obs, path, source, str(as_of))
    from .sources.tables import read_table

    for name in prov.get("tables") or []:
        if (folder / f"{name}.csv").exists():
            read_table(folder, source, str(name), str(as_of), obs)
    if len(_SNAPSHOT_CACHE) >= 64:
        _SNAPSHOT_CACHE.clear()
    _SNAPSHOT_CACHE[key] = (obs.copy(), copy.deepcopy(prov))
    return obs, prov


#: Snapshots read and checked in this process, by folder and the size and time of each of its files.
_SNAPSHOT_CACHE: dict[tuple, tuple] = {}


def snapshot_dates(source: str, root=None) -> list[str]:
    """The dates of the snapshots of ``source``, oldest first, after finishing any interrupted swap."""
    from ..core.fileio import recover_all

    base = snapshot_path(source, "x", root).parent
    if not base.is_dir():
        return []
    recover_all(base)
    return sorted(p.name for p in base.iterdir() if p.is_dir() and ISO_DAY.match(p.name))


def latest_snapshot(source: str, on_or_before: str | None = None, root=None) -> str | None:
    """The newest snapshot date of ``source`` (optionally not after a date), or None."""
    dates = snapshot_dates(source, root)
    if on_or_before:
        dates = [d for d in dates if d <= str(on_or_before)]
    return dates[-1] if dates else None


class SnapshotWarning(UserWarning):
    """An edition uses an older snapshot than its date, or (dated edition) has none for a source."""


def resolve_edition_snapshots(edition, sources=None, root=None) -> tuple[dict[str, str | None], list[str]]:
    """``({source: snapshot date or None}, notes)`` for a collected edition's ``inputs``.

    ``snapshot: YYYY-MM-DD`` must exist and not be after the edition's date; ``latest`` is the
    newest on or before it. No snapshot at all for ``latest`` is an error unless the edition says
    why (``unavailable``) or is a dated edition (``id@date``), whose missing sources are noted.
    A ``latest`` older than the edition's date is noted too: ``notes`` are the lines to show; each is
    also issued once as a :class:`SnapshotWarning`, so it is never silent.
    """
    import warnings

    from ..core.errors import DataError

    dates: dict[str, str | None] = {}
    notes: list[str] = []
    if sources is None:
        sources = [k for k, v in edition.inputs.items() if isinstance(v, dict) and "snapshot" in v]
    for source in sources:
        spec = edition.inputs.get(source)
        snap = spec.get("snapshot") if isinstance(spec, dict) else None
        where = f"inputs.{source}.snapshot"
        if isinstance(snap, dt.date):
            snap = snap.isoformat()
        if snap in (None, "none"):
            dates[source] = None
        elif snap == "latest":
            found = latest_snapshot(source, on_or_before=edition.as_of, root=root)
            declared = isinstance(spec, dict) and spec.get("unavailable")
            if found is None and not declared:
                msg = f"no {source} snapshot on or before {edition.as_of} (snapshots: {', '.join(snapshot_dates(source, root)) or 'none'})"
                if "@" not in edition.id:
                    raise DataError(edition.file, msg + "; collect one or pin an existing date", edition.id, where)
                notes.append(f"{edition.id}: {msg}; its values are missing")
            elif found is not None and found < edition.as_of:
                notes.append(f"{edition.id}: the newest {source} snapshot on or before {edition.as_of} is of {found}, "
                             f"{_days(found, edition.as_of)} older")
            dates[source] = found
        else:
            try:
                day = check_day(snap, where).isoformat()
            except ValueError as exc:
                raise DataError(edition.file, f"{exc}; use a date, 'latest' or null", edition.id, where) from None
            if day > edition.as_of:
                raise DataError(edition.file, f"pins the {source} snapshot of {day}, after the edition's date {edition.as_of}", edition.id, where)
            if day not in snapshot_dates(source, root):
                raise DataError(edition.file, f"pins the {source} snapshot of {day}, which does not exist "
                                f"({snapshot_path(source, day, root)})", edition.id, where)
            dates[source] = day
    for note in notes:
        warnings.warn(note, SnapshotWarning, stacklevel=2)
    return dates, notes


def snapshot_notes(edition) -> list[str]:
    """The lines to show about an edition's snapshots (older than its date, or missing); [] when none."""
    if getattr(edition, "kind", "collected") != "collected":
        return []
    return resolve_edition_snapshots(edition)[1]


def _days(first: str, last: str) -> str:
    n = (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days
    return f"{n} day{'s' if n != 1 else ''}"
