"""Activity signals read from the git history of each framework's repositories.

What is measured
----------------
For every repository listed for a framework in the registry (a URL, optionally limited to a
subtree ``path``), the collector reads the history of the repository's *default branch* as it
stood at the end of the as-of day (UTC) and reports, per framework:

``last_commit_date``        ISO date (UTC) of the newest commit on the default branch.
``weeks_since_last_commit`` time from that commit to the end of the as-of day, in weeks (days / 7,
                            a float; never zero, so ``1 / weeks`` is always defined).
``commits_<W>d``            commits that reached the default branch in the ``W`` days before the
                            end of the as-of day (``W = window_days``, 30 by default).
``merged_prs_<W>d``         distinct pull-request numbers merged in that window (see ``git_history``).
``active_authors_<W>d``     distinct author e-mail addresses (lower-cased) of those commits.
``first_commit_date``       ISO date of the oldest commit of the default branch.
``total_commits``           commits on the default branch up to the as-of day.

How the history is read, when a commit counts (its *landing date*) and which marks credit a pull
request is told in :mod:`showdown_lib.acquire.sources.git_history`.

Local copies, and how fresh they are
------------------------------------
GitHub is not reached through its API here: the history comes from a local copy. ``mirrors``
maps a framework id, or a repository's ``owner/name`` slug, to the path of a bare mirror or of a
normal clone. A framework id key also serves another framework listed with the same repository
URL (Caffe2 reads the PyTorch mirror with its ``caffe2`` path filter). With ``allow_clone`` a
repository without a mirror is cloned history-only (``git clone --bare --filter=tree:0``;
``--filter=blob:none`` when a path filter needs the trees) into ``clone_dir``, and given a commit-graph
file so that later reads walk it without unpacking every commit; a copy named in ``mirrors`` is
never written to.

For a normal clone the default branch is the one ``refs/remotes/origin/HEAD`` points at, if set;
otherwise (and for a bare mirror) it is the branch ``HEAD`` names.

A local copy only knows the history up to the moment it was fetched. Its *history-through* date is
the newer of the newest committer date on any of its refs and the modification time of its
``FETCH_HEAD``, ``packed-refs`` and ``HEAD`` files. When that date is before the as-of date, the
copy cannot tell whether the project was quiet or the copy is old, so every metric except
``first_commit_date`` is reported missing with a reason naming the repository and the date
(``accept_stale=True`` reports them anyway, with the history-through date in ``detail``).

Provenance never records a local path: ``detail`` holds the repository URL, the path filter, the
branch and the history-through date; git's own error messages are scrubbed of local paths.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ...core.errors import CollectionError
from ...core.registry import Framework, Repository
from . import git_history as history
from .base import Observation, SourceResult, missing, parse_as_of
from .git_history import (  # noqa: F401  (re-exported: the collector's history functions, as before)
    Commit, HistoryError, RepoStats, day_bounds, landed_between, landing_commits, parse_lean_log, parse_log, pr_number, repo_stats,
)
from .git_chain import RefDates, chain_stats
from .git_mirrors import mirror_problem, mirrors_from_env, parse_mirror_args  # noqa: F401  (re-exported)
from .git_history import framework_values, iso_day, metric_units

SOURCE = "git"
COLLECTOR_VERSION = "1.0"
#: Count with git (``git_chain``) where no path filter needs the whole graph; False reads the graph always.
COUNT_WITH_GIT = True

# --------------------------------------------------------------------------------------------
# git plumbing
# --------------------------------------------------------------------------------------------
def git_executable() -> str:
    """The ``git`` program on PATH, or a :class:`CollectionError` saying how to get it."""
    exe = shutil.which("git")
    if not exe:
        raise CollectionError("the git collector needs the `git` program, which is not on PATH; install git (e.g. `apt-get install git`) and retry")
    return exe


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"LC_ALL": "C", "LANG": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "GIT_NO_REPLACE_OBJECTS": "1"})
    return env


def _git_cmd(git_dir: Path | None) -> list[str]:
    cmd = [git_executable(), "-c", "safe.directory=*", "-c", "log.showSignature=false", "-c", "i18n.logOutputEncoding=UTF-8", "-c", "core.quotePath=false"]
    if git_dir is not None:
        cmd += ["--git-dir", str(git_dir)]
    return cmd


class GitError(RuntimeError):
    """A git command failed; the message has local paths scrubbed."""


def _scrub(text: str, *secrets: object) -> str:
    """Remove local paths from a git message before it goes into provenance."""
    for s in secrets:
        if s:
            text = text.replace(str(s), "<local copy>")
    text = re.sub(r"(?<![\w:])/(?:[^\s'\"]+/)+[^\s'\"]*", "<local path>", text)
    return " ".join(text.split())[:300]


def _run(git_dir: Path | None, *args: str, check: bool = True, cwd: Path | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run(_git_cmd(git_dir) + list(args), capture_output=True, env=_git_env(), cwd=cwd)
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace")
        raise GitError(_scrub(f"git {args[0]} failed: {msg}", git_dir, cwd))
    return proc


def _out(git_dir: Path, *args: str) -> str | None:
    """stdout of a git command, stripped, or None when it exits non-zero."""
    proc = _run(git_dir, *args, check=False)
    return proc.stdout.decode("utf-8", "replace").strip() if proc.returncode == 0 else None


def resolve_git_dir(path: str | Path) -> Path | None:
    """The git directory of a bare mirror, a ``.git`` folder or a work tree; None if not a repo."""
    p = Path(path).expanduser()
    if not p.exists():
        return None
    if not p.is_dir():
        return None
    env = _git_env()
    env["GIT_CEILING_DIRECTORIES"] = str(p.resolve().parent)  # never climb into an enclosing repository
    proc = subprocess.run(_git_cmd(None) + ["rev-parse", "--absolute-git-dir"], capture_output=True, env=env, cwd=p)
    if proc.returncode != 0:
        return None
    return Path(proc.stdout.decode().strip())


def default_branch(git_dir: Path) -> tuple[str | None, str]:
    """(tip ref, branch name) of the default branch; tip None when the branch has no commit.

    A clone's ``refs/remotes/origin/HEAD`` (the remote's default) wins over its checked-out
    branch; a bare mirror's ``HEAD`` is the remote's default branch at mirroring time.
    """
    ref = _out(git_dir, "symbolic-ref", "-q", "refs/remotes/origin/HEAD")
    if not ref:
        ref = _out(git_dir, "symbolic-ref", "-q", "HEAD")
    name = ref.split("/", 3)[-1] if ref and ref.startswith("refs/remotes/") else (ref or "HEAD").removeprefix("refs/heads/")
    tip = ref or "HEAD"
    sha = _out(git_dir, "rev-parse", "--verify", "-q", f"{tip}^{{commit}}")
    return (sha or None), name


def history_through(git_dir: Path, known: dict[str, Commit] | None = None, tips: list[str] | None = None,
                    dates: history.TipDates | None = None) -> dt.datetime | None:
    """How far the local copy's knowledge reaches (see module docstring); None if unknowable.

    ``known`` (commits already read), ``tips`` (the ``ref_tips`` listing) and ``dates`` (that work
    already started) only save work.
    """
    stamps = _file_stamps(git_dir)
    newest = dates.newest() if dates is not None else newest_ref_time(git_dir, known or {}, tips)
    if newest is not None:
        stamps.append(float(newest))
    return dt.datetime.fromtimestamp(max(stamps), dt.timezone.utc) if stamps else None


def _file_stamps(git_dir: Path) -> list[float]:
    """Modification times of the copy's ``FETCH_HEAD``, ``packed-refs`` and ``HEAD`` (those that exist)."""
    files = (git_dir / name for name in ("FETCH_HEAD", "packed-refs", "HEAD"))
    return [f.stat().st_mtime for f in files if f.exists()]


