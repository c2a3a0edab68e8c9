"""The post's own summary figures beside the scores we reproduce from its criteria.

The 2018 post published two kinds of figures: the criterion breakdowns (our input,
``published_criteria.csv``) and four summary figures that place each framework on a 0-100 axis
per category and overall, grouped into tiers (``published_summary.csv``). The summary figures are
never used to score; they are the check:

* :func:`published_vs_reproduced`: per framework and category (and overall), the published score
  and tier beside ours, with the difference;
* :func:`self_consistency`: the post's overall figure against the mean of its own three category
  figures; where the two part by more than the reading error the post disagrees with itself;
* :func:`tier_rule_comparison`: how well a tier rule, applied to the post's own summary scores,
  gives back the post's tiers (exact matches and pair agreement), for the rule we use and the
  alternatives we tried.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable

import pandas as pd

from ..acquire.editions import load_edition
from ..core.errors import DataError
from ..core.fileio import read_csv, sha256_of
from .scoring import assign_tiers

CATEGORIES = ["support_community", "api_internals", "platform"]
SUMMARY_COLUMNS = ["framework", "category", "published_score", "published_tier"]
# The summary figures were read to about +/-2 points each; the mean of three such readings is good
# to about +/-1.2, so an overall figure more than 3 points from that mean is more than reading error.
SELF_CONSISTENCY_TOLERANCE = 3.0
# A tier the figure does not give (the framework sits below the last tier) is compared as this.
NO_TIER = 0


def load_summary(edition_id: str = "2018") -> pd.DataFrame:
    """The post's summary figures, checked against the checksum pinned in ``edition.yaml``."""
    edition = load_edition(edition_id)
    spec = edition.inputs.get("published_summary")
    if not isinstance(spec, dict) or "file" not in spec:
        raise DataError(edition.file, "no inputs.published_summary.file in this edition", edition.id, "inputs")
    path = edition.folder / spec["file"]
    if not path.exists():
        raise DataError(path, "file not found")
    if spec.get("sha256") and sha256_of(path) != spec["sha256"]:
        raise DataError(path, "checksum mismatch with inputs.published_summary.sha256 in edition.yaml", field="sha256")
    frame = read_csv(path, required=SUMMARY_COLUMNS)
    unknown = set(frame["category"]) - set(CATEGORIES) - {"overall"}
    if unknown:
        raise DataError(path, f"unknown category {sorted(unknown)}", field="category")
    frame["published_score"] = pd.to_numeric(frame["published_score"], errors="raise").astype(float)
    frame["published_tier"] = pd.to_numeric(frame["published_tier"], errors="coerce").astype("Int64")
    return frame.loc[frame["framework"].isin(edition.cast), SUMMARY_COLUMNS].reset_index(drop=True)


def published_vs_reproduced(summary: pd.DataFrame, categories: pd.DataFrame, overall: pd.DataFrame) -> pd.DataFrame:
    """One row per framework x category (and ``overall``): published and reproduced score and tier.

    ``difference`` is reproduced minus published (points); ``tier_agrees`` compares the tiers, a
    published "no tier" agreeing with nothing we assign (every framework gets a tier here).
    """
    ours = pd.concat([
        categories[["framework", "category", "score", "tier"]],
        overall[["framework", "score", "tier"]].assign(category="overall"),
    ], ignore_index=True).rename(columns={"score": "reproduced_score", "tier": "reproduced_tier"})
    out = summary.merge(ours, on=["framework", "category"], how="outer")
    out["difference"] = out["reproduced_score"] - out["published_score"]
    out["tier_agrees"] = (out["published_tier"].astype("Float64") == out["reproduced_tier"].astype("Float64")).fillna(False).astype(bool)
    order = {c: i for i, c in enumerate(CATEGORIES + ["overall"])}
    out = out.assign(_o=out["category"].map(order)).sort_values(["_o", "published_score"], ascending=[True, False])
    return out.drop(columns="_o").reset_index(drop=True)


def self_consistency(summary: pd.DataFrame, tolerance: float = SELF_CONSISTENCY_TOLERANCE) -> pd.DataFrame:
    """The post's overall figure against the mean of its three category figures, per framework.

    ``disagrees`` is True where the two differ by more than ``tolerance`` points.
    """
    wide = summary.pivot(index="framework", columns="category", values="published_score")
    out = pd.DataFrame({
        "published_overall": wide["overall"],
        "mean_of_categories": wide[CATEGORIES].mean(axis=1),
    })
    out["difference"] = out["published_overall"] - out["mean_of_categories"]
    out["disagrees"] = out["difference"].abs() > tolerance
    return out.sort_values("difference", key=lambda s: -s.abs()).reset_index()


def pair_agreement(a: pd.Series, b: pd.Series) -> float:
    """Share of framework pairs that both groupings put together, or both apart (the Rand index)."""
    idx = [i for i in a.index if i in b.index]
    pairs = list(itertools.combinations(idx, 2))
    if not pairs:
        return float("nan")
    same = sum((a[i] == a[j]) == (b[i] == b[j]) for i, j in pairs)
    return same / len(pairs)


def largest_gaps(n_groups: int, untiered_last: bool) -> Callable[[pd.Series], pd.Series]:
    """The tier rule of :func:`showdown_lib.method.scoring.assign_tiers` with ``n_groups`` groups; with
    ``untiered_last`` the last group is read as "no tier" (as the post's figures leave some out)."""
    def rule(scores: pd.Series) -> pd.Series:
        t = assign_tiers(scores, n_groups).astype(int)
        if untiered_last:
            t = t.where(t < n_groups, NO_TIER)
        return t
    return rule


TIER_RULES: dict[str, Callable[[pd.Series], pd.Series]] = {
    "largest gaps, 3 tiers (ours)": largest_gaps(3, untiered_last=False),
    "largest gaps, 3 tiers + no tier below": largest_gaps(4, untiered_last=True),
}


def tier_rule_comparison(summary: pd.DataFrame, rules: dict[str, Callable[[pd.Series], pd.Series]] | None = None) -> pd.DataFrame:
    """Apply each rule to the post's own summary scores and compare with the post's tiers.

    One row per rule x figure: ``exact`` frameworks in the same tier (no tier counts as a tier of
    its own), ``n``, and ``pair_agreement``; plus a row ``all`` per rule with the totals.
    """
    rows = []
    for name, rule in (rules or TIER_RULES).items():
        for cat in CATEGORIES + ["overall"]:
            part = summary[summary["category"] == cat].set_index("framework")
            published = part["published_tier"].fillna(NO_TIER).astype(int)
            ours = rule(part["published_score"])
            rows.append({"rule": name, "figure": cat, "exact": int((ours == published).sum()), "n": len(part),
                         "pair_agreement": pair_agreement(ours, published)})
    out = pd.DataFrame(rows)
    total = out.groupby("rule", sort=False).agg(exact=("exact", "sum"), n=("n", "sum"), pair_agreement=("pair_agreement", "mean"))
    total = total.reset_index().assign(figure="all")
    return pd.concat([out, total], ignore_index=True)[["rule", "figure", "exact", "n", "pair_agreement"]]


def flagged(frame: pd.DataFrame, column: str = "disagrees") -> list[str]:
    """Ids of the rows flagged in ``column`` (helper for the notebooks and the site)."""
    return list(frame.loc[frame[column].astype(bool), "framework"]) if len(frame) else []


__all__ = ["load_summary", "published_vs_reproduced", "self_consistency", "tier_rule_comparison", "pair_agreement",
           "largest_gaps", "flagged", "TIER_RULES"]
