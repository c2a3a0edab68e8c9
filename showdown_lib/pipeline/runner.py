"""Running the declared pipeline (``notebooks/steps.yaml``): the engine behind ``run_all.py``.

* **Checked first.** Parameters (JSON Schema from the table), edition ids and every step's declared
  inputs are checked before any kernel starts; a rejected run writes nothing.
* **Incremental, and it cannot lie.** A step run (a step for one edition, or once) runs again unless its
  parameters, its notebook's cells (or its task), the library code it imports (transitively), the content
  of every file it reads and the content of every file it published are what its record says
  (:mod:`showdown_lib.pipeline.run_state`). The record is written right after the step's outputs are in place, so
  a kill at any point leaves either the old record with outputs it no longer matches (the step runs
  again) or the new record with its outputs. ``force`` runs everything.
* **Ordered by what steps read and write**; independent steps run side by side (``jobs``)
  (:mod:`showdown_lib.pipeline.scheduler`). ``selection`` (``--only``) refuses to run a step whose upstream steps
  are out of date, naming them, unless ``with_upstream`` runs them too.
* **Outputs only after success.** A step stages its tables and figures and publishes them at its end
  (:mod:`showdown_lib.pipeline.step_context`); the runner then checks that every declared output is there.
* **One run per project**: a second one stops with "another run is in progress (pid N)". Kernels and
  task processes end with the run (:mod:`showdown_lib.pipeline.kernel_launcher`).
* The default edition's and the once-per-run steps' notebooks are written back in place (the committed
  notebooks show their last run); another edition's go to ``reports/notebooks/<edition>/``.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from ..core import paths
from ..core.errors import ShowdownError
from .step_exec import (KERNEL_NAME, NotebookFailure, PipelineError, ensure_kernel, execute_notebook, execute_task,
                        tree_lock, work_folder)
from .steps import Ref, Step, StepTable, check_edition_id, check_parameters, expand, load_steps, step_parameters, step_reads, step_values

__all__ = ["KERNEL_NAME", "NotebookFailure", "PipelineError", "RunSummary", "StepRun", "parse_overrides", "plan", "run"]
MAX_JOBS = 64


@dataclass
class StepRun:
    """One step for one edition (or once), with everything it needs expanded."""

    step: Step
    edition: str | None
    params: dict[str, Any]
    reads: list[Ref]
    writes: list[Ref]
    destination: Path

    @property
    def name(self) -> str:
        return f"{self.edition or 'once'}:{self.step.name}"

    def input_files(self) -> list[Path]:
        return [f for r in self.reads for f in r.files()]

    def input_roots(self) -> list[Path]:
        return [p for r in self.reads for p in r.roots()]

    def declared_outputs(self) -> list[tuple[Path, bool]]:
        """Every declared output with whether it must exist: a figure of a run without figures must not."""
        save = bool(self.params.get("save_figures", True))
        return [(f, save or w.kind != "figure") for w in self.writes for f in w.files(True)]

    def outputs(self) -> list[tuple[Path, bool]]:
        """The declared outputs and, for a notebook, its executed copy at its destination."""
        out = self.declared_outputs()
        if self.step.notebook is not None:
            out.append((self.destination, True))
        return out

    def output_files(self) -> list[Path]:
        return [p for p, present in self.outputs() if present]

    def given(self) -> dict[str, Any]:
        """What the step is handed: its parameters and, per-edition, the edition."""
        given = dict(self.params)
        if self.edition is not None:
            given["edition"] = self.edition
        return given


@dataclass
class RunSummary:
    ran: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``key=value`` strings to parameters; values are read as YAML (numbers, booleans, {a: 1} dicts)."""
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise PipelineError(f"-p expects key=value, got {item[:80]!r}")
        key, raw = item.split("=", 1)
        key = key.strip()
        if not key.isidentifier():
            raise PipelineError(f"-p: {key[:80]!r} is not a parameter name")
        try:
            out[key] = _numbers(yaml.safe_load(raw)) if raw.strip() else ""
        except (yaml.YAMLError, ValueError, RecursionError) as exc:
            reason = "a number with too many digits" if "digits" in str(exc) else "not a value"
            raise PipelineError(f"-p {key}: cannot read {raw[:40]!r}{'...' if len(raw) > 40 else ''} ({reason})") from None
    return out


_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")


def _numbers(value: Any) -> Any:
    """YAML 1.1 reads ``1e3`` (no dot) as text; on the command line it means a number."""
    if isinstance(value, str) and _FLOAT.match(value):
        return float(value)
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    return value


# ----------------------------------------------------------------------------------------------
# planning