def ref_tips(git_dir: Path, listing: history.Background | None = None) -> list[str] | None:
    """The object every ref points at (one per ref, as ``for-each-ref`` lists them); None on failure."""
    return history.listed_tips(listing or history.ref_listing(_git_cmd(git_dir), _git_env()))


def newest_ref_time(git_dir: Path, known: dict[str, Commit], tips: list[str] | None = None) -> int | None:
    """Newest committer date of the refs that point at commits (see ``git_history.TipDates``)."""
    tips = ref_tips(git_dir) if tips is None else tips
    return None if tips is None else history.TipDates(_git_cmd(git_dir), _git_env(), tips, known).newest()


def read_history(git_dir: Path, tip: str) -> dict[str, Commit]:
    """All commits reachable from ``tip``: hash, parents and committer time (``git_history.read_history``)."""
    try:
        return history.read_history(_git_cmd(git_dir), _git_env(), tip)
    except HistoryError as exc:
        raise GitError(_scrub(str(exc), git_dir)) from None


def read_details(git_dir: Path, commits: dict[str, Commit], shas: Iterable[str]) -> None:
    """Author and pull-request mark of the commits ``shas`` (``git_history.read_details``)."""
    try:
        history.read_details(_git_cmd(git_dir), _git_env(), commits, shas)
    except HistoryError as exc:
        raise GitError(_scrub(str(exc), git_dir)) from None


