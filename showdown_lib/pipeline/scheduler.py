"""Running step runs in dependency order, side by side, each only when it is stale.

A step run depends on the step runs that write a file it reads (or a file under a folder it reads).
The order comes from :class:`graphlib.TopologicalSorter` (standard library); up to ``jobs`` ready step
runs execute at once, each in a daemon thread, so an interrupted run ends at once (its kernels end with
it: :mod:`showdown_lib.pipeline.kernel_launcher`). Whether a step run is stale is asked when it becomes ready,
after every step it depends on finished, since those may have changed what it reads. After the first
failure no new step starts; the ones running finish (and record their state), then the failure is raised.
"""
from __future__ import annotations

import os
import queue
import threading
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Callable, Sequence


def dependencies(reads: dict[str, list[Path]], writes: dict[str, list[Path]]) -> dict[str, set[str]]:
    """name -> names of the step runs that write what it reads (a read may be a file or a folder)."""
    producer: dict[str, str] = {}
    for name, files in writes.items():
        for f in files:
            producer[os.path.abspath(f)] = name
    deps: dict[str, set[str]] = {name: set() for name in reads}
    for name, roots in reads.items():
        for root in {os.path.abspath(r) for r in roots}:
            who = producer.get(root)
            if who is not None and who != name:
                deps[name].add(who)
            prefix = root.rstrip(os.sep) + os.sep
            deps[name].update(w for out, w in producer.items() if w != name and out.startswith(prefix))
    return deps


def run_graph(names: Sequence[str], deps: dict[str, set[str]], stale: Callable[[str], str | None],
              action: Callable[[str], None], jobs: int) -> tuple[list[str], list[str]]:
    """Run every stale step run; returns (ran, up to date). Raises the first failure after the running ones end."""
    sorter = TopologicalSorter({n: deps.get(n, set()) for n in names})
    sorter.prepare()
    done: queue.Queue = queue.Queue()
    ran: list[str] = []
    fresh: list[str] = []
    failures: list[BaseException] = []
    running = 0
    waiting: list[str] = []

    def work(name: str) -> None:
        try:
            action(name)
            done.put((name, None))
        except BaseException as exc:  # handed to the main thread, raised there
            done.put((name, exc))

    while sorter.is_active():
        if not failures:
            ready = list(sorter.get_ready())
            while ready:  # a step found up to date is done at once, which may make others ready
                for name in ready:
                    if stale(name) is None:
                        fresh.append(name)
                        sorter.done(name)
                    else:
                        waiting.append(name)
                ready = list(sorter.get_ready())
            while waiting and running < jobs:
                name = waiting.pop(0)
                threading.Thread(target=work, args=(name,), name=f"step {name}", daemon=True).start()
                running += 1
        if running == 0:
            break
        name, exc = _next(done)
        running -= 1
        if exc is not None:
            failures.append(exc)
        else:
            ran.append(name)
            sorter.done(name)
    if failures:
        raise failures[0]
    return ran, fresh


def _next(done: queue.Queue):
    """The next finished step; waits in short slices so Ctrl-C reaches the main thread at once."""
    while True:
        try:
            return done.get(timeout=0.2)
        except queue.Empty:
            continue
