"""Commit histories read from git, and what they say about a branch as of a day.

The git collector (:mod:`showdown_lib.acquire.sources.git`) finds the local copy and the default branch;
this module reads the branch's history and counts it. Functions that run git take the command
prefix (``git --git-dir ...``) and environment from the caller, and raise :class:`HistoryError`,
whose message the caller scrubs of local paths.

Reading the history
-------------------
The cost of a repository grows with its history, once: one ``git rev-list --parents --timestamp``
stream per branch gives every commit's hash, parents and committer time (the graph and the landing
dates need nothing more). Authors and messages are read only for the commits landed in the window,
and their landing commits, by one ``git log --no-walk --stdin`` whose format separates records with
ASCII RS (0x1e) and fields with US (0x1f) (the body is only searched for pull-request marks and then
dropped). A subtree filter adds one ``git log --format=%H <tip> -- <path>`` listing the commits that
touch the path.

The history-through date needs the newest committer date on any ref. The ref tips are listed while
the history streams; tips the history holds (in a mirror, most ``refs/pull/*`` heads merged with
their own commits) are dated from it, and only the others are read, by one ``git rev-list --no-walk``
that runs beside the landing walk. Background commands write to temporary files, not pipes, so no
Python thread has to feed or drain them.

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
"""
from __future__ import annotations

import datetime as dt
import operator
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import Iterable, Iterator

_RS = "\x1e"  # record separator, starts every commit record
_US = "\x1f"  # unit separator, between the fields of one record
_LOG_FORMAT = "%x1e%H%x1f%P%x1f%ae%x1f%at%x1f%ct%x1f%s%x1f%b"  # every field, for the commits that need them

_MERGE_PR = re.compile(r"^Merge pull request #(\d+)\b")
_SQUASH_PR = re.compile(r"\(#(\d+)\)\s*$")
_TRAILER_PR = re.compile(r"^Pull Request resolved:\s*\S*?/pull/(\d+)\b", re.MULTILINE)
_COPYBARA_PR = re.compile(r"^COPYBARA_INTEGRATE_REVIEW=\S*?/pull/(\d+)\b", re.MULTILINE)


_commit_time = operator.attrgetter("commit_time")


class HistoryError(RuntimeError):
    """git failed, or its output could not be read (the message may hold local paths)."""


# --------------------------------------------------------------------------------------------
# commits and the streams they are read from
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
            raise HistoryError(f"unexpected git log record: {rec[:80]!r}")
        sha, parents, email, at, ct, subject, body = fields
        sha = sha.strip()
        commits[sha] = Commit(sha, tuple(parents.split()), email.strip().lower(), int(at), int(ct), pr_number(subject, body))
    return commits


class History(dict):
    """Commits by hash, as read from one stream, with the newest committer time among them."""

    newest_time: int | None = None


def parse_lean_log(stream: Iterable[bytes]) -> History:
    """Parse ``git rev-list --parents --timestamp`` output (``committer-time hash parents...`` lines) into commits.

    The commits come back with ``detailed=False``: no author, no pull-request mark (see ``read_details``).
    """
    commits = History()
    rest, newest = "", None
    for chunk in stream:
        lines = (rest + chunk.decode("ascii")).split("\n")
        rest = lines.pop()
        for fields in map(str.split, lines):
            if fields:
                ct = int(fields[0])
                commits[fields[1]] = Commit(fields[1], tuple(fields[2:]), "", 0, ct, None, False)
                if newest is None or ct > newest:
                    newest = ct
    if rest.strip():
        raise HistoryError(f"unexpected end of the git rev-list stream: {rest[:80]!r}")
    commits.newest_time = newest
    return commits


def stream_env(env: dict[str, str]) -> dict[str, str]:
    """git's environment for a long output: fully buffered (git flushes every record into a pipe otherwise)."""
    return {**env, "GIT_FLUSH": "0"}


def _chunks(fh, size: int = 1 << 18) -> Iterator[bytes]:
    while True:
        data = fh.read1(size)
        if not data:
            return
        yield data


def read_history(git: list[str], env: dict[str, str], tip: str) -> History:
    """All commits reachable from ``tip`` (hash, parents, committer time), from one lean stream.

    ``git rev-list --parents --timestamp`` walks the history without git log's formatting; author
    and message are not read here: ``read_details`` reads them for the few commits that need them.
    """
    cmd = git + ["rev-list", "--parents", "--timestamp", tip, "--"]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=stream_env(env)) as proc:
        try:
            commits = parse_lean_log(_chunks(proc.stdout))
        finally:
            proc.stdout.close()
            err = proc.stderr.read().decode("utf-8", "replace")
            rc = proc.wait()
    if rc != 0:
        raise HistoryError(f"git rev-list failed: {err}")
    return commits


def read_details(git: list[str], env: dict[str, str], commits: dict[str, Commit], shas: Iterable[str]) -> None:
    """Fill in author and pull-request mark of the commits ``shas`` not yet detailed (one ``git log --no-walk``)."""
    todo = sorted({s for s in shas if not commits[s].detailed})
    if not todo:
        return
    cmd = git + ["log", "--no-walk=unsorted", "--stdin", "--no-mailmap", "--no-color", f"--format={_LOG_FORMAT}"]
    proc = subprocess.run(cmd, input=("\n".join(todo) + "\n").encode(), capture_output=True, env=stream_env(env))
    if proc.returncode != 0:
        raise HistoryError(f"git log failed: {proc.stderr.decode('utf-8', 'replace')}")
    got = parse_log([proc.stdout])
    for sha in todo:
        if sha not in got:
            raise HistoryError(f"git log did not return commit {sha}")
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


