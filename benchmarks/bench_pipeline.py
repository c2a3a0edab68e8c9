"""Benchmark: the pipeline's cold run against plain papermill, and its incremental re-runs.

Reports ratios, never pass/fail, measured on a scratch copy of the project (nothing tracked is
touched):

* cold ``run_all.py --edition 2018`` against the sequential papermill command line over the same
  notebooks (target: at most 0.5x);
* a second ``run_all.py`` with nothing changed, against the cold run (target: at most 0.05x);
* after one curated fact of edition ``current`` changed, ``run_all.py --edition all`` against its cold
  run, with the steps that ran again and those that stayed up to date (only the steps downstream of
  the fact should run: the scoring of ``current``, every step that reads its scores, none of the
  other editions').

    .venv/bin/python benchmarks/bench_pipeline.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def scratch_copy(base: Path) -> Path:
    root = base / "project"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copytree(ROOT / "data", root / "data")
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"benchmark: {' '.join(cmd[1:3])} failed:\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def run_all(root: Path, *args: str) -> tuple[float, str]:
    env = {**os.environ, "SHOWDOWN_ROOT": str(root)}
    return timed([sys.executable, str(ROOT / "run_all.py"), "--no-site", *args], env)


def papermill_cli(root: Path, edition: str) -> float:
    """The same notebooks, one after the other, through papermill's own command line."""
    from showdown_lib.steps import load_steps

    env = {**os.environ, "SHOWDOWN_ROOT": str(root), "JUPYTER_PATH": str(root / ".cache" / "jupyter")}
    os.environ["SHOWDOWN_ROOT"] = str(root)
    table = load_steps()
    out = root / "runs" / "cli"
    out.mkdir(parents=True, exist_ok=True)
    total = 0.0
    for step in table.steps:
        if step.task is not None:  # a plain Python step (scoring): its own process, as run_all starts it
            if step.name == "site":
                continue
            given = {"edition": edition} if step.scope == "edition" else {}
            total += timed([sys.executable, "-m", "showdown_lib.task_step", step.name, "--params", json.dumps(given)], env)[0]
            continue
        cmd = [sys.executable, "-m", "papermill", str(step.path), str(out / step.path.name), "-k", "showdown",
               "--cwd", str(root / "notebooks"), "--no-progress-bar"]
        if step.scope == "edition":
            cmd += ["-r", "edition", edition]
        total += timed(cmd, env)[0]
    return total


def change_curated_fact(root: Path) -> None:
    fact = root / "data" / "raw" / "curated" / "current" / "tensorflow.yaml"
    text = fact.read_text()
    fact.write_text(re.sub(r"(sponsor:\s*\n\s+value:\s*)3", r"\g<1>2", text, count=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="showdown-bench-"))
    cold, cli, second, changed, cur_cold = [], [], [], [], []
    reran = kept = ""
    try:
        for _ in range(args.repeat):
            root = scratch_copy(base)
            cold.append(run_all(root, "--edition", "2018")[0])
            second.append(run_all(root, "--edition", "2018")[0])
            cli.append(papermill_cli(root, "2018"))
            root = scratch_copy(base)  # a fresh copy: every edition cold
            cur_cold.append(run_all(root, "--edition", "all")[0])
            change_curated_fact(root)
            t, out = run_all(root, "--edition", "all")
            changed.append(t)
            reran = ", ".join(re.findall(r"\[([^\]]+)\] done", out))
            kept = ", ".join(re.findall(r"\[([^\]]+)\] up to date", out))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    med = statistics.median
    print(f"runs: {args.repeat} each; medians in seconds")
    print(f"cold run_all --edition 2018            {med(cold):7.2f}")
    print(f"sequential papermill CLI, same books   {med(cli):7.2f}   ratio cold/CLI      {med(cold) / med(cli):.2f}  (target <= 0.5)")
    print(f"second run_all, nothing changed        {med(second):7.2f}   ratio second/cold   {med(second) / med(cold):.3f} (target <= 0.05)")
    print(f"cold run_all --edition all (3 editions) {med(cur_cold):6.2f}")
    print(f"after one curated fact changed         {med(changed):7.2f}   ratio changed/cold  {med(changed) / med(cur_cold):.2f}")
    print(f"steps that ran again: {reran}")
    print(f"steps left up to date: {kept}")


if __name__ == "__main__":
    main()
