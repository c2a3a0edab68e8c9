"""What every collector returns, and how a snapshot of it is stored.

A collector turns a list of frameworks and an as-of date into :class:`Observation` rows, one per
framework and metric. A value that could not be had is still a row: ``value`` is None,
``status`` is ``"missing"`` and ``reason`` says why. Missing is missing; nothing is guessed.
"""
from __future__ import annotations

import copy
import datetime as dt
import re
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


#: No collected date before this one: the oldest framework of the registry has no history before
#: 2000, and a date that old is almost always a typo.
DATE_FLOOR = dt.date(2000, 1, 1)
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def today() -> dt.date:
    """Today, in the latest time zone that matters: UTC or the local one, whichever is ahead."""
    return max(dt.date.today(), dt.datetime.now(dt.timezone.utc).date())


def check_day(value: str | dt.date, what: str = "as-of date") -> dt.date:
    """``value`` as a date, or a :class:`UsageError` naming ``what``, the value and what is allowed.

    Allowed: a real calendar date written YYYY-MM-DD, not before :data:`DATE_FLOOR` and not after today.
    """
    from ..errors import UsageError

    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        text = str(value).strip()
        if not _ISO_DAY.match(text):
            raise UsageError(f"{what} must be a date written YYYY-MM-DD (e.g. 2024-06-30), got {value!r}")
        try:
            value = dt.date.fromisoformat(text)
        except ValueError as exc:
            raise UsageError(f"{what} {text!r} is not a calendar date ({exc})") from None
    if value < DATE_FLOOR:
        raise UsageError(f"{what} {value} is before {DATE_FLOOR}, the earliest date this project measures")
    now = today()
    if value > now:
        raise UsageError(f"{what} {value} is in the future (today is {now}); nothing can be measured as of then")
    return value


def parse_as_of(value: str | dt.date | None) -> dt.date:
    """The as-of date: today when None, else :func:`check_day` of the value."""
    if value is None:
        return today()
    return check_day(value)


def past_or_today(as_of, today_: dt.date) -> tuple[dt.date, str, bool]:
    """(day, its ISO text, whether it is today) for an as-of date; a future date is refused."""
    day = parse_as_of(as_of)
    if day > today_:
        raise ValueError(f"as-of date {day} is in the future")
    return day, day.isoformat(), day == today_


def snapshot_path(source: str, as_of: str, root=None):
    from pathlib import Path

    from .. import paths

    base = Path(root) if root else paths.snapshots_dir()
    return base / source / str(as_of)


# --------------------------------------------------------------------------- the range of each metric

@dataclass(frozen=True)
class MetricRule:
    """What a collected value may be.

    ``kind``: ``count`` (a whole number >= 0), ``number`` (a real number), ``flag`` (0 or 1), ``date``
    (YYYY-MM-DD), ``datetime`` (ISO 8601) or ``text`` (any non-empty text). ``low``/``high`` bound a
    number; ``criterion`` takes the bounds (and the step) from that criterion's scale in
    ``data/raw/criteria.yaml``, so the method and the check cannot drift apart. ``cumulative``: the value never
    falls as the as-of date advances (a count of everything so far), or, for a date, never moves later
    (a first date); a collection that breaks this is refused (:mod:`showdown_lib.sources.judge`).
    """

    kind: str
    low: float | None = None
    high: float | None = None
    criterion: str | None = None
    cumulative: bool = False