# --------------------------------------------------------------------------------------------
# the ref tips, for the history-through date
# --------------------------------------------------------------------------------------------
class Background:
    """A git command run beside the Python work; its input and output are temporary files, so no
    thread is needed to feed or drain it."""

    def __init__(self, git: list[str], env: dict[str, str], args: list[str], data: bytes = b""):
        self._out = tempfile.TemporaryFile()
        with tempfile.TemporaryFile() as stdin:
            stdin.write(data)
            stdin.seek(0)
            self._proc = subprocess.Popen(git + args, stdin=stdin, stdout=self._out, stderr=subprocess.DEVNULL, env=stream_env(env))

    def done(self) -> bool:
        """Whether the command has ended (never waits)."""
        return self._proc.poll() is not None

    def cancel(self) -> None:
        """Stop the command and drop its output (a speculative count that was not needed)."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self._out.close()

    def result(self) -> bytes | None:
        """The command's output, or None when it failed."""
        rc = self._proc.wait()
        with self._out:
            self._out.seek(0)
            return self._out.read() if rc == 0 else None


def ref_listing(git: list[str], env: dict[str, str]) -> Background:
    """Start listing the object every ref points at (``for-each-ref``); ``listed_tips`` reads it."""
    return Background(git, env, ["for-each-ref", "--format=%(objectname)"])


def listed_tips(listing: Background) -> list[str] | None:
    """The tips of a ``ref_listing``, one per ref; None when git failed."""
    out = listing.result()
    return None if out is None else out.decode("ascii", "replace").split()


class TipDates:
    """The newest committer date (unix seconds, not negative) of the refs that point at commits.

    The answer of ``for-each-ref --sort=-committerdate`` (a ref to an annotated tag has no committer
    date), without reading every ref's commit: tips found in ``known`` are dated from it at once, and
    only the others (in a mirror, mostly pull-request heads that never reached the branch) are read,
    by one ``git rev-list --no-walk --timestamp`` that runs until ``newest`` is asked. A listed tip
    that is a tag is peeled by rev-list to another hash and ignored; should rev-list fail, the
    sorted ``for-each-ref`` answers. With ``floor`` (a time the caller takes the newer of anyway,
    the copy's file stamps) the tips in a ``History`` are not dated when its newest commit does not
    pass the floor: ``newest`` then answers for the other tips only, and the caller's maximum is
    unchanged.
    """

    def __init__(self, git: list[str], env: dict[str, str], tips: list[str], known: dict[str, "Commit"], floor: float | None = None):
        self.git, self.env = git, env
        listed = set(tips)
        self.unknown = listed.difference(known)
        self.times: list[int] = []
        bound = getattr(known, "newest_time", None)  # a History knows its newest commit
        if floor is None or bound is None or bound > floor:  # else no known tip can pass the floor
            newest_known = max(map(_commit_time, map(known.__getitem__, listed.intersection(known))), default=-1)
            self.times = [newest_known] if newest_known >= 0 else []
        self.job = None
        if self.unknown:
            args = ["rev-list", "--no-walk=unsorted", "--stdin", "--timestamp"]
            self.job = Background(git, env, args, "\n".join(sorted(self.unknown)).encode() + b"\n")

    def newest(self) -> int | None:
        if self.job is not None:
            out, self.job = self.job.result(), None
            if out is None:
                args = ["for-each-ref", "--sort=-committerdate", "--count=1", "--format=%(committerdate:unix)"]
                proc = subprocess.run(self.git + args, capture_output=True, env=self.env)
                newest = proc.stdout.decode("ascii", "replace").strip() if proc.returncode == 0 else ""
                self.times = [int(newest)] if newest.isdigit() else []
            else:
                lines = (line.partition(" ") for line in out.decode("ascii", "replace").splitlines())
                self.times += [int(ct) for ct, _, sha in lines if sha in self.unknown and ct.isdigit()]
        return max(self.times, default=None)


# --------------------------------------------------------------------------------------------
# landing commits and the metrics of one repository
# --------------------------------------------------------------------------------------------
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
# metrics of a framework
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


def iso_day(t: int | None) -> str | None:
    """ISO date (UTC) of the unix time ``t``; None for None."""
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).date().isoformat() if t is not None else None


def framework_values(per_repo: list[RepoStats], end: int, window_days: int) -> dict[str, object]:
    """A framework's metrics (the git collector's names and order) from the stats of its repositories.

    The newest and oldest commit over all of them, ``end`` (the window's end) minus the newest in
    weeks, and sums of the counts, except authors, which are counted once over all repositories.
    """
    last = max(s.last_time for s in per_repo if s.last_time is not None)
    first = min(s.first_time for s in per_repo if s.first_time is not None)
    w = f"{window_days}d"
    return {
        "last_commit_date": iso_day(last),
        "weeks_since_last_commit": (end - last) / 86400 / 7,
        f"commits_{w}": sum(s.window_commits for s in per_repo),
        f"merged_prs_{w}": sum(len(s.window_prs) for s in per_repo),
        f"active_authors_{w}": len(set().union(*(s.window_authors for s in per_repo))),
        "first_commit_date": iso_day(first),
        "total_commits": sum(s.total for s in per_repo),
    }
