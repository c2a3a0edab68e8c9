"""Benchmark: what users run, whole process against whole process, in pairs.

Prints times and ratios, never pass/fail. Every side is a whole process (``subprocess``) on its own
scratch copy of the project (``synthetic_cast.scratch_copy``: what a run reads; nothing tracked is
touched), with the README's commands and their defaults:

* **cold**: ``python run_all.py`` (the default edition, the once-per-run steps and the site) on a
  fresh copy, against papermill's own command line over the same notebooks one after the other on
  another fresh copy (``python -m papermill`` per notebook, then ``python -m showdown_lib.present.site`` so
  both sides make the same outputs; the ratio without the site build is printed too). Target: at
  most 0.45x.
* **no change**: ``python run_all.py`` again on the copy the cold run left. Target: at most 0.05x of
  the cold run.
* **one fact changed** (unless ``--no-edit``): on a copy where ``python run_all.py --edition all`` ran
  cold, one curated fact of edition ``current`` is edited (the edit is checked: the file's text must
  differ), then ``python run_all.py --edition all`` again; the steps that ran and those left up to
  date are printed, and the benchmark stops if none ran.
* **one chart function changed** (unless ``--no-edit``, first round only): on a copy that also holds
  the library and ``run_all.py`` (the copy's own code runs, so the edit stays in the copy), every
  edition runs cold, one line is added to the function that draws the series chart, and every edition
  runs again; the steps that ran are printed beside the steps whose code imports the charts' module
  (read by the engine's own import reader), and the benchmark stops if they differ.

Each round runs the two cold sides one after the other, alternating which goes first, so a change in
the machine's load hits both; the per-round ratios give the spread (min-max) beside the median.

    .venv/bin/python benchmarks/bench_pipeline.py [--rounds 3] [--no-edit]
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

import synthetic_cast  # benchmarks/ is on the path when a benchmark runs as a script

ROOT = Path(__file__).resolve().parents[1]
CHART_MODULE = "showdown_lib.present.charts_series"
CHART_FUNCTION = "def rank_over_time("
CURATED_FACT = ("data/raw/curated/current/tensorflow.yaml", r"(sponsor:\s*\n\s+value:\s*)3", r"\g<1>2")


def scratch_copy(base: Path, name: str) -> Path:
    return synthetic_cast.scratch_copy(base / name)


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "SHOWDOWN_ROOT": str(root), "JUPYTER_PATH": str(root / ".cache" / "jupyter")}


def timed(cmd: list[str], root: Path, cwd: Path = ROOT) -> tuple[float, str]:
    """Wall seconds and stdout of one whole process; stops the benchmark if it fails."""
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=_env(root), capture_output=True, text=True, cwd=cwd)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"benchmark: {' '.join(Path(c).name for c in cmd[:3])} ... failed:\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def run_all(root: Path, *args: str) -> tuple[float, str]:
    return timed([sys.executable, str(ROOT / "run_all.py"), *args], root)


def papermill_cli(root: Path) -> tuple[float, float]:
    """The default run's notebooks through papermill's command line, one after the other, then the site
    builder: (seconds of the notebooks, seconds of the site)."""
    os.environ["SHOWDOWN_ROOT"] = str(root)
    from showdown_lib.pipeline.runner import ensure_kernel
    from showdown_lib.pipeline.steps import load_steps

    ensure_kernel()  # the same kernel spec run_all writes under .cache/ (not timed on either side)
    table = load_steps()
    total = 0.0
    for step in table.steps:
        if step.task is not None:  # a plain Python step (scoring): its own process, as run_all starts it
            if step.name == "site":  # built below, as on the other side
                continue
            given = {"edition": table.default_edition} if step.scope == "edition" else {}
            total += timed([sys.executable, "-m", "showdown_lib.pipeline.task_step", step.name, "--params", json.dumps(given)], root)[0]
            continue
        cmd = [sys.executable, "-m", "papermill", str(step.path), str(step.path), "-k", "showdown",
               "--cwd", str(root / "notebooks"), "--no-progress-bar"]
        if step.scope == "edition":
            cmd += ["-r", "edition", table.default_edition]
        total += timed(cmd, root)[0]
    site = timed([sys.executable, "-m", "showdown_lib.present.site"], root)[0]
    return total, site


def change_curated_fact(root: Path) -> str:
    """Edit one curated fact of ``current``; returns what changed (the benchmark stops if nothing did)."""
    rel, pattern, repl = CURATED_FACT
    path = root / rel
    before = path.read_text()
    after = re.sub(pattern, repl, before, count=1)
    if after == before:
        sys.exit(f"benchmark: the edit of {rel} changed nothing (pattern {pattern!r} not found): fix CURATED_FACT")
    path.write_text(after)
    return f"{rel}: sponsor 3 -> 2"


def steps_importing(module: str) -> set[str]:
    """Names (``edition:step`` as the runner prints them, ``once:`` for once-per-run steps) of the
    default table's step runs whose code imports ``module``, read as the engine reads them."""
    from showdown_lib.pipeline import code_deps
    from showdown_lib.pipeline.runner import step_code
    from showdown_lib.pipeline.steps import load_steps

    table, target = load_steps(), code_deps.module_file(module)
    out: set[str] = set()
    for step in table.steps:
        if target in code_deps.files_of(step_code(step)[1]):
            scopes = table.editions if step.scope == "edition" else ["once"]
            out.update(f"{scope}:{step.name}" for scope in scopes)
    return out