#: The one table of what every collected metric may hold (``{N}`` stands for a window length).
METRIC_RULES: dict[str, MetricRule] = {
    # package index
    "latest_version": MetricRule("text"),
    "latest_release_date": MetricRule("date"),
    "first_release_date": MetricRule("date", cumulative=True),
    "n_releases": MetricRule("count", cumulative=True),
    "n_yanked": MetricRule("count"),
    "days_since_last_release": MetricRule("count"),
    "os_linux": MetricRule("flag"),
    "os_macos": MetricRule("flag"),
    "os_windows": MetricRule("flag"),
    "os_count": MetricRule("count", criterion="os_support"),
    "architectures": MetricRule("text"),
    "python_versions": MetricRule("text"),
    # git histories
    "last_commit_date": MetricRule("date"),
    "first_commit_date": MetricRule("date", cumulative=True),
    "weeks_since_last_commit": MetricRule("number", low=0),
    "commits_{N}d": MetricRule("count"),
    "merged_prs_{N}d": MetricRule("count"),
    "active_authors_{N}d": MetricRule("count"),
    "total_commits": MetricRule("count", cumulative=True),
    # GitHub API
    "stars": MetricRule("count"),
    "forks": MetricRule("count"),
    "archived": MetricRule("flag"),
    "pushed_at": MetricRule("datetime"),
    "repos_mentioning": MetricRule("count"),
    # Stack Exchange API
    "questions_total": MetricRule("count"),
    "questions_as_of": MetricRule("count", cumulative=True),
    # the probe (OOTB ops, and what it measures of other criteria)
    "ootb_ops": MetricRule("number", criterion="ootb_ops"),
    "framework_version": MetricRule("text"),
    "numerics_coverage": MetricRule("number", low=0, high=1),  # a share of a fixed sample
    "graph_building": MetricRule("count", criterion="graph_building"),
    "onnx_support": MetricRule("count", criterion="onnx_support"),
    "scalability": MetricRule("count", criterion="scalability"),
    "attempted": MetricRule("flag"),
    "graph_eager": MetricRule("flag"),
    "graph_symbolic": MetricRule("flag"),
    "onnx_export": MetricRule("count", criterion="onnx_support"),  # a level on the criterion's scale
    "onnx_import": MetricRule("count", criterion="onnx_support"),
    "dist_api": MetricRule("flag"),
    "allreduce_ok": MetricRule("flag"),
    # the package index's metadata (accelerator and model-hub reach)
    "accelerators_on_index": MetricRule("count", low=0, high=5),
    "accelerators_curated": MetricRule("count", low=0, high=5),
    "model_libraries": MetricRule("count"),
    # the probe's Modern stack suite
    "compiler_ok": MetricRule("flag"),
    "compiler_speedup": MetricRule("number", low=0),
    "scale_out_ok": MetricRule("flag"),
    "deploy_formats": MetricRule("count"),
    "cpu_step_ms": MetricRule("number", low=0),
}
_WINDOW = re.compile(r"_\d+d$")


def metric_rule(metric: str) -> MetricRule | None:
    return METRIC_RULES.get(metric) or METRIC_RULES.get(_WINDOW.sub("_{N}d", metric))


def _bounds(rule: MetricRule, metric: str = "") -> tuple[float | None, float | None, float | None]:
    """(low, high, step) of a rule: from the criterion's scale when it names one, or, for a relative
    criterion, from the input of its bases that reads this metric."""
    if rule.criterion is None:
        return rule.low, rule.high, None
    from .. import paths

    source = paths.criteria_file()
    key = (str(source), source.stat().st_mtime_ns if source.exists() else 0, rule.criterion, metric)
    if key not in _BOUNDS:
        _BOUNDS[key] = _scale_of(rule, metric)
    return _BOUNDS[key]


_BOUNDS: dict[tuple, tuple[float | None, float | None, float | None]] = {}


def _scale_of(rule: MetricRule, metric: str) -> tuple[float | None, float | None, float | None]:
    from ..methodology import load_methodology

    crit = {c.id: c for c in load_methodology().criteria}[rule.criterion]
    if crit.min is not None and crit.max is not None:
        return float(crit.min), float(crit.max), float(crit.step) if crit.step else None
    for basis in getattr(crit, "bases", {}).values():
        for item in basis.inputs:
            if any(ref.split(".", 1)[-1] == metric for ref in item.refs) and item.lo is not None and item.hi is not None:
                return float(item.lo), float(item.hi), float(item.step) if item.step else None
    return rule.low, rule.high, None


def check_value(metric: str, value: Any, as_of: str) -> str | None:
    """Why ``value`` cannot be a value of ``metric`` in a snapshot as of ``as_of``; None when it can."""
    rule = metric_rule(metric)
    if rule is None:
        return f"unknown metric {metric!r}: add it to METRIC_RULES in showdown_lib/sources/base.py with its range"
    text = str(value).strip()
    if rule.kind == "text":
        return None if text else "empty text"
    if rule.kind in ("date", "datetime"):
        try:
            when = dt.date.fromisoformat(text) if rule.kind == "date" else dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            return f"{text!r} is not a {'date YYYY-MM-DD' if rule.kind == 'date' else 'date-time (ISO 8601)'}"
        if when > dt.date.fromisoformat(as_of) + dt.timedelta(days=1):
            return f"{text} is after the snapshot's as-of date {as_of}"
        return None
    try:
        number = float(text)
    except ValueError:
        return f"{text!r} is not a number"
    if number != number or number in (float("inf"), float("-inf")):
        return f"{text!r} is not a finite number"
    if rule.kind in ("count", "flag") and number != int(number):
        return f"{text} is not a whole number"
    low, high, step = _bounds(rule, metric)
    if rule.kind == "count":
        low = 0 if low is None else low
    if rule.kind == "flag":
        low, high = 0, 1
    if (low is not None and number < low) or (high is not None and number > high):
        span = f"{low:g}-{high:g}" if high is not None else f">= {low:g}"
        scale = f" (the {rule.criterion} scale of criteria.yaml)" if rule.criterion else ""
        return f"{text} is out of range: {metric} must lie in {span}{scale}"
    if step and abs(number / step - round(number / step)) > 1e-9:
        return f"{text} is not a multiple of {step:g} (the {rule.criterion} scale of criteria.yaml)"
    return None


