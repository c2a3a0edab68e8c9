"""Rank stability: how much of a ranking is the data, and how much is the choice of weights.

Around the chosen weights we draw many alternative weightings from Dirichlet distributions (one
over the three categories, one over the criteria of each round), rescore every framework under
each draw, and count how often each framework lands at each rank.

* ``concentration`` sets how far the draws stray: the Dirichlet parameters are
  ``concentration * (chosen weights, normalised)``, so the draws average to the chosen weights and
  a larger concentration keeps them closer (50 gives each of three equal weights a standard
  deviation of about 0.07 around 1/3).
* Criteria that are not available stay out of a framework's category mean in every draw, exactly
  as in the main scoring.
* Every draw is scored by the aggregation kernel (:mod:`showdown_lib.method.kernel`), as the main scoring
  is, ties included (tied frameworks share the better rank), one block of about a thousand draws at
  a time (one matrix product per round; small products stay on one BLAS thread and in cache), so
  100,000 draws take under 0.1 s (see ``benchmarks/bench_stability.py``).
* The base rank of each framework is its rank under the chosen weights themselves: the overall rank
  of the scored edition.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping

import numpy as np
import pandas as pd

from ..core.methodology import Methodology
from . import kernel
from .scoring import cast_of, normalise_weights


@dataclass
class Stability:
    frameworks: list[str]
    rank_probability: pd.DataFrame  # framework x rank (1..n scored): share of draws (a tie counts at the shared rank)
    summary: pd.DataFrame  # framework, base_rank, p_top1, p_top3, rank_low, rank_high, median_rank
    n_samples: int
    concentration: float


def draw_weights(method: Methodology, n: int, criterion_weights=None, category_weights=None,
                 concentration: float = 50.0, rng: np.random.Generator | None = None) -> tuple[list[np.ndarray], np.ndarray]:
    """Draw ``n`` weightings: per round, the criterion weights (n x its criteria, in the method's order),
    and the category weights (n x rounds), laid out as the kernel takes them.

    Criterion weights are Dirichlet within each round; a criterion given weight 0 stays at 0.
    """
    if concentration <= 0:
        raise ValueError(f"concentration must be positive, got {concentration}")
    rng = rng or np.random.default_rng(0)
    cw = normalise_weights(criterion_weights, method.criterion_ids, "criterion", method.default_criterion_weights)
    gw = normalise_weights(category_weights, method.round_ids, "category")
    split = []
    for rid in method.round_ids:
        base = np.array([cw[c.id] for c in method.criteria_of(rid)], dtype=float)
        positive = base > 0
        if positive.all():
            split.append(rng.dirichlet(concentration * base / base.sum(), size=n))
            continue
        block = np.zeros((n, len(base)))
        if positive.any():
            block[:, positive] = rng.dirichlet(concentration * base[positive] / base[positive].sum(), size=n)
        split.append(block)
    gbase = np.array([gw[r] for r in method.round_ids], dtype=float)
    pos = gbase > 0
    if pos.all():
        return split, rng.dirichlet(concentration * gbase / gbase.sum(), size=n)
    cats = np.zeros((n, len(method.round_ids)))
    cats[:, pos] = rng.dirichlet(concentration * gbase[pos] / gbase[pos].sum(), size=n)
    return split, cats


def sample_weights(method: Methodology, n: int, criterion_weights=None, category_weights=None,
                   concentration: float = 50.0, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`draw_weights` as ``n`` criterion-weight vectors (n x criteria) and category-weight vectors (n x rounds)."""
    split, cats = draw_weights(method, n, criterion_weights, category_weights, concentration, rng)
    crit = np.zeros((n, len(method.criterion_ids)))
    for rid, block in zip(method.round_ids, split):
        crit[:, [method.criterion_ids.index(c.id) for c in method.criteria_of(rid)]] = block
    return crit, cats


#: Draws scored per block: small enough that each matrix product stays on one BLAS thread (OpenBLAS
#: threads a product above m*n*k = 262,144, and on a busy machine the threads cost more than they
#: save) and that a block's arrays stay in cache. Products per draw do not depend on the block.
_BLOCK_MNK = 65_536


def _block_size(n_frameworks: int, widest_round: int) -> int:
    return max(64, _BLOCK_MNK // max(1, n_frameworks * widest_round))


def overall_blocks(cast: kernel.Cast, split: list[np.ndarray], cat_w: np.ndarray) -> Iterator[np.ndarray]:
    """The kernel's overall scores (draws x frameworks) of ``n`` weightings (``split``: criterion weights
    per round, n x its criteria, as :meth:`~showdown_lib.method.kernel.Cast.split` cuts them; ``cat_w`` n x K),
    one block of draws at a time."""
    n = cat_w.shape[0]
    block = _block_size(cast.n_frameworks, max((len(g) for g in cast.groups), default=1))
    ws = kernel.Workspace()  # the block's arrays, reused: the next block overwrites what this one yields
    for start in range(0, n, block):
        draws = slice(start, min(start + block, n))
        yield cast.overall([w[draws] for w in split], cat_w[draws], ws)


def overall_for_weights(cast: kernel.Cast, crit_w: np.ndarray, cat_w: np.ndarray) -> np.ndarray:
    """Overall scores (draws x frameworks) for many weightings at once."""
    return np.concatenate([block.copy() for block in overall_blocks(cast, cast.split(crit_w), cat_w)], axis=0)


def _rank_quantile(counts: np.ndarray, q: float) -> np.ndarray:
    """Per framework, the smallest rank whose cumulative share of its ranked draws reaches ``q``."""
    cum = np.cumsum(counts, axis=1) / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    return (cum < q - 1e-12).sum(axis=1) + 1


def base_ranks(criteria: pd.DataFrame, method: Methodology, criterion_weights: Mapping[str, float] | None = None,
               category_weights: Mapping[str, float] | None = None) -> pd.Series:
    """The ranks under the chosen weights themselves (ties shared, 0 for none): the kernel's, as the scorer's."""
    frameworks, cast = cast_of(criteria, method)
    cw = normalise_weights(criterion_weights, method.criterion_ids, "criterion", method.default_criterion_weights)
    gw = normalise_weights(category_weights, method.round_ids, "category")
    _cats, overall = cast.aggregate(np.array([cw[c] for c in method.criterion_ids]), np.array([gw[r] for r in method.round_ids]))
    return pd.Series(kernel.ranks(overall), index=frameworks)


def rank_stability(criteria: pd.DataFrame, method: Methodology, criterion_weights: Mapping[str, float] | None = None,
                   category_weights: Mapping[str, float] | None = None, n_samples: int = 100_000,
                   concentration: float = 50.0, seed: int = 0, interval: float = 0.9) -> Stability:
    frameworks, cast = cast_of(criteria, method)
    rng = np.random.default_rng(seed)
    split, cat_w = draw_weights(method, n_samples, criterion_weights, category_weights, concentration, rng)
    nfw = len(frameworks)
    counts = np.zeros((nfw, nfw), dtype=np.int64)
    ws = kernel.Workspace()
    for overall in overall_blocks(cast, split, cat_w):
        counts += kernel.rank_counts(overall, ws)
    ranked = counts.sum(axis=1) > 0  # a framework with no score at all (a new registry entry) is never ranked: 0, last
    n_ranks = max(int(ranked.sum()), 1)  # the ranks span the scored frameworks: no rank is left for one never ranked
    prob = pd.DataFrame(counts[:, :n_ranks] / n_samples, index=frameworks, columns=range(1, n_ranks + 1))
    lo_q, hi_q = (1 - interval) / 2, 1 - (1 - interval) / 2
    base = base_ranks(criteria, method, criterion_weights, category_weights)
    summary = pd.DataFrame({
        "framework": frameworks,
        "base_rank": base.reindex(frameworks).to_numpy(),
        "p_top1": prob[1].to_numpy(),
        "p_top3": prob[[c for c in (1, 2, 3) if c in prob]].sum(axis=1).to_numpy(),
        "rank_low": np.where(ranked, _rank_quantile(counts, lo_q), 0),
        "rank_high": np.where(ranked, _rank_quantile(counts, hi_q), 0),
        "median_rank": np.where(ranked, _rank_quantile(counts, 0.5), 0),
    })
    summary = summary.assign(_unranked=summary.base_rank == 0).sort_values(["_unranked", "base_rank", "framework"])
    summary = summary.drop(columns="_unranked").reset_index(drop=True)
    return Stability(frameworks, prob, summary, n_samples, concentration)
