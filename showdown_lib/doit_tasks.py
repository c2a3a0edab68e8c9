"""The pipeline's steps as doit tasks: doit decides what is up to date and in which order to run.

Each step run becomes a task whose ``file_dep`` are the files it reads (doit compares their content
hashes with the last successful run), whose ``targets`` are the files it writes (a task whose
targets are missing runs), and whose ``uptodate`` is its configuration: parameters, a hash of the
notebook's cells and a hash of the library (:func:`doit.tools.config_changed`). doit orders tasks
so that a step runs after the steps that write what it reads, and runs independent tasks in
threads side by side. Its state lives in ``.cache/`` (never committed).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from doit.cmd_base import TaskLoader2
from doit.doit_cmd import DoitMain
from doit.task import dict_to_task
from doit.tools import config_changed


class _Reporter:
    """Collects what doit did; the pipeline prints its own progress lines."""

    def __init__(self, outstream, options):
        self.failures: list[BaseException] = []
        self.up_to_date: list[str] = []
        _Reporter.last = self

    def initialize(self, tasks, selected_tasks):
        pass

    def get_status(self, task):
        pass

    def execute_task(self, task):
        pass

    def add_success(self, task):
        pass

    def skip_uptodate(self, task):
        self.up_to_date.append(task.name)

    def skip_ignore(self, task):
        pass

    def add_failure(self, task, fail):
        exc = getattr(fail, "exception", None) or fail
        self.failures.append(exc)

    def runtime_error(self, msg):
        self.failures.append(RuntimeError(msg))

    def cleanup_error(self, exception):
        self.failures.append(exception)

    def teardown_task(self, task):
        pass

    def complete_run(self):
        pass


class _Loader(TaskLoader2):
    def __init__(self, tasks: list[dict[str, Any]], config: dict[str, Any]):
        super().__init__()
        self._tasks, self._config = tasks, config

    def setup(self, opt_values):
        pass

    def load_doit_config(self):
        return self._config

    def load_tasks(self, cmd, pos_args):
        return [dict_to_task(t) for t in self._tasks]


def run_tasks(runs: list, action: Callable, config: Callable, force: bool, jobs: int, state_file: Path) -> list[str]:
    """Run every step run that is not up to date; returns the names that were. Raises the first failure."""
    errors: dict[str, BaseException] = {}

    def wrapped(r):
        def act():
            try:
                action(r)
            except Exception as exc:  # handed back to the caller below, with its own message
                errors[r.name] = exc
                return False
            return True

        return act

    tasks = [{
        "name": r.name.replace(":", "__"),
        "actions": [wrapped(r)],
        "file_dep": sorted({str(f) for f in r.input_files()}),
        "targets": sorted({str(f) for f in r.output_files()} | {str(r.destination)}),
        "uptodate": [config_changed(config(r))],
        "verbosity": 2,
    } for r in runs]
    state_file.parent.mkdir(parents=True, exist_ok=True)
    doit_config = {"dep_file": str(state_file), "backend": "json", "check_file_uptodate": "md5",
                   "reporter": _Reporter, "verbosity": 0, "num_process": jobs if len(runs) > 1 else 1,
                   "par_type": "thread", "continue": False}
    argv = ["run"] + (["--always-execute"] if force else [])
    code = DoitMain(_Loader(tasks, doit_config)).run(argv)
    reporter = getattr(_Reporter, "last", None)
    if errors:
        first = next(iter(errors.values()))
        raise first
    if code != 0:
        detail = "; ".join(str(f) for f in (reporter.failures if reporter else []))
        raise RuntimeError(f"the task runner stopped (exit {code}){': ' + detail if detail else ''}")
    return [n.replace("__", ":", 1) for n in (reporter.up_to_date if reporter else [])]
