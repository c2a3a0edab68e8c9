"""The weekly workflow rehearsed offline (tests/rehearsal.py): a failed source publishes nothing; then the whole
networked path, against recorded APIs on 127.0.0.1, ends in a dated edition with Ecosystem scored and activity
on its validated basis (GitHub activity beside it), FakeFlow (one registry entry) in every table, chart and page, the site built and a branch pushed."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rehearsal  # noqa: E402

pytestmark = pytest.mark.slow
DAY = dt.datetime.now(dt.timezone.utc).date()  # set again when the rehearsal starts (see ``run``)
EDITION = f"current@{DAY.isoformat()}"


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Both passes in one scratch project; the state after the failed pass is kept for its own checks."""
    global DAY, EDITION
    # the day the rehearsal runs, not the day the tests were collected: a run that starts before midnight UTC
    # and rehearses after it collects as of the new day (the GitHub API answers for today only)
    DAY = dt.datetime.now(dt.timezone.utc).date()
    EDITION = f"current@{DAY.isoformat()}"
    work = tmp_path_factory.mktemp("rehearsal")
    for slug, subdir in rehearsal.REPOSITORIES.items():
        rehearsal.build_remote(work, slug, subdir, DAY)
    root = rehearsal.scratch_project(work)
    failed = rehearsal.run_pass(work, root, "missing-field", DAY, log=lambda _line: None)
    after_failure = {
        "status": _git(root, "status", "--porcelain", "--untracked-files=all"),
        "site": (root / "reports" / "site").exists(),
        "origin_branches": _git(work / "origin.git", "branch", "--list"),
    }
    ok = rehearsal.run_pass(work, root, "ok", DAY, log=lambda _line: None)
    return {"work": work, "root": root, "failed": failed, "after_failure": after_failure, "ok": ok}


def test_the_rehearsal_runs_the_workflows_steps_in_order(run):
    ran = [s.id for s in run["ok"].steps if s.status is not None]
    skipped = [s.id for s in run["ok"].steps if s.status is None]
    assert ran == ["day", "collect", "check", "pipeline", "site", "branch"]
    assert skipped == ["setup", "pull-request"]
    assert all(s.status == 0 for s in run["ok"].steps if s.status is not None), [(s.id, s.output[-2000:]) for s in run["ok"].steps]


def test_a_response_without_a_field_fails_the_source_loudly_and_publishes_nothing(run):
    failed = run["failed"].failed
    assert failed is not None and failed.id == "collect" and failed.status == 1
    assert "stargazers_count" in failed.output and "github:" in failed.output
    assert [s.id for s in run["failed"].steps if s.status is not None] == ["day", "collect"]  # the job stopped there
    after = run["after_failure"]
    assert not after["site"] and after["origin_branches"].strip() == ""
    changed = [line for line in after["status"].splitlines() if not line.startswith("??")]
    assert changed == [], "a failed collection changed tracked files"
    new = [line[3:] for line in after["status"].splitlines() if line.startswith("??")]
    assert not any(p.startswith(f"data/raw/snapshots/github/{DAY}") for p in new)
    assert not any(p.startswith(("data/processed/", "reports/")) for p in new)


def test_rate_limits_and_server_errors_are_waited_out(run):
    statuses = [status for _path, status in run["ok"].requests]
    assert 403 in statuses and 503 in statuses and 502 in statuses
    collect = next(s for s in run["ok"].steps if s.id == "collect")
    assert "rate limit used up: waiting" in collect.output
    assert all(path.startswith(("/simple/", "/files/", "/github/", "/se/2.3/")) for path, _status in run["ok"].requests)


def test_a_dated_edition_with_ecosystem_and_github_activity_scored_for_the_recorded_frameworks(run):
    root = run["root"]
    for source in ("pypi", "git", "github", "stackexchange"):
        assert (root / "data" / "raw" / "snapshots" / source / DAY.isoformat() / "provenance.json").exists(), source
    processed = root / "data" / "processed" / EDITION
    scores = pd.read_csv(processed / "criteria_scores.csv")
    rows = scores[scores.criterion == "ecosystem"].set_index("framework")
    for fw in rehearsal.RECORDED:
        assert rows.loc[fw, "origin"] == "measured" and rows.loc[fw, "score"] > 0, fw
    assert rows.loc["keras", "origin"] == "not_available"  # not recorded: n/a, never 0
    # activity scores on the basis the edition declares and the validity table accepts (feature releases); the
    # GitHub snapshot is scored on its own basis beside it, as every basis of activity is
    assert set(scores.loc[scores.criterion == "activity", "basis"]) == {"feature_releases"}
    bases = pd.read_csv(processed / "basis_scores.csv")
    github = bases[(bases.criterion == "activity") & (bases.basis == "github")].set_index("framework")
    for fw in rehearsal.RECORDED:
        assert github.loc[fw, "score"] > 0, fw
    assert pd.isna(github.loc["keras", "score"])
    assert (root / "reports" / "site" / "index.html").exists()
    # the series over time published is the dated edition's: it ends on the day collected
    series = pd.read_csv(processed / "series.csv")
    assert series["date"].max() == DAY.isoformat()
    assert (root / "reports" / "figures" / f"{EDITION}-over-time" / "rank_over_time.png").exists()
    page = (root / "reports" / "site" / "notebooks" / "2018" / "11_over_time.html").read_text(encoding="utf-8")
    assert f"processed:{EDITION}/series" in page


