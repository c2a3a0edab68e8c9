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
``merged_prs_<W>d``         distinct pull-request numbers merged in that window (see below).
``active_authors_<W>d``     distinct author e-mail addresses (lower-cased) of those commits.
``first_commit_date``       ISO date of the oldest commit of the default branch.
``total_commits``           commits on the default branch up to the as-of day.

Reading the history
-------------------
One ``git log`` stream is read per repository (not one process per commit). Its custom format
separates records with ASCII RS (0x1e) and fields with US (0x1f) and carries the commit hash,
the parent hashes, the author e-mail, the author date, the committer date, the subject and the
body (the body is only searched for the pull-request trailer and then dropped). A subtree filter
adds one more ``git log --format=%H <tip> -- <path>`` listing the commits that touch the path.

Which commits, and when they count ("landing" dates)
----------------------------------------------------
Counting every commit reachable from today's branch tip by its own committer date would be wrong
for repositories that merge pull requests with merge commits: a commit written on a contributor's
branch on 20 June and merged on 10 July was *not* on the default branch on 26 June, yet its
committer date says 20 June. The collector therefore walks the first-parent chain of the default
branch (the sequence of states the branch went through) and gives every commit the committer date
of the first-parent commit that brought it into the branch: its *landing date*. For squash and
rebase workflows a commit lands on its own committer date; for merge workflows the commits of a
pull request land when the merge commit was made. All "as of" boundaries use landing dates, i.e.
committer dates of the branch's own commits. The committer date, not the author date, is used
because it records when a change was applied to the branch; author dates survive rebases and
cherry-picks and can be months older. The window is the half-open interval
``[end - W days, end)`` with ``end`` = midnight UTC after the as-of day. The collector cannot see
rewritten history (force pushes) or commits made after the local copy was fetched.

Merged pull requests
--------------------
A commit is credited to a pull request when its landing commit (or, failing that, the commit
itself) carries one of these marks:

* a merge commit subject ``Merge pull request #N from owner/branch`` (GitHub merge button);
* a subject ending in ``(#N)`` (GitHub squash or rebase merge);
* a ``Pull Request resolved: https://github.com/owner/repo/pull/N`` line in the body (the
  trailer of Meta's ghstack / Phabricator export, used by PyTorch);
* a ``COPYBARA_INTEGRATE_REVIEW=https://github.com/owner/repo/pull/N ...`` line in the body (Google's
  Copybara import of an external pull request, used by JAX, TensorFlow and Keras).

``merged_prs`` counts distinct PR numbers among the commits landed in the window.

Local copies, and how fresh they are
------------------------------------
GitHub is not reached through its API here: the history comes from a local copy. ``mirrors``
maps a framework id, or a repository's ``owner/name`` slug, to the path of a bare mirror or of a
normal clone. A framework id key also serves another framework listed with the same repository
URL (Caffe2 reads the PyTorch mirror with its ``caffe2`` path filter). With ``allow_clone`` a
repository without a mirror is cloned history-only (``git clone --bare --filter=tree:0``;
``--filter=blob:none`` when a path filter needs the trees) into ``clone_dir``.

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
from typing import Iterable, Iterator

from ..errors import CollectionError
from ..registry import Framework, Repository
from .base import Observation, SourceResult, missing, parse_as_of

SOURCE = "git"
COLLECTOR_VERSION = "1.0"

_RS = "\x1e"  # record separator, starts every commit record
_US = "\x1f"  # unit separator, between the fields of one record
_LOG_FORMAT = "%x1e%H%x1f%P%x1f%ae%x1f%at%x1f%ct%x1f%s%x1f%b"  # every field, for the commits that need them

_MERGE_PR = re.compile(r"^Merge pull request #(\d+)\b")
_SQUASH_PR = re.compile(r"\(#(\d+)\)\s*$")
_TRAILER_PR = re.compile(r"^Pull Request resolved:\s*\S*?/pull/(\d+)\b", re.MULTILINE)
_COPYBARA_PR = re.compile(r"^COPYBARA_INTEGRATE_REVIEW=\S*?/pull/(\d+)\b", re.MULTILINE)


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


