"""The README's dated edition in a fresh clone: every step runs, and nothing tracked changes.

A fresh clone is the project's tracked files (``git ls-files``, as they are in this tree) committed in a git
repository of their own, with no ``.cache/`` (so no pipeline state) and no ``runs/``: what ``git clone`` gives.
The other README examples are tested elsewhere: that ``make run`` (every edition, every step) writes the committed
tables, charts and notebooks byte for byte is ``tests/test_committed_outputs.py``; ``run_all.py --refresh`` against
a local fake index (refused as a collection worse than the stored snapshots, then run with ``--accept-partial``)
is two cases of ``tests/reliability_cases.py``; a framework added by one registry entry, through every step of a
dated edition and the site, is FakeFlow in ``tests/rehearsal.py`` (``tests/test_rehearsal.py``).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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
    """``python run_all.py ...`` in the clone (its own run_all.py and library), as a user runs it there."""
    env = {k: v for k, v in os.environ.items() if k not in ("SHOWDOWN_ROOT", "PYTHONPATH")}
    env["MPLCONFIGDIR"] = str(root / ".cache" / "matplotlib")
    return subprocess.run([sys.executable, "run_all.py", *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_the_dated_edition_runs_every_step_in_a_fresh_clone_and_changes_nothing_tracked(tmp_path):
    """``run_all.py --edition current@2024-06-30``: every step of the dated edition, the once-per-run steps (no state
    yet) and the site run; the once-per-run steps rewrite their committed notebooks and tables byte for byte, so
    ``git status`` shows only the dated edition's new outputs; a second run runs nothing."""
    clone = fresh_clone(tmp_path / "project")
    done = run_all(clone, "--edition", DATED)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stdout + done.stderr
    ran = sorted(re.findall(r"^\[([^\]]+)\] done in ", done.stdout, re.M))
    dated = [f"{DATED}:{s}" for s in ("score", "inputs", "01_support_community", "02_api_internals", "03_platform",
                                      "04_aggregate", "05_discussion", "07_weights_stability")]
    once = [f"once:{s}" for s in ("06_then_vs_now", "08_remeasured_2018", "09_hardware_gap", "10_modern_stack",
                                  "11_over_time", "site")]
    assert ran == sorted(dated + once), done.stdout
    assert f"run_all: {len(ran)} step(s) ran, 0 up to date." in done.stdout
    status = [line for line in _git(clone, "status", "--porcelain", "--untracked-files=all").splitlines() if line]
    tracked = [line for line in status if not line.startswith("??")]
    assert tracked == [], tracked  # the once-per-run steps wrote what was committed, byte for byte
    new = {tuple(line[3:].split("/")[:3]) for line in status}
    assert new == {("data", "processed", DATED), ("reports", "figures", DATED), ("reports", "notebooks", DATED)}, new
    assert (clone / "data" / "processed" / DATED / "overall_scores.csv").is_file()
    assert (clone / "reports" / "site" / "notebooks" / DATED).is_dir()  # the site (ignored by git) shows it
    again = run_all(clone, "--edition", DATED)
    assert again.returncode == 0 and f"run_all: 0 step(s) ran, {len(ran)} up to date." in again.stdout, again.stdout[-2000:]


def test_a_framework_added_by_one_registry_entry_runs_through_every_step_of_current(tmp_path):
    """The README's "Your own cast" without a collection or a curated file: one registry entry, then
    ``run_all.py --edition current``. Every step runs (the issue saw 05_discussion fail on NaN); the new framework is
    in the scored tables, n/a with the reason where nothing was measured or curated, never 0; no raw file changes."""
    import pandas as pd

    clone = fresh_clone(tmp_path / "project")
    registry = clone / "data" / "raw" / "frameworks.yaml"
    entry = (ROOT / "tests" / "fixtures" / "rehearsal" / "fakeflow_registry.yaml").read_text(encoding="utf-8")
    registry.write_text(registry.read_text(encoding="utf-8").rstrip("\n") + "\n" + entry, encoding="utf-8")
    done = run_all(clone, "--edition", "current", "--no-site")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stdout + done.stderr
    ran = set(re.findall(r"^\[([^\]]+)\] done in ", done.stdout, re.M))
    assert {f"current:{s}" for s in ("score", "inputs", "01_support_community", "04_aggregate", "05_discussion")} <= ran
    assert f"run_all: {len(ran)} step(s) ran" in done.stdout
    scores = pd.read_csv(clone / "data" / "processed" / "current" / "criteria_scores.csv")
    mine = scores[scores.framework == "fakeflow"]
    assert len(mine) and (mine.score.isna() == (mine.origin == "not_available")).all()
    assert set(mine.loc[mine.origin == "curated", "criterion"]) == set()  # no curated file: nothing curated
    assert not (mine.score == 0).any() or (mine.loc[mine.score == 0, "origin"] == "measured").all()
    changed = _git(clone, "status", "--porcelain", "--", "data/raw").splitlines()
    assert changed == [" M data/raw/frameworks.yaml"], changed
