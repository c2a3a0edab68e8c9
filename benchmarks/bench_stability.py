"""Benchmark: rank stability per 100,000 draws on every edition, against the 0.1 s target and a fair baseline.

Prints times and ratios, never pass/fail:

* per edition of ``notebooks/steps.yaml``: ``rank_stability`` (sampling, blocked scoring through the
  aggregation kernel, ranks with ties, counts) per 100,000 draws, median of paired runs with the spread
  (fastest-slowest), wall time (``time.perf_counter``) and CPU time of this process
  (``time.process_time``, which other processes on a busy machine do not inflate), and the ratio to
  the 0.1 s target;
* the baseline, run alternately with it: the same draws scored by the same kernel in one go, every draw
  at once (one matrix product per round over all draws, then ranks of all draws): the plain vectorised
  way to write it, and what blocks are measured against;
* linearity in the cast: synthetic casts of 1x, 2x, 4x and 8x the largest edition's frameworks (its
  criterion scores repeated with noise), seconds per 100,000 draws and per framework.

    .venv/bin/python benchmarks/bench_stability.py [--samples 100000] [--runs 7] [--editions 2018 current]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from showdown_lib.method import kernel
from showdown_lib.method.edition_scores import score_edition
from showdown_lib.method.scoring import cast_of
from showdown_lib.method.stability import rank_stability, sample_weights
from showdown_lib.pipeline.steps import load_steps

TARGET_S = 0.1  # seconds per 100,000 draws (issue 18)


def unblocked(criteria: pd.DataFrame, method, n: int) -> np.ndarray:
    """Rank counts of the same draws, every draw scored at once (no blocks)."""
    _fws, cast = cast_of(criteria, method)
    crit_w, cat_w = sample_weights(method, n, rng=np.random.default_rng(0))
    return kernel.rank_counts(cast.overall(cast.split(crit_w), cat_w))


def clock(fn) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def paired(a, b, runs: int) -> tuple[list, list]:
    """``runs`` alternating calls of ``a`` and ``b`` (which goes first alternates too): (wall, cpu) each."""
    ta, tb = [], []
    for i in range(runs):
        first, second = (a, b) if i % 2 == 0 else (b, a)
        r1, r2 = clock(first), clock(second)
        ta.append(r1 if i % 2 == 0 else r2)
        tb.append(r2 if i % 2 == 0 else r1)
    return ta, tb


def describe(times: list, per: float) -> str:
    wall = sorted(t[0] * per for t in times)
    cpu = sorted(t[1] * per for t in times)
    return (f"{statistics.median(wall):.3f} s wall ({wall[0]:.3f}-{wall[-1]:.3f}), "
            f"{statistics.median(cpu):.3f} s cpu ({cpu[0]:.3f}-{cpu[-1]:.3f})")


def synthetic(criteria: pd.DataFrame, copies: int, seed: int = 0) -> pd.DataFrame:
    """The cast repeated ``copies`` times, each copy's scores moved by up to 5 points (n/a kept)."""
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(copies):
        part = criteria.copy()
        part["framework"] = part["framework"] + (f"~{k}" if k else "")
        if k:
            part["score"] = (part["score"] + rng.uniform(-5, 5, len(part))).clip(0, 100)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editions", nargs="*", default=None, help="default: every edition of notebooks/steps.yaml")
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    editions = args.editions or list(load_steps().editions)
    per = 100_000 / args.samples
    print(f"{args.samples:,} draws per run, {args.runs} paired runs, times per 100,000 draws: median (fastest-slowest)")
    largest = None
    for eid in editions:
        r = score_edition(eid)
        crit, method = r.criteria, r.method
        n_fw = crit["framework"].nunique()
        if largest is None or n_fw > largest[1]:
            largest = (r, n_fw)
        same = np.array_equal(unblocked(crit, method, args.samples),
                              np.round(rank_stability(crit, method, n_samples=args.samples).rank_probability.to_numpy() * args.samples))
        blocked, flat = paired(lambda: rank_stability(crit, method, n_samples=args.samples),
                               lambda: unblocked(crit, method, args.samples), args.runs)
        ratios = sorted(b[1] / f[1] for b, f in zip(blocked, flat))
        med = statistics.median(t[1] * per for t in blocked)
        print(f"\nedition {eid}: {n_fw} frameworks, {len(method.criterion_ids)} criteria")
        print(f"  rank_stability:  {describe(blocked, per)}")
        print(f"  ratio to the {TARGET_S} s target (cpu): {med / TARGET_S:.2f} (at most 1 meets it)")
        print(f"  unblocked:       {describe(flat, per)}; same rank counts: {same}")
        print(f"  ratio rank_stability / unblocked, per pair (cpu): median {statistics.median(ratios):.2f}, "
              f"spread {ratios[0]:.2f}-{ratios[-1]:.2f}")
    r, n_fw = largest
    print(f"\nlinear in the cast? edition {r.edition.id} repeated (cpu, median of {args.runs}):")
    base = None
    for copies in (1, 2, 4, 8):
        crit = synthetic(r.criteria, copies)
        times = [clock(lambda: rank_stability(crit, r.method, n_samples=args.samples)) for _ in range(args.runs)]
        cpu = statistics.median(t[1] for t in times) * per
        base = base or cpu / n_fw
        print(f"  {n_fw * copies:4d} frameworks: {cpu:.3f} s per 100,000 draws, {cpu / (n_fw * copies) * 1e3:.2f} ms per framework "
              f"({cpu / (n_fw * copies) / base:.2f}x the per-framework time of {n_fw})")


if __name__ == "__main__":
    main()