def change_chart_function(root: Path) -> str:
    """Add a line to the body of the series chart's function in the copy's library."""
    rel = Path(*CHART_MODULE.split(".")).with_suffix(".py")
    path = root / rel
    before = path.read_text()
    head, sep, rest = before.partition(CHART_FUNCTION)
    if not sep:
        sys.exit(f"benchmark: {rel} has no {CHART_FUNCTION!r}: fix CHART_FUNCTION")
    signature, colon, body = rest.partition(":\n")
    path.write_text(head + sep + signature + colon + "    _benchmark_edit = None  # one line more\n" + body)
    return f"{rel}: {CHART_FUNCTION.strip()}...): one line added"


def chart_edit_scenario(base: Path) -> tuple[str, str, str]:
    """(what changed, steps that ran again, steps expected to): see the module's docstring."""
    lib = synthetic_cast.scratch_copy(base / "library")
    shutil.copytree(ROOT / "showdown_lib", lib / "showdown_lib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "run_all.py", lib / "run_all.py")
    script = [sys.executable, str(lib / "run_all.py"), "--edition", "all"]
    timed(script, lib, cwd=lib)
    what = change_chart_function(lib)
    out = timed(script, lib, cwd=lib)[1]
    ran = set(re.findall(r"\[([^\]]+)\] done", out))
    expected = steps_importing(CHART_MODULE)
    if ran != expected:
        sys.exit(f"benchmark: after {what} these steps ran: {sorted(ran)}; their code imports it: {sorted(expected)}")
    return what, ", ".join(sorted(ran)), ", ".join(sorted(expected))


def spread(values: list[float], fmt: str = ".2f") -> str:
    return f"median {statistics.median(values):{fmt}} (spread {min(values):{fmt}}-{max(values):{fmt}})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-edit", action="store_true", help="skip the one-fact-changed scenario (it runs every edition cold)")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="showdown-bench-"))
    r = {k: [] for k in ("cold", "cli", "cli_site", "second", "ratio", "ratio_nb", "ratio_second", "all", "changed", "ratio_changed")}
    reran = kept = ""
    chart = None
    try:
        for k in range(args.rounds):
            ours, theirs = scratch_copy(base, "ours"), scratch_copy(base, "theirs")
            order = ["ours", "theirs"] if k % 2 == 0 else ["theirs", "ours"]
            for side in order:
                if side == "ours":
                    cold = run_all(ours)[0]
                else:
                    nb, site = papermill_cli(theirs)
            second, out = run_all(ours)
            if re.search(r"\] done", out):
                sys.exit(f"benchmark: the second run ran steps although nothing changed:\n{out[-1500:]}")
            r["cold"].append(cold), r["cli"].append(nb), r["cli_site"].append(nb + site), r["second"].append(second)
            r["ratio"].append(cold / (nb + site)), r["ratio_nb"].append(cold / nb), r["ratio_second"].append(second / cold)
            if not args.no_edit:
                every = scratch_copy(base, "every")
                r["all"].append(run_all(every, "--edition", "all")[0])
                what = change_curated_fact(every)
                t, out = run_all(every, "--edition", "all")
                ran = re.findall(r"\[([^\]]+)\] done", out)
                if not ran:
                    sys.exit(f"benchmark: after the edit ({what}) no step ran:\n{out[-1500:]}")
                r["changed"].append(t), r["ratio_changed"].append(t / r["all"][-1])
                reran, kept = ", ".join(ran), ", ".join(re.findall(r"\[([^\]]+)\] up to date", out))
                if k == 0:
                    chart = chart_edit_scenario(base)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"rounds: {args.rounds}; the two cold sides alternate which runs first; seconds, then ratios per round")
    print(f"cold `run_all.py` (default edition, once-per-run steps, site)      {spread(r['cold'])}")
    print(f"papermill CLI, same notebooks one after the other                {spread(r['cli'])}")
    print(f"  ... and then the site builder (the same outputs)               {spread(r['cli_site'])}")
    print(f"ratio cold run_all / (papermill CLI + site)   {spread(r['ratio'])}   target <= 0.45")
    print(f"ratio cold run_all / papermill CLI alone      {spread(r['ratio_nb'])}")
    print(f"second `run_all.py`, nothing changed                             {spread(r['second'])}")
    print(f"ratio second / cold                           {spread(r['ratio_second'], '.3f')}  target <= 0.05")
    if not args.no_edit:
        print(f"cold `run_all.py --edition all`                                  {spread(r['all'])}")
        print(f"after one curated fact changed ({CURATED_FACT[0]})  {spread(r['changed'])}")
        print(f"ratio changed / cold (all editions)           {spread(r['ratio_changed'])}")
        print(f"steps that ran again: {reran}")
        print(f"steps left up to date: {kept}")
        print(f"after {chart[0]}, steps that ran again: {chart[1]}")
        print(f"  ... the steps whose code imports {CHART_MODULE}: {chart[2]}")


if __name__ == "__main__":
    main()
