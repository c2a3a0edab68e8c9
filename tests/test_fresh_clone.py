"""The README's commands in a fresh clone: nothing tracked changes, and the dated edition runs end to end.

A fresh clone is the project's tracked files (``git ls-files``, as they are in this tree) committed in a git
repository of their own, with no ``.cache/`` and no ``runs/``: exactly what ``git clone`` gives, including the
committed pipeline state (``reports/pipeline-state.json``) that lets it know its outputs are up to date.
``--refresh`` against a local fake index is a case of ``tests/reliability_cases.py`` (refused as a collection
worse than the stored snapshots, then run with ``--accept-partial``), and a framework added by one registry
entry is rehearsed by ``tests/rehearsal.py`` (FakeFlow, through every step of a dated edition, the site included).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STATE = "reports/pipeline-state.json"
DATED = "current@2024-06-30"
pytestmark = pytest.mark.slow


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


def fresh_clone(to: Path) -> Path:
    """The tracked files of this tree, committed in a new repository at ``to``."""
    for rel in filter(None, _git(ROOT, "ls-files", "-z").split("\0")):
        src = ROOT / rel
        if src.is_file():
            (to / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, to / rel)
    _git(to, "init", "-q")
    _git(to, "add", "-A")
    _git(to, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "fresh clone")
    return to


def run_all(root: Path, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    """``python run_all.py ...`` of the clone (its own run_all.py and library), as a user runs it there."""
    env = {k: v for k, v in os.environ.items() if k not in ("SHOWDOWN_ROOT", "PYTHONPATH")}
    env["MPLCONFIGDIR"] = str(root / ".cache" / "matplotlib")
    return subprocess.run([sys.executable, "run_all.py", *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=timeout)


def changed(root: Path) -> list[str]:
    """``git status --porcelain`` lines: tracked files changed, and files git does not know (ignored ones aside)."""
    return [line for line in _git(root, "status", "--porcelain", "--untracked-files=all").splitlines() if line]


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    return fresh_clone(tmp_path_factory.mktemp("fresh") / "project")


def test_make_run_in_a_fresh_clone_finds_every_output_up_to_date_and_changes_nothing(clone):
    """``make run`` is ``run_all.py --edition all``; the site (a build product, ignored by git) is left to the test
    below, which builds it."""
    done = run_all(clone, "--edition", "all", "--no-site")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stdout + done.stderr
    summary = re.search(r"run_all: (\d+) step\(s\) ran, (\d+) up to date\.", done.stdout)
    assert summary, done.stdout[-2000:]
    ran = [line for line in done.stdout.splitlines() if "] running ..." in line]
    assert ran == [], ("steps whose committed outputs are not what the committed state records: re-run the pipeline "
                       f"(run_all.py --edition all) and commit its outputs with {STATE}", ran)
    assert int(summary.group(2)) >= 30
    assert changed(clone) == []


def test_the_dated_edition_runs_every_step_in_a_fresh_clone_and_changes_nothing_tracked(clone):
    """The README's ``run_all.py --edition current@2024-06-30``: every step of the dated edition runs (the site too),
    the once-per-run steps are up to date, and the only tracked file that changes is the state, which gains the
    dated edition's records and keeps every other record as it was."""
    before = json.loads((clone / STATE).read_text(encoding="utf-8"))["steps"]
    done = run_all(clone, "--edition", DATED)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stdout + done.stderr
    ran = sorted(re.findall(r"^\[([^\]]+)\] done in ", done.stdout, re.M))
    fresh = sorted(re.findall(r"^\[([^\]]+)\] up to date$", done.stdout, re.M))
    dated = sorted(f"{DATED}:{s}" for s in ("score", "inputs", "01_support_community", "02_api_internals", "03_platform",
                                             "04_aggregate", "05_discussion", "07_weights_stability"))
    assert ran == sorted(dated + ["once:site"]), done.stdout
    assert fresh and all(name.startswith("once:") for name in fresh), fresh
    assert f"run_all: {len(ran)} step(s) ran, {len(fresh)} up to date." in done.stdout
    for folder in (f"data/processed/{DATED}", f"reports/figures/{DATED}", f"reports/notebooks/{DATED}"):
        assert any((clone / folder).iterdir()), folder
    assert (clone / "reports" / "site" / "notebooks" / DATED).is_dir()
    tracked = [line for line in changed(clone) if not line.startswith("??")]
    assert tracked == [f" M {STATE}"], tracked
    new = {line[3:].split("/")[0:3][-1] for line in changed(clone) if line.startswith("??")}
    assert new == {DATED}, new  # every new file is an output of the dated edition
    after = json.loads((clone / STATE).read_text(encoding="utf-8"))["steps"]
    assert {k: v for k, v in after.items() if k in before} == before
    assert sorted(set(after) - set(before)) == dated
    again = run_all(clone, "--edition", DATED, "--no-site")
    assert again.returncode == 0 and "run_all: 0 step(s) ran" in again.stdout, again.stdout[-2000:]