def check_observations(frame, path, source: str, as_of: str) -> None:
    """Every row of a snapshot's ``observations.csv`` is well formed: a :class:`DataError` names the
    file, the row (as numbered in the file, header = 1) and the column of the first problem."""
    from ..errors import DataError

    seen: dict[tuple[str, str], int] = {}
    for i, row in enumerate(frame.to_dict("records")):
        line = i + 2
        entry = f"row {line} ({row.get('framework')}/{row.get('metric')})"
        fw, metric = str(row["framework"] or ""), str(row["metric"] or "")
        if not fw or fw == "nan":
            raise DataError(path, "empty framework", entry, "framework")
        status = row["status"]
        if status not in ("ok", "missing"):
            raise DataError(path, f"status must be ok or missing, got {status!r}", entry, "status")
        if str(row["as_of"]) != as_of:
            raise DataError(path, f"as_of {row['as_of']!r} differs from the snapshot's date {as_of}", entry, "as_of")
        value = row["value"]
        empty = value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""
        if status == "missing":
            if not empty:
                raise DataError(path, f"a missing row must have no value, got {value!r}", entry, "value")
            if not str(row["reason"] or "").strip() or str(row["reason"]) == "nan":
                raise DataError(path, "a missing row needs a reason", entry, "reason")
        else:
            if empty:
                raise DataError(path, "an ok row needs a value", entry, "value")
        problem = check_value(metric, value, as_of) if not empty else (None if metric_rule(metric) else check_value(metric, "", as_of))
        if problem:
            raise DataError(path, problem, entry, "value" if metric_rule(metric) else "metric")
        key = (fw, metric)
        if key in seen:
            other = frame.iloc[seen[key] - 2]
            same = str(other["value"]) == str(value) and other["status"] == status
            raise DataError(path, f"{fw}/{metric} appears twice (rows {seen[key]} and {line})"
                            + ("" if same else f" with different values ({other['value']!r} and {value!r})"), entry, "metric")
        seen[key] = line


# --------------------------------------------------------------------------- writing and reading snapshots

def file_checksums(folder) -> dict[str, str]:
    """sha256 of every data file of a snapshot folder (all files but ``provenance.json``)."""
    from pathlib import Path

    from ..fileio import sha256_of

    return {p.name: sha256_of(p) for p in sorted(Path(folder).iterdir()) if p.is_file() and p.name != "provenance.json"}


def write_snapshot(result: SourceResult, root=None, retrieved_at: str | None = None):
    """Write a collector's result to ``snapshots/<source>/<as_of>/`` in one atomic step.

    The folder holds ``observations.csv``, one CSV per auxiliary table and ``provenance.json``
    (source, endpoint template, method, retrieved_at, as_of, collector version, counts, failures,
    and the sha256 of every other file). If anything fails while writing, the previous snapshot of
    that date is left whole.
    """
    import pandas as pd

    from ..fileio import atomic_directory, atomic_write_csv, atomic_write_json

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
    from ..errors import DataError
    from ..fileio import read_json

    path = folder / "provenance.json"
    prov = read_json(path)
    if not isinstance(prov, dict):
        raise DataError(path, f"must be a JSON object (a mapping of fields), got a JSON {type(prov).__name__}")
    from ..schemas import validate

    if "checksums" in prov or not allow_unsealed:
        if "checksums" not in prov:
            raise DataError(path, "no checksums recorded, so a changed value could not be noticed; check the snapshot's rows and run "
                            f"`python -m showdown_lib.collect --seal {source}/{as_of}` to record them", field="checksums")
        validate(prov, "provenance", path)
    for key, want in (("source", source), ("as_of", as_of)):
        if key not in prov:
            raise DataError(path, "missing required field", field=key)
        if str(prov[key]) != want:
            raise DataError(path, f"{key} is {prov[key]!r} but the snapshot folder says {want!r}", field=key)
    sums = prov.get("checksums")
    if sums is None and not allow_unsealed:
        raise DataError(path, "no checksums recorded, so a changed value could not be noticed; check the snapshot's rows and run "
                        f"`python -m showdown_lib.collect --seal {source}/{as_of}` to record them", field="checksums")
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
    from ..errors import DataError
    from ..fileio import check_read, read_csv, recover_directory

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
    from .tables import read_table

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
    from ..fileio import recover_all

    base = snapshot_path(source, "x", root).parent
    if not base.is_dir():
        return []
    recover_all(base)
    return sorted(p.name for p in base.iterdir() if p.is_dir() and _ISO_DAY.match(p.name))


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

    from ..errors import DataError

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
