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
* Everything is vectorised: one matrix product per round for each block of about a thousand draws
  (small products stay on one BLAS thread and in cache), so 100,000 draws over the cast take well
  under 0.1 s (see ``benchmarks/bench_stability.py``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping

import numpy as np
import pandas as pd

from .methodology import Methodology
from .scoring import AVAILABLE, normalise_weights


@dataclass
class Stability:
    frameworks: list[str]
    rank_probability: pd.DataFrame  # framework x rank (1..n): share of draws
    summary: pd.DataFrame  # framework, base_rank, p_top1, p_top3, rank_low, rank_high, median_rank
    n_samples: int
    concentration: float


def _matrices(criteria: pd.DataFrame, method: Methodology) -> tuple[list[str], np.ndarray, np.ndarray]:
    frameworks = list(dict.fromkeys(criteria["framework"]))
    wide = criteria.pivot(index="framework", columns="criterion", values="score").reindex(index=frameworks, columns=method.criterion_ids)
    status = criteria.pivot(index="framework", columns="criterion", values="status").reindex(index=frameworks, columns=method.criterion_ids)
    avail = (status == AVAILABLE).to_numpy() & wide.notna().to_numpy()
    scores = np.where(avail, wide.to_numpy(dtype=float), 0.0)
    return frameworks, scores, avail.astype(float)


def sample_weights(method: Methodology, n: int, criterion_weights=None, category_weights=None,
                   concentration: float = 50.0, rng: np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` criterion-weight vectors (n x criteria) and category-weight vectors (n x rounds).

    Criterion weights are Dirichlet within each round; a criterion given weight 0 stays at 0.
    """
    if concentration <= 0:
        raise ValueError(f"concentration must be positive, got {concentration}")
    rng = rng or np.random.default_rng(0)
    cw = normalise_weights(criterion_weights, method.criterion_ids, "criterion", method.default_criterion_weights)
    gw = normalise_weights(category_weights, method.round_ids, "category")
    crit = np.zeros((n, len(method.criterion_ids)))
    for rid in method.round_ids:
        cols = [i for i, c in enumerate(method.criterion_ids) if method.criterion(c).round == rid]
        base = np.array([cw[method.criterion_ids[i]] for i in cols], dtype=float)
        positive = base > 0
        if not positive.any():
            continue
        alpha = concentration * base[positive] / base[positive].sum()
        draw = rng.dirichlet(alpha, size=n)
        idx = np.array(cols)[positive]
        crit[:, idx] = draw
    gbase = np.array([gw[r] for r in method.round_ids], dtype=float)
    cats = np.zeros((n, len(method.round_ids)))
    pos = gbase > 0
    cats[:, pos] = rng.dirichlet(concentration * gbase[pos] / gbase[pos].sum(), size=n)
    return crit, cats


#: Draws scored per block: small enough that each matrix product stays on one BLAS thread (OpenBLAS
#: threads a product above m*n*k = 262,144, and on a busy machine the threads cost more than they
#: save) and that a block's arrays stay in cache. Products per draw do not depend on the block.
_BLOCK_MNK = 65_536


def _block_size(n_frameworks: int, widest_round: int) -> int:
    return max(64, _BLOCK_MNK // max(1, n_frameworks * widest_round))


class _Rescorer:
    """The per-round matrices of one cast, ready to score blocks of draws (frameworks x draws)."""

    def __init__(self, scores: np.ndarray, avail: np.ndarray, method: Methodology, crit_w: np.ndarray, cat_w: np.ndarray):
        round_of = [method.criterion(c).round for c in method.criterion_ids]
        cols = [[i for i, r in enumerate(round_of) if r == rid] for rid in method.round_ids]
        self.scores = [np.ascontiguousarray(scores[:, c]) for c in cols]
        self.avail = [np.ascontiguousarray(avail[:, c]) for c in cols]
        self.weights = [np.ascontiguousarray(crit_w[:, c].T) for c in cols]  # criteria x draws, per round
        self.cat_w = cat_w
        self.n_frameworks, self.n_draws = scores.shape[0], crit_w.shape[0]
        self.block = _block_size(self.n_frameworks, max((len(c) for c in cols), default=1))

    def blocks(self) -> Iterator[slice]:
        for start in range(0, self.n_draws, self.block):
            yield slice(start, min(start + self.block, self.n_draws))

    def overall(self, draws: slice) -> np.ndarray:
        """Overall scores (frameworks x draws) of the draws ``draws``."""
        width = draws.stop - draws.start
        total = np.zeros((self.n_frameworks, width))
        wsum = np.zeros((self.n_frameworks, width))
        with np.errstate(invalid="ignore", divide="ignore"):
            for k, (sc, av, w_all) in enumerate(zip(self.scores, self.avail, self.weights)):
                w = w_all[:, draws]
                num = sc @ w
                den = av @ w
                g = self.cat_w[draws, k]
                has = den > 0
                np.divide(num, den, out=num, where=has)
                num[~has] = 0.0
                num *= g
                total += num
                wsum += has * g
            total /= wsum
        return total


def overall_for_weights(scores: np.ndarray, avail: np.ndarray, method: Methodology, crit_w: np.ndarray, cat_w: np.ndarray) -> np.ndarray:
    """Overall scores (frameworks x draws) for many weightings at once, scored block by block."""
    rescorer = _Rescorer(scores, avail, method, crit_w, cat_w)
    out = np.empty((rescorer.n_frameworks, rescorer.n_draws))
    for draws in rescorer.blocks():
        out[:, draws] = rescorer.overall(draws)
    return out


def ranks_of(overall: np.ndarray) -> np.ndarray:
    """Rank 1 = best, per draw (column); ties broken by framework order (stable)."""
    order = np.argsort(-overall, axis=0, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(overall.shape[0])[:, None]
    ranks[order, np.arange(overall.shape[1])[None, :]] = rows + 1
    return ranks


def rank_counts(overall: np.ndarray) -> np.ndarray:
    """counts[f, r]: draws (columns of ``overall``) in which framework f has rank r + 1, as ``ranks_of`` ranks."""
    nfw = overall.shape[0]
    order = np.argsort(-overall.T, axis=1, kind="stable")  # per draw, the frameworks best first
    return np.bincount((order * nfw + np.arange(nfw)).ravel(), minlength=nfw * nfw).reshape(nfw, nfw)


def _rank_quantile(counts: np.ndarray, q: float) -> np.ndarray:
    """Per framework, the smallest rank whose cumulative share of draws reaches ``q``."""
    cum = np.cumsum(counts, axis=1) / counts.sum(axis=1, keepdims=True)
    return (cum < q - 1e-12).sum(axis=1) + 1


def rank_stability(criteria: pd.DataFrame, method: Methodology, criterion_weights: Mapping[str, float] | None = None,
                   category_weights: Mapping[str, float] | None = None, n_samples: int = 100_000,
                   concentration: float = 50.0, seed: int = 0, interval: float = 0.9) -> Stability:
    frameworks, scores, avail = _matrices(criteria, method)
    rng = np.random.default_rng(seed)
    crit_w, cat_w = sample_weights(method, n_samples, criterion_weights, category_weights, concentration, rng)
    nfw = len(frameworks)
    rescorer = _Rescorer(scores, avail, method, crit_w, cat_w)
    counts = np.zeros((nfw, nfw), dtype=np.int64)
    for draws in rescorer.blocks():
        counts += rank_counts(rescorer.overall(draws))
    prob = pd.DataFrame(counts / n_samples, index=frameworks, columns=range(1, nfw + 1))
    lo_q, hi_q = (1 - interval) / 2, 1 - (1 - interval) / 2
    cw1, gw1 = sample_weights(method, 1, criterion_weights, category_weights, 1e9, np.random.default_rng(seed))
    base = ranks_of(overall_for_weights(scores, avail, method, cw1, gw1))[:, 0]
    summary = pd.DataFrame({
        "framework": frameworks,
        "base_rank": base,
        "p_top1": prob[1].to_numpy(),
        "p_top3": prob[[c for c in (1, 2, 3) if c in prob]].sum(axis=1).to_numpy(),
        "rank_low": _rank_quantile(counts, lo_q),
        "rank_high": _rank_quantile(counts, hi_q),
        "median_rank": _rank_quantile(counts, 0.5),
    }).sort_values(["base_rank", "framework"]).reset_index(drop=True)
    return Stability(frameworks, prob, summary, n_samples, concentration)
