"""The aggregation kernel: weighted category means, overall means, ranks with ties and tiers, in numpy.

This is the one place the method aggregates scores. The scorer (:mod:`showdown_lib.method.scoring`), rank
stability (:mod:`showdown_lib.method.stability`), the comparisons of two editions, the published review and
the benchmarks all call it; the site's ``weights.js`` is a port of it that the browser test checks
against it on every edition and on random weights.

The rules:

* **Category mean.** The weighted mean of a framework's criteria of one category that have a value
  (n/a is NaN and left out, its weight shared among the rest); n/a when those criteria weigh 0 in all.
* **Overall mean.** The weighted mean of the category means that have a value, the same way.
* **Ties.** Two scores equal to :data:`DECIMALS` decimals are tied (float noise never separates
  them): they share the better rank (1, 2, 2, 4: "min" ranking) and always the same tier.
* **Tiers.** Cut at the ``n_tiers - 1`` largest gaps between consecutive distinct scores; a zero gap
  is never cut; of equal gaps the one nearer the top is cut first; tier 1 is the best group.
* A score that is n/a gets rank 0 and tier 0 (no rank, no tier).

Shapes: draws (alternative weightings) come first and frameworks last, so one call scores one
weighting (``D = 1``) or a block of many, and each draw's scores are contiguous for ranking.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Scores equal to this many decimals are tied.
DECIMALS = 6


class Workspace:
    """Arrays reused from one block of draws to the next: allocating a fresh array of a few hundred
    kilobytes per operation costs more (the memory is mapped, faulted in and unmapped each time) than
    the operation itself. ``get`` hands out the first rows of a buffer kept per name."""

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype=float) -> np.ndarray:
        buf = self._buffers.get(name)
        if buf is None or buf.dtype != np.dtype(dtype) or buf.shape[1:] != shape[1:] or buf.shape[0] < shape[0]:
            buf = self._buffers[name] = np.empty(shape, dtype=dtype)
        return buf[: shape[0]]


def category_mean(stacked: np.ndarray, weights: np.ndarray, out: np.ndarray | None = None,
                  ws: Workspace | None = None) -> np.ndarray:
    """The weighted mean of one category for each draw: ``weights`` (D x N) over ``stacked`` (N x 2F: the
    scores with 0 where n/a, then 1 where present, 0 where n/a) -> D x F, NaN where the present criteria
    weigh 0 in all (their sum and their weight are both 0, so 0 / 0)."""
    nfw = stacked.shape[1] // 2
    both = np.matmul(weights, stacked, out=(ws or Workspace()).get("both", (weights.shape[0], 2 * nfw)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.divide(both[:, :nfw], both[:, nfw:], out=out)


def stack(values: np.ndarray) -> np.ndarray:
    """``values`` (F x N, NaN = n/a) as :func:`category_mean` takes them (N x 2F)."""
    present = ~np.isnan(values)
    return np.ascontiguousarray(np.concatenate([np.where(present, values, 0.0), present], axis=0).T)


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean of each row of ``values`` (F x N, NaN = n/a, left out) under ``weights`` (N):
    F means, NaN where nothing present weighs."""
    return category_mean(stack(np.asarray(values, dtype=float)), np.asarray(weights, dtype=float).reshape(1, -1))[0]


def combine(means: np.ndarray, weights: np.ndarray, ws: Workspace | None = None) -> np.ndarray:
    """The overall mean: ``means`` (K x D x F category means, NaN = n/a; or a list of K D x F arrays)
    under ``weights`` (D x K), one weighting per draw -> D x F; a category mean that is n/a is left out,
    its weight shared."""
    ws = ws or Workspace()
    shape = means[0].shape
    total, part = ws.get("total", shape), ws.get("part", shape)
    total.fill(0.0)
    if not any(np.isnan(m).any() for m in means):  # every category has a mean: the weights sum the same for every framework
        for k, mean in enumerate(means):
            total += np.multiply(mean, weights[:, k : k + 1], out=part)
        total /= weights.sum(axis=1, keepdims=True)
        return total
    wsum, has = ws.get("wsum", shape), ws.get("has", shape, bool)
    wsum.fill(0.0)
    for k, mean in enumerate(means):
        g = weights[:, k : k + 1]
        np.equal(mean, mean, out=has)  # not NaN
        np.multiply(mean, g, out=part)
        np.copyto(part, 0.0, where=~has)
        total += part
        wsum += has * g
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.divide(total, wsum, out=total)  # 0 / 0 (nothing weighs) is NaN