def history_through(git_dir: Path, known: dict[str, "Commit"] | None = None, tips: list[str] | None = None,
                    dates: "_TipDates | None" = None) -> dt.datetime | None:
    """How far the local copy's knowledge reaches (see module docstring); None if unknowable.

    ``known`` (commits already read), ``tips`` (the ``ref_tips`` listing) and ``dates`` (that work
    already started) only save work.
    """
    stamps: list[float] = []
    newest = dates.newest() if dates is not None else newest_ref_time(git_dir, known or {}, tips)
    if newest is not None:
        stamps.append(float(newest))
    for name in ("FETCH_HEAD", "packed-refs", "HEAD"):
        f = git_dir / name
        if f.exists():
            stamps.append(f.stat().st_mtime)
    return dt.datetime.fromtimestamp(max(stamps), dt.timezone.utc) if stamps else None


class _Background:
    """A git command run beside the Python work; its input and output are temporary files, so no
    thread is needed to feed or drain it."""

    def __init__(self, git_dir: Path, args: list[str], data: bytes = b""):
        self._out = tempfile.TemporaryFile()
        with tempfile.TemporaryFile() as stdin:
            stdin.write(data)
            stdin.seek(0)
            self._proc = subprocess.Popen(_git_cmd(git_dir) + args, stdin=stdin, stdout=self._out, stderr=subprocess.DEVNULL, env=_stream_env())

    def result(self) -> bytes | None:
        """The command's output, or None when it failed."""
        rc = self._proc.wait()
        with self._out:
            self._out.seek(0)
            return self._out.read() if rc == 0 else None


def _ref_listing(git_dir: Path) -> _Background:
    return _Background(git_dir, ["for-each-ref", "--format=%(objectname)"])


def ref_tips(git_dir: Path, listing: _Background | None = None) -> list[str] | None:
    """The object every ref points at (one line per ref, as ``for-each-ref`` lists them); None on failure."""
    out = (listing or _ref_listing(git_dir)).result()
    return None if out is None else out.decode("ascii", "replace").split()


class _TipDates:
    """Dating the ref tips for ``newest_ref_time``: those in ``known`` at once, the others by a git
    process that runs until ``newest`` is asked."""

    def __init__(self, git_dir: Path, tips: list[str], known: dict[str, "Commit"]):
        self.git_dir = git_dir
        listed = set(tips)
        self.unknown = listed.difference(known)
        self.times = [t for t in (known[sha].commit_time for sha in listed.intersection(known)) if t >= 0]
        self.job = None
        if self.unknown:
            args = ["rev-list", "--no-walk=unsorted", "--stdin", "--timestamp"]
            self.job = _Background(git_dir, args, "\n".join(sorted(self.unknown)).encode() + b"\n")

    def newest(self) -> int | None:
        if self.job is not None:
            out, self.job = self.job.result(), None
            if out is None:
                newest = _out(self.git_dir, "for-each-ref", "--sort=-committerdate", "--count=1", "--format=%(committerdate:unix)")
                self.times = [int(newest)] if newest and newest.isdigit() else []
            else:
                for line in out.decode("ascii", "replace").splitlines():
                    ct, _, sha = line.partition(" ")
                    if sha in self.unknown and ct.isdigit():
                        self.times.append(int(ct))
        return max(self.times, default=None)


def newest_ref_time(git_dir: Path, known: dict[str, "Commit"], tips: list[str] | None = None) -> int | None:
    """Newest committer date (unix seconds, not negative) of the refs that point at commits.

    The answer of ``for-each-ref --sort=-committerdate`` (a ref to an annotated tag has no committer
    date), without reading every ref's commit: tips found in ``known`` are dated from it, and only the
    others (in a mirror, mostly pull-request heads that never reached the branch) are read, by one
    ``git rev-list --no-walk --timestamp``. A listed tip that is a tag is peeled by rev-list to
    another hash and ignored; should rev-list fail, the sorted ``for-each-ref`` answers.
    """
    tips = ref_tips(git_dir) if tips is None else tips
    return None if tips is None else _TipDates(git_dir, tips, known).newest()


