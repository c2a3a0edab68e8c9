"""Benchmark: the git collector against a bare ``git log --first-parent`` of the same history.

Reports times and a ratio, not pass/fail. Both sides read the default branch of the repository
given on the command line (a bare mirror, a ``.git`` folder or a work tree); each is run several
times and the median wall time (``time.perf_counter``) is printed, then collector / git log.

    .venv/bin/python benchmarks/bench_git_collector.py PATH [--runs 5] [--as-of 2024-06-30]

The collector side is the whole ``showdown_lib.sources.git.collect`` call for one framework
whose only repository is ``PATH``: locating the default branch, the history-through date, the
``git log`` stream and its parsing, landing dates and the window counts. The baseline is
``git log --first-parent <tip>`` with git's default format, written to ``/dev/null``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import subprocess
import time
from pathlib import Path

from showdown_lib.registry import Framework, Repository
from showdown_lib.sources import git as gitsrc


def _median_time(fn, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a local git repository (bare mirror, .git folder or work tree)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each side (median is reported)")
    parser.add_argument("--as-of", default=None, help="as-of date of the collector (default: today, UTC)")
    parser.add_argument("--window-days", type=int, default=30)
    args = parser.parse_args()

    git_dir = gitsrc.resolve_git_dir(args.path)
    if git_dir is None:
        parser.error("PATH is not a readable git repository")
    tip, branch = gitsrc.default_branch(git_dir)
    if tip is None:
        parser.error("the repository has no commits")
    as_of = args.as_of or dt.datetime.now(dt.timezone.utc).date().isoformat()
    fw = Framework(id="bench", name="Bench", association="benchmark", first_release=2000,
                   repositories=(Repository(url="https://github.com/bench/bench"),), pypi=(), so_tags=(), numerics="none")

    def bare_log() -> None:
        subprocess.run(gitsrc._git_cmd(git_dir) + ["log", "--first-parent", tip], stdout=subprocess.DEVNULL, check=True, env=gitsrc._git_env())

    def collector() -> None:
        res = gitsrc.collect([fw], as_of, mirrors={"bench": str(Path(args.path))}, window_days=args.window_days, accept_stale=True)
        if res.failures:
            raise SystemExit(f"the collector failed: {res.failures}")

    collector()  # warm the page cache for both sides
    bare_log()
    res = gitsrc.collect([fw], as_of, mirrors={"bench": str(Path(args.path))}, window_days=args.window_days, accept_stale=True)
    counts = {o.metric: o.value for o in res.observations}
    refs = subprocess.run(gitsrc._git_cmd(git_dir) + ["for-each-ref", "--format=x"], capture_output=True, env=gitsrc._git_env()).stdout.count(b"\n")

    t_log, log_runs = _median_time(bare_log, args.runs)
    t_col, col_runs = _median_time(collector, args.runs)
    print(f"repository: branch {branch}, {counts.get('total_commits')} commits up to {as_of}, {refs:,} refs")
    print(f"git log --first-parent: median {t_log:.3f} s over {args.runs} runs ({', '.join(f'{t:.3f}' for t in log_runs)})")
    print(f"collector:              median {t_col:.3f} s over {args.runs} runs ({', '.join(f'{t:.3f}' for t in col_runs)})")
    print(f"ratio collector / git log --first-parent: {t_col / t_log:.2f}x (target: at most 1.5x)")


if __name__ == "__main__":
    main()