class Cast:
    """The criterion scores of one cast (F frameworks x C criteria, NaN = n/a) grouped into categories
    (``groups``: the column indices of each category's criteria), ready to aggregate under weightings."""

    def __init__(self, scores: np.ndarray, groups: Sequence[Sequence[int]]):
        scores = np.asarray(scores, dtype=float)
        self.groups = [np.asarray(g, dtype=int) for g in groups]
        self.stacked = [stack(scores[:, g]) for g in self.groups]
        #: F x K: how many criteria of each category have a value for each framework
        self.n_available = np.array([[int((~np.isnan(scores[f, g])).sum()) for g in self.groups] for f in range(len(scores))],
                                    dtype=int).reshape(len(scores), len(self.groups))
        self.n_frameworks = scores.shape[0]

    def split(self, criterion_weights: np.ndarray) -> list[np.ndarray]:
        """Criterion weights (D x C, or C) cut into one contiguous block per category (D x C_k)."""
        w = np.asarray(criterion_weights, dtype=float)
        w = w.reshape(-1, w.shape[-1])
        return [np.ascontiguousarray(w[:, g]) for g in self.groups]

    def category_means(self, split_weights: list[np.ndarray], ws: Workspace | None = None) -> np.ndarray:
        """K x D x F category means under criterion weights already :meth:`split` (the rows of a block of draws)."""
        d = split_weights[0].shape[0] if split_weights else 1
        if ws is None:
            out = np.empty((len(self.groups), d, self.n_frameworks))
        else:  # one reused buffer per category
            out = [ws.get(f"mean{k}", (d, self.n_frameworks)) for k in range(len(self.groups))]
        for k, (st, w) in enumerate(zip(self.stacked, split_weights)):
            category_mean(st, w, out=out[k], ws=ws)
        return out

    def overall(self, split_weights: list[np.ndarray], category_weights: np.ndarray, ws: Workspace | None = None) -> np.ndarray:
        """D x F overall means of a block of draws (``category_weights`` D x K); with a workspace, the
        result lives in it until its next use."""
        ws = ws or Workspace()
        return combine(self.category_means(split_weights, ws), category_weights, ws)

    def contributions(self, criterion_weights: np.ndarray, category_weights: np.ndarray) -> np.ndarray:
        """F x C: the points each criterion adds to each framework's overall score under one weighting
        (its score times its share of its category's weight, times the category's share of the overall
        weight); a row sums to the overall mean, n/a criteria and categories add nothing."""
        cw = np.asarray(criterion_weights, dtype=float)
        g = np.asarray(category_weights, dtype=float)
        points = np.zeros((self.n_frameworks, sum(len(grp) for grp in self.groups)))
        dens = []
        for st, grp in zip(self.stacked, self.groups):
            dens.append(st[:, self.n_frameworks:].T @ cw[grp])  # F: the weight of the present criteria
        has = np.stack(dens, axis=1) > 0  # F x K: the category has a mean
        gsum = has @ g
        with np.errstate(invalid="ignore", divide="ignore"):
            for k, (st, grp, den) in enumerate(zip(self.stacked, self.groups, dens)):
                filled = st[:, : self.n_frameworks].T  # F x C_k, 0 where n/a
                share = np.where(has[:, k], g[k] / den / gsum, 0.0)
                points[:, grp] = filled * cw[grp] * share[:, None]
        return np.nan_to_num(points)

    def aggregate(self, criterion_weights: np.ndarray, category_weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Category means (F x K) and overall means (F) under one weighting (C and K weights)."""
        means = self.category_means(self.split(criterion_weights))
        overall = combine(means, np.asarray(category_weights, dtype=float).reshape(1, -1))
        return means[:, 0, :].T, overall[0]


#: The sort key of an n/a score: after every real one (a score is at most 10^6 points).
_NA_KEY = 10 ** 15


def _sorted(values: np.ndarray, ws: Workspace | None = None) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Per draw (row of D x F ``values``): the frameworks best first; each position's rank ("min" ranking
    on scores rounded to :data:`DECIMALS`), or None when no row has a tie (the rank is then the position
    + 1); and which positions hold a score, or None when all do.

    One integer sort per row: the key is the score rounded to :data:`DECIMALS`, negated (best first),
    shifted left to make room for the framework's index, so the sort returns the order and the
    rounded scores at once. Rows without a tie (most) need no more work.
    """
    ws = ws or Workspace()
    nfw = values.shape[1]
    bits = max(1, (nfw - 1).bit_length())
    key = np.multiply(values, -(10.0 ** DECIMALS), out=ws.get("key", values.shape))
    np.rint(key, out=key)
    np.fmin(key, _NA_KEY, out=key)  # n/a (NaN) sorts last
    packed = ws.get("packed", values.shape, np.int64)
    np.copyto(packed, key, casting="unsafe")
    packed <<= bits
    packed |= np.arange(nfw)
    packed.sort(axis=1)
    order = np.bitwise_and(packed, (1 << bits) - 1, out=ws.get("order", values.shape, np.int64))
    packed >>= bits  # the rounded scores, sorted
    valid = packed < _NA_KEY if (packed[:, -1] == _NA_KEY).any() else None
    tied = np.equal(packed[:, 1:], packed[:, :-1], out=ws.get("tied", (values.shape[0], nfw - 1), bool))
    if not tied.any():
        return order, None, valid
    rank = np.empty(packed.shape, dtype=np.int64)
    rank[:] = np.arange(1, nfw + 1)
    rows = np.flatnonzero(tied.any(axis=1))  # a tie shares the better rank: that of the first position of its run
    part = np.where(tied[rows], 0, rank[rows, 1:])
    rank[rows] = np.maximum.accumulate(np.concatenate([rank[rows, :1], part], axis=1), axis=1)
    return order, rank, valid


def ranks(values: np.ndarray) -> np.ndarray:
    """Rank 1 = best of ``values`` (F, or D x F: ranked within each row); ties share the better rank;
    n/a gets 0."""
    v = np.asarray(values, dtype=float)
    rows = v.reshape(-1, v.shape[-1])
    order, rank, valid = _sorted(rows)
    if rank is None:
        rank = np.broadcast_to(np.arange(1, rows.shape[1] + 1), rows.shape)
    out = np.zeros(rows.shape, dtype=int)
    np.put_along_axis(out, order, rank if valid is None else np.where(valid, rank, 0), axis=1)
    return out.reshape(v.shape)


def rank_counts(values: np.ndarray, ws: Workspace | None = None) -> np.ndarray:
    """counts[f, r]: in how many rows (draws) of ``values`` (D x F) framework f has rank r + 1, ranked
    as :func:`ranks` ranks (a tie counts at the shared rank; n/a counts nowhere)."""
    nfw = values.shape[1]
    order, rank, valid = _sorted(values, ws)
    order *= nfw
    if rank is None:
        order += np.arange(nfw)
    else:
        order += rank
        order -= 1
    if valid is not None:
        order[~valid] = nfw * nfw  # n/a goes to a bin past the end
    return np.bincount(order.ravel(), minlength=nfw * nfw + 1)[: nfw * nfw].reshape(nfw, nfw)


def tiers(values: np.ndarray, n_tiers: int) -> np.ndarray:
    """Tier of each of ``values`` (1-D; 1 = best, 0 = n/a): cut at the ``n_tiers - 1`` largest gaps
    between consecutive scores (rounded to :data:`DECIMALS`), never at a zero gap, of equal gaps the
    one nearer the top first. With fewer distinct scores than tiers, fewer tiers come out."""
    if n_tiers < 1:
        raise ValueError(f"n_tiers must be at least 1, got {n_tiers}")
    v = np.round(np.asarray(values, dtype=float), DECIMALS)
    out = np.zeros(len(v), dtype=int)
    valid = np.flatnonzero(~np.isnan(v))
    if not len(valid):
        return out
    order = valid[np.argsort(-v[valid], kind="stable")]
    ranked = v[order]
    gaps = ranked[:-1] - ranked[1:]  # gap i lies between positions i and i + 1
    candidates = np.flatnonzero(gaps > 0)
    cuts = np.sort(candidates[np.lexsort((candidates, -gaps[candidates]))][: n_tiers - 1])
    out[order] = 1 + np.searchsorted(cuts, np.arange(len(ranked)), side="left")
    return out
