"""Beyond the post: then versus now, the 2018 re-measurement, and the hardware-software gap.

Each function takes scored editions or processed tables (what the scoring step wrote; nothing here opens
a snapshot) and returns tables; their sentences are in :mod:`showdown_lib.present.narrative_comparisons`, the charts in
:mod:`showdown_lib.present.charts`. Re-aggregations (the like-for-like ranks) go through the kernel, via the scorer.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..core import paths
from ..core.errors import DataError
from ..core.fileio import read_yaml
from ..core.registry import load_registry
from .edition_scores import EditionResult


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
def on_rounds(result: EditionResult, round_ids: list[str]) -> EditionResult:
    """``result`` scored on ``round_ids`` only: its criterion and category scores kept, the overall score and
    tiers recomputed from those categories with the same category weights (an opt-in round left out)."""
    from .scoring import overall_scores

    if list(round_ids) == list(result.method.round_ids):
        return result
    method = result.method.for_rounds(list(round_ids))
    cats = result.categories[result.categories["category"].isin(method.round_ids)].reset_index(drop=True)
    crit = result.criteria[result.criteria["round"].isin(method.round_ids)].reset_index(drop=True) if "round" in result.criteria else result.criteria
    weights = {k: dict(v) for k, v in result.weights.items()}
    category = {k: w for k, w in weights.get("category", {}).items() if k in method.round_ids}
    weights["category"] = category
    tiers = result.overall["tier"].dropna() if "tier" in result.overall else pd.Series(dtype=float)
    n_tiers = int(tiers.max()) if len(tiers) else result.edition.n_tiers  # as many tiers as the run cut
    overall = overall_scores(cats, method, category or None, n_tiers)
    return EditionResult(result.edition, method, result.raw, crit, cats, overall, result.checks, weights)


def like_with_like(then: EditionResult, now: EditionResult) -> tuple[EditionResult, EditionResult]:
    """Both editions on the rounds they share (2018 has the post's three; current adds Modern stack)."""
    common = [r for r in then.method.round_ids if r in now.method.round_ids]
    return on_rounds(then, common), on_rounds(now, common)


def then_vs_now(then: EditionResult, now: EditionResult) -> pd.DataFrame:
    """One row per framework of either edition: rank, score and tier then and now."""
    a = then.overall.set_index("framework")[["score", "rank", "tier"]].add_suffix("_then")
    b = now.overall.set_index("framework")[["score", "rank", "tier"]].add_suffix("_now")
    both = a.join(b, how="outer")
    # ranks compare over the same cast: among the frameworks scored in both editions, re-ranked by each score
    common = both["score_then"].notna() & both["score_now"].notna()
    for when in ("then", "now"):
        both[f"rank_{when}_common"] = both.loc[common, f"score_{when}"].round(6).rank(ascending=False, method="min")
    both["rank_change"] = both["rank_then_common"] - both["rank_now_common"]  # positive = climbed
    return both.reset_index().sort_values(["rank_now", "rank_then"], na_position="last").reset_index(drop=True)


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
    out["reason"] = [index_gap_reason(r.reason, r.framework, remeasured.edition.as_of) for r in out.itertuples()]
    return same_cast(out, remeasured.method)


_NO_RELEASE = re.compile(r"project '([^']+)' had no release by (\d{4}-\d{2}-\d{2})")


def index_gap_reason(reason: str, framework: str, as_of: str) -> str:
    """A package-index snapshot that finds no release of a project by a date, for a framework the registry says was
    released before that date, shows a gap in the index's listing (early releases later removed), not a framework
    that never released: the reason says so."""
    fw = {f.id: f for f in load_registry()}.get(framework)
    m = _NO_RELEASE.search(str(reason or ""))
    if fw is None or m is None or fw.first_release > int(str(as_of)[:4]):
        return reason
    return _NO_RELEASE.sub(
        f"the index lists no release of '{m.group(1)}' uploaded by {m.group(2)}, although {fw.name} was first released in "
        f"{fw.first_release} (frameworks.yaml): its early releases are not listed there (removed since, or published "
        "elsewhere then), which is not the same as never released", str(reason))


def same_cast(comparison: pd.DataFrame, method) -> pd.DataFrame:
    """Adds ``published_same_cast``: for a relative criterion, the published score over the best published score of
    the frameworks that were re-measured (the cast the re-measured score is relative to), so both are relative to
    the same frameworks; for a fixed scale, the published score. ``difference_same_cast`` compares the two."""
    out = comparison.copy()
    out["published_same_cast"] = out["published"]
    for cid, part in out.groupby("criterion", sort=False):
        if method.criterion(cid).kind != "relative":
            continue
        best = part.loc[part["remeasured"].notna(), "published"].max()
        if pd.notna(best) and best > 0:
            out.loc[part.index, "published_same_cast"] = part["published"] / best * 100
    out["difference_same_cast"] = out["remeasured"] - out["published_same_cast"]
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


def _common_mask(published: EditionResult, remeasured: EditionResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    keys = ["framework", "criterion"]
    p = published.criteria.set_index(keys)
    r = remeasured.criteria.set_index(keys).reindex(p.index)
    both = (p["status"] == "value") & (r["status"] == "value")
    return p, r.assign(_both=both).assign(_pub=p["status"] == "value")


def common_cells(published: EditionResult, remeasured: EditionResult) -> tuple[int, int]:
    """(cells with a value in both editions, published values the re-measured edition lacks)."""
    _p, r = _common_mask(published, remeasured)
    return int(r["_both"].sum()), int((r["_pub"] & ~r["_both"]).sum())


def like_for_like(published: EditionResult, remeasured: EditionResult) -> pd.DataFrame:
    """Overall ranks of both editions, also rescored on only the cells that have a value in both.

    ``rank_published`` and ``rank_remeasured`` are the editions' own ranks; ``rank_published_common``
    and ``rank_remeasured_common`` score both on the same cells (every other cell left out of its
    category mean, as n/a is), so the difference between those two comes from re-measured values only,
    and the difference between ``rank_published`` and ``rank_published_common`` from values dropped.
    """
    from .scoring import category_scores, overall_scores

    p, r = _common_mask(published, remeasured)
    method, w, n_tiers = remeasured.method, remeasured.weights, remeasured.edition.n_tiers

    def rescored(crit: pd.DataFrame) -> pd.Series:
        crit = crit.copy()
        crit.loc[~r["_both"].to_numpy(), "status"] = "not_available"
        crit = crit.reset_index()
        cats = category_scores(crit, method, w.get("criterion"), n_tiers)
        return overall_scores(cats, method, w.get("category"), n_tiers).set_index("framework")["rank"]

    table = pd.DataFrame({
        "rank_published": published.overall.set_index("framework")["rank"],
        "rank_published_common": rescored(p),
        "rank_remeasured_common": rescored(r.drop(columns=["_both", "_pub"])),
        "rank_remeasured": remeasured.overall.set_index("framework")["rank"],
    })
    return table.rename_axis("framework").reset_index().sort_values(["rank_published", "framework"]).reset_index(drop=True)


def activity_by_basis(published: EditionResult, basis_scores: pd.DataFrame, bases: tuple[str, ...] = ("git", "releases", "feature_releases")) -> pd.DataFrame:
    """The re-measured edition's activity on each basis (its ``basis_scores`` table, written by the
    scoring step), beside the published activity score.

    One row per framework and basis: published score, score and raw value on that basis (relative
    to the best of the cast on the same basis), source and reason. Cells set by a framework's
    lifecycle (archived or merged by the date) are marked ``lifecycle`` and are not a measurement
    of the basis.
    """
    pub = published.criteria[published.criteria["criterion"] == "activity"].set_index("framework")["score"]
    act = basis_scores[(basis_scores["criterion"] == "activity") & basis_scores["basis"].isin(bases)]
    act = act.assign(_o=act["basis"].map({b: i for i, b in enumerate(bases)})).sort_values("_o", kind="stable")
    out = act.assign(published=act["framework"].map(pub))
    out["lifecycle"] = out["lifecycle"].astype(str).str.lower().isin(["true", "1", "1.0"])
    out["reason"] = out["reason"].fillna("")
    out["source"] = out["source"].fillna("")
    return out[["framework", "basis", "published", "score", "raw_value", "lifecycle", "source", "reason"]].reset_index(drop=True)


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
