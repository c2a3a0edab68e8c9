"""Beyond the post: then versus now, the 2018 re-measurement, and the hardware-software gap.

Each function takes edition ids, reads what the pipeline already produced (scores, snapshots,
curated facts) and returns tables and Markdown; the charts are in :mod:`showdown_lib.charts`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .editions import EditionResult, load_edition
from .errors import DataError
from .fileio import read_yaml
from .measures import load_observations, resolve_snapshots


def spearman(a: pd.Series, b: pd.Series) -> float:
    """Spearman's rank correlation: Pearson's correlation of the average ranks (no SciPy needed)."""
    both = pd.concat([a, b], axis=1).dropna().astype(float)
    if len(both) < 3:
        return float("nan")
    ra, rb = both.iloc[:, 0].rank(), both.iloc[:, 1].rank()
    return float(ra.corr(rb))


def kendall(a: pd.Series, b: pd.Series) -> float:
    """Kendall's tau-b over all pairs (ties counted as in tau-b)."""
    both = pd.concat([a, b], axis=1).dropna().astype(float).to_numpy()
    if len(both) < 3:
        return float("nan")
    x, y = both[:, 0], both[:, 1]
    dx = np.sign(x[:, None] - x[None, :])
    dy = np.sign(y[:, None] - y[None, :])
    iu = np.triu_indices(len(x), 1)
    dx, dy = dx[iu], dy[iu]
    concordance = (dx * dy).sum()
    denom = np.sqrt((dx != 0).sum() * (dy != 0).sum())
    return float(concordance / denom) if denom else float("nan")


# -------------------------------------------------------------------------------- then vs now
def then_vs_now(then: EditionResult, now: EditionResult) -> pd.DataFrame:
    """One row per framework of either edition: rank, score and tier then and now."""
    a = then.overall.set_index("framework")[["score", "rank", "tier"]].add_suffix("_then")
    b = now.overall.set_index("framework")[["score", "rank", "tier"]].add_suffix("_now")
    both = a.join(b, how="outer")
    both["rank_change"] = both["rank_then"] - both["rank_now"]  # positive = climbed
    return both.reset_index().sort_values(["rank_now", "rank_then"], na_position="last").reset_index(drop=True)


def fates(now: EditionResult) -> pd.DataFrame:
    """What became of each framework, from the data: last release, last commit, lifecycle status."""
    obs = load_observations(now.edition)
    repos = None
    git_snap = obs.snapshots.get("git")
    if git_snap and (paths.snapshots_dir("git") / git_snap / "repositories.csv").exists():
        repos = pd.read_csv(paths.snapshots_dir("git") / git_snap / "repositories.csv")
    rows = []
    for fw in now.edition.cast:
        def value(source, metric):
            v, _detail, _reason = obs.get(source, fw, metric)
            return v

        status = value("curated", "status")
        status_date = value("curated", "status_date")
        archived = value("github", "archived")
        last_commit = value("git", "last_commit_date")
        through = ""
        if last_commit is None and repos is not None:
            # the local copy stops before the edition's date: say what it saw, and until when
            hit = repos[repos["framework"] == fw].dropna(subset=["last_commit_date"])
            if len(hit):
                last_commit = str(hit["last_commit_date"].max())
                through = f"copy of the history reaches {hit['history_through'].max()}"
        rows.append({
            "framework": fw,
            "status": status if status is not None else ("archived" if str(archived) in ("1", "1.0") else "unknown"),
            "status_date": status_date or "",
            "latest_version": value("pypi", "latest_version") or "",
            "last_release": value("pypi", "latest_release_date") or "",
            "last_commit": last_commit or "",
            "first_commit": value("git", "first_commit_date") or "",
            "git_note": through,
        })
    return pd.DataFrame(rows)


def fate_sentences(table: pd.DataFrame, names: dict[str, str]) -> str:
    lines = []
    for r in table.itertuples():
        bits = []
        if r.status and r.status != "unknown":
            bits.append(f"status **{r.status}**" + (f" since {r.status_date}" if r.status_date else ""))
        if r.last_release:
            bits.append(f"last release {r.latest_version} on {r.last_release}")
        else:
            bits.append("no release on the package index")
        if r.last_commit:
            bits.append(f"last commit {r.last_commit}" + (f" ({r.git_note})" if r.git_note else ""))
        lines.append(f"- **{names.get(r.framework, r.framework)}**: " + "; ".join(bits) + ".")
    return "\n".join(lines)


