"""Benchmark: the git collector as a whole process against ``git log --first-parent``, also a whole process.

Prints times and ratios, never pass/fail. Both sides read the default branch of the repository given
on the command line (a bare mirror, a ``.git`` folder or a work tree):

* the collector: ``python -m showdown_lib.acquire.sources.git_cli PATH --as-of DATE`` (interpreter start,
  imports, finding the branch, the history-through date, every count; what ``collect --source git``
  does for one repository, without an edition or a snapshot);
* the baseline: ``git log --first-parent <tip>`` with git's default format, written to ``/dev/null``;
* with ``--graph``, also the collector reading the whole commit graph in Python (the reader before
  git counted), and a check that both collectors print the same numbers;
* with ``--commit-graph``, both sides read a scratch copy of the repository that has a commit-graph
  file (``git commit-graph write --reachable``, what ``git gc`` and ``git maintenance`` write, and
  what the collector writes into the clones it keeps): its objects shared through
  ``objects/info/alternates``, its refs copied with their times, and a check that the collector prints
  the numbers it prints on the repository as given. Without it, both sides read the repository as
  given (the JAX mirror used for the README has no commit-graph).

Before timing, one run of the collector writes the library's bytecode cache (``__pycache__``), as any
first run does where ``PYTHONDONTWRITEBYTECODE`` is not set: the timed runs then import compiled
modules, as a user's do.

The sides run in pairs, alternating which goes first, so a change in the machine's load hits both;
the median and the spread (min-max) of the wall times, the median CPU time (the child's user + system)
and the median of the per-pair ratios are printed. Compare the CPU column on a busy machine.

    .venv/bin/python benchmarks/bench_git_collector.py PATH [--runs 7] [--as-of 2024-06-30] [--graph] [--commit-graph]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from showdown_lib.acquire.sources import git as gitsrc


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, bytes]:
    """(wall seconds, CPU seconds of the child, stdout) of one whole process."""
    before = os.times()
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    wall = time.perf_counter() - t0
    after = os.times()
    if done.returncode not in (0,):
        sys.exit(f"benchmark: {' '.join(cmd[:4])} ... failed ({done.returncode}): {done.stderr.decode()[-800:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, done.stdout


def paired(sides: dict[str, list[str]], runs: int, env: dict[str, str]) -> dict[str, dict[str, list[float]]]:
    """Each round runs every side once, the order rotating from round to round."""
    names = list(sides)
    out = {n: {"wall": [], "cpu": []} for n in names}
    for k in range(runs):
        for n in names[k % len(names):] + names[:k % len(names)]:
            wall, cpu, _ = timed(sides[n], env if n != "git log --first-parent" else gitsrc._git_env())
            out[n]["wall"].append(wall)
            out[n]["cpu"].append(cpu)
    return out


def with_commit_graph(git_dir: Path, scratch: Path) -> tuple[Path, float]:
    """A bare copy of ``git_dir`` under ``scratch`` sharing its objects (alternates), its refs and stamped files
    copied with their times, and a commit-graph written for it; (path, seconds the writing took)."""
    copy = scratch / "copy.git"
    git = gitsrc._git_cmd(None)
    subprocess.run(git + ["init", "--quiet", "--bare", str(copy)], check=True, env=gitsrc._git_env())
    (copy / "objects" / "info" / "alternates").write_text(str((git_dir / "objects").resolve()) + "\n", encoding="utf-8")
    shutil.rmtree(copy / "refs")
    shutil.copytree(git_dir / "refs", copy / "refs", copy_function=shutil.copy2)
    for name in ("HEAD", "packed-refs", "FETCH_HEAD"):
        if (git_dir / name).exists():
            shutil.copy2(git_dir / name, copy / name)
    t0 = time.perf_counter()
    subprocess.run(gitsrc._git_cmd(copy) + ["commit-graph", "write", "--reachable"], check=True, capture_output=True, env=gitsrc._git_env())
    return copy, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", help="a local git repository (bare mirror, .git folder or work tree)")
    parser.add_argument("--runs", type=int, default=7, help="pairs of runs (medians are reported)")
    parser.add_argument("--as-of", default=None, help="as-of date of the collector (default: today, UTC)")
    parser.add_argument("--graph", action="store_true", help="also time the whole-graph reader and compare its numbers")
    parser.add_argument("--commit-graph", action="store_true", help="both sides on a scratch copy that has a commit-graph file")
    args = parser.parse_args()

    git_dir = gitsrc.resolve_git_dir(args.path)
    if git_dir is None:
        parser.error("PATH is not a readable git repository")
    tip, branch = gitsrc.default_branch(git_dir)
    if tip is None:
        parser.error("the repository has no commits")
    as_of = args.as_of or dt.datetime.now(dt.timezone.utc).date().isoformat()
    env = dict(os.environ)
    cli = [sys.executable, "-m", "showdown_lib.acquire.sources.git_cli", args.path, "--as-of", as_of]
    warm = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    given = json.loads(timed(cli, warm)[2])  # writes the bytecode cache, warms the page cache
    if "PYTHONDONTWRITEBYTECODE" in env:
        print("PYTHONDONTWRITEBYTECODE is set here: a first run without it wrote the library's bytecode cache, "
              "so the timed runs import compiled modules as a user's runs do")
    scratch = None
    if args.commit_graph:
        scratch = Path(tempfile.mkdtemp(prefix="bench-git-"))
        git_dir, took = with_commit_graph(git_dir, scratch)
        cli[3] = str(git_dir)
        same = json.loads(timed(cli, env)[2]) == given
        print(f"both sides read a copy with a commit-graph file (written in {took:.2f} s, once); "
              f"the collector prints the same numbers as on the repository as given: {'yes' if same else 'NO'}")
    try:
        run(args, git_dir, tip, branch, as_of, cli, env)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def run(args, git_dir: Path, tip: str, branch: str, as_of: str, cli: list[str], env: dict[str, str]) -> None:
    sides = {"git log --first-parent": gitsrc._git_cmd(git_dir) + ["log", "--first-parent", tip],
             "collector (git counts)": cli}
    if args.graph:
        sides["collector (graph read)"] = cli + ["--graph"]
    first = json.loads(timed(cli, env)[2])  # also warms the page cache for every side
    refs = subprocess.run(gitsrc._git_cmd(git_dir) + ["for-each-ref", "--format=x"], capture_output=True, env=gitsrc._git_env()).stdout.count(b"\n")
    fp = subprocess.run(gitsrc._git_cmd(git_dir) + ["rev-list", "--first-parent", "--count", tip], capture_output=True, env=gitsrc._git_env()).stdout.decode().strip()
    print(f"repository: branch {branch}, {first['metrics'].get('total_commits')} commits up to {as_of} ({fp} on the first-parent chain "
          f"from today's tip), {refs:,} refs; history through {first['repository']['history_through']}; "
          f"commit-graph file: {'yes' if (git_dir / 'objects' / 'info' / 'commit-graph').exists() else 'no'}")
    if args.graph:
        same = json.loads(timed(cli + ["--graph"], env)[2]) == first
        print(f"git counts and the graph reader print the same numbers: {'yes' if same else 'NO'}")
    timed_sides = paired(sides, args.runs, env)
    med = statistics.median
    base = timed_sides["git log --first-parent"]
    for name, t in timed_sides.items():
        print(f"{name:<24} wall median {med(t['wall']):.3f} s (spread {min(t['wall']):.3f}-{max(t['wall']):.3f}), "
              f"cpu median {med(t['cpu']):.3f} s over {args.runs} runs")
    for name, t in timed_sides.items():
        if name == "git log --first-parent":
            continue
        ratios = [a / b for a, b in zip(t["wall"], base["wall"])]
        cpu = med(t["cpu"]) / med(base["cpu"]) if med(base["cpu"]) > 0 else float("nan")
        print(f"ratio {name} / git log --first-parent: wall {med(ratios):.2f}x (pairs {min(ratios):.2f}-{max(ratios):.2f}x; "
              f"target at most 1.5x), cpu {cpu:.2f}x")


if __name__ == "__main__":
    main()
