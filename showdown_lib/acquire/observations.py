"""An edition's observations: every snapshot it resolves, read once, its curated facts, and the inputs derived
from them (:func:`read_observations`). The method indexes them and turns them into raw values
(:mod:`showdown_lib.method.raw_values`).

Some inputs are derived here from a snapshot's auxiliary tables: ``pypi.final_releases_12m``,
``pypi.feature_releases_12m`` and ``pypi.weeks_since_last_final_release`` from the package-index
release list (PEP 440 final versions only), ``github.weeks_since_push`` from ``github.pushed_at``;
the others (native OS count, ONNX level by the converter rule, scalability from the all-reduce) in
:mod:`.measured_bases`.
"""
from __future__ import annotations

import math
from functools import lru_cache

import pandas as pd

from ..core import paths
from ..core.fileio import check_read
from ..core.methodology import MEASURED_SOURCES
from ..core.registry import Framework, load_registry, select
from .measured_bases import derived_rows, on_measured_backend, refuse_self_scoring
from .snapshots import read_snapshot, resolve_edition_snapshots
from .sources import curated
from .sources.base import OBSERVATION_COLUMNS

SOURCES = MEASURED_SOURCES
RELEASE_WINDOW_MONTHS = 12


def resolve_snapshots(edition) -> dict[str, str | None]:
    """The snapshot date each source of the edition uses (None when the edition has none); see
    :func:`showdown_lib.acquire.snapshots.resolve_edition_snapshots` for the rules and the notes."""
    return resolve_edition_snapshots(edition, SOURCES)[0]


def read_observations(edition, frameworks: list[Framework] | None = None) -> tuple[pd.DataFrame, dict[str, str | None], dict[str, str]]:
    """Every observation the edition uses, from each snapshot read once, plus the derived inputs: the table
    (``OBSERVATION_COLUMNS`` and ``source``), the snapshot each source uses (the curated set for ``curated``)
    and, per source, why the edition has none where it says so (``inputs.<source>.unavailable``)."""
    frameworks = frameworks if frameworks is not None else select(load_registry(), edition.cast)
    snaps = resolve_snapshots(edition)
    frames = []
    for source, snap in snaps.items():
        if snap is None:
            continue
        obs, _prov = read_snapshot(source, snap)
        frames.append(obs.assign(source=source))
    if snaps.get("pypi"):
        frames.append(release_inputs(paths.snapshots_dir("pypi") / snaps["pypi"] / "releases.csv", frameworks, edition.as_of))
    curated_spec = edition.inputs.get("curated")
    if isinstance(curated_spec, dict) and curated_spec.get("set"):
        result = curated.collect(frameworks, edition.as_of, edition=curated_spec["set"])
        frames.append(pd.DataFrame([o.as_row() for o in result.observations]))
        snaps["curated"] = curated_spec["set"]
    frames.append(releases_elsewhere(frameworks, edition.as_of))  # cited in frameworks.yaml, read like a curated fact
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OBSERVATION_COLUMNS)
    table = table[table["framework"].isin(edition.cast)]
    if snaps.get("index_reach"):  # a front end reaches what the backend it is measured on reaches
        table = on_measured_backend(table, pd.read_csv(paths.snapshots_dir("index_reach") / snaps["index_reach"] / "accelerators.csv"),
                                    frameworks)
    if snaps.get("ops_probe"):
        from .probe.checks_spec import load_checks_spec

        table = refuse_self_scoring(table, load_checks_spec())
    table = pd.concat([table, _push_weeks(table, edition.as_of), derived_rows(table, bool(snaps.get("ops_probe")))], ignore_index=True)
    unavailable = {k: v.get("unavailable") for k, v in edition.inputs.items() if isinstance(v, dict) and v.get("unavailable")}
    return table, snaps, unavailable


# -------------------------------------------------------------------------------- derived inputs
@lru_cache(maxsize=None)
def is_final_release(version: str) -> bool:
    """A new final release under PEP 440: not a pre-, dev- or post-release, and no local version (remembered per
    version: a release list is read for every date of a series)."""
    from packaging.version import InvalidVersion, Version

    try:
        v = Version(str(version))
    except InvalidVersion:
        return False
    return not (v.is_prerelease or v.is_devrelease or v.is_postrelease or v.local)


