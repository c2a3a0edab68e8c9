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
4. **Tiers.** See :func:`assign_tiers`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .methodology import Methodology

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


def category_scores(
    criteria: pd.DataFrame,
    method: Methodology,
    criterion_weights: Mapping[str, float] | None = None,
    n_tiers: int = 3,
) -> pd.DataFrame:
    """Weighted mean of the available criteria of each round, per framework, with tiers per round."""
    weights = normalise_weights(criterion_weights, method.criterion_ids, "criterion", method.default_criterion_weights)
    frame = criteria.copy()
    frame["w"] = frame["criterion"].map(weights).astype(float)
    avail = frame[frame["status"] == AVAILABLE]
    rows = []
    frameworks = list(dict.fromkeys(criteria["framework"]))
    for fw in frameworks:
        for rid in method.round_ids:
            part = avail[(avail["framework"] == fw) & (avail["round"] == rid)]
            wsum = part["w"].sum()
            score = float((part["score"] * part["w"]).sum() / wsum) if len(part) and wsum > 0 else np.nan
            rows.append({"framework": fw, "category": rid, "score": score, "n_criteria": int(len(part))})
    out = pd.DataFrame(rows)
    out["tier"] = pd.Series(dtype="Int64")
    for rid in method.round_ids:
        mask = out["category"] == rid
        out.loc[mask, "tier"] = assign_tiers(out.loc[mask].set_index("framework")["score"], n_tiers).to_numpy()
    out["tier"] = out["tier"].astype("Int64")
    return out[CATEGORY_COLUMNS]


def overall_scores(
    categories: pd.DataFrame,
    method: Methodology,
    category_weights: Mapping[str, float] | None = None,
    n_tiers: int = 3,
) -> pd.DataFrame:
    """Weighted mean of the category scores; rank 1 is best (ties share the better rank)."""
    weights = normalise_weights(category_weights, method.round_ids, "category")
    wide = categories.pivot(index="framework", columns="category", values="score")[method.round_ids]
    w = pd.Series(weights)[method.round_ids]
    present = wide.notna()
    wsum = present.mul(w, axis=1).sum(axis=1)
    score = wide.fillna(0).mul(w, axis=1).sum(axis=1) / wsum.replace(0, np.nan)
    out = pd.DataFrame({"framework": score.index, "score": score.to_numpy()})
    out["rank"] = out["score"].rank(ascending=False, method="min").astype("Int64")
    out["tier"] = assign_tiers(out.set_index("framework")["score"], n_tiers).to_numpy()
    out = out.sort_values(["rank", "framework"], kind="stable").reset_index(drop=True)
    return out[OVERALL_COLUMNS]


def assign_tiers(scores: pd.Series, n_tiers: int = 3, decimals: int = 6) -> pd.Series:
    """Split frameworks into tiers at the largest gaps between consecutive scores.

    The rule, deterministic and documented:

    1. Sort the scores from best to worst (rounded to ``decimals`` places so float noise never
       makes a gap).
    2. Measure the gap between each pair of neighbours.
    3. Cut at the ``n_tiers - 1`` largest gaps. Equal scores are never separated (their gap is
       zero and zero gaps are never cut). When two gaps are equally large, the one nearer the top
       is cut first.
    4. Tier 1 is the best group. Frameworks without a score get no tier (<NA>).

    With fewer distinct scores than tiers, fewer tiers come out.
    """
    if n_tiers < 1:
        raise ValueError(f"n_tiers must be at least 1, got {n_tiers}")
    s = pd.to_numeric(scores, errors="coerce").astype(float).round(decimals)
    valid = s.dropna().sort_values(ascending=False, kind="stable")
    tiers = pd.Series(pd.NA, index=scores.index, dtype="Int64")
    if valid.empty:
        return tiers
    values = valid.to_numpy()
    gaps = values[:-1] - values[1:]  # gap i lies between position i and i+1
    candidates = [(-g, i) for i, g in enumerate(gaps) if g > 0]
    cuts = sorted(i for _, i in sorted(candidates)[: n_tiers - 1])
    tier_of_position = np.ones(len(values), dtype=int)
    for cut in cuts:
        tier_of_position[cut + 1 :] += 1
    tiers.loc[valid.index] = tier_of_position
    return tiers


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
