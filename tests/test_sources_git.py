"""Tests of the git collector on small repositories built here with fixed dates.

Every expected number below is counted by hand from the history the test builds; the comments
next to each builder list which commits land in which window.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from showdown_lib.core.errors import CollectionError
from showdown_lib.core.registry import Framework, Repository
from showdown_lib.acquire.sources import git as gitsrc
from showdown_lib.acquire.sources import git_chain
from showdown_lib.acquire.snapshots import read_snapshot, write_snapshot

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

WEEK = 7 * 86400


def fw(fid: str, *repos: Repository) -> Framework:
    return Framework(id=fid, name=fid.title(), association="test", first_release=2020, repositories=tuple(repos), pypi=(), so_tags=(), numerics="none")


class Repo:
    """A throw-away git repository with commits at chosen dates."""

    def __init__(self, path: Path, branch: str = "main"):
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.home = path.parent / f".home-{path.name}"
        self.home.mkdir(exist_ok=True)
        self.git("init", "-q", "-b", branch)

    def env(self, email: str = "a@x", date: str | None = None, committer_date: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        env.update({"HOME": str(self.home), "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
                    "GIT_AUTHOR_NAME": email.split("@")[0], "GIT_AUTHOR_EMAIL": email,
                    "GIT_COMMITTER_NAME": "committer", "GIT_COMMITTER_EMAIL": "committer@x"})
        if date:
            env["GIT_AUTHOR_DATE"] = date
            env["GIT_COMMITTER_DATE"] = committer_date or date
        return env

    def git(self, *args: str, **env_kw) -> str:
        proc = subprocess.run(["git", *args], cwd=self.path, env=self.env(**env_kw), capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.strip()

    def commit(self, message: str, date: str, email: str = "a@x", files: dict[str, str] | None = None, committer_date: str | None = None) -> str:
        for name, text in (files or {}).items():
            f = self.path / name
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(text)
            self.git("add", name)
        self.git("commit", "-q", "--allow-empty", "-m", message, email=email, date=date, committer_date=committer_date)
        return self.git("rev-parse", "HEAD")

    def merge(self, branch: str, message: str, date: str, email: str = "a@x") -> str:
        self.git("merge", "-q", "--no-ff", "-m", message, branch, email=email, date=date)
        return self.git("rev-parse", "HEAD")


def build_workflows(path: Path) -> Repo:
    """A history mixing the three PR workflows around the as-of date 2020-06-30.

    main (first-parent chain)                       lands (UTC)            window of 2020-06-30
      c1   root                          a          2020-01-01 10:00       before
      cw0  edge, one second early        a          2020-05-31 23:59:59    just outside
      cw1  edge, first second            a          2020-06-01 00:00:00    inside
      c2   "Fix x (#34)"                 a          2020-06-05             inside, PR 34
      M    "Merge pull request #12 ..."  a          2020-06-15             inside, PR 12
           f1 (committed 2020-05-20)     b          lands with M           inside, PR 12
           f2 (committed 2020-06-10)     A@X        lands with M           inside, PR 12 (same author as a@x)
      c3   trailer pull/56               d          2020-06-30 23:59:59    inside, PR 56 (given in -07:00)
      c4   "Speed up y (#78)"            e          2020-07-01 00:00:00    after (given in +02:00)
      M2   "Merge pull request #90 ..."  a          2020-07-02             after
           g1 (committed 2020-06-20)     f          lands with M2          after, although committed inside
    """
    r = Repo(path)
    r.commit("root", "2020-01-01T10:00:00+00:00")
    r.commit("edge early", "2020-05-31T23:59:59+00:00")
    r.commit("edge first second", "2020-06-01T00:00:00+00:00")
    base = r.git("rev-parse", "HEAD")
    r.commit("Fix x (#34)", "2020-06-05T12:00:00+00:00")
    r.git("checkout", "-q", "-b", "feature", base)
    r.commit("feature part 1", "2020-05-20T12:00:00+00:00", email="b@x")
    r.commit("feature part 2", "2020-06-10T12:00:00+00:00", email="A@X")
    r.git("checkout", "-q", "main")
    r.merge("feature", "Merge pull request #12 from a/b", "2020-06-15T12:00:00+00:00")
    r.git("checkout", "-q", "-b", "late")
    r.commit("late work", "2020-06-20T12:00:00+00:00", email="f@x")
    r.git("checkout", "-q", "main")
    r.commit("Refactor z\n\nSummary of the change.\n\nPull Request resolved: https://github.com/o/r/pull/56\nDifferential Revision: D1",
             "2020-06-30T16:59:59-07:00", email="d@x")
    r.commit("Speed up y (#78)", "2020-07-01T02:00:00+02:00", email="e@x")
    r.merge("late", "Merge pull request #90 from f/late", "2020-07-02T12:00:00+00:00")
    return r


def values(result, framework: str) -> dict:
    return {o.metric: o.value for o in result.observations if o.framework == framework}


def rows(result, framework: str) -> list:
    return [o for o in result.observations if o.framework == framework]


GH = Repository(url="https://github.com/o/r")


@pytest.fixture(scope="module")
def workflows(tmp_path_factory) -> Repo:
    return build_workflows(tmp_path_factory.mktemp("wf") / "r")


def test_merge_squash_and_trailer_workflows_as_of_2020_06_30(workflows):
    res = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(workflows.path)})
    v = values(res, "demo")
    assert all(o.status == "ok" for o in rows(res, "demo"))
    assert v["total_commits"] == 8  # c1 cw0 cw1 c2 f1 f2 M c3
    assert v["commits_30d"] == 6  # cw1 c2 f1 f2 M c3
    assert v["merged_prs_30d"] == 3  # 12, 34, 56
    assert v["active_authors_30d"] == 3  # a b d (A@X is a@x: e-mails are lower-cased)
    assert v["last_commit_date"] == "2020-06-30"
    assert v["weeks_since_last_commit"] == pytest.approx(1 / WEEK)  # one second before midnight UTC
    assert v["first_commit_date"] == "2020-01-01"
    assert res.source == "git" and res.as_of == "2020-06-30"
    assert res.endpoint == "git log of {repository}[ -- {path}]"
    assert rows(res, "demo")[0].detail.startswith("github.com/o/r (branch main; history through ")
    assert res.tables["repositories"][0]["branch"] == "main"


def test_later_as_of_picks_up_late_merge_and_moves_the_window(workflows):
    res = gitsrc.collect([fw("demo", GH)], "2020-07-05", mirrors={"demo": str(workflows.path)})
    v = values(res, "demo")
    assert v["total_commits"] == 11  # the 8 above + c4 g1 M2
    # window [2020-06-06, 2020-07-06): f1 f2 M (land 06-15), c3, c4, g1 M2 (land 07-02)
    assert v["commits_30d"] == 7
    assert v["merged_prs_30d"] == 4  # 12, 56, 78, 90
    assert v["active_authors_30d"] == 5  # a b d e f
    assert v["last_commit_date"] == "2020-07-02"
    assert v["weeks_since_last_commit"] == pytest.approx((3 * 86400 + 12 * 3600) / WEEK)


def test_window_days_changes_the_window_and_the_metric_names(workflows):
    res = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(workflows.path)}, window_days=7)
    v = values(res, "demo")
    assert v["commits_7d"] == 1  # only c3 lands in [06-24, 07-01)
    assert v["merged_prs_7d"] == 1 and v["active_authors_7d"] == 1
    assert "commits_30d" not in v
    with pytest.raises(ValueError):
        gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(workflows.path)}, window_days=0)


def test_as_of_before_the_first_commit_is_missing(workflows):
    res = gitsrc.collect([fw("demo", GH)], "2019-12-31", mirrors={"demo": str(workflows.path)})
    obs = rows(res, "demo")
    assert len(obs) == 7 and all(o.status == "missing" for o in obs)
    assert obs[0].reason == "no commits of github.com/o/r on or before 2019-12-31"


def test_empty_repository_is_missing(tmp_path):
    Repo(tmp_path / "empty")
    res = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(tmp_path / "empty")})
    obs = rows(res, "demo")
    assert {o.status for o in obs} == {"missing"}
    assert obs[0].reason == "repository github.com/o/r has no commits (empty repository)"


def test_bare_mirror_keyed_by_slug_gives_the_same_numbers(workflows, tmp_path):
    bare = tmp_path / "o+r.git"
    subprocess.run(["git", "clone", "-q", "--mirror", str(workflows.path), str(bare)], check=True, capture_output=True)
    direct = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(workflows.path)})
    mirrored = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"O/R": str(bare)})
    assert values(mirrored, "demo") == values(direct, "demo")
    assert mirrored.tables["repositories"][0]["branch"] == "main"


def test_clone_uses_the_remote_default_branch_not_the_checked_out_one(workflows, tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(workflows.path), str(clone)], check=True, capture_output=True)
    subprocess.run(["git", "checkout", "-q", "-b", "topic", "HEAD~3"], cwd=clone, check=True, capture_output=True)
    res = gitsrc.collect([fw("demo", GH)], "2020-07-05", mirrors={"demo": str(clone)})
    assert values(res, "demo")["total_commits"] == 11
    assert res.tables["repositories"][0]["branch"] == "main"


def test_path_filter_and_a_mirror_shared_through_another_frameworks_id(tmp_path):
    """Caffe2-style subtree: only commits touching ``sub/`` count.

    main: p1 2020-06-02 touches sub/ and top/ (#1); p2 2020-06-03 top/ only (#2);
    p3 2020-06-04 sub/ only, trailer pull/3; p4 2020-07-03 sub/ (after as-of).
    """
    r = Repo(tmp_path / "mono")
    r.commit("both (#1)", "2020-06-02T00:00:00+00:00", files={"sub/a.txt": "1", "top/b.txt": "1"})
    r.commit("top only (#2)", "2020-06-03T00:00:00+00:00", email="t@x", files={"top/b.txt": "2"})
    r.commit("sub only\n\nPull Request resolved: https://github.com/o/mono/pull/3", "2020-06-04T00:00:00+00:00", email="s@x", files={"sub/a.txt": "2"})
    r.commit("later (#4)", "2020-07-03T00:00:00+00:00", files={"sub/a.txt": "3"})
    url = "https://github.com/o/mono"
    whole, part = fw("whole", Repository(url)), fw("part", Repository(url, path="sub"))
    res = gitsrc.collect([whole, part], "2020-06-30", mirrors={"whole": str(r.path)})
    w, p = values(res, "whole"), values(res, "part")
    assert (w["total_commits"], w["commits_30d"], w["merged_prs_30d"], w["active_authors_30d"]) == (3, 3, 3, 3)
    assert (p["total_commits"], p["commits_30d"], p["merged_prs_30d"], p["active_authors_30d"]) == (2, 2, 2, 2)
    assert p["last_commit_date"] == "2020-06-04" and p["first_commit_date"] == "2020-06-02"
    assert rows(res, "part")[0].detail.startswith("github.com/o/mono -- sub (branch main")


def test_several_repositories_are_aggregated(workflows, tmp_path):
    """Counts add up, authors are a union, the last commit is the latest of the two."""
    r = Repo(tmp_path / "second")
    r.commit("one (#12)", "2020-06-20T00:00:00+00:00", email="a@x")  # same PR number, other repository
    r.commit("two", "2020-06-29T00:00:00+00:00", email="z@x")
    both = fw("both", GH, Repository("https://github.com/o/second"))
    res = gitsrc.collect([both], "2020-06-30", mirrors={"o/r": str(workflows.path), "o/second": str(r.path)})
    v = values(res, "both")
    assert v["total_commits"] == 10 and v["commits_30d"] == 8
    assert v["merged_prs_30d"] == 4  # 3 in o/r + 1 in o/second
    assert v["active_authors_30d"] == 4  # a b d + z
    assert v["last_commit_date"] == "2020-06-30" and v["first_commit_date"] == "2020-01-01"
    assert len(res.tables["repositories"]) == 2


def test_missing_mirror_and_a_bad_mirror_path(tmp_path, workflows):
    notrepo = tmp_path / "not-a-repo"
    notrepo.mkdir()
    other = fw("other", Repository("https://github.com/x/y"))
    bad = fw("bad", Repository("https://github.com/x/bad"))
    half = fw("half", GH, Repository("https://github.com/x/z"))
    res = gitsrc.collect([other, bad, half], "2020-06-30", mirrors={"bad": str(notrepo), "o/r": str(workflows.path)})
    assert {o.reason for o in rows(res, "other")} == {"no local mirror of github.com/x/y; pass --git-mirror ID=PATH"}
    assert {o.status for o in rows(res, "bad")} == {"missing"}
    assert rows(res, "bad")[0].reason == "the mirror given for github.com/x/bad is not a readable git repository"
    assert res.failures == ["the mirror given for github.com/x/bad is not a readable git repository"]
    # one of two repositories unavailable: the framework's totals would be short, so all missing
    assert {o.status for o in rows(res, "half")} == {"missing"}
    assert "github.com/x/z" in rows(res, "half")[0].reason
    assert len(res.observations) == 3 * 7


def test_allow_clone_from_a_file_url(workflows, tmp_path):
    url = workflows.path.resolve().as_uri()
    demo = fw("demo", Repository(url))
    without = gitsrc.collect([demo], "2020-06-30")
    assert {o.status for o in without.observations} == {"missing"}
    clones = tmp_path / "clones"
    res = gitsrc.collect([demo], "2020-06-30", allow_clone=True, clone_dir=clones)
    v = values(res, "demo")
    assert (v["total_commits"], v["commits_30d"], v["merged_prs_30d"], v["active_authors_30d"]) == (8, 6, 3, 3)
    made = list(clones.glob("*.git"))
    assert len(made) == 1
    assert subprocess.run(["git", "--git-dir", str(made[0]), "rev-parse", "--is-bare-repository"], capture_output=True, text=True).stdout.strip() == "true"
    assert (made[0] / "objects" / "info" / "commit-graph").is_file()  # the clones it keeps are walked from a commit-graph
    assert values(gitsrc.collect([demo], "2020-06-30", mirrors={"demo": str(workflows.path)}), "demo") == v  # same numbers
    again = gitsrc.collect([demo], "2020-07-05", allow_clone=True, clone_dir=clones)  # reuses and fetches
    assert values(again, "demo")["total_commits"] == 11
    tmp_default = gitsrc.collect([demo], "2020-06-30", allow_clone=True)  # temporary clone folder
    assert values(tmp_default, "demo") == v


def test_a_copy_older_than_the_as_of_date_is_missing_unless_accepted(tmp_path):
    r = Repo(tmp_path / "old")
    r.commit("only (#1)", "2020-06-10T00:00:00+00:00")
    old = 1591747200  # 2020-06-10T00:00Z: pretend the copy was fetched right after the commit
    for p in (r.path / ".git").rglob("*"):
        os.utime(p, (old, old))
    demo = fw("demo", GH)
    res = gitsrc.collect([demo], "2020-06-30", mirrors={"demo": str(r.path)})
    by = {o.metric: o for o in res.observations}
    assert by["first_commit_date"].status == "ok" and by["first_commit_date"].value == "2020-06-10"
    stale = [m for m, o in by.items() if o.status == "missing"]
    assert sorted(stale) == sorted(["last_commit_date", "weeks_since_last_commit", "commits_30d", "merged_prs_30d", "active_authors_30d", "total_commits"])
    assert by["commits_30d"].reason == "the local copy of github.com/o/r only reaches 2020-06-10, before 2020-06-30; refresh the mirror"
    assert res.tables["repositories"][0]["status"] == "stale"
    ok = gitsrc.collect([demo], "2020-06-30", mirrors={"demo": str(r.path)}, accept_stale=True)
    assert values(ok, "demo")["commits_30d"] == 1 and "history through 2020-06-10" in ok.observations[0].detail
    fresh = gitsrc.collect([demo], "2020-06-10", mirrors={"demo": str(r.path)})
    assert values(fresh, "demo")["merged_prs_30d"] == 1


def test_restarted_default_branch_falls_back_to_master(tmp_path):
    """The default branch ``main`` starts over in 2021; the 2020 history lives on ``master``."""
    r = Repo(tmp_path / "restart", branch="master")
    r.commit("old (#1)", "2020-06-10T00:00:00+00:00")
    r.commit("old (#2)", "2020-06-20T00:00:00+00:00")
    r.git("checkout", "-q", "--orphan", "main")
    r.commit("root commit", "2021-08-12T00:00:00+00:00")
    r.git("merge", "-q", "--allow-unrelated-histories", "-s", "ours", "-m", "merge old history", "master", date="2021-08-13T00:00:00+00:00")
    res = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(r.path)})
    v = values(res, "demo")
    assert (v["total_commits"], v["commits_30d"], v["merged_prs_30d"]) == (2, 2, 2)
    assert res.tables["repositories"][0]["branch"].startswith("master")
    now = gitsrc.collect([fw("demo", GH)], "2021-08-31", mirrors={"demo": str(r.path)})
    assert values(now, "demo")["total_commits"] == 4  # main: root, merge, and the two old commits it brought in
    assert now.tables["repositories"][0]["branch"] == "main"


def test_git_not_installed_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(gitsrc.shutil, "which", lambda name: None)
    with pytest.raises(CollectionError, match="needs the `git` program"):
        gitsrc.collect([fw("demo", GH)], "2020-06-30")


@pytest.mark.parametrize(
    "subject, body, number",
    [
        ("Merge pull request #12 from a/b", "", 12),
        ("Fix x (#34)", "", 34),
        ("Fix x (#34)  ", "", 34),
        ("Refactor", "Text.\n\nPull Request resolved: https://github.com/o/r/pull/56\nApproved by: x", 56),
        ("Integrate", "Imported from GitHub PR https://github.com/o/r/pull/77\n\nCOPYBARA_INTEGRATE_REVIEW=https://github.com/o/r/pull/77 from u:b 5d4d\nPiperOrigin-RevId: 1", 77),
        ("Fix (#34) in the middle", "", None),
        ("Merge branch 'main' into dev", "", None),
        ("Mention", "see https://github.com/o/r/pull/9 and Pull Request resolved elsewhere", None),
    ],
)
def test_pr_number(subject, body, number):
    assert gitsrc.pr_number(subject, body) == number


def test_parse_log_splits_records_across_chunk_boundaries():
    stream = "\x1ea\x1fp q\x1fX@Y\x1f1\x1f2\x1fFix (#3)\x1fbody\n\x1eb\x1f\x1fz@y\x1f3\x1f4\x1fs\x1f\n".encode()
    chunks = [stream[i:i + 5] for i in range(0, len(stream), 5)]
    commits = gitsrc.parse_log(chunks)
    assert list(commits) == ["a", "b"]
    assert commits["a"].parents == ("p", "q") and commits["a"].author_email == "x@y" and commits["a"].pr == 3
    assert commits["b"].parents == () and commits["b"].commit_time == 4 and commits["b"].pr is None


def test_parse_mirror_args():
    assert gitsrc.parse_mirror_args(["# c", "", "jax = /m/jax", "google/jax=/m/g"]) == {"jax": "/m/jax", "google/jax": "/m/g"}
    with pytest.raises(ValueError, match="ID=PATH"):
        gitsrc.parse_mirror_args(["jax"])


def test_snapshot_keeps_no_local_path(workflows, tmp_path):
    missing_one = fw("gone", Repository("https://github.com/x/gone"))
    res = gitsrc.collect([fw("demo", GH), missing_one], "2020-06-30", mirrors={"demo": str(workflows.path)})
    folder = write_snapshot(res, root=tmp_path / "snaps")
    text = "".join(p.read_text() for p in folder.iterdir())
    assert str(workflows.path) not in text and str(workflows.path.parent) not in text
    obs, prov = read_snapshot("git", "2020-06-30", root=tmp_path / "snaps")
    assert prov["n_ok"] == 7 and prov["n_missing"] == 7
    assert set(obs["metric"]) == set(gitsrc.metric_units(30))


def test_git_errors_are_scrubbed_of_local_paths():
    msg = gitsrc._scrub("fatal: not a git repository: '/home/me/mirrors/x.git'", None)
    assert "/home/me" not in msg and "<local path>" in msg


def test_mirrors_from_env_reads_an_id_path_file(tmp_path, monkeypatch, workflows):
    listing = tmp_path / "mirrors.txt"
    listing.write_text(f"# local copies\ndemo={workflows.path}\n")
    monkeypatch.setenv("SHOWDOWN_GIT_MIRRORS", str(listing))
    assert gitsrc.mirrors_from_env() == {"demo": str(workflows.path)}
    monkeypatch.delenv("SHOWDOWN_GIT_MIRRORS")
    assert gitsrc.mirrors_from_env() == {}


def test_temporary_clones_are_removed(workflows, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(gitsrc.tempfile, "tempdir", str(scratch))
    res = gitsrc.collect([fw("demo", Repository(workflows.path.resolve().as_uri()))], "2020-06-30", allow_clone=True)
    assert values(res, "demo")["total_commits"] == 8
    assert list(scratch.iterdir()) == []


# --------------------------------------------------------------------------------------------
# the lean reader gives what the reader before it gave (issue 7, item 8)
# --------------------------------------------------------------------------------------------
_OLD_FORMAT = "%x1e%H%x1f%P%x1f%ae%x1f%at%x1f%ct%x1f%s%x1f%b"


def old_read_history(git_dir, tip):
    """The reader before the lean stream: every field of every commit, bodies included."""
    cmd = gitsrc._git_cmd(git_dir) + ["log", "--no-mailmap", "--no-color", f"--format={_OLD_FORMAT}", tip, "--"]
    return gitsrc.parse_log([subprocess.run(cmd, capture_output=True, env=gitsrc._git_env(), check=True).stdout])


def old_history_through(git_dir, *_ignored):
    """The history-through date before: a for-each-ref sorted by committer date over every ref."""
    stamps = []
    newest = gitsrc._out(git_dir, "for-each-ref", "--sort=-committerdate", "--count=1", "--format=%(committerdate:unix)")
    if newest and newest.isdigit():
        stamps.append(float(newest))
    for name in ("FETCH_HEAD", "packed-refs", "HEAD"):
        if (git_dir / name).exists():
            stamps.append((git_dir / name).stat().st_mtime)
    return gitsrc.dt.datetime.fromtimestamp(max(stamps), gitsrc.dt.timezone.utc) if stamps else None


def build_pull_refs(path: Path) -> Repo:
    """Every PR mark, merges, pull refs in and out of the history, an annotated tag, a future-dated PR head.

    main: r0 root; s1 "(#3)" squash; m1 merge of PR 5 (x1, x2 on a branch); c1 Copybara PR 77;
    g1 ghstack trailer PR 56 whose subject also ends "(#9)" (the trailer wins); m2 a plain merge of
    a branch whose commit y1 says "(#11)"; later commits after the 2020-06-30 window.
    refs/pull/5/head = x2 (in the history), refs/pull/6/head = a commit never merged, dated 2031
    (newer than any file of the copy), refs/pull/7/head = m1; tag v1 (annotated) on a 2032 commit
    that no other ref reaches.
    """
    r = Repo(path)
    r.commit("root", "2020-05-01T00:00:00+00:00")
    base = r.git("rev-parse", "HEAD")
    r.commit("Squash me (#3)", "2020-06-02T00:00:00+00:00", email="s@x")
    r.git("checkout", "-q", "-b", "pr5", base)
    r.commit("part 1", "2020-05-10T00:00:00+00:00", email="X1@x")
    x2 = r.commit("part 2", "2020-06-03T00:00:00+00:00", email="x2@x")
    r.git("checkout", "-q", "main")
    m1 = r.merge("pr5", "Merge pull request #5 from u/pr5", "2020-06-04T00:00:00+00:00")
    r.commit("Integrate\n\nImported from GitHub PR https://github.com/o/r/pull/77\n\n"
             "COPYBARA_INTEGRATE_REVIEW=https://github.com/o/r/pull/77 from u:b 5d4d\nPiperOrigin-RevId: 1",
             "2020-06-10T00:00:00+00:00", email="c@x")
    r.commit("Refactor (#9)\n\nPull Request resolved: https://github.com/o/r/pull/56", "2020-06-12T00:00:00+00:00", email="g@x")
    r.git("checkout", "-q", "-b", "side")
    r.commit("Side fix (#11)", "2020-06-13T00:00:00+00:00", email="y@x")
    r.git("checkout", "-q", "main")
    r.merge("side", "Merge branch 'side'", "2020-06-20T00:00:00+00:00")
    r.commit("After (#12)", "2020-07-15T00:00:00+00:00", email="late@x")
    r.git("checkout", "-q", "-b", "pr6")
    future = r.commit("Never merged", "2031-01-01T00:00:00+00:00", email="f@x")
    r.git("checkout", "-q", "--detach")
    tagged = r.commit("Tagged only", "2032-01-01T00:00:00+00:00", email="t@x")
    r.git("tag", "-a", "v1", "-m", "release", tagged, date="2032-01-02T00:00:00+00:00")
    r.git("checkout", "-q", "main")
    r.git("branch", "-q", "-D", "pr5", "pr6", "side")
    for n, sha in ((5, x2), (6, future), (7, m1)):
        r.git("update-ref", f"refs/pull/{n}/head", sha)
    return r


@pytest.fixture(scope="module")
def pull_refs(tmp_path_factory) -> Repo:
    return build_pull_refs(tmp_path_factory.mktemp("pr") / "r")


def _collect_both(monkeypatch, frameworks, as_of, mirrors, **kw):
    new = gitsrc.collect(frameworks, as_of, mirrors=mirrors, **kw)
    with monkeypatch.context() as m:
        m.setattr(gitsrc, "COUNT_WITH_GIT", False)
        m.setattr(gitsrc, "read_history", old_read_history)
        m.setattr(gitsrc, "history_through", old_history_through)
        old = gitsrc.collect(frameworks, as_of, mirrors=mirrors, **kw)
    return new, old


@pytest.mark.parametrize("as_of", ["2020-04-30", "2020-06-05", "2020-06-12", "2020-06-30", "2020-07-20", "2026-06-01"])
def test_lean_reader_gives_the_observations_of_the_old_reader(pull_refs, monkeypatch, as_of):
    url = "https://github.com/o/r"
    frameworks = [fw("whole", Repository(url)), fw("again", Repository(url))]
    new, old = _collect_both(monkeypatch, frameworks, as_of, {"o/r": str(pull_refs.path)}, window_days=30, accept_stale=True)
    assert new.observations == old.observations
    assert new.tables == old.tables and new.failures == old.failures == []


def test_lean_reader_counts_every_mark_of_the_window(pull_refs):
    res = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(pull_refs.path)})
    v = values(res, "demo")
    # window [06-01, 07-01): s1 x1 x2 m1 c1 g1 y1 m2; PRs 3, 5 (x1 x2 m1), 77, 56 (not 9), 11
    assert (v["total_commits"], v["commits_30d"], v["merged_prs_30d"], v["active_authors_30d"]) == (9, 8, 5, 7)
    # the never-merged PR head dated 2031 is the newest commit on a ref; the 2032 tag is not a ref to a commit
    assert res.tables["repositories"][0]["history_through"] == "2031-01-01"


def test_lean_reader_with_a_path_filter_and_other_windows(pull_refs, monkeypatch, tmp_path):
    r = Repo(tmp_path / "mono")
    r.commit("both (#1)", "2020-06-02T00:00:00+00:00", files={"sub/a.txt": "1", "top/b.txt": "1"})
    r.git("checkout", "-q", "-b", "feat")
    r.commit("feature in sub", "2020-05-03T00:00:00+00:00", email="f@x", files={"sub/c.txt": "1"})
    r.git("checkout", "-q", "main")
    r.commit("top only\n\nPull Request resolved: https://github.com/o/mono/pull/2", "2020-06-03T00:00:00+00:00", files={"top/b.txt": "2"})
    r.merge("feat", "Merge pull request #4 from f/feat", "2020-06-04T00:00:00+00:00")
    url = "https://github.com/o/mono"
    frameworks = [fw("whole", Repository(url)), fw("part", Repository(url, path="sub")), fw("pr", GH)]
    for window in (1, 7, 30, 400):
        new, old = _collect_both(monkeypatch, frameworks, "2020-06-04", {"whole": str(r.path), "o/r": str(pull_refs.path)}, window_days=window)
        assert new.observations == old.observations and new.tables == old.tables


def test_history_through_dates_tips_outside_the_history_and_ignores_tags(pull_refs):
    git_dir = gitsrc.resolve_git_dir(pull_refs.path)
    tip, _ = gitsrc.default_branch(git_dir)
    commits = gitsrc.read_history(git_dir, tip)
    assert not any(c.detailed for c in commits.values())  # the lean stream reads no author or message
    assert gitsrc.newest_ref_time(git_dir, commits) == gitsrc.newest_ref_time(git_dir, {}) == 1924992000  # 2031-01-01
    assert gitsrc.history_through(git_dir, commits) == old_history_through(git_dir)


def test_history_through_ignores_a_ref_to_a_tree_as_before(tmp_path):
    r = Repo(tmp_path / "tree-ref")
    r.commit("one", "2020-06-10T00:00:00+00:00", files={"a.txt": "1"})
    r.commit("two", "2030-06-10T00:00:00+00:00", files={"a.txt": "2"})
    r.git("update-ref", "refs/odd/tree", r.git("rev-parse", "HEAD^{tree}"))
    git_dir = gitsrc.resolve_git_dir(r.path)
    assert gitsrc.newest_ref_time(git_dir, {}) == 1907280000  # 2030-06-10: the tree has no committer date
    assert gitsrc.history_through(git_dir) == old_history_through(git_dir)


def test_read_details_fills_only_the_commits_asked_for(pull_refs):
    git_dir = gitsrc.resolve_git_dir(pull_refs.path)
    tip, _ = gitsrc.default_branch(git_dir)
    commits = gitsrc.read_history(git_dir, tip)
    full = old_read_history(git_dir, tip)
    landed = gitsrc.landing_commits(commits, tip)
    assert landed == gitsrc.landing_commits(full, tip)
    start, end = gitsrc.day_bounds(gitsrc.dt.date(2020, 6, 12), 3)
    asked = gitsrc.landed_between(commits, landed, start, end)
    gitsrc.read_details(git_dir, commits, asked)
    assert {s for s, c in commits.items() if c.detailed} == asked and len(asked) == 2  # c1, g1
    assert all(commits[s] == full[s] for s in asked)
    assert {s: (c.parents, c.commit_time) for s, c in commits.items()} == {s: (c.parents, c.commit_time) for s, c in full.items()}
    with pytest.raises(ValueError, match="details were not read"):
        gitsrc.repo_stats(commits, landed, gitsrc.dt.date(2020, 6, 30), 30)


def test_parse_lean_log_splits_lines_across_chunk_boundaries():
    stream = b"2 a p q\n4 b\n5 c b\n"
    commits = gitsrc.parse_lean_log([stream[i:i + 3] for i in range(0, len(stream), 3)])
    assert list(commits) == ["a", "b", "c"]
    assert commits["a"].parents == ("p", "q") and commits["b"].parents == () and commits["c"].commit_time == 5
    assert not commits["a"].detailed
    with pytest.raises(gitsrc.HistoryError, match="unexpected end"):
        gitsrc.parse_lean_log([b"2 a p\n3 b"])


def test_history_through_counts_a_branch_commit_newer_than_the_copy_files(tmp_path, monkeypatch):
    """The known tips are skipped only when the history's newest commit is older than the copy's files."""
    r = Repo(tmp_path / "future")
    r.commit("now (#1)", "2020-06-10T00:00:00+00:00")
    r.commit("from the future (#2)", "2033-03-03T00:00:00+00:00")
    new, old = _collect_both(monkeypatch, [fw("demo", GH)], "2020-06-30", {"demo": str(r.path)})
    assert new.observations == old.observations and new.tables == old.tables
    assert new.tables["repositories"][0]["history_through"] == "2033-03-03"
    git_dir = gitsrc.resolve_git_dir(r.path)
    tip, _ = gitsrc.default_branch(git_dir)
    commits = gitsrc.read_history(git_dir, tip)
    assert commits.newest_time == 1993420800  # 2033-03-03
    git, env = gitsrc._git_cmd(git_dir), gitsrc._git_env()
    assert gitsrc.history.TipDates(git, env, [tip], commits, floor=1993420800.0).newest() is None  # cannot pass the floor
    assert gitsrc.history.TipDates(git, env, [tip], commits, floor=1993420799.0).newest() == 1993420800


# --------------------------------------------------------------------------------------------
# git counts what the graph reader counted (issue 18, item 4)
# --------------------------------------------------------------------------------------------
def build_skewed(path: Path) -> Repo:
    """Committer times that go back along the first-parent chain, so the landed commits form several runs.

    chain, tip first: c6 06-25 | c5 08-01 | M 06-20 (merges f1 06-05, f2 07-03 "(#8)") | c3 06-10 "(#4)" | c2 07-05 | c1 05-01
    As of 2020-06-30 (window [06-01, 07-01)): landed runs (c6), (M, c3, f1, f2), (c1); c2 and c5 not yet.
    """
    r = Repo(path)
    r.commit("c1", "2020-05-01T00:00:00+00:00")
    r.commit("c2", "2020-07-05T00:00:00+00:00", email="b@x")
    base = r.commit("c3 (#4)", "2020-06-10T00:00:00+00:00", email="c@x")
    r.git("checkout", "-q", "-b", "feat")
    r.commit("f1", "2020-06-05T00:00:00+00:00", email="f@x")
    r.commit("f2 (#8)", "2020-07-03T00:00:00+00:00", email="g@x")
    r.git("checkout", "-q", "main")
    r.merge("feat", "Merge branch 'feat'", "2020-06-20T00:00:00+00:00", email="m@x")
    r.commit("c5", "2020-08-01T00:00:00+00:00", email="e@x")
    r.commit("c6 (#9)", "2020-06-25T00:00:00+00:00", email="h@x")
    r.git("branch", "-q", "-D", "feat")
    assert base
    return r


@pytest.fixture(scope="module")
def skewed(tmp_path_factory) -> Repo:
    return build_skewed(tmp_path_factory.mktemp("sk") / "r")


@pytest.mark.parametrize("as_of", ["2020-04-30", "2020-05-01", "2020-06-12", "2020-06-30", "2020-07-04", "2020-07-20", "2020-09-01"])
@pytest.mark.parametrize("window", [1, 10, 30, 120])
def test_git_counts_what_the_graph_reader_counted(skewed, monkeypatch, as_of, window):
    frameworks = [fw("skewed", Repository("https://github.com/o/skew"))]
    new, old = _collect_both(monkeypatch, frameworks, as_of, {"skewed": str(skewed.path)}, window_days=window, accept_stale=True)
    assert new.observations == old.observations and new.tables == old.tables


def test_git_counts_without_reading_the_graph(monkeypatch, skewed, pull_refs):
    monkeypatch.setattr(gitsrc, "read_history", lambda *a: pytest.fail("the graph was read"))
    res = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(skewed.path)}, accept_stale=True)
    v = values(res, "demo")
    # landed by 06-30: c1, c3, f1, f2, M, c6; in the window: c3 (#4), f1 f2 M (f2's own mark #8), c6 (#9)
    assert (v["total_commits"], v["commits_30d"], v["merged_prs_30d"], v["active_authors_30d"]) == (6, 5, 3, 5)
    assert (v["first_commit_date"], v["last_commit_date"]) == ("2020-05-01", "2020-06-25")
    res = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(pull_refs.path)})
    assert values(res, "demo")["total_commits"] == 9 and res.tables["repositories"][0]["history_through"] == "2031-01-01"


def test_a_scrambled_chain_is_left_to_the_graph_reader(monkeypatch, skewed):
    counted = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(skewed.path)}, accept_stale=True)
    monkeypatch.setattr(git_chain, "MAX_RUNS", 2)  # the skewed chain has three runs as of 2020-06-30
    calls = []
    real = gitsrc.read_history
    monkeypatch.setattr(gitsrc, "read_history", lambda *a: calls.append(a) or real(*a))
    graph = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(skewed.path)}, accept_stale=True)
    assert len(calls) == 1 and graph.observations == counted.observations and graph.tables == counted.tables


def test_ref_dates_beside_the_count_ignore_tags_trees_and_read_only_tips_outside(pull_refs, tmp_path, monkeypatch):
    r = Repo(tmp_path / "tree-ref")
    r.commit("one", "2020-06-10T00:00:00+00:00", files={"a.txt": "1"})
    r.commit("two", "2030-06-10T00:00:00+00:00", files={"a.txt": "2"})
    r.git("update-ref", "refs/odd/tree", r.git("rev-parse", "HEAD^{tree}"))
    for repo in (r, pull_refs):
        new, old = _collect_both(monkeypatch, [fw("demo", GH)], "2020-06-30", {"demo": str(repo.path)}, accept_stale=True)
        assert new.tables == old.tables and new.observations == old.observations
    git_dir = gitsrc.resolve_git_dir(pull_refs.path)
    dates = git_chain.RefDates(gitsrc._git_cmd(git_dir), gitsrc._git_env())
    tip, _ = gitsrc.default_branch(git_dir)
    graph = git_chain.parse_graph(gitsrc._run(git_dir, "rev-list", "--parents", "--timestamp", tip).stdout)
    assert len(graph) == 10 and [sha for sha, _ in git_chain.first_parent_chain(graph, tip)][0] == tip
    dates.date(graph)
    # read: the never-merged 2031 head and the annotated tag (peeled, ignored); every other tip is in the history
    assert len(dates.unknown) == 2 and dates.newest() == 1924992000


def _spy_counts(monkeypatch) -> tuple[list[list[str]], list]:
    """Record the git commands started beside the walk and what ``EarlyCount.take`` answered."""
    started, taken = [], []
    real_bg, real_take = git_chain.Background, git_chain.EarlyCount.take

    class Spy(real_bg):
        def __init__(self, git, env, args, data=b""):
            started.append(list(args))
            super().__init__(git, env, args, data)

    def take(self, landed, inside, last):
        answer = real_take(self, landed, inside, last)
        taken.append(answer)
        return answer

    monkeypatch.setattr(git_chain, "Background", Spy)
    monkeypatch.setattr(git_chain.EarlyCount, "take", take)
    return started, taken


def test_a_past_date_is_counted_by_the_count_started_during_the_walk(pull_refs, monkeypatch):
    started, taken = _spy_counts(monkeypatch)
    res = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(pull_refs.path)})
    counts = [args for args in started if "--count" in args]
    assert len(counts) == 1 and taken and taken[0][0] is not None  # the early count was used, no second one started
    logs = [args for args in started if args[0] == "log"]
    assert len(logs) == 1 and taken[0][1] is not None  # so was the window's log, begun during the walk
    assert values(res, "demo")["total_commits"] == 9


def test_an_early_count_for_a_chain_of_several_runs_is_dropped(skewed, monkeypatch):
    counted = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(skewed.path)}, accept_stale=True)
    started, taken = _spy_counts(monkeypatch)
    again = gitsrc.collect([fw("demo", GH)], "2020-06-30", mirrors={"demo": str(skewed.path)}, accept_stale=True)
    assert len(taken) == 1 and taken[0][0] is None and sum("--count" in args for args in started) >= 2  # the early one and one per run
    assert again.observations == counted.observations