def _day_end(as_of: str) -> pd.Timestamp:
    return pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)


def _weeks_between(timestamp, as_of: str) -> float | None:
    """Weeks from a timestamp to the end of the as-of day, or None."""
    if timestamp is None or not as_of:
        return None
    try:
        when = pd.Timestamp(str(timestamp))
    except ValueError:
        return None
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    return max((_day_end(as_of) - when).total_seconds(), 0.0) / (7 * 86400)


@lru_cache(maxsize=None)
def feature_line(version: str) -> tuple[int, int]:
    """The feature line of a final version: its major.minor (3.12.4 and 3.12.0 are one feature release)."""
    from packaging.version import Version

    release = Version(str(version)).release
    return (release[0], release[1] if len(release) > 1 else 0)


def _release_list(path) -> pd.DataFrame:
    """The non-yanked rows of a release list with their upload time (``when``) and whether the version is final,
    read once per file version in a process (the series and the bases ask for it as of many dates)."""
    st = path.stat() if path.exists() else None
    key = (str(path), st.st_mtime_ns, st.st_size) if st else None
    if key is not None and key in _RELEASE_LISTS:
        check_read(path)
        return _RELEASE_LISTS[key]
    rel = pd.read_csv(path) if st else pd.DataFrame(columns=["framework", "version", "upload_time", "yanked"])
    rel = rel[~rel["yanked"].astype(str).str.lower().isin(["true", "1"])]
    versions = rel["version"].astype(str)
    final = versions.map({v: is_final_release(v) for v in versions.unique()}).astype(bool)  # each version parsed once
    rel = rel.assign(when=pd.to_datetime(rel["upload_time"], utc=True, format="mixed"), final=final)
    if key is not None:
        _RELEASE_LISTS.clear()
        _RELEASE_LISTS[key] = rel
    return rel


_RELEASE_LISTS: dict[tuple, pd.DataFrame] = {}


def release_inputs(path, frameworks: list[Framework], as_of: str) -> pd.DataFrame:
    """``final_releases_12m``, ``feature_releases_12m`` and ``weeks_since_last_final_release`` per
    framework, as pypi observations. A feature release is a new major.minor: it counts in the window
    when the first final version of that major.minor was uploaded in it, so patch and backport
    releases (3.12.1 ... 3.12.4) add nothing to it.

    Only non-yanked PEP 440 final versions uploaded by the end of the as-of day count; a version
    shipped as several packages counts once, dated by its first upload. A framework with releases
    but no final one has no last final release (infinite weeks). A framework without a project on
    the index by the as-of date (none listed in frameworks.yaml, or no upload yet) is missing with
    that reason.
    """
    rel = _release_list(path)
    rel = rel[rel["when"] < _day_end(as_of)]
    on_index = set(rel["framework"])
    rel = rel[rel["final"]].sort_values("when").drop_duplicates(["framework", "version"])
    start = _day_end(as_of) - pd.DateOffset(months=RELEASE_WINDOW_MONTHS)
    # per framework, in a few passes over the list (not one scan of it per framework): releases in the window,
    # the first release of each feature line (the list is in upload order), the last release
    rel = rel.assign(line=rel["version"].map(feature_line))
    n_window = (rel["when"] >= start).groupby(rel["framework"]).sum().to_dict()
    firsts = rel.drop_duplicates(["framework", "line"])
    new_lines = firsts[firsts["when"] >= start].groupby("framework", sort=False)["line"].agg(list).to_dict()
    last_rows = rel.drop_duplicates("framework", keep="last")
    last = {fw: (v, w) for fw, v, w in zip(last_rows["framework"], last_rows["version"], last_rows["when"])}
    rows = []
    for fw in frameworks:
        base = {"framework": fw.id, "as_of": as_of, "source": "pypi"}
        if fw.id not in on_index:
            reason = ("not distributed on the package index (frameworks.yaml lists no project for it)" if not fw.pypi
                      else f"no release of {', '.join(fw.pypi)} on the package index by {as_of}")
            rows += [{**base, "metric": m, "value": None, "unit": u, "detail": "", "status": "missing", "reason": reason}
                     for m, u in (("final_releases_12m", "releases"), ("feature_releases_12m", "feature releases"),
                                  ("weeks_since_last_final_release", "weeks"))]
            continue
        n_win, lines_new = int(n_window.get(fw.id, 0)), new_lines.get(fw.id, [])
        version, when = last.get(fw.id, (None, None))
        weeks = _weeks_between(when, as_of) if version is not None else math.inf
        said = f"last final release {version} on {when.date()}" if version is not None else "no final release"
        detail = said + f"; {n_win} final releases in the {RELEASE_WINDOW_MONTHS} months before {as_of}"
        rows.append({**base, "metric": "final_releases_12m", "value": n_win, "unit": "releases", "detail": detail, "status": "ok", "reason": ""})
        lines = ", ".join(f"{a}.{b}" for a, b in lines_new) or "none"
        feature_detail = said + f"; {len(lines_new)} new feature lines (major.minor) in the {RELEASE_WINDOW_MONTHS} months before {as_of}: {lines}"
        rows.append({**base, "metric": "feature_releases_12m", "value": len(lines_new), "unit": "feature releases",
                     "detail": feature_detail, "status": "ok", "reason": ""})
        rows.append({**base, "metric": "weeks_since_last_final_release", "value": weeks, "unit": "weeks", "detail": detail, "status": "ok", "reason": ""})
    return pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)