def plan(table: StepTable, editions: list[str], selection: list[str] | None, overrides: dict[str, Any],
         output_dir: Path | None = None, check: bool = True) -> list[StepRun]:
    """Every (step, edition) to consider, in table order; the checks that need no kernel happen here."""
    from ..acquire.editions import load_edition

    overrides = check_parameters(table, overrides)
    editions = list(dict.fromkeys(str(e) for e in editions))  # an edition named twice runs once
    for edition in editions:
        load_edition(check_edition_id(edition))  # an unknown or malformed edition stops here
    runs: list[StepRun] = []
    for step in table.select(selection):
        for edition in (editions if step.scope == "edition" else [None]):
            params = step_parameters(table, step, overrides)
            values = step_values(step, edition, params)
            if output_dir is not None:
                dest = Path(output_dir)
            elif edition is None or edition == table.default_edition:
                dest = paths.notebooks_dir()
            else:
                dest = paths.project_root() / "reports" / "notebooks" / edition
            reads, writes = step_reads(step, values), expand(step.writes, values)
            if step.notebook is None:  # a task: what it is shown as is its first output
                dest = next((f for w in writes for f in w.files(True)), paths.project_root())
            else:
                dest = dest / step.path.name
            runs.append(StepRun(step, edition, params, reads, writes, dest))
    if check:
        _check_inputs(runs)
    return runs


def _check_inputs(runs: list[StepRun]) -> None:
    """Every declared input exists already or is written by an earlier step of this run."""
    produced: set[Path] = set()
    problems = []
    for run in runs:
        for ref in run.reads:
            try:
                files = ref.files()
            except ShowdownError as exc:
                problems.append(f"{run.name} reads {ref.name}: {exc}")
                continue
            missing = [f for f in files if not f.exists() and f.resolve() not in produced]
            if ref.kind == "raw" and not files:  # an empty folder
                missing = [paths.raw_dir() / ref.arg]
            if missing:
                problems.append(f"{run.name} reads {ref.name}, but {paths.shown(missing[0])} does not exist "
                                "and no step of this run writes it")
        produced |= {f.resolve() for f in run.output_files()}
    if problems:
        raise PipelineError("; ".join(problems))


# ----------------------------------------------------------------------------------------------
# fingerprints


