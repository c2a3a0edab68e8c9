"""Benchmark: the git collector against a bare ``git log --first-parent`` of the same history.

Reports times and a ratio, not pass/fail. Both sides read the default branch of the repository
given on the command line (a bare mirror, a ``.git`` folder or a work tree); each is run several
times, the two alternating, and the median wall time (``time.perf_counter``) is printed with the
median CPU time (``os.times``, this process and its children), then collector / git log.

    .venv/bin/python benchmarks/bench_git_collector.py PATH [--runs 5] [--as-of 2024-06-30]

The collector side is the whole ``showdown_lib.sources.git.collect`` call for one framework
whose only repository is ``PATH``: locating the default branch, the history-through date, the
``git log`` stream and its parsing, landing dates and the window counts. The baseline is
``git log --first-parent <tip>`` with git's default format, written to ``/dev/null``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import time
from pathlib import Path

from showdown_lib.registry import Framework, Repository
from showdown_lib.sources import git as gitsrc


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _interleaved(sides: dict, runs: int) -> dict[str, tuple[list[float], list[float]]]:
    """Run each side once per round, alternating, so a change in machine load hits both alike."""
    out: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in sides}
    for _ in range(runs):
        for name, fn in sides.items():
            c0, t0 = _cpu(), time.perf_counter()
            fn()
            out[name][0].append(time.perf_counter() - t0)
            out[name][1].append(_cpu() - c0)
    return out


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

    timed = _interleaved({"git log --first-parent": bare_log, "collector": collector}, args.runs)
    print(f"repository: branch {branch}, {counts.get('total_commits')} commits up to {as_of}, {refs:,} refs")
    med, cpu = {}, {}
    for name, (walls, cpus) in timed.items():
        med[name], cpu[name] = statistics.median(walls), statistics.median(cpus)
        print(f"{name:<23} median {med[name]:.3f} s wall, {statistics.median(cpus):.3f} s cpu over {args.runs} runs"
              f" ({', '.join(f'{t:.3f}' for t in walls)})")
    t_log, t_col = med["git log --first-parent"], med["collector"]
    cpu_log = cpu["git log --first-parent"]
    cpu_ratio = f"{cpu['collector'] / cpu_log:.2f}x cpu" if cpu_log > 0 else "cpu too small to time (os.times ticks)"
    print(f"ratio collector / git log --first-parent: {t_col / t_log:.2f}x wall (target: at most 1.5x), {cpu_ratio}")


if __name__ == "__main__":
    main()
