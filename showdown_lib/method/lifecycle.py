"""One lifecycle vocabulary: the status of every framework on a date, from one rule over the registry
(``data/raw/frameworks.yaml``: cited statuses and ``lifecycle_rule``) and the measured release history.

Every chart, table, sentence and count of a collected edition reads :func:`status_table` (written by
the scoring step ``score`` as ``lifecycle.csv``), so "active", "no longer developed" and the marks on the charts
cannot disagree. The rule, in the words of the registry:

1. archived or merged on or before the as-of date (a cited event): that status, since the cited date;
2. otherwise, a project whose latest release by the as-of date (final releases on the package index, or
   the registry's cited ``release_outside_index``) is older than ``dormant_after_days`` is ``dormant``,
   dated by that release;
3. otherwise the cited status (``active``, or ``maintenance`` since its cited date).

Only ``active`` counts as developed. A date where a copy of a history stops is never an event.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
from packaging.version import Version

from ..acquire.sources.pypi import is_final, release_of
from ..core.registry import Framework, load_lifecycle_rule

STATUSES = ("active", "maintenance", "dormant", "archived", "merged")
DEVELOPED = ("active",)
COLUMNS = ["framework", "status", "since", "into", "last_release", "last_release_date", "release_source", "basis", "citation"]


def is_developed(status: str) -> bool:
    """Only ``active`` is developed; maintenance, dormant, archived and merged are no longer developed."""
    return str(status) in DEVELOPED


def last_final_releases(releases: pd.DataFrame, as_of: str | None = None) -> pd.DataFrame:
    """Per framework, its most recent final release on the index, ``last_release`` (version) and
    ``last_release_date``, and its highest final version, ``newest_release`` and ``newest_release_date``
    (they differ when a patch of an older line comes out after the newest version).

    ``releases`` is a package-index releases table (framework, version, upload_time, yanked). Only final
    releases count (PEP 440: no pre-, development or nightly releases); a post-release or local version
    belongs to its release, whose date is its first upload; a release every file of which is yanked
    does not count; with ``as_of``, only uploads on or before that day. A framework with no final
    release has no row.
    """
    rel = releases.copy()
    rel["release"] = rel["version"].astype(str).map(release_of)
    rel["yanked"] = rel["yanked"].astype(str).str.lower().isin(["true", "1", "1.0"])
    rel = rel[rel["release"].map(is_final)]
    rel["when"] = pd.to_datetime(rel["upload_time"], utc=True, format="mixed")
    if as_of is not None:
        rel = rel[rel["when"].dt.strftime("%Y-%m-%d") <= str(as_of)]
    per = rel.groupby(["framework", "release"]).agg(when=("when", "min"), all_yanked=("yanked", "all")).reset_index()
    per = per[~per["all_yanked"]].sort_values(["framework", "when", "release"])
    last = per.groupby("framework").tail(1).set_index("framework")
    per["key"] = per["release"].map(Version)
    newest = per.loc[per.groupby("framework")["key"].idxmax()].set_index("framework") if len(per) else per.set_index("framework")
    day = lambda t: t.dt.strftime("%Y-%m-%d")  # noqa: E731
    return pd.DataFrame({"last_release": last["release"], "last_release_date": day(last["when"]),
                         "newest_release": newest["release"], "newest_release_date": day(newest["when"])}
                        ).rename_axis("framework").reset_index()


def _latest_release(fw: Framework, as_of: str, index: dict[str, tuple[str, str]]) -> tuple[str, str, str]:
    """(version, date, where) of the latest release by ``as_of``: the index's or the cited one outside it, whichever is later."""
    found = [(index[fw.id][1], index[fw.id][0], "package index")] if fw.id in index else []
    out = fw.lifecycle.release_outside_index if fw.lifecycle else None
    if out is not None and out.date <= str(as_of):
        found.append((out.date, out.version, out.where))
    if not found:
        return "", "", ""
    date, version, where = max(found)
    return version, date, where


def status_row(fw: Framework, as_of: str, index: dict[str, tuple[str, str]], dormant_after_days: int) -> dict:
    """The rule for one framework on ``as_of`` (``index``: id -> (version, date) of its last final release on the index)."""
    life = fw.lifecycle
    cited = fw.status_on(as_of)
    version, date, where = _latest_release(fw, as_of, index)
    row = {"framework": fw.id, "status": cited, "since": (life.since or "") if life and cited != "active" else "",
           "into": (life.into or "") if life and cited == "merged" else "", "last_release": version,
           "last_release_date": date, "release_source": where, "basis": "cited",
           "citation": life.citation.get("url", "") if life else ""}
    if cited in ("archived", "merged"):
        return row
    if date and (dt.date.fromisoformat(str(as_of)) - dt.date.fromisoformat(date)).days > dormant_after_days:
        row.update(status="dormant", since=date, into="",
                   basis=f"no release for more than {dormant_after_days} days (the latest, {version}, on {date}, {where})")
    return row


def status_table(frameworks: list[Framework], as_of: str, releases: pd.DataFrame | None = None,
                 dormant_after_days: int | None = None) -> pd.DataFrame:
    """One row per framework: its status on ``as_of`` by the rule, the date it began (``since``), and the evidence."""
    days = dormant_after_days if dormant_after_days is not None else load_lifecycle_rule()["dormant_after_days"]
    index: dict[str, tuple[str, str]] = {}
    if releases is not None and len(releases):
        last = last_final_releases(releases, as_of)
        index = {r.framework: (r.last_release, r.last_release_date) for r in last.itertuples()}
    return pd.DataFrame([status_row(fw, as_of, index, days) for fw in frameworks], columns=COLUMNS)


def edition_table(edition) -> pd.DataFrame:
    """:func:`status_table` for an edition's cast on its date, over its package-index snapshot (when it has one)."""
    from ..acquire.observations import resolve_snapshots
    from ..core import paths
    from ..core.fileio import read_csv
    from ..core.registry import load_registry, select

    releases = None
    if edition.kind == "collected":
        snap = resolve_snapshots(edition).get("pypi")
        path = paths.snapshots_dir("pypi") / snap / "releases.csv" if snap else None
        releases = read_csv(path) if path is not None and path.exists() else None
    return status_table(select(load_registry(), edition.cast), edition.as_of, releases)


def mark(status: str, since: str = "") -> str:
    """The mark a framework carries when it is not developed: ``dormant since 2022-01-05``; empty when active."""
    if is_developed(status) or not status:
        return ""
    return f"{status} since {since}" if since else str(status)


def display_names(frameworks: list[Framework], table: pd.DataFrame | None = None, front_ends: bool = True) -> dict[str, str]:
    """id -> the name every chart, table and sentence uses: the registry's name, the backend a front end was
    measured on ("Keras (JAX backend)"), and the status of a framework no longer developed ("Chainer (dormant)")."""
    by_id = {fw.id: fw for fw in frameworks}
    status = dict(zip(table["framework"], table["status"])) if table is not None and len(table) else {}
    names = {}
    for fw in frameworks:
        name = fw.name
        if front_ends and fw.front_end is not None:
            backend = by_id.get(fw.front_end.measured_on)
            name += f" ({backend.name if backend else fw.front_end.measured_on} backend)"
        st = status.get(fw.id, "active")
        names[fw.id] = name if is_developed(st) else f"{name} ({st})"
    return names