def _fakeflow_colour(root: Path) -> tuple[int, int, int]:
    from showdown_lib.present.charts import framework_colors
    from showdown_lib.core.registry import load_registry

    colour = framework_colors(load_registry(root / "data" / "raw" / "frameworks.yaml"))["fakeflow"].lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))


def _has_colour(png: Path, rgb: tuple[int, int, int], min_pixels: int = 20) -> bool:
    """Whether at least ``min_pixels`` pixels of ``png`` are exactly ``rgb`` (a line, a bar, a marker)."""
    import matplotlib.image

    pixels = (matplotlib.image.imread(png)[..., :3] * 255).round().astype(int)
    return int((pixels == rgb).all(axis=-1).sum()) >= min_pixels


#: Tables that list some frameworks by nature: the probe's evidence (the weekly job does not run the probe, which
#: installs every framework; its snapshot of 2026-11-25 is used) and the cells where measurement and citation disagree.
NOT_PER_FRAMEWORK = {"probe_observations", "probe_ops", "modern_probe_observations", "modern_deployment", "data_issues"}


def test_the_framework_added_by_one_registry_entry_reaches_every_table_chart_and_page(run):
    root = run["root"]
    tables = sorted((root / "data" / "processed" / EDITION).glob("*.csv"))
    with_frameworks = [t for t in tables if "framework" in pd.read_csv(t).columns and len(pd.read_csv(t))  # empty: names no one
                       and t.stem not in NOT_PER_FRAMEWORK]
    assert {t.stem for t in tables} >= NOT_PER_FRAMEWORK  # each is written, so each exclusion below is needed
    assert len(with_frameworks) >= 10
    for table in with_frameworks:
        assert "fakeflow" in set(pd.read_csv(table)["framework"]), table.name
    charts = sorted((root / "reports" / "figures" / EDITION).glob("*.png"))  # charts are PNG only
    assert len(charts) >= 10
    # FakeFlow's own colour is on every chart drawn in framework colours where it has a value: the overall charts,
    # and each round's two charts when a criterion of that round has a value for it (n/a is drawn apart, never 0)
    scores = pd.read_csv(root / "data" / "processed" / EDITION / "criteria_scores.csv")
    mine = scores[(scores.framework == "fakeflow") & scores.score.notna()]
    expected = {"overall_podium", "overall_contributions", "radar_by_tier"}
    expected |= {f"{r}_{kind}" for r in set(mine["round"]) - {"modern_stack"} for kind in ("criteria", "category")}
    drawn = {chart.stem for chart in charts if _has_colour(chart, _fakeflow_colour(root))}
    assert len(expected) >= 7 and expected <= drawn, sorted(expected - drawn)
    pages = sorted((root / "reports" / "site" / "notebooks" / EDITION).glob("*.html"))
    assert len(pages) == 7
    for page in pages:
        assert "FakeFlow" in page.read_text(encoding="utf-8"), page.name


def test_nothing_stored_is_lost_and_the_snapshots_go_to_a_new_branch(run):
    root, work = run["root"], run["work"]
    lost = _git(root, "diff", "--name-only", "--diff-filter=MD", "main", "HEAD", "--", "data/raw")
    assert lost == ""
    branch = f"edition/{DAY.isoformat()}-4242"
    assert branch in _git(work / "origin.git", "branch", "--list")
    pushed = _git(work / "origin.git", "ls-tree", "-r", "--name-only", branch)
    assert f"data/raw/snapshots/github/{DAY}/observations.csv" in pushed
    assert f"data/processed/{EDITION}/criteria_scores.csv" in pushed


def test_no_secret_reaches_a_file_or_the_output(run):
    work = run["work"]
    found = []
    for folder, _dirs, files in os.walk(work):  # symbolic links (the scratch .venv) are not followed
        for name in files:
            path = Path(folder) / name
            if path.is_symlink() or path.is_relative_to(work / "project" / "tests"):  # the rehearsal's own code holds them
                continue
            data = path.read_bytes()
            found += [f"{path.relative_to(work)}" for s in rehearsal.SECRETS if s.encode() in data]
    assert found == []
    for p in (run["failed"], run["ok"]):
        assert not any(s in step.output for step in p.steps for s in rehearsal.SECRETS)