# --------------------------------------------------------------------------------------------
# parsing the log stream
# --------------------------------------------------------------------------------------------
@dataclass(slots=True)
class Commit:
    sha: str
    parents: tuple[str, ...]
    author_email: str
    author_time: int
    commit_time: int
    pr: int | None  # pull request number marked on this commit itself
    detailed: bool = True  # False: read from the lean stream, author and message not read yet


def pr_number(subject: str, body: str) -> int | None:
    """The pull-request number a commit message marks (merge, squash or ghstack trailer), if any."""
    for rx, text in ((_MERGE_PR, subject), (_TRAILER_PR, body), (_COPYBARA_PR, body), (_SQUASH_PR, subject.strip())):
        m = rx.search(text)
        if m:
            return int(m.group(1))
    return None


def _records(stream: Iterable[bytes]) -> Iterator[str]:
    """Split a byte stream of RS-led records into decoded records, chunk by chunk."""
    buf = ""
    for chunk in stream:
        buf += chunk.decode("utf-8", "replace")
        parts = buf.split(_RS)
        buf = parts.pop()
        for part in parts:
            if part.strip():
                yield part
    if buf.strip():
        yield buf


def parse_log(stream: Iterable[bytes]) -> dict[str, Commit]:
    """Parse the ``_LOG_FORMAT`` stream into commits keyed by hash (bodies are not kept)."""
    commits: dict[str, Commit] = {}
    for rec in _records(stream):
        fields = rec.split(_US, 6)
        if len(fields) < 7:
            raise GitError(f"unexpected git log record: {rec[:80]!r}")
        sha, parents, email, at, ct, subject, body = fields
        sha = sha.strip()
        commits[sha] = Commit(sha, tuple(parents.split()), email.strip().lower(), int(at), int(ct), pr_number(subject, body))
    return commits


def parse_lean_log(stream: Iterable[bytes]) -> dict[str, Commit]:
    """Parse ``git rev-list --parents --timestamp`` output (``committer-time hash parents...`` lines) into commits.

    The commits come back with ``detailed=False``: no author, no pull-request mark (see ``read_details``).
    """
    commits: dict[str, Commit] = {}
    rest = ""
    for chunk in stream:
        lines = (rest + chunk.decode("ascii")).split("\n")
        rest = lines.pop()
        for fields in map(str.split, lines):
            if fields:
                commits[fields[1]] = Commit(fields[1], tuple(fields[2:]), "", 0, int(fields[0]), None, False)
    if rest.strip():
        raise GitError(f"unexpected end of the git log stream: {rest[:80]!r}")
    return commits


def _stream_env() -> dict[str, str]:
    """git's environment for a long output: fully buffered (git flushes every record into a pipe otherwise)."""
    return {**_git_env(), "GIT_FLUSH": "0"}


def _chunks(fh, size: int = 1 << 18) -> Iterator[bytes]:
    while True:
        data = fh.read1(size)
        if not data:
            return
        yield data


def read_history(git_dir: Path, tip: str) -> dict[str, Commit]:
    """All commits reachable from ``tip`` (hash, parents, committer time), from one lean stream.

    ``git rev-list --parents --timestamp`` walks the history without git log's formatting; author
    and message are not read here: ``read_details`` reads them for the few commits that need them.
    """
    cmd = _git_cmd(git_dir) + ["rev-list", "--parents", "--timestamp", tip, "--"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_stream_env()) as proc:
        try:
            commits = parse_lean_log(_chunks(proc.stdout))
        finally:
            proc.stdout.close()
            err = proc.stderr.read().decode("utf-8", "replace")
            rc = proc.wait()
    if rc != 0:
        raise GitError(_scrub(f"git log failed: {err}", git_dir))
    return commits


