"""The auxiliary tables of a snapshot (``releases.csv``, ``repositories.csv``, ...): what each row may hold.

A snapshot's ``observations.csv`` is checked against :data:`~showdown_lib.acquire.sources.base.METRIC_RULES`;
its other tables are checked here, on load and before a collection replaces a stored snapshot.
:data:`TABLE_RULES` is the one table of their keys, column kinds and consistency rules:

* ``key``: the columns that name a row; a key twice is an error, and a row of the stored snapshot
  whose key the new collection lacks is a row lost (see :mod:`showdown_lib.acquire.sources.judge`).
* ``columns``: the kind of each column, checked when the column is there (``id``, ``text``, ``datetime``, ``flag``, ``count``);
  a datetime after the end of the snapshot's as-of day is an error.
* ``history``: the column that dates a row of a history (a release's upload time): such rows never
  vanish from a later collection for dates the stored snapshots already cover.

The package-index releases must also agree with the observations they were counted into: the
distinct releases of a framework are its ``n_releases`` and its earliest upload is its
``first_release_date``, so rows added to (or removed from) ``releases.csv`` after collection are
errors naming the file, the row and the column, even when the checksums were recomputed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ...core.errors import DataError


@dataclass(frozen=True)
class TableRule:
    key: tuple[str, ...]
    columns: dict[str, str] = field(default_factory=dict)
    history: str | None = None


TABLE_RULES: dict[tuple[str, str], TableRule] = {
    ("pypi", "releases"): TableRule(
        key=("framework", "project", "version"),
        columns={"framework": "id", "project": "text", "version": "text", "release": "text", "upload_time": "datetime",
                 "yanked": "flag", "n_files": "count"},
        history="upload_time"),
    ("git", "repositories"): TableRule(key=("framework", "repository", "path"), columns={"framework": "id", "repository": "text"}),
    ("ops_probe", "ops"): TableRule(key=("framework", "op"), columns={"framework": "id", "op": "text"}),
    ("ops_probe", "numerics"): TableRule(key=("framework", "function"), columns={"framework": "id", "function": "text"}),
    ("ops_probe", "versions"): TableRule(key=("framework", "project"), columns={"framework": "id", "project": "text"}),
    ("curated", "citations"): TableRule(key=("framework", "fact"), columns={"framework": "id", "fact": "text"}),
}


def table_rule(source: str, name: str) -> TableRule | None:
    return TABLE_RULES.get((source, name))


def _empty(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or str(value).strip() == ""


def _cell_problem(kind: str, value, as_of: str) -> str | None:
    text = "" if _empty(value) else str(value).strip()
    if kind in ("id", "text"):
        return None if text else "empty"
    if kind == "datetime":
        if not text:
            return None  # an upload without a time is kept when no cutoff applies
        try:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return f"{text!r} is not a date-time (ISO 8601)"
        if when.date() > dt.date.fromisoformat(as_of):
            return f"{text} is after the snapshot's as-of date {as_of}"
        return None
    try:
        number = float(text)
    except ValueError:
        return f"{text!r} is not a number"
    if number != int(number) or number < 0:
        return f"{text} is not a whole number >= 0"
    if kind == "flag" and number not in (0, 1):
        return f"{text} is not 0 or 1"
    return None


def check_table(frame: pd.DataFrame, path: str | Path, source: str, name: str, as_of: str) -> None:
    """Every row of one auxiliary table is well formed (a :class:`DataError` names file, row and column)."""
    rule = table_rule(source, name)
    if rule is None:
        return
    required = (*rule.key, *([rule.history] if rule.history else []))
    missing_cols = [c for c in required if c not in frame.columns]
    if missing_cols:
        raise DataError(path, f"missing column(s) {missing_cols}; found {list(frame.columns)}", field=missing_cols[0])
    seen: dict[tuple, int] = {}
    records = frame.to_dict("records")
    for i, row in enumerate(records):
        line = i + 2
        entry = f"row {line} ({'/'.join(str(row[k]) for k in rule.key)})"
        for col, kind in rule.columns.items():
            if col not in row:  # a column an older collector did not write
                continue
            problem = _cell_problem(kind, row[col], as_of)
            if problem:
                raise DataError(path, problem, entry, col)
        key = tuple(str(row[k]) for k in rule.key)
        if key in seen:
            raise DataError(path, f"{'/'.join(key)} appears twice (rows {seen[key]} and {line})", entry, rule.key[-1])
        seen[key] = line


def release_of(version: str) -> str:
    """The release a version belongs to (PEP 440): a post-release or a local version re-ships its release.

    ``2.7.post2`` -> ``2.7``, ``2.13.0+cpu`` -> ``2.13.0``; pre- and development releases are releases of
    their own (``2.22.0rc0`` stays). A string that is not a PEP 440 version is its own release.
    """
    from packaging.version import InvalidVersion, Version

    try:
        v = Version(version)
    except InvalidVersion:
        return version
    text = (f"{v.epoch}!" if v.epoch else "") + ".".join(str(x) for x in v.release)
    if v.pre is not None:
        text += f"{v.pre[0]}{v.pre[1]}"
    if v.dev is not None:
        text += f".dev{v.dev}"
    return text


def check_releases_agree(releases: pd.DataFrame, observations: pd.DataFrame, path: str | Path) -> None:
    """The releases of each framework are the ones its observations counted (``n_releases``, ``first_release_date``)."""
    if releases.empty:
        return
    known = set(observations["framework"])
    obs = observations[observations["status"] == "ok"].set_index(["framework", "metric"])["value"]
    # a table with a ``release`` column counts releases (PEP 440); an older one (no such column) counted versions
    counted = releases["release"].astype(str) if "release" in releases else releases["version"].astype(str)
    rel = releases.assign(_release=counted.map(release_of) if "release" in releases else counted)
    for fw, mine in rel.groupby("framework", sort=True):
        n_obs = obs.get((fw, "n_releases"))
        n_rel = mine["_release"].nunique()
        if fw not in known:
            raise DataError(path, f"{len(mine)} release rows for {fw!r}, which has no row in observations.csv",
                            f"framework {fw}", "framework")
        if n_obs is not None and int(float(n_obs)) != n_rel:
            raise DataError(path, f"{n_rel} distinct releases of {fw!r} here, but observations.csv counts n_releases = {n_obs}; "
                            "the table changed after collection", f"framework {fw}", "version")
        first = obs.get((fw, "first_release_date"))
        times = pd.to_datetime(mine["upload_time"].replace("", None).dropna(), utc=True, format="mixed")
        if first is not None and len(times) and times.min().date().isoformat() != str(first):
            raise DataError(path, f"the earliest upload of {fw!r} here is {times.min().date()}, but observations.csv says "
                            f"first_release_date = {first}", f"framework {fw}", "upload_time")


def read_table(folder: Path, source: str, name: str, as_of: str, observations: pd.DataFrame | None = None) -> pd.DataFrame:
    """One auxiliary table of a snapshot folder, checked (and, for releases, matched against the observations)."""
    from ...core.fileio import read_csv

    path = Path(folder) / f"{name}.csv"
    frame = read_csv(path, dtype=str, keep_default_na=False)
    check_table(frame, path, source, name, as_of)
    if (source, name) == ("pypi", "releases") and observations is not None:
        check_releases_agree(frame, observations, path)
    return frame
