"""Benchmark: rank stability (sampling and blocked rescoring) against the 0.1 s target and older ways.

Reports times and ratios, not pass/fail:

* the time of ``rank_stability`` per 100,000 draws over the cast of an edition (median of several
  runs; wall time from ``time.perf_counter`` and CPU time of this process from ``time.process_time``,
  which a busy machine does not inflate), and its ratio to the 0.1 s target;
* the same draws rescored the way the library did before blocks (one matrix product per round over
  all draws at once, then ranks and a bincount per framework), and the ratio to it;
* a plain loop over the scorer (``category_scores`` and ``overall_scores`` per draw), per draw, and
  how many times faster the vectorised draw is.

    .venv/bin/python benchmarks/bench_stability.py [--edition current] [--samples 100000] [--runs 7]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from showdown_lib.editions import score_edition
from showdown_lib.scoring import category_scores, overall_scores
from showdown_lib.stability import _matrices, rank_stability, ranks_of, sample_weights

TARGET_S = 0.1  # seconds per 100,000 draws (issue 7)


def unblocked_counts(criteria, method, n: int, seed: int = 0) -> np.ndarray:
    """Rank counts the way ``rank_stability`` computed them before it scored draws in blocks."""
    _, scores, avail = _matrices(criteria, method)
    crit_w, cat_w = sample_weights(method, n, rng=np.random.default_rng(seed))
    total = np.zeros((scores.shape[0], n))
    wsum = np.zeros((scores.shape[0], n))
    round_of = [method.criterion(c).round for c in method.criterion_ids]
    with np.errstate(invalid="ignore", divide="ignore"):
        for k, rid in enumerate(method.round_ids):
            cols = [i for i, r in enumerate(round_of) if r == rid]
            w = np.ascontiguousarray(crit_w[:, cols].T)
            num = scores[:, cols] @ w
            den = avail[:, cols] @ w
            g = cat_w[:, k]
            has = den > 0
            np.divide(num, den, out=num, where=has)
            num[~has] = 0.0
            num *= g
            total += num
            wsum += has * g
        total /= wsum
    ranks = ranks_of(total)
    nfw = scores.shape[0]
    return np.stack([np.bincount(ranks[i], minlength=nfw + 1)[1:] for i in range(nfw)])


def timed(fn, runs: int) -> tuple[float, float]:
    """Median wall and median CPU seconds of ``runs`` calls."""
    walls, cpus = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edition", default="2018")
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--loop-samples", type=int, default=200)
    args = parser.parse_args()
    result = score_edition(args.edition)
    method = result.method
    n_fw = result.criteria.framework.nunique()
    per = 100_000 / args.samples

    new_wall, new_cpu = timed(lambda: rank_stability(result.criteria, method, n_samples=args.samples), args.runs)
    old_wall, old_cpu = timed(lambda: unblocked_counts(result.criteria, method, args.samples), args.runs)
    same = np.array_equal(unblocked_counts(result.criteria, method, args.samples),
                          np.round(rank_stability(result.criteria, method, n_samples=args.samples).rank_probability.to_numpy() * args.samples).astype(int))

    crit_w, cat_w = sample_weights(method, args.loop_samples, rng=np.random.default_rng(1))
    t0 = time.perf_counter()
    for i in range(args.loop_samples):
        cats = category_scores(result.criteria, method, dict(zip(method.criterion_ids, crit_w[i])))
        overall_scores(cats, method, dict(zip(method.round_ids, cat_w[i])))
    loop = (time.perf_counter() - t0) / args.loop_samples

    print(f"edition {args.edition}: {n_fw} frameworks, {len(method.criterion_ids)} criteria; {args.samples:,} draws, median of {args.runs} runs")
    print(f"rank_stability:        {new_wall * per:.3f} s wall, {new_cpu * per:.3f} s cpu per 100,000 draws")
    print(f"  ratio to the {TARGET_S} s target: {new_wall * per / TARGET_S:.2f} wall, {new_cpu * per / TARGET_S:.2f} cpu (at most 1 meets it)")
    print(f"unblocked (before):    {old_wall * per:.3f} s wall, {old_cpu * per:.3f} s cpu per 100,000 draws; same rank counts: {same}")
    print(f"  ratio rank_stability / unblocked: {new_wall / old_wall:.2f} wall, {new_cpu / old_cpu:.2f} cpu")
    print(f"loop over the scorer:  {loop * 1e3:.2f} ms per draw ({args.loop_samples} draws timed), {loop * 100_000:.0f} s per 100,000 draws")
    print(f"  ratio loop / rank_stability, per draw: {loop / (new_wall / args.samples):,.0f}x")


if __name__ == "__main__":
    main()