def commits_touching(git_dir: Path, tip: str, path: str) -> set[str]:
    """Hashes of the commits reachable from ``tip`` that change ``path`` (git's default simplification)."""
    proc = _run(git_dir, "log", "--no-color", "--format=%H", tip, "--", path)
    return set(proc.stdout.decode().split())


# --------------------------------------------------------------------------------------------
# finding local copies
# --------------------------------------------------------------------------------------------
def _slug_of(text: str) -> str | None:
    """``owner/name`` (lower-case) of a GitHub URL or of a bare ``owner/name`` key."""
    m = re.match(r"^(?:https?://|git@|ssh://git@)?(?:www\.)?github\.com[/:]([^/]+)/([^/]+?)(?:\.git)?/?$", text.strip(), re.I)
    if m:
        return f"{m.group(1)}/{m.group(2)}".lower()
    m = re.match(r"^([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?$", text.strip())
    return f"{m.group(1)}/{m.group(2)}".lower() if m else None


def display_url(repo: Repository) -> str:
    """The repository as written in provenance: ``github.com/owner/name`` or the URL."""
    return f"github.com/{repo.slug}" if repo.slug else repo.url


def endpoint_of(repo: Repository) -> str:
    return f"git log of {display_url(repo)}" + (f" -- {repo.path}" if repo.path else "")


def mirror_index(frameworks: list[Framework], mirrors: dict[str, str] | None) -> dict[str, str]:
    """Map repository URL -> local path from ``mirrors`` keyed by framework id or ``owner/name``.

    A slug key wins over an id key. An id key applies to that framework's only repository, and
    to any other framework listed with the same repository URL.
    """
    if not mirrors:
        return {}
    by_slug: dict[str, str] = {}
    by_id: dict[str, str] = {}
    for key, path in mirrors.items():
        key = key.strip()
        if "/" in key or key.startswith("http"):
            slug = _slug_of(key)
            if slug:
                by_slug[slug] = path
        else:
            by_id[key.lower()] = path
    index: dict[str, str] = {}
    for fw in frameworks:  # id keys first, so slugs override them
        if fw.id in by_id and len(fw.repositories) == 1:
            index.setdefault(fw.repositories[0].url.rstrip("/").lower(), by_id[fw.id])
    for fw in frameworks:
        for repo in fw.repositories:
            if repo.slug and repo.slug.lower() in by_slug:
                index[repo.url.rstrip("/").lower()] = by_slug[repo.slug.lower()]
    return index


