"""A branch's counts as of a day, counted by git: no commit object in Python, no landing walk.

:mod:`showdown_lib.acquire.sources.git_history` reads every commit of the history into Python to find each
commit's landing commit. The counts need much less. Write the branch's first-parent chain
``M0 (tip), M1, ... Mk (root)``; the commits a mainline commit ``Mi`` lands are those reachable from
it and not from ``Mi+1`` (``git rev-list Mi ^Mi+1``), so the commits landed by the mainline commits
``Ma .. Mb`` (a maximal *run* of consecutive chain entries whose committer times pass a test) are
exactly ``git rev-list Ma ^Mb+1``, and git can count them without printing them. Hence:

* one walk of the whole history, ``git rev-list --parents --timestamp <tip>``, read while git walks
  (``walk``): each piece of its output is split into lines kept as bytes, followed along the chain and
  matched against the ref tips as it arrives, so Python works beside git rather than after it. Its
  first-parent links give the chain with committer times; its length is ``total_commits`` when every
  chain commit landed by the end of the as-of day (committer times usually grow along the chain);
  otherwise one ``git rev-list --count Ma ^Mb+1`` per run counts;
* first and last commit dates: the oldest and newest committer time of the landed chain commits;
* the window: ``git log Ma ^Mb+1`` (parents, author, message) per run of chain commits landed in the
  window, whose landing commits are found in that small graph as
  :func:`~showdown_lib.acquire.sources.git_history.landing_commits` finds them in the whole one;
* the history-through date: the ref tips listed in the background from the start, those in the
  history dated from the walk, only the others read, by two git processes beside the window's
  reading (``RefDates``).

A repository with a commit-graph file (``git commit-graph write``, which ``git gc`` and ``git
maintenance`` write, and the collector into the clones it keeps) is walked about ten times faster:
git then reads parents and dates from that file instead of unpacking every commit.

The numbers are those of the whole-graph reader by construction, and the tests compare both on
histories with merges, pull-request marks and committer times that go back along the chain. A
chain cut into more than ``MAX_RUNS`` runs (a history with scrambled clocks) is left to the
whole-graph reader.
"""
from __future__ import annotations

import subprocess
import tempfile
from itertools import compress, count
from operator import and_, itemgetter
from typing import Iterable

from .git_history import Background, HistoryError, RepoStats, landing_commits, parse_log, stream_env

#: From this many ref tips outside the history on, two git processes date them side by side.
SPLIT_TIPS = 1000
#: More runs than this (committer times going back and forth along the chain): read the whole graph instead.
MAX_RUNS = 8

_LOG_FORMAT = "%x1e%H%x1f%P%x1f%ae%x1f%at%x1f%ct%x1f%s%x1f%b"
_first = itemgetter(0)


def runs(times: list[int], start: int | None, end: int) -> list[tuple[int, int]]:
    """Maximal runs ``(a, b)`` of chain positions (``a`` newest) whose committer time (``times``, along the
    chain) is in ``[start, end)``."""
    if start is None:
        if times and max(times) < end:  # every chain commit landed: the usual case, at C speed
            return [(0, len(times) - 1)]
        hits = [i for i, t in enumerate(times) if t < end]
    else:  # the positions i with start <= times[i] < end, without a Python loop
        hits = list(compress(count(), map(and_, map(start.__le__, times), map(end.__gt__, times))))
    if hits and hits[-1] - hits[0] + 1 == len(hits):
        return [(hits[0], hits[-1])]
    out: list[tuple[int, int]] = []
    for i in hits:
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def _range(chain: "Chain", run: tuple[int, int]) -> list[str]:
    """The revision range of the commits landed by the chain commits of ``run``."""
    a, b = run
    return [chain.sha(a)] + ([f"^{chain.sha(b + 1)}"] if b + 1 < len(chain.shas) else [])


