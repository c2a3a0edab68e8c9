"""Executing one step run: a notebook through papermill, or a plain Python task in a process of its own.

* A notebook executes into ``runs/`` (not committed); only a notebook that ran to the end is copied to
  its destination, and a failure names the notebook, the cell and that copy.
* A task (``showdown_lib.MODULE:FUNCTION`` in the step table) runs as ``python -m showdown_lib.task_step``:
  it opens its step like a notebook does, so it reads only what it declares and publishes only at the
  end; a failure is the task's one-line message.
* Kernels and task processes end with the run (:mod:`showdown_lib.kernel_launcher`).
* The tree's lock (:func:`tree_lock`) lets one run at a time change a project.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from . import paths
from .errors import ShowdownError

KERNEL_NAME = "showdown"


class PipelineError(ShowdownError, RuntimeError):
    pass


class NotebookFailure(PipelineError):
    def __init__(self, notebook: str, cell: int | None, error: str, record: Path) -> None:
        self.notebook, self.cell, self.error, self.record = notebook, cell, error, record
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"cell {self.cell}" if self.cell is not None else "setup"
        return f"{self.notebook} failed in {where}: {self.error}\n  executed copy with the failing cell: {shown(self.record)}"


def shown(path: Path) -> str:
    """A path relative to the project when it is inside it (logs never show this machine's folders)."""
    try:
        return str(Path(path).resolve().relative_to(paths.project_root()))
    except ValueError:
        return Path(path).name


# ----------------------------------------------------------------------------------------------
# the working folders and the lock


def work_folder(*parts: str) -> Path:
    """``.cache/...`` or ``runs/...`` under the project, made if needed; a clear error when it cannot be."""
    folder = paths.project_root().joinpath(*parts)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=folder)  # unique: steps of one run check side by side
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise PipelineError(f"cannot write the working folder {shown(folder)} ({reason}); the pipeline keeps its state "
                            f"in .cache/ and executed notebooks in runs/: make them writable folders") from None
    return folder


@contextmanager
def tree_lock() -> Iterator[None]:
    """One run per project at a time: a second run stops with "another run is in progress (pid N)"."""
    import fcntl

    path = work_folder(".cache") / "run.lock"
    handle = open(path, "a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        pid = handle.read().strip() or "unknown"
        handle.close()
        raise PipelineError(f"another run is in progress (pid {pid}) on this project; wait for it to end "
                            "(two runs would overwrite each other's outputs)") from None
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock; a killed run's lock is released by the system


# ----------------------------------------------------------------------------------------------
# notebooks


def ensure_kernel() -> str:
    """A kernel spec named ``showdown`` for the interpreter running now, found first through JUPYTER_PATH.

    The kernel starts through :mod:`showdown_lib.kernel_launcher`, so it ends when the run ends. It works on this
    project with this library (``SHOWDOWN_ROOT``, and the library's folder first on ``PYTHONPATH``), as a task
    does: an interpreter whose editable install points at another copy of the project (one environment for two
    clones) never publishes into that copy.
    """
    data_dir = work_folder(".cache", "jupyter")
    spec_dir = data_dir / "kernels" / KERNEL_NAME
    library_parent = str(Path(__file__).resolve().parent.parent)
    search = [library_parent] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != library_parent]
    spec = {"argv": [sys.executable, "-m", "showdown_lib.kernel_launcher", "-f", "{connection_file}",
                     "--IPKernelApp.log_level=CRITICAL"],
            "display_name": "Python 3 (showdown)", "language": "python", "metadata": {"debugger": False},
            "env": {"SHOWDOWN_ROOT": str(paths.project_root()), "PYTHONPATH": os.pathsep.join(search)}}
    text = json.dumps(spec, indent=1)
    target = spec_dir / "kernel.json"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        spec_dir.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    current = os.environ.get("JUPYTER_PATH", "")
    if str(data_dir) not in current.split(os.pathsep):
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(data_dir)] + ([current] if current else []))
    return KERNEL_NAME