def read_details(git_dir: Path, commits: dict[str, Commit], shas: Iterable[str]) -> None:
    """Fill in author and pull-request mark of the commits ``shas`` not yet detailed (one ``git log --no-walk``)."""
    todo = sorted({s for s in shas if not commits[s].detailed})
    if not todo:
        return
    cmd = _git_cmd(git_dir) + ["log", "--no-walk=unsorted", "--stdin", "--no-mailmap", "--no-color", f"--format={_LOG_FORMAT}"]
    proc = subprocess.run(cmd, input=("\n".join(todo) + "\n").encode(), capture_output=True, env=_stream_env())
    if proc.returncode != 0:
        raise GitError(_scrub(f"git log failed: {proc.stderr.decode('utf-8', 'replace')}", git_dir))
    got = parse_log([proc.stdout])
    for sha in todo:
        if sha not in got:
            raise GitError(f"git log did not return commit {sha}")
        commits[sha] = got[sha]


def landed_between(commits: dict[str, Commit], landed: dict[str, str], start: int, end: int) -> set[str]:
    """The commits landed in ``[start, end)`` and the first-parent commits that landed them."""
    out: set[str] = set()
    last, inside = None, False
    for sha, main in landed.items():  # grouped by landing commit, so its time is looked up once per group
        if main is not last:
            last, inside = main, start <= commits[main].commit_time < end
        if inside:
            out.add(sha)
            out.add(main)
    return out


def commits_touching(git_dir: Path, tip: str, path: str) -> set[str]:
    """Hashes of the commits reachable from ``tip`` that change ``path`` (git's default simplification)."""
    proc = _run(git_dir, "log", "--no-color", "--format=%H", tip, "--", path)
    return set(proc.stdout.decode().split())


def landing_commits(commits: dict[str, Commit], tip: str) -> dict[str, str]:
    """Map each commit to the first-parent commit of ``tip``'s chain that brought it into the branch.

    The chain is processed oldest first; each mainline commit claims every not-yet-claimed commit
    reachable from its second and later parents, so each commit is visited once.
    """
    chain: list[str] = []
    cur, c = tip, commits.get(tip)
    while c is not None:
        chain.append(cur)
        if not c.parents:
            break
        cur = c.parents[0]
        c = commits.get(cur)
    landed: dict[str, str] = {}
    for main in reversed(chain):
        side = commits[main].parents[1:]
        if side:  # a merge: walk what it brought in
            stack = list(side)
            while stack:
                c = stack.pop()
                if c in landed or c not in commits:
                    continue
                landed[c] = main
                stack.extend(commits[c].parents)  # landed ones are skipped when popped
        landed[main] = main
    return landed


# --------------------------------------------------------------------------------------------
# metrics of one repository
# --------------------------------------------------------------------------------------------
@dataclass
class RepoStats:
    """What one repository (optionally a subtree of it) contributes, as of one day."""

    total: int
    first_time: int | None
    last_time: int | None
    window_commits: int
    window_prs: set[int] = field(default_factory=set)
    window_authors: set[str] = field(default_factory=set)


def day_bounds(as_of: dt.date, window_days: int) -> tuple[int, int]:
    """(start, end) unix seconds of the window: end is midnight UTC after the as-of day."""
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(0), dt.timezone.utc)
    start = end - dt.timedelta(days=window_days)
    return int(start.timestamp()), int(end.timestamp())