class RefDates:
    """The newest committer date of the refs that point at commits, dated without a serial pass.

    The ref listing (``for-each-ref --format=%(objectname)``, no object read) runs in the background
    from the start. Tips the walk that counts the history meets are dated from it as its output
    arrives (``take``, hash -> committer time); only the others are read, by one ``rev-list --no-walk
    --timestamp`` started as soon as the walk ends (``finish``; two side by side past ``SPLIT_TIPS``). A listed tip that is a tag is peeled
    by rev-list to another hash and ignored, a tree or blob is not a commit: as ``for-each-ref
    --sort=-committerdate`` answers. Should git fail, that sorted ``for-each-ref`` answers.
    """

    def __init__(self, git: list[str], env: dict[str, str]):
        self.git, self.env = git, env
        self.listing = Background(git, env, ["for-each-ref", "--format=%(objectname)"])
        self.known: int | None = None
        self.jobs: list[Background] = []
        self.unknown: set[bytes] = set()  # listed tips outside the history, read by ``jobs``
        self.failed = False
        self._pending: set[bytes] | None = None  # listed tips the walk has not met yet
        self._early: list[dict[bytes, tuple[bytes, bytes]]] = []  # walk output read before the listing ended

    def _listed(self, wait: bool) -> set[bytes] | None:
        if self._pending is None and not self.failed and (wait or self.listing.done()):
            out = self.listing.result()
            if out is None:
                self.failed = True
            else:
                self._pending = set(out.split())
                for part in self._early:
                    self._match(part)
            self._early = []
        return self._pending

    def _match(self, part: dict[bytes, tuple[bytes, bytes]]) -> None:
        hits = self._pending.intersection(part)  # type: ignore[union-attr]
        if hits:
            self._pending.difference_update(hits)  # type: ignore[union-attr]
            newest = max(map(int, map(_first, map(part.__getitem__, hits))))
            self.known = newest if self.known is None else max(self.known, newest)

    def take(self, part: dict[bytes, tuple[bytes, bytes]]) -> None:
        """Date the listed tips among ``part`` (hash -> (committer time, first parent), as bytes), a piece of the walk."""
        if self._listed(wait=False) is None:
            if not self.failed:
                self._early.append(part)
            return
        self._match(part)

    def finish(self) -> None:
        """The walk has ended: start reading the listed tips it did not meet (call once)."""
        pending = self._listed(wait=True)
        if not pending:
            return
        self.unknown = set(pending)
        args = ["rev-list", "--no-walk=unsorted", "--stdin", "--timestamp"]
        tips = sorted(pending)
        parts = 2 if len(tips) >= SPLIT_TIPS else 1  # two git processes side by side: the tail of the run halves
        self.jobs = [Background(self.git, self.env, args, b"\n".join(tips[k::parts]) + b"\n") for k in range(parts)]

    def date(self, graph: dict[bytes, tuple[bytes, bytes]] | None) -> None:
        """Date the listed tips found in ``graph`` and start reading the others (a whole walk at once)."""
        if graph:
            self.take(graph)
        self.finish()

    def newest(self) -> int | None:
        if self.known is None and not self.jobs and self._pending is None and not self.failed:
            self.finish()
        if self.failed:
            return _sorted_answer(self.git, self.env)
        times = [self.known] if self.known is not None else []
        for job in self.jobs:
            out = job.result()
            if out is None:
                return _sorted_answer(self.git, self.env)
            lines = (line.partition(b" ") for line in out.splitlines())
            times += [int(ct) for ct, _, sha in lines if sha in self.unknown and ct.isdigit()]
        return max(times, default=None)


def _sorted_answer(git: list[str], env: dict[str, str]) -> int | None:
    args = ["for-each-ref", "--sort=-committerdate", "--count=1", "--format=%(committerdate:unix)"]
    proc = subprocess.run(git + args, capture_output=True, env=env)
    newest = proc.stdout.decode("ascii", "replace").strip() if proc.returncode == 0 else ""
    return int(newest) if newest.isdigit() else None