def movement_sentences(table: pd.DataFrame, names: dict[str, str]) -> str:
    both = table.dropna(subset=["rank_then", "rank_now"])
    if both.empty:
        return "No framework is ranked in both editions."
    up = both.sort_values("rank_change", ascending=False)
    climber, faller = up.iloc[0], up.iloc[-1]
    new = table[table.rank_then.isna() & table.rank_now.notna()].sort_values("rank_now")
    top_then = table.sort_values("rank_then").framework.iloc[0]
    top_now = table.sort_values("rank_now").framework.iloc[0]
    text = [
        f"{names[top_then]} led in the first edition; {names[top_now]} leads now." if top_then != top_now
        else f"{names[top_now]} leads in both editions.",
        f"Of the {len(both)} frameworks ranked in both, {names[climber.framework]} climbed most "
        f"({int(climber.rank_then)} → {int(climber.rank_now)}) and {names[faller.framework]} fell furthest "
        f"({int(faller.rank_then)} → {int(faller.rank_now)}).",
    ]
    if len(new):
        best_new = new.iloc[0]
        text.append(f"Of the {len(new)} newcomers, {names[best_new.framework]} ranks highest ({int(best_new.rank_now)} of {int(table.rank_now.max())}).")
    corr = spearman(both["rank_then"], both["rank_now"])
    text.append(f"Spearman's rank correlation between the two rankings over the common frameworks is {corr:.2f}.")
    return " ".join(text)


# -------------------------------------------------------------------------------- 2018 re-measured
def remeasured_comparison(published: EditionResult, remeasured: EditionResult) -> pd.DataFrame:
    """For each re-measured criterion and framework: published score, re-measured score, difference, reason."""
    measured = remeasured.edition.inputs.get("measure") or list(remeasured.method.criterion_ids)
    p = published.criteria.set_index(["framework", "criterion"])
    raw = remeasured.raw.set_index(["framework", "criterion"])
    r = remeasured.criteria.set_index(["framework", "criterion"])
    rows = []
    for cid in measured:
        for fw in remeasured.edition.cast:
            key = (fw, cid)
            rows.append({
                "framework": fw, "criterion": cid,
                "published": p.loc[key, "score"] if key in p.index else np.nan,
                "remeasured": r.loc[key, "score"] if key in r.index else np.nan,
                "raw_value": raw.loc[key, "raw_value"] if key in raw.index else np.nan,
                "source": raw.loc[key, "source"] if key in raw.index else "",
                "reason": raw.loc[key, "note"] if key in raw.index else "",
            })
    out = pd.DataFrame(rows)
    out["difference"] = out["remeasured"] - out["published"]
    return out


def agreement(comparison: pd.DataFrame) -> pd.DataFrame:
    """Per criterion: how many frameworks were re-measured, rank correlations and the mean absolute difference."""
    rows = []
    for cid, part in comparison.groupby("criterion", sort=False):
        both = part.dropna(subset=["published", "remeasured"])
        rows.append({
            "criterion": cid,
            "n_compared": len(both),
            "spearman": spearman(both["published"], both["remeasured"]),
            "kendall": kendall(both["published"], both["remeasured"]),
            "mean_abs_difference": both["difference"].abs().mean() if len(both) else np.nan,
            "exact_matches": int((both["difference"].abs() < 1.5).sum()),
        })
    return pd.DataFrame(rows)


def parting_reasons(comparison: pd.DataFrame, names: dict[str, str], threshold: float = 20.0) -> str:
    """Sentences for the biggest disagreements and for what could not be re-measured."""
    lines = []
    big = comparison.dropna(subset=["difference"])
    big = big[big["difference"].abs() >= threshold].sort_values("difference", key=lambda s: -s.abs())
    for r in big.itertuples():
        direction = "higher" if r.difference > 0 else "lower"
        lines.append(f"- {names[r.framework]}, {r.criterion}: re-measured {r.remeasured:.0f} against {r.published:.0f} published "
                     f"({abs(r.difference):.0f} points {direction}); measured from {r.source}.")
    gone = comparison[comparison["remeasured"].isna()]
    for r in gone.itertuples():
        lines.append(f"- {names[r.framework]}, {r.criterion}: not re-measured: {r.reason}.")
    return "\n".join(lines) if lines else "The re-measured values agree with the published ones within the threshold."


def activity_by_basis(published: EditionResult, remeasured_id: str, bases: tuple[str, ...] = ("git", "releases")) -> pd.DataFrame:
    """The re-measured edition's activity on each basis, beside the published activity score.

    One row per framework and basis: published score, score and raw value on that basis (relative
    to the best of the cast on the same basis), source and reason. Cells set by a framework's
    lifecycle (archived or merged by the date) are marked ``lifecycle`` and are not a measurement
    of the basis.
    """
    from .editions import raw_inputs
    from .scoring import score_criteria

    edition = load_edition(remeasured_id)
    pub = published.criteria[published.criteria["criterion"] == "activity"].set_index("framework")["score"]
    rows = []
    for basis in bases:
        raw = raw_inputs(edition, published.method, bases={"activity": basis})
        scored = score_criteria(raw, published.method)
        act = scored[scored["criterion"] == "activity"].set_index("framework")
        notes = raw[raw["criterion"] == "activity"].set_index("framework")["note"]
        for fw in edition.cast:
            src = str(act.loc[fw, "source"]) if fw in act.index else ""
            rows.append({"framework": fw, "basis": basis, "published": pub.get(fw, np.nan),
                         "score": act.loc[fw, "score"] if fw in act.index else np.nan,
                         "raw_value": act.loc[fw, "raw_value"] if fw in act.index else np.nan,
                         "lifecycle": src.startswith("lifecycle:"), "source": src, "reason": notes.get(fw, "")})
    return pd.DataFrame(rows)


