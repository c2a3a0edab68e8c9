"""Benchmark: vectorised rank stability against a plain loop over the scorer.

Reports ratios, not pass/fail: how many times faster one draw is when all draws are scored at
once, and the time of 100,000 draws over the cast of an edition.

    .venv/bin/python benchmarks/bench_stability.py [--edition current] [--samples 100000]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from showdown_lib.editions import score_edition
from showdown_lib.scoring import category_scores, overall_scores
from showdown_lib.stability import rank_stability, sample_weights


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edition", default="2018")
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--loop-samples", type=int, default=200)
    args = parser.parse_args()
    result = score_edition(args.edition)
    method = result.method
    n_fw = result.criteria.framework.nunique()

    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        rank_stability(result.criteria, method, n_samples=args.samples)
        times.append(time.perf_counter() - t0)
    vec = min(times)

    crit_w, cat_w = sample_weights(method, args.loop_samples, rng=np.random.default_rng(1))
    t0 = time.perf_counter()
    for i in range(args.loop_samples):
        cw = dict(zip(method.criterion_ids, crit_w[i]))
        gw = dict(zip(method.round_ids, cat_w[i]))
        cats = category_scores(result.criteria, method, cw)
        overall_scores(cats, method, gw)
    loop = (time.perf_counter() - t0) / args.loop_samples

    per_draw_vec = vec / args.samples
    print(f"edition {args.edition}: {n_fw} frameworks, {len(method.criterion_ids)} criteria")
    print(f"vectorised: {args.samples:,} draws in {vec:.3f} s ({per_draw_vec * 1e6:.2f} us per draw)")
    print(f"loop over the scorer: {loop * 1e3:.2f} ms per draw ({args.loop_samples} draws timed)")
    print(f"speed-up ratio (loop / vectorised, per draw): {loop / per_draw_vec:,.0f}x")
    print(f"the loop would need {loop * args.samples:.0f} s for {args.samples:,} draws")


if __name__ == "__main__":
    main()
