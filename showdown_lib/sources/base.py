"""What every collector returns, and how a snapshot of it is stored.

A collector turns a list of frameworks and an as-of date into :class:`Observation` rows, one per
framework and metric. A value that could not be had is still a row: ``value`` is None,
``status`` is ``"missing"`` and ``reason`` says why. Missing is missing; nothing is guessed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

OBSERVATION_COLUMNS = ["framework", "metric", "value", "unit", "as_of", "source", "detail", "status", "reason"]


@dataclass
class Observation:
    framework: str
    metric: str
    value: Any
    unit: str
    as_of: str
    source: str
    detail: str = ""
    status: str = "ok"
    reason: str = ""

    def __post_init__(self) -> None:
        if self.status not in ("ok", "missing"):
            raise ValueError(f"status must be 'ok' or 'missing', got {self.status!r}")
        if self.status == "missing" and not self.reason:
            raise ValueError(f"a missing observation needs a reason ({self.framework}/{self.metric})")
        if self.status == "ok" and self.value is None:
            raise ValueError(f"an ok observation needs a value ({self.framework}/{self.metric})")

    def as_row(self) -> dict[str, Any]:
        return asdict(self)


def missing(framework: str, metric: str, unit: str, as_of: str, source: str, reason: str, detail: str = "") -> Observation:
    return Observation(framework, metric, None, unit, as_of, source, detail, "missing", reason)


@dataclass
class SourceResult:
    """What one collector run produced: the rows, and how they were made."""

    source: str
    as_of: str
    observations: list[Observation]
    endpoint: str  # a template, never with secrets or a registry host: e.g. "{index}/{project}/"
    method: str  # one sentence: how the values were obtained
    collector_version: str
    failures: list[str] = field(default_factory=list)  # per-item failures that did not stop the run
    extra: dict[str, Any] = field(default_factory=dict)  # small, secret-free detail to keep in provenance
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # auxiliary tables, one CSV each


def parse_as_of(value: str | dt.date | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"as-of date must be YYYY-MM-DD, got {value!r}") from exc


def past_or_today(as_of, today: dt.date) -> tuple[dt.date, str, bool]:
    """(day, its ISO text, whether it is today) for an as-of date; a future date is refused."""
    day = parse_as_of(as_of)
    if day > today:
        raise ValueError(f"as-of date {day} is in the future")
    return day, day.isoformat(), day == today


def snapshot_path(source: str, as_of: str, root=None):
    from pathlib import Path

    from .. import paths

    base = Path(root) if root else paths.snapshots_dir()
    return base / source / str(as_of)


def write_snapshot(result: SourceResult, root=None, retrieved_at: str | None = None):
    """Write a collector's result to ``snapshots/<source>/<as_of>/`` in one atomic step.

    The folder holds ``observations.csv``, one CSV per auxiliary table and ``provenance.json``
    (source, endpoint template, method, retrieved_at, as_of, collector version, counts, failures).
    If anything fails while writing, the previous snapshot of that date is left whole.
    """
    import pandas as pd

    from ..fileio import atomic_directory, atomic_write_csv, atomic_write_json

    target = snapshot_path(result.source, result.as_of, root)
    rows = [o.as_row() for o in result.observations]
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
    frame = frame.sort_values(["framework", "metric"], kind="stable")
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
        atomic_write_json(tmp / "provenance.json", provenance)
    return target


def read_snapshot(source: str, as_of: str, root=None):
    """Load ``observations.csv`` and ``provenance.json`` of one snapshot; errors name the file."""
    from ..errors import DataError
    from ..fileio import read_csv, read_json

    folder = snapshot_path(source, as_of, root)
    if not folder.is_dir():
        raise DataError(folder, f"no {source} snapshot as of {as_of}")
    obs = read_csv(folder / "observations.csv", required=OBSERVATION_COLUMNS, dtype={"value": "object"}, keep_default_na=False, na_values=[""])
    prov = read_json(folder / "provenance.json")
    bad = obs[~obs["status"].isin(["ok", "missing"])]
    if len(bad):
        raise DataError(folder / "observations.csv", f"status must be ok or missing, got {bad['status'].iloc[0]!r}", entry=str(bad["framework"].iloc[0]), field="status")
    return obs, prov


def latest_snapshot(source: str, on_or_before: str | None = None, root=None) -> str | None:
    """The newest snapshot date of ``source`` (optionally not after a date), or None."""
    base = snapshot_path(source, "x", root).parent
    if not base.is_dir():
        return None
    dates = sorted(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    if on_or_before:
        dates = [d for d in dates if d <= str(on_or_before)]
    return dates[-1] if dates else None
