"""Benchmark: every step on a synthetic cast of 100 frameworks against the real cast of 18.

Prints per-step times and ratios, never pass/fail. Two scratch copies of the project: one as it is
(edition ``current`` has the registry's 18 frameworks), one with ``benchmarks/synthetic_cast.py``'s
made-up frameworks added (100 by default). On each, ``run_all.py --edition current --force --jobs 1``
runs every step of ``current`` and the once-per-run steps (then vs now reads ``current``), one at a
time so a step's time is its own; the rounds alternate which copy goes first. Each step's time is
read from run_all's "[step] done in N s" lines; the medians, their ratio and the spread of the per-round
ratios are printed (several rounds on a busy machine). Target: every step at most 2.5x its time on 18.

    .venv/bin/python benchmarks/bench_cast.py [--n 100] [--rounds 1] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

def _generator():
    """``benchmarks/synthetic_cast.py``, loaded from beside this file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("synthetic_cast", Path(__file__).resolve().parent / "synthetic_cast.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_gen = _generator()
ROOT, make_cast, scratch_copy = _gen.ROOT, _gen.make_cast, _gen.scratch_copy


def step_times(root: Path) -> dict[str, float]:
    env = {**os.environ, "SHOWDOWN_ROOT": str(root)}
    cmd = [sys.executable, str(ROOT / "run_all.py"), "--edition", "current", "--force", "--jobs", "1", "--no-site"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        sys.exit(f"benchmark: run_all failed on {root.name}:\n{done.stderr[-2000:]}")
    return {name: float(t) for name, t in re.findall(r"\[([^\]]+)\] done in ([\d.]+) s", done.stdout)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep the two scratch projects here (to look at their charts)")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="showdown-cast-"))
    real, many = scratch_copy(base / "cast18"), scratch_copy(base / f"cast{args.n}")
    make_cast(many, args.n)
    times: dict[str, dict[str, list[float]]] = {"real": {}, "many": {}}
    try:
        for k in range(args.rounds):
            for side in (["real", "many"] if k % 2 == 0 else ["many", "real"]):
                for step, t in step_times(real if side == "real" else many).items():
                    times[side].setdefault(step, []).append(t)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    med = statistics.median
    print(f"rounds: {args.rounds}; seconds per step (median), run_all --edition current --force --jobs 1")
    print(f"{'step':<34} {'18 frameworks':>14} {f'{args.n} frameworks':>15} {'ratio':>7}  ratio per round (min-max)")
    worst = 0.0
    for step in times["real"]:
        a, b = med(times["real"][step]), med(times["many"].get(step, [float("nan")]))
        pairs = [y / x for x, y in zip(times["real"][step], times["many"].get(step, []))]
        worst = max(worst, b / a)
        spread = f"{min(pairs):.2f}-{max(pairs):.2f}x" if pairs else "n/a"
        print(f"{step:<34} {a:14.2f} {b:15.2f} {b / a:6.2f}x  {spread}")
    total_a = sum(med(v) for v in times["real"].values())
    total_b = sum(med(v) for v in times["many"].values())
    print(f"{'all steps':<34} {total_a:14.2f} {total_b:15.2f} {total_b / total_a:6.2f}x")
    print(f"largest ratio of a step: {worst:.2f}x (target: at most 2.5x)")
    if args.keep:
        print(f"charts: {base}/cast{args.n}/reports/figures/current/")


if __name__ == "__main__":
    main()