def parse_graph(out: bytes) -> dict[bytes, tuple[bytes, bytes]]:
    """``rev-list --parents --timestamp`` output (whole lines) as hash -> (committer time, first parent or b""),
    all bytes: only what the chain and the ref dates need, each line split once (no object per commit)."""
    return {f[1]: (f[0], f[2] if len(f) > 2 else b"") for f in (line.split(b" ", 3) for line in out.splitlines())}


class Chain:
    """The first-parent chain from a tip, followed as far as the commits read so far reach (``extend``):
    hashes (bytes) and committer times (ints once ``finish`` is called), tip first."""

    def __init__(self, tip: str):
        self.shas: list[bytes] = []
        self.times: list = []
        self.next = tip.encode("ascii")

    def extend(self, graph: dict[bytes, tuple[bytes, bytes]]) -> None:
        get, shas, times = graph.get, self.shas, self.times
        cur = self.next
        node = get(cur)
        while node is not None:
            shas.append(cur)
            times.append(node[0])
            cur = node[1]
            node = get(cur)
        self.next = cur

    def finish(self) -> "Chain":
        self.times = list(map(int, self.times))
        return self

    def sha(self, i: int) -> str:
        return self.shas[i].decode("ascii")

    def pairs(self) -> list[tuple[str, int]]:
        return [(s.decode("ascii"), int(t)) for s, t in zip(self.shas, self.times)]


def first_parent_chain(graph: dict[bytes, tuple[bytes, bytes]], tip: str) -> list[tuple[str, int]]:
    """The first-parent chain from ``tip`` with committer times, tip first (stops at a commit not read)."""
    chain = Chain(tip)
    chain.extend(graph)
    return chain.pairs()


class EarlyCount:
    """An as-of date's git work, started during the walk. The first chain commit older than ``end``
    (position ``at`` > 0) usually begins the one run of landed chain commits, ``(at, last)``, whose count is
    ``rev-list --count`` of that commit; the chain commits from ``at`` down to the first one older than
    ``start`` (position ``stop``) are usually the window's one run, ``(at, stop - 1)``, whose commits one
    ``git log`` reads. Each is started as soon as the walk reaches its ends, so git works on the other core
    while the walk goes on; ``chain_stats`` uses them only when the runs turn out to be exactly those."""

    def __init__(self, window: tuple[int | None, int]):
        self.start, self.end = window
        self.scanned = 0
        self.at: int | None = None
        self.stop: int | None = None
        self.job: Background | None = None
        self.log: Background | None = None

    def look(self, git: list[str], env: dict[str, str], chain: Chain) -> None:
        times = chain.times
        for i in range(self.scanned, len(times)):
            t = int(times[i])
            if self.at is None and t < self.end:
                self.at = i
                if i > 0:  # the tip has landed (i == 0): the usual case needs no count
                    self.job = Background(git, env, ["rev-list", "--count", chain.sha(i), "--"])
            if self.at is not None and self.start is not None and t < self.start:
                self.stop = i
                if i > self.at:
                    self.log = Background(git, env, _log_args(chain, (self.at, i - 1)))
                self.scanned = len(times)
                return
        self.scanned = len(times)

    def take(self, landed: list[tuple[int, int]], inside: list[tuple[int, int]], last: int):
        """(the started count or None, the started window log or None): each only when the runs are its
        own; what is not used is stopped."""
        job = self.job if self.job is not None and landed == [(self.at, last)] else None
        log = self.log if self.log is not None and inside == [(self.at, self.stop - 1)] else None
        for started, used in ((self.job, job), (self.log, log)):
            if started is not None and used is None:
                started.cancel()
        return job, log


