"""A branch's counts as of a day, counted by git: the first-parent chain read, everything else counted.

:mod:`showdown_lib.sources.git_history` reads every commit of the history into Python to find each
commit's landing commit. The counts need much less. Write the branch's first-parent chain
``M0 (tip), M1, ... Mk (root)``; the commits a mainline commit ``Mi`` lands are those reachable from
it and not from ``Mi+1`` (``git rev-list Mi ^Mi+1``), so the commits landed by the mainline commits
``Ma .. Mb`` (a maximal *run* of consecutive chain entries whose committer times pass a test) are
exactly ``git rev-list Ma ^Mb+1``, and git can count them without printing them. Hence:

* the chain with committer times: one ``git rev-list --first-parent --timestamp`` (what
  ``git log --first-parent`` walks);
* ``total_commits``: one ``git rev-list --count Ma ^Mb+1`` per run of chain commits landed by the end
  of the as-of day. Committer times usually grow along the chain, so there is one run, ending at the
  root; when the tip itself is before the end, ``git rev-list --count <tip>`` is started beside the
  chain walk and used when the run turns out to be the whole chain;
* first and last commit dates: the oldest and newest committer time of those chain commits;
* the window: ``git log Ma ^Mb+1`` (parents, author, message) per run of chain commits landed in the
  window, whose landing commits are found in that small graph as
  :func:`~showdown_lib.sources.git_history.landing_commits` finds them in the whole one;
* the history-through date: one ``git for-each-ref --format=%(committerdate:unix)`` started first,
  beside everything else (a ref to a tag or a tree has no committer date, as before).

Every git command but the window's runs in the background (output to a temporary file), so on two
cores the chain walk, the count and the ref dates overlap. The numbers are those of the whole-graph
reader by construction, and the tests compare both on histories with merges, pull-request marks and
committer times that go back along the chain. A chain cut into more than ``MAX_RUNS`` runs (a
history with scrambled clocks) is left to the whole-graph reader.
"""
from __future__ import annotations

import subprocess
from typing import Iterable

from .git_history import Background, HistoryError, RepoStats, landing_commits, parse_log, stream_env

#: More runs than this (committer times going back and forth along the chain): read the whole graph instead.
MAX_RUNS = 8

_LOG_FORMAT = "%x1e%H%x1f%P%x1f%ae%x1f%at%x1f%ct%x1f%s%x1f%b"


def parse_chain(out: bytes) -> list[tuple[str, int]]:
    """``committer-time hash`` lines (``git rev-list --first-parent --timestamp``), tip first."""
    chain = []
    for line in out.decode("ascii").splitlines():
        ct, _, sha = line.partition(" ")
        if not sha:
            raise HistoryError(f"unexpected git rev-list line: {line[:80]!r}")
        chain.append((sha, int(ct)))
    return chain


def runs(chain: list[tuple[str, int]], start: int | None, end: int) -> list[tuple[int, int]]:
    """Maximal runs ``(a, b)`` of chain positions (``a`` newest) whose committer time is in ``[start, end)``."""
    out: list[tuple[int, int]] = []
    for i, (_, t) in enumerate(chain):
        if t < end and (start is None or t >= start):
            if out and out[-1][1] == i - 1:
                out[-1] = (out[-1][0], i)
            else:
                out.append((i, i))
    return out


def _range(chain: list[tuple[str, int]], run: tuple[int, int]) -> list[str]:
    """The revision range of the commits landed by the chain commits of ``run``."""
    a, b = run
    return [chain[a][0]] + ([f"^{chain[b + 1][0]}"] if b + 1 < len(chain) else [])


class RefDates:
    """The newest committer date of the refs that point at commits, from one background ``for-each-ref``."""

    def __init__(self, git: list[str], env: dict[str, str]):
        self.job = Background(git, env, ["for-each-ref", "--format=%(committerdate:unix)"])

    def newest(self) -> int | None:
        out = self.job.result()
        if out is None:
            return None
        return max((int(v) for v in out.decode("ascii", "replace").split() if v.isdigit()), default=None)


def _count(job: Background) -> int:
    out = job.result()
    if out is None or not out.strip().isdigit():
        raise HistoryError("git rev-list --count failed")
    return int(out)


def _window_commits(git: list[str], env: dict[str, str], chain: list[tuple[str, int]], run: tuple[int, int]):
    """(commit, landing commit) pairs of the commits landed by the chain commits of ``run``, with details."""
    cmd = git + ["log", "--no-mailmap", "--no-color", f"--format={_LOG_FORMAT}", *_range(chain, run), "--"]
    proc = subprocess.run(cmd, capture_output=True, env=stream_env(env))
    if proc.returncode != 0:
        raise HistoryError(f"git log failed: {proc.stderr.decode('utf-8', 'replace')}")
    sub = parse_log([proc.stdout])
    landed = landing_commits(sub, chain[run[0]][0])
    return ((sub[sha], sub[main]) for sha, main in landed.items())


def _add_window(stats: RepoStats, pairs: Iterable) -> None:
    for c, main in pairs:
        stats.window_commits += 1
        stats.window_authors.add(c.author_email)
        pr = main.pr if main.pr is not None else c.pr
        if pr is not None:
            stats.window_prs.add(pr)


def chain_stats(git: list[str], env: dict[str, str], tip: str, window: tuple[int, int], tip_time: int | None = None) -> RepoStats | None:
    """The :class:`RepoStats` of the branch at ``tip`` for ``window`` = (start, end), counted by git.

    ``tip_time`` (the tip's committer time, when known) lets the count of the whole history start
    beside the chain walk. None when the chain has more than ``MAX_RUNS`` runs (see the module docstring).
    """
    start, end = window
    whole = Background(git, env, ["rev-list", "--count", tip, "--"]) if tip_time is not None and tip_time < end else None
    walk = Background(git, env, ["rev-list", "--first-parent", "--timestamp", tip, "--"])
    out = walk.result()
    if out is None:
        raise HistoryError("git rev-list --first-parent failed")
    chain = parse_chain(out)
    landed, inside = runs(chain, None, end), runs(chain, start, end)
    if len(landed) > MAX_RUNS or len(inside) > MAX_RUNS:
        return None
    if whole is not None and landed == [(0, len(chain) - 1)]:
        counts = [whole]
    else:
        counts = [Background(git, env, ["rev-list", "--count", *_range(chain, r), "--"]) for r in landed]
    times = [chain[i][1] for a, b in landed for i in range(a, b + 1)]
    stats = RepoStats(0, min(times, default=None), max(times, default=None), 0)
    for r in inside:
        _add_window(stats, _window_commits(git, env, chain, r))
    stats.total = sum(_count(job) for job in counts)
    if whole is not None and counts[0] is not whole:
        whole.result()  # not needed after all: wait for it, so no process outlives the read
    return stats