def clone_name(url: str) -> str:
    slug = _slug_of(url)
    if slug:
        return slug.replace("/", "+") + ".git"
    tail = [p for p in re.split(r"[/\\]+", url) if p][-2:]
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", "+".join(tail)).removesuffix(".git") + ".git"


def clone_history(url: str, clone_dir: Path, need_trees: bool = False) -> Path:
    """History-only bare clone of ``url`` under ``clone_dir`` (updated if already there), with a commit-graph.

    ``--filter=tree:0`` fetches commits only; ``blob:none`` also fetches trees, which a path
    filter needs (with ``tree:0`` git would fetch trees one commit at a time).
    """
    clone_dir.mkdir(parents=True, exist_ok=True)
    target = clone_dir / clone_name(url)
    filt = "--filter=blob:none" if need_trees else "--filter=tree:0"
    if (target / "HEAD").exists():
        _run(target, "fetch", "--quiet", filt, "origin", "+refs/heads/*:refs/heads/*")
        _write_commit_graph(target)
        return target
    tmp = Path(tempfile.mkdtemp(prefix=".clone-", dir=clone_dir))
    try:
        _run(None, "clone", "--quiet", "--bare", filt, url, str(tmp / "repo.git"), cwd=clone_dir)
        _write_commit_graph(tmp / "repo.git")
        os.replace(tmp / "repo.git", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _write_commit_graph(git_dir: Path) -> None:
    """Give a clone the collector keeps a commit-graph file (``git commit-graph write --reachable``).

    It holds every commit's parents and committer date, so git walks the history without unpacking
    each commit (about ten times faster on JAX's history); the numbers stay the same, it only saves
    work. It is what ``git gc`` and ``git maintenance`` write into any repository; a copy given with
    ``--git-mirror`` is the user's and is read as it is. Should git fail, the clone is read without it.
    """
    _run(git_dir, "commit-graph", "write", "--reachable", check=False)


# --------------------------------------------------------------------------------------------
# the collector
# --------------------------------------------------------------------------------------------
@dataclass
class _RepoRead:
    """A repository as read from its local copy, shared by frameworks that list the same URL."""

    branch: str = ""
    through: dt.datetime | None = None
    commits: dict[str, Commit] | None = None
    landed: dict[str, str] | None = None
    tip: str | None = None
    git_dir: Path | None = None
    error: str | None = None
    fallbacks: dict[str, "_RepoRead | None"] = field(default_factory=dict)
    graph: bool = False  # read the whole graph (a path filter needs it)
    stats: RepoStats | None = None  # the counts, when git counted them (``git_chain``)

    def stats_for(self, run: "_Run", only: set[str] | None = None) -> RepoStats:
        """The counts of this read for ``run``'s as-of day and window (``only``: the commits of a path filter)."""
        if self.stats is not None and only is None:
            return self.stats
        return repo_stats(self.commits, self.landed, run.day, run.window_days, only)  # type: ignore[arg-type]

    def load(self, window: tuple[int, int], through: bool = True) -> None:
        """Count the branch at ``tip`` for ``window``: with git (``git_chain``) unless ``graph`` is set or
        the chain is too scrambled, else by reading the graph (``load_graph``). With ``through``, also
        the history-through date: the ref tips are listed beside the counting, those the history holds are
        dated from it and only the others read (``git_chain.RefDates``)."""
        assert self.git_dir is not None and self.tip is not None
        if self.graph or not COUNT_WITH_GIT:
            return self.load_graph(window, through)
        git, env = _git_cmd(self.git_dir), _git_env()
        dates = RefDates(git, env) if through else None
        try:
            self.stats = chain_stats(git, env, self.tip, window, dates)
        except HistoryError as exc:
            raise GitError(_scrub(str(exc), self.git_dir)) from None
        finally:
            if dates is not None:
                self.through = history_through(self.git_dir, dates=dates)  # type: ignore[arg-type]
        if self.stats is None:
            self.load_graph(window, through=False)

    def load_graph(self, window: tuple[int, int], through: bool = True) -> None:
        """Read the history at ``tip``, its landing commits and the details of the commits landed in ``window``.

        With ``through``, also the history-through date: the ref listing runs beside the ``git log``
        stream, and the dating of ref tips outside the history beside the landing walk (each in its
        own git process).
        """
        assert self.git_dir is not None and self.tip is not None
        listing = history.ref_listing(_git_cmd(self.git_dir), _git_env()) if through else None
        try:
            commits = read_history(self.git_dir, self.tip)
        except GitError:
            if listing is not None:
                self.through = history_through(self.git_dir, {}, ref_tips(self.git_dir, listing))
            raise
        tips = ref_tips(self.git_dir, listing) if listing is not None else None
        floor = max(_file_stamps(self.git_dir), default=None)
        dates = history.TipDates(_git_cmd(self.git_dir), _git_env(), tips, commits, floor) if tips is not None else None
        landed = landing_commits(commits, self.tip)
        try:
            read_details(self.git_dir, commits, landed_between(commits, landed, *window))
        finally:
            if through:
                self.through = history_through(self.git_dir, commits, tips, dates)
        self.commits, self.landed = commits, landed

    def fallback(self, name: str, window: tuple[int, int]) -> "_RepoRead | None":
        """The same copy read at branch ``name`` instead of the default (None if there is none)."""
        if name not in self.fallbacks:
            other = None
            sha = _out(self.git_dir, "rev-parse", "--verify", "-q", f"refs/heads/{name}^{{commit}}") if self.git_dir else None
            if sha and sha != self.tip:
                other = _RepoRead(name, self.through, tip=sha, git_dir=self.git_dir, graph=self.graph)
                other.load(window, through=False)
            self.fallbacks[name] = other
        return self.fallbacks[name]


#: Count columns of the ``repositories`` table (empty when the repository could not be read).
_TABLE_COUNTS = ("last_commit_date", "first_commit_date", "total_commits", "commits_window", "merged_prs_window", "active_authors_window")

#: Branches tried, in order, when the default branch has nothing on or before the as-of date.
FALLBACK_BRANCHES = ("master", "main")


@dataclass
class _Run:
    """One collection's settings and shared state: the as-of day, the local copies, the reads made so far, the failures."""

    day: dt.date
    window_days: int
    accept_stale: bool
    index: dict[str, str]
    need_trees: set[str]
    allow_clone: bool
    clone_dir: Path | None
    as_of: str  # the day, ISO
    window: tuple[int, int]  # start and end of the window, unix seconds (``day_bounds``)
    failures: list[str] = field(default_factory=list)
    reads: dict[str, _RepoRead] = field(default_factory=dict)


@dataclass
class _FrameworkRead:
    """What one framework's repositories gave: their stats and table rows, why some failed or are stale, provenance."""

    stats: list[RepoStats] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    endpoints: list[str] = field(default_factory=list)


def _read_repo(run: _Run, repo: Repository) -> _RepoRead:
    """``repo`` read from its local copy (or a history-only clone), once per URL; errors are kept in ``error``."""
    key = repo.url.rstrip("/").lower()
    if key in run.reads:
        return run.reads[key]
    rr = run.reads[key] = _RepoRead(graph=key in run.need_trees)
    shown = display_url(repo)
    local = run.index.get(key)
    try:
        if local is not None:
            rr.error = mirror_problem(local, shown)
            rr.git_dir = resolve_git_dir(local) if rr.error is None else None
            if rr.git_dir is None:
                rr.error = rr.error or f"the mirror given for {shown} is not a readable git repository"
                run.failures.append(rr.error)
                return rr
        elif run.allow_clone:
            rr.git_dir = clone_history(repo.url, run.clone_dir, need_trees=key in run.need_trees)  # type: ignore[arg-type]
        else:
            rr.error = f"no local mirror of {shown}; pass --git-mirror ID=PATH"
            return rr
        rr.tip, rr.branch = default_branch(rr.git_dir)
        if rr.tip is None:
            rr.through = history_through(rr.git_dir)
            rr.error = f"repository {shown} has no commits (empty repository)"
            return rr
        rr.load(run.window)
    except GitError as exc:
        rr.error = f"could not read {shown}: {exc}"
        run.failures.append(rr.error)
    return rr


def _fallback_stats(run: _Run, rr: _RepoRead, repo: Repository, shown: str, row: dict) -> tuple[RepoStats, _RepoRead] | None:
    """Stats and read of the first ``FALLBACK_BRANCHES`` branch with commits by the as-of day (None if none has),
    for a default branch that has none (a history restarted on a new branch: BigDL's 2021 ``main``)."""
    for name in FALLBACK_BRANCHES:
        try:
            alt = rr.fallback(name, run.window) if name != rr.branch else None
            if alt is None:
                continue
            alt_only = commits_touching(alt.git_dir, alt.tip, repo.path) if repo.path else None  # type: ignore[arg-type]
        except GitError as exc:
            run.failures.append(f"could not read branch {name} of {shown}: {exc}")
            continue
        alt_st = alt.stats_for(run, alt_only)
        if alt_st.total:
            row["branch"] = f"{alt.branch} (default branch has no commit by {run.as_of})"
            return alt_st, alt
    return None


def _add_repository(run: _Run, fw: Framework, repo: Repository, acc: _FrameworkRead) -> None:
    """Add one repository of ``fw`` to ``acc``: its stats (or why there are none) and its table row."""
    rr = _read_repo(run, repo)
    shown = display_url(repo) + (f" -- {repo.path}" if repo.path else "")
    acc.endpoints.append(endpoint_of(repo))
    row = {"framework": fw.id, "repository": display_url(repo), "path": repo.path or "", "branch": rr.branch,
           "history_through": rr.through.date().isoformat() if rr.through else "", "status": "ok", "reason": "",
           **{col: "" for col in _TABLE_COUNTS}}
    if rr.error:
        acc.problems.append(rr.error)
        acc.rows.append({**row, "status": "missing", "reason": rr.error})
        return
    assert rr.git_dir is not None and rr.tip is not None
    try:
        only = commits_touching(rr.git_dir, rr.tip, repo.path) if repo.path else None
    except GitError as exc:
        msg = f"could not read {shown}: {exc}"
        run.failures.append(msg)
        acc.problems.append(msg)
        acc.rows.append({**row, "status": "missing", "reason": msg})
        return
    st = rr.stats_for(run, only)
    found = _fallback_stats(run, rr, repo, shown, row) if st.total == 0 else None
    if found is not None:
        st, rr = found
    through = rr.through.date().isoformat() if rr.through else "unknown"
    acc.details.append(f"{shown} (branch {row['branch']}; history through {through})")
    if st.total == 0:
        msg = f"no commits of {shown} on or before {run.as_of}"
        acc.problems.append(msg)
        acc.rows.append({**row, "status": "missing", "reason": msg})
        return
    if rr.through is None or rr.through.date() < run.day:
        acc.stale.append(f"the local copy of {shown} only reaches {through}, before {run.as_of}; refresh the mirror")
        row.update(status="stale", reason=acc.stale[-1] + " (the counts stop there)")
    acc.stats.append(st)
    acc.rows.append({**row, "last_commit_date": iso_day(st.last_time), "first_commit_date": iso_day(st.first_time), "total_commits": st.total,
                     "commits_window": st.window_commits, "merged_prs_window": len(st.window_prs), "active_authors_window": len(st.window_authors)})


def _framework_observations(run: _Run, fw_id: str, acc: _FrameworkRead) -> list[Observation]:
    """The framework's metrics summed over its repositories; missing (with the reasons) when any failed or is stale."""
    units = metric_units(run.window_days)
    detail = "; ".join(acc.details) if acc.details else "; ".join(acc.endpoints)
    if acc.problems or not acc.stats:
        reason = "; ".join(acc.problems or [f"no repository listed for {fw_id}"])
        return [missing(fw_id, metric, unit, run.as_of, SOURCE, reason, detail) for metric, unit in units.items()]
    out = []
    for metric, value in framework_values(acc.stats, run.window[1], run.window_days).items():
        if acc.stale and metric != "first_commit_date" and not run.accept_stale:  # a stale copy still knows its first commit
            out.append(missing(fw_id, metric, units[metric], run.as_of, SOURCE, "; ".join(acc.stale), detail))
        else:
            out.append(Observation(fw_id, metric, value, units[metric], run.as_of, SOURCE, detail))
    return out


def _source_result(run: _Run, frameworks: list[Framework], observations: list[Observation], table: list[dict], version: str) -> SourceResult:
    """The collector's result: observations, the ``repositories`` table, failures and how they were made."""
    start, end = run.window
    return SourceResult(
        source=SOURCE,
        as_of=run.as_of,
        observations=observations,
        endpoint="git log of {repository}[ -- {path}]",
        method=(
            "One git log stream per repository read from a local mirror or history-only clone; commits are dated by the committer "
            "date of the first-parent commit that brought them into the default branch, counted up to the end of the as-of day (UTC); "
            "merged PRs are distinct numbers from 'Merge pull request #N', '(#N)' subjects and 'Pull Request resolved:' or "
            "'COPYBARA_INTEGRATE_REVIEW=' lines."
        ),
        collector_version=COLLECTOR_VERSION,
        failures=run.failures,
        extra={
            "window_days": run.window_days,
            "window": [dt.datetime.fromtimestamp(start, dt.timezone.utc).isoformat(), dt.datetime.fromtimestamp(end, dt.timezone.utc).isoformat()],
            "boundary": "landing date = committer date of the default branch's first-parent commit that introduced the commit",
            "git_version": version,
            "accept_stale": run.accept_stale,
            "repositories": sorted({endpoint_of(r) for fw in frameworks for r in fw.repositories}),
        },
        tables={"repositories": table},
    )


def collect(
    frameworks: list[Framework],
    as_of: str | dt.date | None,
    *,
    mirrors: dict[str, str] | None = None,
    clone_dir: Path | None = None,
    allow_clone: bool = False,
    window_days: int = 30,
    accept_stale: bool = False,
) -> SourceResult:
    """Git activity metrics of ``frameworks`` as of the end of ``as_of`` (UTC); see the module docstring.

    ``mirrors`` maps framework ids or ``owner/name`` slugs to local git copies. With
    ``allow_clone`` a repository without one is cloned history-only into ``clone_dir`` (a
    temporary folder, removed afterwards, when None). Unavailable repositories give missing rows.
    """
    if window_days < 1:
        raise ValueError(f"window_days must be at least 1, got {window_days}")
    day = parse_as_of(as_of)
    git_executable()
    version_job = history.Background(_git_cmd(None), _git_env(), ["--version"])  # read at the end, beside the work
    index = mirror_index(frameworks, mirrors)
    tmp_clones: Path | None = None
    if allow_clone and clone_dir is None:
        tmp_clones = Path(tempfile.mkdtemp(prefix="showdown-git-"))
        clone_dir = tmp_clones
    need_trees = {r.url.rstrip("/").lower() for fw in frameworks for r in fw.repositories if r.path}
    run = _Run(day, window_days, accept_stale, index, need_trees, allow_clone, clone_dir, day.isoformat(), day_bounds(day, window_days))
    observations: list[Observation] = []
    table: list[dict] = []
    try:
        for fw in frameworks:
            acc = _FrameworkRead()
            for repo in fw.repositories:
                _add_repository(run, fw, repo, acc)
            table.extend(acc.rows)
            observations.extend(_framework_observations(run, fw.id, acc))
    finally:
        if tmp_clones is not None:
            shutil.rmtree(tmp_clones, ignore_errors=True)
    version = (version_job.result() or b"git").decode("utf-8", "replace").removeprefix("git version ").strip()
    return _source_result(run, frameworks, observations, table, version)