def walk(git: list[str], env: dict[str, str], tip: str, dates: RefDates | None = None,
         early: EarlyCount | None = None) -> tuple[dict, Chain]:
    """The whole history at ``tip`` (``parse_graph``'s dict) and its first-parent chain (``Chain``), from one
    ``rev-list --parents --timestamp`` read while git walks: each piece of its output is parsed, followed
    along the chain and matched against the listed ref tips (``dates``) as it arrives, so the Python work
    overlaps git's and little is left when the walk ends; ``early`` starts a past date's count on the way."""
    graph: dict[bytes, tuple[bytes, bytes]] = {}
    chain = Chain(tip)
    rest = b""
    with tempfile.TemporaryFile() as err:
        with subprocess.Popen(git + ["rev-list", "--parents", "--timestamp", tip, "--"], stdout=subprocess.PIPE, stderr=err,
                              env=stream_env(env)) as proc:
            read = proc.stdout.read1  # type: ignore[union-attr]
            while data := read(1 << 17):
                buf = rest + data
                cut = buf.rfind(b"\n") + 1
                rest = buf[cut:]
                if cut:
                    part = parse_graph(buf[:cut])
                    graph.update(part)
                    chain.extend(graph)
                    if early is not None and early.end is not None and (early.stop is None or early.at is None):
                        early.look(git, env, chain)
                    if dates is not None:
                        dates.take(part)
        if proc.returncode != 0 or rest.strip():
            err.seek(0)
            raise HistoryError(f"git rev-list failed: {err.read().decode('utf-8', 'replace')}")
    if dates is not None:
        dates.finish()
    return graph, chain.finish()


def _count(job: Background) -> int:
    out = job.result()
    if out is None or not out.strip().isdigit():
        raise HistoryError("git rev-list --count failed")
    return int(out)


def _log_args(chain: Chain, run: tuple[int, int]) -> list[str]:
    return ["log", "--no-mailmap", "--no-color", f"--format={_LOG_FORMAT}", *_range(chain, run), "--"]


def _window_commits(git: list[str], env: dict[str, str], chain: Chain, run: tuple[int, int], started: Background | None = None):
    """(commit, landing commit) pairs of the commits landed by the chain commits of ``run``, with details
    (read by ``started``, the log of that run begun during the walk, when given)."""
    if started is not None:
        out = started.result()
        if out is None:
            raise HistoryError("git log failed")
    else:
        proc = subprocess.run(git + _log_args(chain, run), capture_output=True, env=stream_env(env))
        if proc.returncode != 0:
            raise HistoryError(f"git log failed: {proc.stderr.decode('utf-8', 'replace')}")
        out = proc.stdout
    sub = parse_log([out])
    landed = landing_commits(sub, chain.sha(run[0]))
    return ((sub[sha], sub[main]) for sha, main in landed.items())


def _add_window(stats: RepoStats, pairs: Iterable) -> None:
    for c, main in pairs:
        stats.window_commits += 1
        stats.window_authors.add(c.author_email)
        pr = main.pr if main.pr is not None else c.pr
        if pr is not None:
            stats.window_prs.add(pr)


def chain_stats(git: list[str], env: dict[str, str], tip: str, window: tuple[int, int], dates: RefDates | None = None) -> RepoStats | None:
    """The :class:`RepoStats` of the branch at ``tip`` for ``window`` = (start, end), counted by git.

    One walk of the whole history (``rev-list --parents --timestamp``) gives the chain, the count when
    every chain commit has landed (its length) and the dates of the ref tips it holds (``RefDates``).
    None when the chain has more than ``MAX_RUNS`` runs (see the module docstring).
    """
    start, end = window
    early = EarlyCount(window)
    graph, chain = walk(git, env, tip, dates, early)
    times = chain.times
    landed, inside = runs(times, None, end), runs(times, start, end)
    started, window_log = early.take(landed, inside, len(times) - 1)
    if len(landed) > MAX_RUNS or len(inside) > MAX_RUNS:
        return None
    every = landed == [(0, len(times) - 1)]
    counts = [] if every else [started] if started is not None else [
        Background(git, env, ["rev-list", "--count", *_range(chain, r), "--"]) for r in landed]
    first = min((min(times[a:b + 1]) for a, b in landed), default=None)
    last = max((max(times[a:b + 1]) for a, b in landed), default=None)
    stats = RepoStats(0, first, last, 0)
    for r in inside:
        _add_window(stats, _window_commits(git, env, chain, r, window_log))
    stats.total = len(graph) if every else sum(_count(job) for job in counts)
    return stats