def releases_elsewhere(frameworks: list[Framework], as_of: str) -> pd.DataFrame:
    """``curated.weeks_since_release_elsewhere``, ``curated.final_releases_12m_elsewhere`` and
    ``curated.feature_releases_12m_elsewhere`` of a project that releases outside the package index (Maven, GitHub
    releases), from the latest release frameworks.yaml cites for it (``lifecycle.release_outside_index``).

    The cited release is the latest, so when it is older than the window before ``as_of`` no release, and no
    feature line, fell in the window: 0. A cited release inside the window, or after ``as_of`` (what came before
    it is not cited), gives no count: missing, with that reason."""
    start = (_day_end(as_of) - pd.DateOffset(months=RELEASE_WINDOW_MONTHS)).strftime("%Y-%m-%d")
    rows = []
    for fw in frameworks:
        out = fw.lifecycle.release_outside_index if fw.lifecycle else None
        base = {"framework": fw.id, "as_of": as_of, "source": "curated", "status": "ok", "reason": ""}
        why = ("frameworks.yaml cites no release outside the package index" if out is None
               else f"the cited release outside the index ({out.version}, {out.date}) is after {as_of}; earlier ones are not cited"
               if out.date > str(as_of) else "")
        if why:
            rows += [{**base, "metric": m, "value": None, "unit": u, "detail": "", "status": "missing", "reason": why}
                     for m, u in zip(curated.FROM_REGISTRY, ("weeks", "releases", "feature releases"))]
            continue
        detail = f"latest release {out.version} on {out.date}, {out.where} ({out.citation.get('url', '')})"
        weeks, finals, features = curated.FROM_REGISTRY
        detail += f"; none in the {RELEASE_WINDOW_MONTHS} months before {as_of}" if out.date < start else ""
        rows.append({**base, "metric": weeks, "value": _weeks_between(out.date, as_of), "unit": "weeks", "detail": detail})
        for metric, unit in ((finals, "releases"), (features, "feature releases")):
            if out.date < start:
                rows.append({**base, "metric": metric, "value": 0, "unit": unit, "detail": detail})
            else:
                rows.append({**base, "metric": metric, "value": None, "unit": unit, "detail": "", "status": "missing",
                             "reason": f"the cited release ({out.date}) falls in the window; the releases before it are not counted"})
    return pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)


def _push_weeks(table: pd.DataFrame, as_of: str) -> pd.DataFrame:
    """``github.weeks_since_push`` from ``github.pushed_at``."""
    pushed = table[(table["source"] == "github") & (table["metric"] == "pushed_at")]
    out = pushed.assign(metric="weeks_since_push", unit="weeks")
    weeks = out["value"].map(lambda v: _weeks_between(v, as_of) if isinstance(v, str) and v else None)
    out["value"] = weeks
    out.loc[weeks.isna() & (out["status"] == "ok"), ["status", "reason"]] = ["missing", "pushed_at is not a date"]
    return out[OBSERVATION_COLUMNS] if len(out) else pd.DataFrame(columns=OBSERVATION_COLUMNS)
