"""Scoring: raw values to 0-100, category means with n/a left out, the overall score, tiers.

The method, step by step:

1. **Criterion score.** A ``levels`` criterion scores ``raw / max * 100`` on its fixed scale; a
   ``relative`` criterion scores ``raw / best * 100`` where ``best`` is the highest raw value in
   the cast. An edition that only publishes scores (the 2018 post) passes them through unchanged.
2. **Category score.** The weighted mean of the criteria of a round that are *available* for that
   framework. A criterion that is not available is left out of the mean (its weight is shared
   among the rest), as the post did, and it is flagged in ``criteria_scores.status``.
3. **Overall score.** The weighted mean of the three category scores (equal weights by default,
   as in the post).
4. **Ranks and tiers.** See :mod:`showdown_lib.method.kernel`, which does every aggregation (steps 2-4).

A published edition's scores run the scale backwards: :func:`infer_levels` gives the level of a
fixed scale each published score stands for.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..core.methodology import Methodology
from . import kernel

AVAILABLE = "value"
NOT_AVAILABLE = "not_available"

CRITERIA_COLUMNS = ["framework", "round", "criterion", "raw_value", "score", "status", "source", "origin", "basis"]
# Where a criterion score came from, in the contract table: exactly these four words.
ORIGINS = ("measured", "curated", "published", "not_available")
# how a raw value was obtained (raw_values.build_raw) -> the contract's origin
_ORIGIN_OF = {"collected": "measured", "probed": "measured", "curated": "curated", "published": "published"}
CATEGORY_COLUMNS = ["framework", "category", "score", "n_criteria", "tier"]
OVERALL_COLUMNS = ["framework", "score", "rank", "tier"]


class WeightError(ValueError):
    """Weights that cannot be used: unknown names, negative values, or all zero."""


def normalise_weights(weights: Mapping[str, float] | None, names: list[str], what: str,
                      defaults: Mapping[str, float] | None = None) -> dict[str, float]:
    """Check weights against the allowed ``names``; missing names get their default (``defaults``, else 1).

    Weights are relative: they need not sum to one. Unknown names, negative or non-finite values
    and an all-zero set are errors that say which weight is wrong.
    """
    out = {n: float((defaults or {}).get(n, 1.0)) for n in names}
    for key, value in (weights or {}).items():
        if key not in out:
            raise WeightError(f"unknown {what} weight {key!r}; expected one of {names}")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise WeightError(f"{what} weight {key!r} must be a number, got {value!r}") from None
        if not math.isfinite(value) or value < 0:
            raise WeightError(f"{what} weight {key!r} must be finite and >= 0, got {value!r}")
        out[key] = value
    if sum(out.values()) <= 0:
        raise WeightError(f"{what} weights are all zero")
    return out


def level_score(raw: float, maximum: float) -> float:
    return raw / maximum * 100.0


# A published score may sit this far (in score points) from the nearest level of a fixed scale
# before it is flagged: the figures were read to about +/-1 point.
READING_TOLERANCE = 1.5


def score_criteria(raw: pd.DataFrame, method: Methodology) -> pd.DataFrame:
    """Turn raw values into 0-100 scores.

    ``raw`` has columns framework, criterion, raw_value, source and optionally ``published_score``
    (an edition that only published scores). Rows without a raw value or published score are
    ``not_available``. Returns the ``criteria_scores`` contract table.
    """
    frame = raw.copy()
    if "published_score" not in frame:
        frame["published_score"] = np.nan
    frame["raw_value"] = pd.to_numeric(frame["raw_value"], errors="coerce").astype(float)
    frame["published_score"] = pd.to_numeric(frame["published_score"], errors="coerce").astype(float)
    rounds = {c.id: c.round for c in method.criteria}
    frame["round"] = frame["criterion"].map(rounds)
    scores = pd.Series(np.nan, index=frame.index, dtype=float)
    for crit in method.criteria:
        mask = frame["criterion"] == crit.id
        if not mask.any():
            continue
        raw_values = frame.loc[mask, "raw_value"]
        if crit.kind == "levels":
            computed = level_score(raw_values, crit.max)
        else:
            best = raw_values.max(skipna=True)
            if pd.isna(best) or best <= 0:
                # nobody has a positive value: a relative score is 0 for those with a value
                computed = raw_values.where(raw_values.isna(), 0.0)
            else:
                computed = raw_values / best * 100.0
        published = frame.loc[mask, "published_score"]
        scores.loc[mask] = published.where(published.notna(), computed)
    frame["score"] = scores
    frame["status"] = np.where(frame["score"].notna(), AVAILABLE, NOT_AVAILABLE)
    if "source" not in frame:
        frame["source"] = ""
    frame["origin"] = contract_origin(frame)
    frame["basis"] = frame["basis"].fillna("") if "basis" in frame else ""
    order = {c: i for i, c in enumerate(method.criterion_ids)}
    frame = frame.assign(_o=frame["criterion"].map(order)).sort_values(["_o", "framework"], kind="stable")
    return frame[CRITERIA_COLUMNS].reset_index(drop=True)


def infer_levels(frame: pd.DataFrame, method: Methodology) -> pd.DataFrame:
    """For fixed-scale criteria, the raw level a published score stands for.

    ``raw = round(score / 100 * max / step) * step``; a score further than
    :data:`READING_TOLERANCE` points from that level's own score is flagged in ``note``.
    Relative criteria have no recoverable raw value (only the normalised score was published).
    """
    frame = frame.copy()
    for crit in method.criteria:
        mask = (frame["criterion"] == crit.id) & frame["published_score"].notna()
        if crit.kind != "levels" or not mask.any():
            continue
        implied = frame.loc[mask, "published_score"] / 100 * crit.max
        level = (implied / crit.step).round() * crit.step
        frame.loc[mask, "raw_value"] = level
        off = (level_score(level, crit.max) - frame.loc[mask, "published_score"]).abs() > READING_TOLERANCE
        for idx in off[off].index:
            frame.loc[idx, "note"] = (f"published score {frame.loc[idx, 'published_score']:g} is not on the "
                                      f"{crit.min:g}-{crit.max:g} scale (nearest level {level[idx]:g})")
    return frame


def contract_origin(frame: pd.DataFrame) -> pd.Series:
    """``measured``, ``curated``, ``published`` or ``not_available`` for each scored row.

    A row without a score is not_available; otherwise the raw table's ``origin`` decides (collected
    and probed values are measured); a table without origins (a published edition) is published.
    """
    if "origin" in frame:
        origin = frame["origin"].map(_ORIGIN_OF)
        unknown = frame.loc[origin.isna() & frame["score"].notna(), "origin"]
        if len(unknown):
            raise ValueError(f"raw origin {unknown.iloc[0]!r} has a score but no contract origin; known: {sorted(_ORIGIN_OF)}")
    else:
        origin = pd.Series("published", index=frame.index)
    return origin.where(frame["score"].notna(), NOT_AVAILABLE)


def criteria_matrix(criteria: pd.DataFrame, method: Methodology) -> tuple[list[str], np.ndarray]:
    """The frameworks (in table order) and their F x C matrix of criterion scores, NaN where not available."""
    frameworks = list(dict.fromkeys(criteria["framework"]))
    values = criteria["score"].where(criteria["status"] == AVAILABLE)
    wide = (criteria.assign(_v=values).pivot(index="framework", columns="criterion", values="_v")
            .reindex(index=frameworks, columns=method.criterion_ids))
    return frameworks, wide.to_numpy(dtype=float)


def cast_of(criteria: pd.DataFrame, method: Methodology) -> tuple[list[str], kernel.Cast]:
    """The frameworks and the :class:`~showdown_lib.method.kernel.Cast` the kernel aggregates."""
    frameworks, matrix = criteria_matrix(criteria, method)
    groups = [[i for i, c in enumerate(method.criterion_ids) if method.criterion(c).round == rid] for rid in method.round_ids]
    return frameworks, kernel.Cast(matrix, groups)


def category_scores(
    criteria: pd.DataFrame,
    method: Methodology,
    criterion_weights: Mapping[str, float] | None = None,
    n_tiers: int = 3,
) -> pd.DataFrame:
    """Weighted mean of the available criteria of each round, per framework, with tiers per round (the kernel's)."""
    weights = normalise_weights(criterion_weights, method.criterion_ids, "criterion", method.default_criterion_weights)
    frameworks, cast = cast_of(criteria, method)
    means = cast.category_means(cast.split(np.array([weights[c] for c in method.criterion_ids])))[:, 0, :]
    frames = [pd.DataFrame({"framework": frameworks, "category": rid, "score": means[k],
                            "n_criteria": cast.n_available[:, k], "tier": _no_zero(kernel.tiers(means[k], n_tiers))})
              for k, rid in enumerate(method.round_ids)]
    out = pd.concat(frames, ignore_index=True)
    order = {fw: i for i, fw in enumerate(frameworks)}
    out = out.assign(_o=out["framework"].map(order)).sort_values("_o", kind="stable").drop(columns="_o")
    return out[CATEGORY_COLUMNS].reset_index(drop=True)


def _no_zero(values: np.ndarray) -> pd.Series:
    """The kernel's rank or tier (0 = none) as a nullable integer column (<NA> = none)."""
    return pd.Series(values, dtype="Int64").where(pd.Series(values) > 0)


def overall_scores(
    categories: pd.DataFrame,
    method: Methodology,
    category_weights: Mapping[str, float] | None = None,
    n_tiers: int = 3,
) -> pd.DataFrame:
    """Weighted mean of the category scores, its rank (1 is best; ties share the better rank) and tier (the kernel's)."""
    weights = normalise_weights(category_weights, method.round_ids, "category")
    wide = categories.pivot(index="framework", columns="category", values="score").reindex(columns=method.round_ids)
    w = np.array([weights[r] for r in method.round_ids], dtype=float)
    score = kernel.combine(wide.to_numpy(dtype=float).T[:, None, :], w[None, :])[0]
    out = pd.DataFrame({"framework": wide.index, "score": score, "rank": _no_zero(kernel.ranks(score)),
                        "tier": _no_zero(kernel.tiers(score, n_tiers))})
    out = out.sort_values(["rank", "framework"], kind="stable").reset_index(drop=True)
    return out[OVERALL_COLUMNS]


def contributions(criteria: pd.DataFrame, method: Methodology, criterion_weights: Mapping[str, float] | None = None,
                  category_weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """framework x criterion: the points each criterion adds to the overall score (the kernel's; rows sum to it)."""
    cw = normalise_weights(criterion_weights, method.criterion_ids, "criterion", method.default_criterion_weights)
    gw = normalise_weights(category_weights, method.round_ids, "category")
    frameworks, cast = cast_of(criteria, method)
    points = cast.contributions(np.array([cw[c] for c in method.criterion_ids]), np.array([gw[r] for r in method.round_ids]))
    cols = [c for grp in cast.groups for c in grp]
    table = pd.DataFrame(points, index=pd.Index(frameworks, name="framework"), columns=[method.criterion_ids[i] for i in cols])
    return table[method.criterion_ids].sort_index()


def assign_tiers(scores: pd.Series, n_tiers: int = 3) -> pd.Series:
    """:func:`showdown_lib.method.kernel.tiers` over a Series (index kept; <NA> where there is no score)."""
    values = pd.to_numeric(scores, errors="coerce").astype(float).to_numpy()
    return pd.Series(_no_zero(kernel.tiers(values, n_tiers)).to_numpy(), index=scores.index, dtype="Int64")


def score_all(
    raw: pd.DataFrame,
    method: Methodology,
    criterion_weights: Mapping[str, float] | None = None,
    category_weights: Mapping[str, float] | None = None,
    n_tiers: int = 3,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """criteria_scores, category_scores and overall_scores in one call."""
    crit = score_criteria(raw, method)
    cats = category_scores(crit, method, criterion_weights, n_tiers)
    overall = overall_scores(cats, method, category_weights, n_tiers)
    return crit, cats, overall