def activity_bases_agreement(table: pd.DataFrame) -> pd.DataFrame:
    """Per basis: how many frameworks it measured, and Spearman / Kendall with the published activity.

    ``spearman`` is over the frameworks that basis measured and the post published; ``spearman_common``
    over the frameworks every basis measured (like with like). Lifecycle-set cells are left out.
    """
    measured = table[~table["lifecycle"]].dropna(subset=["score", "published"])
    common = set.intersection(*(set(part["framework"]) for _, part in measured.groupby("basis"))) if len(measured) else set()
    rows = []
    for basis, part in table.groupby("basis", sort=False):
        both = measured[measured["basis"] == basis]
        same = both[both["framework"].isin(common)]
        rows.append({"basis": basis, "n_measured": int(len(part[~part["lifecycle"]].dropna(subset=["score"]))),
                     "n_compared": len(both), "spearman": spearman(both["published"], both["score"]),
                     "kendall": kendall(both["published"], both["score"]), "n_common": len(same),
                     "spearman_common": spearman(same["published"], same["score"])})
    return pd.DataFrame(rows)


# -------------------------------------------------------------------------------- hardware gap
def gpu_cores(path: Path | None = None) -> pd.DataFrame:
    """The yearly largest CUDA-core count, validated; a year without a value keeps NaN and its reason."""
    path = path or paths.raw_dir() / "hardware" / "gpu_cores.yaml"
    data = read_yaml(path)
    if not isinstance(data, dict) or "series" not in data:
        raise DataError(path, "must be a mapping with a 'series' list", field="series")
    rows = []
    for i, e in enumerate(data["series"]):
        entry = f"series[{i}]"
        if not isinstance(e, dict) or not isinstance(e.get("year"), int):
            raise DataError(path, "each entry needs an integer year", entry, "year")
        cores = e.get("cores")
        if cores is not None and (not isinstance(cores, int) or cores <= 0):
            raise DataError(path, f"cores must be a positive integer or null, got {cores!r}", entry, "cores")
        if cores is None and not e.get("reason"):
            raise DataError(path, "a null core count needs a reason", entry, "reason")
        if cores is not None and not (isinstance(e.get("citation"), dict) and str(e["citation"].get("url", "")).startswith("http")):
            raise DataError(path, "each value needs a citation with an http(s) url", entry, "citation")
        rows.append({"year": e["year"], "gpu": e.get("gpu", ""), "cores": np.nan if cores is None else float(cores),
                     "segment": e.get("segment", ""), "source": (e.get("citation") or {}).get("url", ""), "reason": e.get("reason", "")})
    frame = pd.DataFrame(rows)
    if frame["year"].duplicated().any():
        raise DataError(path, f"year {int(frame.loc[frame.year.duplicated(), 'year'].iloc[0])} appears twice", field="year")
    return frame.sort_values("year").reset_index(drop=True)


def _is_final(version: str) -> bool:
    """A final release: not a pre-release, development or nightly build (PEP 440)."""
    from packaging.version import InvalidVersion, Version

    try:
        v = Version(version)
    except InvalidVersion:
        return False
    return not (v.is_prerelease or v.is_devrelease)


def releases_per_year(edition_id: str) -> pd.DataFrame:
    """Final releases per year on the package index, over the edition's cast, from its package-index snapshot.

    Pre-releases, development and nightly builds are left out; a version shipped as several packages
    counts once.
    """
    edition = load_edition(edition_id)
    snap = resolve_snapshots(edition).get("pypi")
    if snap is None:
        raise DataError(edition.file, "this edition has no package-index snapshot", field="inputs.pypi")
    folder = paths.snapshots_dir("pypi") / snap
    rel = pd.read_csv(folder / "releases.csv")
    rel = rel[rel["framework"].isin(edition.cast)].copy()
    if "yanked" in rel:
        rel = rel[~rel["yanked"].astype(str).str.lower().isin(["true", "1"])]
    rel = rel[rel["version"].astype(str).map(_is_final)]
    rel["year"] = pd.to_datetime(rel["upload_time"], utc=True, format="mixed").dt.year
    # one release per framework and version (JAX ships jax and jaxlib under one version number)
    rel = rel.sort_values("upload_time").drop_duplicates(["framework", "version"])
    per_year = rel.groupby("year").agg(releases=("version", "size"), frameworks_releasing=("framework", "nunique")).reset_index()
    return per_year


def gap_sentences(cores: pd.DataFrame, releases: pd.DataFrame) -> str:
    c = cores.dropna(subset=["cores"])
    first, last = c.iloc[0], c.iloc[-1]
    growth = last.cores / first.cores
    peak = releases.sort_values(["releases", "year"], ascending=[False, True]).iloc[0]
    return (f"The largest GPU grew from {int(first.cores):,} CUDA cores ({int(first.year)}, {first.gpu}) to "
            f"{int(last.cores):,} ({int(last.year)}, {last.gpu}), {growth:,.0f} times as many. "
            f"On the package index, the cast's releases peaked in {int(peak.year)} with {int(peak.releases)} releases "
            f"from {int(peak.frameworks_releasing)} frameworks.")