def notebook_fingerprint(path: Path) -> tuple[str, str]:
    """A hash of a notebook's cells (type and source), ignoring outputs and papermill's injected cell,
    and the code of its cells (to find the library modules it imports)."""
    try:
        book = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = [(c["cell_type"], "".join(c["source"])) for c in book["cells"]
                 if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PipelineError(f"{paths.shown(path)} is not a readable notebook ({type(exc).__name__}: {exc}); "
                            "restore it from git (git checkout -- FILE)") from None
    code = "\n".join(src for kind, src in cells if kind == "code" and not src.lstrip().startswith(("%", "!")))
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest(), code


def step_code(step) -> tuple[str, set[str]]:
    """A step's own code (a notebook's cell hash, or the task's name) and the library modules it imports
    directly (with the module that runs it); their closure is what its code fingerprint covers."""
    from .code_deps import imports_of_source

    if step.notebook is not None:
        own, code = notebook_fingerprint(step.path)
        return own, imports_of_source(code) | {"showdown_lib.pipeline.step_context"}
    return step.task, {step.task.split(":", 1)[0], "showdown_lib.pipeline.task_step"}


def step_config(run: StepRun, cache: dict[str, Any]) -> dict[str, Any]:
    """What a step run's record must match besides its files: its parameters, its step entry, its code, and the
    interpreter and package versions it ran with (:mod:`showdown_lib.core.environment`)."""
    from ..core.environment import versions
    from .code_deps import code_fingerprint

    step = run.step
    own, modules = step_code(step)
    extra = [step.path] if step.task else []  # a task's own module, in the library or not
    key = ",".join(sorted(modules) + [str(p) for p in extra])
    if key not in cache:
        cache[key] = code_fingerprint(modules, extra)
    entry = [step.name, step.notebook, step.task, step.scope, list(step.parameters), list(step.reads), list(step.writes)]
    if step.reads_by_kind:
        entry.append([[kind, list(refs)] for kind, refs in step.reads_by_kind])
    if "environment" not in cache:
        cache["environment"] = versions()
    return {"params": run.given(), "step": hashlib.sha256(json.dumps(entry).encode()).hexdigest(), "code": own,
            "library": cache[key], "destination": paths.shown(run.destination), "environment": cache["environment"]}


# ----------------------------------------------------------------------------------------------
# the run


def run(editions: list[str] | str | None = None, params: dict[str, Any] | None = None, selection: list[str] | None = None,
        force: bool = False, jobs: int | None = None, output_dir: Path | None = None, log: Callable[[str], None] = print,
        kernel_name: str | None = None, with_upstream: bool = False, skip: tuple[str, ...] = ()) -> RunSummary:
    """Bring the selected steps up to date for ``editions`` (default: the table's default edition).

    ``skip`` names steps left out of a run without a selection (``run_all.py --no-site`` skips ``site``).
    """
    table = load_steps()
    if editions is None:
        editions = [table.default_edition]
    elif isinstance(editions, str):
        editions = [editions]
    if jobs is not None and not 1 <= int(jobs) <= MAX_JOBS:
        raise PipelineError(f"--jobs must be between 1 and {MAX_JOBS}, got {jobs}")
    if selection is None and skip:
        selection = [s.name for s in table.steps if s.name not in skip]
    runs = plan(table, list(editions), selection, dict(params or {}), output_dir)
    with tree_lock():
        return _run_locked(table, runs, list(editions), params, selection, force, jobs, output_dir, log, kernel_name,
                           with_upstream)


def _run_locked(table, runs, editions, params, selection, force, jobs, output_dir, log, kernel_name, with_upstream):
    from .run_state import RunState
    from .scheduler import dependencies, run_graph

    work_folder("runs")  # executed notebooks and staging folders: a clear message now rather than in a kernel
    state = RunState(work_folder(".cache") / "pipeline-state.json", paths.project_root(),
                     warn=lambda msg: log(msg))
    cache: dict[str, Any] = {}
    configs: dict[str, dict] = {}

    def stale(r: StepRun) -> str | None:
        if r.name not in configs:
            configs[r.name] = step_config(r, cache)
        return state.why_stale(r.name, configs[r.name], r.input_files(), r.outputs(), memo={})

    if selection is not None:
        runs = _with_upstream(table, runs, editions, params, output_dir, stale, with_upstream, log)
    by_name = {r.name: r for r in runs}
    kernel = kernel_name or (ensure_kernel() if any(r.step.notebook for r in runs) else KERNEL_NAME)
    summary = RunSummary()
    lock = threading.Lock()

    def action(name: str) -> None:
        r = by_name[name]
        with lock:
            log(f"[{r.name}] running ...")
        t0 = time.monotonic()
        config = configs.get(r.name) or step_config(r, cache)
        inputs = state.snapshot_inputs(r.input_files())
        written = execute_notebook(r, kernel) if r.step.notebook else execute_task(r)
        state.record(r.name, config, inputs, [p for p, _ in r.outputs()])
        with lock:
            summary.ran.append(r.name)
            summary.written.append(written)
            log(f"[{r.name}] done in {time.monotonic() - t0:.1f} s -> {paths.shown(written)}")

    deps = dependencies({r.name: r.input_roots() for r in runs}, {r.name: r.output_files() for r in runs})
    is_stale = (lambda name: "forced") if force else (lambda name: stale(by_name[name]))
    n_jobs = jobs or min(2, os.cpu_count() or 1)
    _ran, fresh = run_graph([r.name for r in runs], deps, is_stale, action, min(n_jobs, max(1, len(runs))))
    summary.up_to_date = fresh
    for name in fresh:
        log(f"[{name}] up to date")
    return summary


def _with_upstream(table, runs, editions, params, output_dir, stale, with_upstream, log) -> list[StepRun]:
    """``--only``: the selected runs, after checking (or, with ``with_upstream``, adding) the stale steps upstream."""
    from .scheduler import dependencies

    everything = plan(table, editions, None, dict(params or {}), output_dir, check=False)
    selected = {r.name for r in runs}
    deps = dependencies({r.name: r.input_roots() for r in everything}, {r.name: r.output_files() for r in everything})
    upstream: list[str] = []
    todo = [n for n in selected]
    while todo:
        for dep in deps.get(todo.pop(), ()):
            if dep not in upstream and dep not in selected:
                upstream.append(dep)
                todo.append(dep)
    by_name = {r.name: r for r in everything}
    out_of_date = [(n, why) for n in [r.name for r in everything if r.name in upstream] if (why := stale(by_name[n]))]
    if not out_of_date:
        return runs
    if not with_upstream:
        listed = "; ".join(f"{n} ({why})" for n, why in out_of_date)
        raise PipelineError(f"--only: upstream step(s) out of date: {listed}. Run them too (add them to --only, "
                            "or give --with-upstream), or run without --only")
    for n, _ in out_of_date:
        log(f"[{n}] out of date upstream of --only: it runs too (and what it changes downstream)")
    return [r for r in everything if r.name in upstream or r.name in selected]