def strip_volatile(path: Path) -> None:
    """Remove per-run timing metadata so a re-run only changes what the notebook shows (the run record holds no
    clock either: a re-run on the same inputs writes the same bytes)."""
    book = json.loads(path.read_text(encoding="utf-8"))
    book.get("metadata", {}).pop("papermill", None)
    for cell in book.get("cells", []):
        meta = cell.get("metadata", {})
        meta.pop("papermill", None)
        meta.pop("execution", None)
        if "injected-parameters" in meta.get("tags", []):
            cell["id"] = "injected-parameters"  # papermill draws a new random id on every run
    path.write_text(json.dumps(book, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _failed_cell(record: Path) -> int | None:
    try:
        book = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    for i, cell in enumerate(book.get("cells", [])):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return i + 1
    return None


def execute_notebook(run, kernel_name: str, timeout: int = 1800) -> Path:
    """Execute one notebook step run into ``runs/``; check its declared outputs; copy it to its destination."""
    import papermill as pm

    record = work_folder("runs", run.edition or "once") / run.step.path.name
    started = time.time()
    try:
        # The kernel's working folder goes through nbclient's resources, not papermill's ``cwd``: that one
        # changes the whole process's folder, which two steps running side by side would leave wrong.
        pm.execute_notebook(str(run.step.path), str(record), parameters=run.given(), kernel_name=kernel_name,
                            progress_bar=False, request_save_on_cell_execute=False, execution_timeout=timeout,
                            log_output=False, resources={"metadata": {"path": str(paths.notebooks_dir())}})
    except pm.PapermillExecutionError as exc:
        raise NotebookFailure(run.step.path.name, _failed_cell(record), f"{exc.ename}: {exc.evalue}", record) from None
    except Exception as exc:  # kernel died, malformed notebook, ...
        raise NotebookFailure(run.step.path.name, _failed_cell(record), f"{type(exc).__name__}: {exc}", record) from None
    check_written(run, started, f"executed copy: {shown(record)}")
    target = run.destination
    if target.resolve() == record.resolve():
        strip_volatile(record)
        return target
    # The copy in runs/ keeps papermill's times; the published copy holds only what the notebook shows.
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    shutil.copyfile(record, tmp)
    strip_volatile(tmp)
    tmp.replace(target)
    return target


def check_written(run, started: float, where: str) -> None:
    """Every declared output is there and new; every figure of a run without figures is gone."""
    for path, present in run.declared_outputs():
        if present and (not path.exists() or path.stat().st_mtime < started - 1):
            raise PipelineError(f"{run.name} ran but did not write its declared output {shown(path)} "
                                f"(notebooks/steps.yaml); {where}")
        if not present and path.exists():
            raise PipelineError(f"{run.name} ran without figures but left {shown(path)} in place; {where}")


# ----------------------------------------------------------------------------------------------
# tasks


def execute_task(run, timeout: int = 1800) -> Path:
    """Run a task step in its own process (``python -m showdown_lib.task_step``); its one-line error on failure."""
    cmd = [sys.executable, "-m", "showdown_lib.task_step", run.step.name, "--params", json.dumps(run.given())]
    env = {**os.environ, "SHOWDOWN_ROOT": str(paths.project_root())}
    started = time.time()
    library_parent = Path(__file__).resolve().parent.parent  # ``-m`` imports from the working folder first: this library
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL,
                              cwd=library_parent)
    except subprocess.TimeoutExpired:
        raise PipelineError(f"{run.name} did not finish in {timeout} s") from None
    if done.returncode == 130:
        raise KeyboardInterrupt
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise PipelineError(f"step {run.step.name} ({run.step.task}) failed: {lines[-1] if lines else f'exit {done.returncode}'}")
    check_written(run, started, f"task {run.step.task}")
    return run.destination


def given_json(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True)