def repo_stats(commits: dict[str, Commit], landed: dict[str, str], as_of: dt.date, window_days: int, only: set[str] | None = None) -> RepoStats:
    """Count the commits (optionally only those in ``only``) landed by the end of ``as_of``."""
    start, end = day_bounds(as_of, window_days)
    stats = RepoStats(0, None, None, 0)
    group, t, inside = None, 0, False
    for sha, main in landed.items():  # grouped by landing commit: its time is looked up once per group
        if only is not None and sha not in only:
            continue
        if main is not group:
            group, t = main, commits[main].commit_time
            if t < end:
                if stats.first_time is None or t < stats.first_time:
                    stats.first_time = t
                if stats.last_time is None or t > stats.last_time:
                    stats.last_time = t
                inside = t >= start
        if t >= end:
            continue
        stats.total += 1
        if inside:
            c = commits[sha]
            if not (c.detailed and commits[main].detailed):
                raise ValueError(f"commit {sha} lands in the window but its details were not read (see read_details)")
            stats.window_commits += 1
            stats.window_authors.add(c.author_email)
            pr = commits[main].pr if commits[main].pr is not None else c.pr
            if pr is not None:
                stats.window_prs.add(pr)
    return stats


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
    """History-only bare clone of ``url`` under ``clone_dir`` (updated if already there).

    ``--filter=tree:0`` fetches commits only; ``blob:none`` also fetches trees, which a path
    filter needs (with ``tree:0`` git would fetch trees one commit at a time).
    """
    clone_dir.mkdir(parents=True, exist_ok=True)
    target = clone_dir / clone_name(url)
    filt = "--filter=blob:none" if need_trees else "--filter=tree:0"
    if (target / "HEAD").exists():
        _run(target, "fetch", "--quiet", filt, "origin", "+refs/heads/*:refs/heads/*")
        return target
    tmp = Path(tempfile.mkdtemp(prefix=".clone-", dir=clone_dir))
    try:
        _run(None, "clone", "--quiet", "--bare", filt, url, str(tmp / "repo.git"), cwd=clone_dir)
        os.replace(tmp / "repo.git", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


# --------------------------------------------------------------------------------------------
# the collector
# --------------------------------------------------------------------------------------------
def metric_units(window_days: int) -> dict[str, str]:
    w = f"{window_days}d"
    return {
        "last_commit_date": "date",
        "weeks_since_last_commit": "weeks",
        f"commits_{w}": "commits",
        f"merged_prs_{w}": "pull requests",
        f"active_authors_{w}": "authors",
        "first_commit_date": "date",
        "total_commits": "commits",
    }


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

    def load(self, window: tuple[int, int], through: bool = True) -> None:
        """Read the history at ``tip``, its landing commits and the details of the commits landed in ``window``.

        With ``through``, also the history-through date: the ref listing runs beside the ``git log``
        stream, and the dating of ref tips outside the history beside the landing walk (each in its
        own git process).
        """
        assert self.git_dir is not None and self.tip is not None
        listing = _ref_listing(self.git_dir) if through else None
        try:
            commits = read_history(self.git_dir, self.tip)
        except GitError:
            if listing is not None:
                self.through = history_through(self.git_dir, {}, ref_tips(self.git_dir, listing))
            raise
        tips = ref_tips(self.git_dir, listing) if listing is not None else None
        dates = _TipDates(self.git_dir, tips, commits) if tips is not None else None
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
                other = _RepoRead(name, self.through, tip=sha, git_dir=self.git_dir)
                other.load(window, through=False)
            self.fallbacks[name] = other
        return self.fallbacks[name]


#: Count columns of the ``repositories`` table (empty when the repository could not be read).
_TABLE_COUNTS = ("last_commit_date", "first_commit_date", "total_commits", "commits_window", "merged_prs_window", "active_authors_window")

#: Branches tried, in order, when the default branch has nothing on or before the as-of date.
FALLBACK_BRANCHES = ("master", "main")


def _iso(t: int | None) -> str | None:
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).date().isoformat() if t is not None else None


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
    as_of_s = day.isoformat()
    git_executable()
    version = (_out(None, "--version") or "git").removeprefix("git version ").strip()  # type: ignore[arg-type]
    units = metric_units(window_days)
    index = mirror_index(frameworks, mirrors)
    tmp_clones: Path | None = None
    if allow_clone and clone_dir is None:
        tmp_clones = Path(tempfile.mkdtemp(prefix="showdown-git-"))
        clone_dir = tmp_clones
    need_trees = {r.url.rstrip("/").lower() for fw in frameworks for r in fw.repositories if r.path}

    reads: dict[str, _RepoRead] = {}
    failures: list[str] = []

    def read(repo: Repository) -> _RepoRead:
        key = repo.url.rstrip("/").lower()
        if key in reads:
            return reads[key]
        rr = _RepoRead()
        reads[key] = rr
        shown = display_url(repo)
        local = index.get(key)
        try:
            if local is not None:
                rr.git_dir = resolve_git_dir(local)
                if rr.git_dir is None:
                    rr.error = f"the mirror given for {shown} is not a readable git repository"
                    failures.append(rr.error)
                    return rr
            elif allow_clone:
                rr.git_dir = clone_history(repo.url, clone_dir, need_trees=key in need_trees)  # type: ignore[arg-type]
            else:
                rr.error = f"no local mirror of {shown}; pass --git-mirror ID=PATH"
                return rr
            rr.tip, rr.branch = default_branch(rr.git_dir)
            if rr.tip is None:
                rr.through = history_through(rr.git_dir)
                rr.error = f"repository {shown} has no commits (empty repository)"
                return rr
            rr.load(day_bounds(day, window_days))
        except GitError as exc:
            rr.error = f"could not read {shown}: {exc}"
            failures.append(rr.error)
        return rr

    observations: list[Observation] = []
    table: list[dict] = []
    start, end = day_bounds(day, window_days)
    try:
        for fw in frameworks:
            per_repo: list[RepoStats] = []
            problems: list[str] = []
            stale: list[str] = []
            details: list[str] = []
            endpoint_parts: list[str] = []
            for repo in fw.repositories:
                rr = read(repo)
                shown = display_url(repo) + (f" -- {repo.path}" if repo.path else "")
                endpoint_parts.append(endpoint_of(repo))
                row = {"framework": fw.id, "repository": display_url(repo), "path": repo.path or "", "branch": rr.branch,
                       "history_through": rr.through.date().isoformat() if rr.through else "", "status": "ok", "reason": "",
                       **{col: "" for col in _TABLE_COUNTS}}
                if rr.error:
                    problems.append(rr.error)
                    table.append({**row, "status": "missing", "reason": rr.error})
                    continue
                assert rr.commits is not None and rr.landed is not None and rr.git_dir is not None and rr.tip is not None
                only = None
                if repo.path:
                    try:
                        only = commits_touching(rr.git_dir, rr.tip, repo.path)
                    except GitError as exc:
                        msg = f"could not read {shown}: {exc}"
                        failures.append(msg)
                        problems.append(msg)
                        table.append({**row, "status": "missing", "reason": msg})
                        continue
                st = repo_stats(rr.commits, rr.landed, day, window_days, only)
                if st.total == 0:  # a history restarted on a new default branch (BigDL's 2021 `main`)
                    for name in FALLBACK_BRANCHES:
                        try:
                            alt = rr.fallback(name, (start, end)) if name != rr.branch else None
                            if alt is None:
                                continue
                            alt_only = commits_touching(alt.git_dir, alt.tip, repo.path) if repo.path else None  # type: ignore[arg-type]
                        except GitError as exc:
                            failures.append(f"could not read branch {name} of {shown}: {exc}")
                            continue
                        alt_st = repo_stats(alt.commits, alt.landed, day, window_days, alt_only)  # type: ignore[arg-type]
                        if alt_st.total:
                            st, rr = alt_st, alt
                            row["branch"] = f"{alt.branch} (default branch has no commit by {as_of_s})"
                            break
                through = rr.through.date().isoformat() if rr.through else "unknown"
                details.append(f"{shown} (branch {row['branch']}; history through {through})")
                if st.total == 0:
                    msg = f"no commits of {shown} on or before {as_of_s}"
                    problems.append(msg)
                    table.append({**row, "status": "missing", "reason": msg})
                    continue
                if rr.through is None or rr.through.date() < day:
                    stale.append(f"the local copy of {shown} only reaches {through}, before {as_of_s}; refresh the mirror")
                    row.update(status="stale", reason=stale[-1] + " (the counts stop there)")
                per_repo.append(st)
                table.append({**row, "last_commit_date": _iso(st.last_time), "first_commit_date": _iso(st.first_time), "total_commits": st.total,
                              "commits_window": st.window_commits, "merged_prs_window": len(st.window_prs), "active_authors_window": len(st.window_authors)})
            detail = "; ".join(details) if details else "; ".join(endpoint_parts)

            def put(metric: str, value, *, fresh_only: bool = True) -> None:
                if problems:
                    observations.append(missing(fw.id, metric, units[metric], as_of_s, SOURCE, "; ".join(problems), detail))
                elif stale and fresh_only and not accept_stale:
                    observations.append(missing(fw.id, metric, units[metric], as_of_s, SOURCE, "; ".join(stale), detail))
                else:
                    observations.append(Observation(fw.id, metric, value, units[metric], as_of_s, SOURCE, detail))

            if problems or not per_repo:
                problems = problems or [f"no repository listed for {fw.id}"]
                for metric in units:
                    put(metric, None)
                continue
            last = max(s.last_time for s in per_repo if s.last_time is not None)
            first = min(s.first_time for s in per_repo if s.first_time is not None)
            authors = set().union(*(s.window_authors for s in per_repo))
            w = f"{window_days}d"
            put("last_commit_date", _iso(last))
            put("weeks_since_last_commit", (end - last) / 86400 / 7)
            put(f"commits_{w}", sum(s.window_commits for s in per_repo))
            put(f"merged_prs_{w}", sum(len(s.window_prs) for s in per_repo))
            put(f"active_authors_{w}", len(authors))
            put("first_commit_date", _iso(first), fresh_only=False)
            put("total_commits", sum(s.total for s in per_repo))
    finally:
        if tmp_clones is not None:
            shutil.rmtree(tmp_clones, ignore_errors=True)

    endpoints = sorted({endpoint_of(r) for fw in frameworks for r in fw.repositories})
    return SourceResult(
        source=SOURCE,
        as_of=as_of_s,
        observations=observations,
        endpoint="git log of {repository}[ -- {path}]",
        method=(
            "One git log stream per repository read from a local mirror or history-only clone; commits are dated by the committer "
            "date of the first-parent commit that brought them into the default branch, counted up to the end of the as-of day (UTC); "
            "merged PRs are distinct numbers from 'Merge pull request #N', '(#N)' subjects and 'Pull Request resolved:' or "
            "'COPYBARA_INTEGRATE_REVIEW=' lines."
        ),
        collector_version=COLLECTOR_VERSION,
        failures=failures,
        extra={
            "window_days": window_days,
            "window": [dt.datetime.fromtimestamp(start, dt.timezone.utc).isoformat(), dt.datetime.fromtimestamp(end, dt.timezone.utc).isoformat()],
            "boundary": "landing date = committer date of the default branch's first-parent commit that introduced the commit",
            "git_version": version,
            "accept_stale": accept_stale,
            "repositories": endpoints,
        },
        tables={"repositories": table},
    )


def parse_mirror_args(values: Iterable[str]) -> dict[str, str]:
    """Turn ``ID=PATH`` strings (command line ``--git-mirror``, or lines of a file) into a dict.

    Blank lines and lines starting with ``#`` are skipped; anything else without ``=`` is an error.
    """
    out: dict[str, str] = {}
    for raw in values:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, path = line.partition("=")
        if not sep or not key.strip() or not path.strip():
            raise ValueError(f"a git mirror must be given as ID=PATH or OWNER/NAME=PATH, got {line!r}")
        out[key.strip()] = path.strip()
    return out


def mirrors_from_env(var: str = "SHOWDOWN_GIT_MIRRORS") -> dict[str, str]:
    """Mirrors listed in the file named by the environment variable ``var`` (``ID=PATH`` lines)."""
    name = os.environ.get(var)
    if not name:
        return {}
    return parse_mirror_args(Path(name).read_text(encoding="utf-8").splitlines())
