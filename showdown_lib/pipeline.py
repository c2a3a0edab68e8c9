"""Running the declared pipeline (``notebooks/steps.yaml``): the engine behind ``run_all.py``.

* **Checked first.** Parameters (JSON Schema from the table), edition ids and every step's declared
  inputs are checked before any kernel starts; a rejected run writes nothing.
* **Incremental.** Each (step, edition) is a task of `doit <https://pydoit.org>`_: it runs again only
  when a file it reads (content hash), its parameters, its notebook's cells or the library's code
  changed; ``force`` runs everything. doit also orders the tasks by what they read and write and
  runs independent ones side by side (``jobs``).
* **Outputs only after success.** A notebook stages its tables and figures and publishes them in its
  last cell (:mod:`showdown_lib.step_context`); the runner then checks that every declared output is
  there. Each notebook first executes into ``runs/`` (not committed); only a notebook that ran to
  the end is copied to its destination, and a failure names the notebook, the cell and that copy.
* The default edition's and the once-per-run steps' notebooks are written back in place (the
  committed notebooks show their last run); another edition's go to ``reports/notebooks/<edition>/``.
* Kernels run the interpreter that runs this module (a kernel spec written under ``.cache/``), so a
  plain ``pip install -e .`` or a conda environment works without registering a kernel.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

from . import paths
from .errors import ShowdownError
from .steps import Ref, Step, StepTable, check_edition_id, check_parameters, expand, load_steps, step_parameters, step_values

KERNEL_NAME = "showdown"


class PipelineError(ShowdownError, RuntimeError):
    pass


@dataclass
class NotebookFailure(PipelineError):
    notebook: str
    cell: int | None
    error: str
    record: Path

    def __str__(self) -> str:
        where = f"cell {self.cell}" if self.cell is not None else "setup"
        return f"{self.notebook} failed in {where}: {self.error}\n  executed copy with the failing cell: {_shown(self.record)}"


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
        return f"{self.edition or 'once'}:{self.step.notebook}"

    def input_files(self) -> list[Path]:
        return [f for r in self.reads for f in r.files()]

    def output_files(self) -> list[Path]:
        save = bool(self.params.get("save_figures", True))
        return [f for w in self.writes for f in w.files(save)]


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
            raise PipelineError(f"-p expects key=value, got {item!r}")
        key, raw = item.split("=", 1)
        key = key.strip()
        if not key.isidentifier():
            raise PipelineError(f"-p: {key!r} is not a parameter name")
        try:
            out[key] = _numbers(yaml.safe_load(raw)) if raw.strip() else ""
        except yaml.YAMLError as exc:
            raise PipelineError(f"-p {key}: cannot read {raw!r} as a value") from exc
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


def _shown(path: Path) -> str:
    """A path relative to the project when it is inside it (logs never show this machine's folders)."""
    try:
        return str(Path(path).resolve().relative_to(paths.project_root()))
    except ValueError:
        return Path(path).name


# ----------------------------------------------------------------------------------------------
# planning


def plan(table: StepTable, editions: list[str], selection: list[str] | None, overrides: dict[str, Any],
         output_dir: Path | None = None) -> list[StepRun]:
    """Every (step, edition) to consider, in table order; the checks that need no kernel happen here."""
    from .editions import load_edition

    overrides = check_parameters(table, overrides)
    for edition in editions:
        load_edition(check_edition_id(edition))  # an unknown or malformed edition stops here
    steps = table.select(selection)
    runs: list[StepRun] = []
    for step in steps:
        for edition in (editions if step.scope == "edition" else [None]):
            params = step_parameters(table, step, overrides)
            values = step_values(step, edition, params)
            if output_dir is not None:
                dest = Path(output_dir)
            elif edition is None or edition == table.default_edition:
                dest = paths.notebooks_dir()
            else:
                dest = paths.project_root() / "reports" / "notebooks" / edition
            runs.append(StepRun(step, edition, params, expand(step.reads, values), expand(step.writes, values), dest / step.path.name))
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
                problems.append(f"{run.name} reads {ref.name}, but {_shown(missing[0])} does not exist "
                                "and no step of this run writes it")
        produced |= {f.resolve() for f in run.output_files()}
    if problems:
        raise PipelineError("; ".join(problems))


# ----------------------------------------------------------------------------------------------
# fingerprints


def _library_fingerprint() -> str:
    """One hash over the library's code and data files and the step table: a change re-runs every step."""
    digest = hashlib.sha256()
    lib = Path(__file__).resolve().parent
    for path in sorted(lib.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".json", ".tpl", ".js", ".css", ".html") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(lib)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update((paths.notebooks_dir() / "steps.yaml").read_bytes())
    return digest.hexdigest()


def notebook_fingerprint(path: Path) -> str:
    """A hash of a notebook's cells (type and source), ignoring outputs and papermill's injected cell."""
    try:
        book = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = [(c["cell_type"], "".join(c["source"])) for c in book["cells"]
                 if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PipelineError(f"{_shown(path)} is not a readable notebook ({type(exc).__name__}: {exc}); "
                            "restore it from git (git checkout -- FILE)") from None
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


# ----------------------------------------------------------------------------------------------
# executing one step


def ensure_kernel() -> str:
    """A kernel spec named ``showdown`` for the interpreter running now, found first through JUPYTER_PATH."""
    data_dir = paths.project_root() / ".cache" / "jupyter"
    spec_dir = data_dir / "kernels" / KERNEL_NAME
    spec = {"argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}", "--IPKernelApp.log_level=ERROR"],
            "display_name": "Python 3 (showdown)", "language": "python", "metadata": {"debugger": False}}
    text = json.dumps(spec, indent=1)
    target = spec_dir / "kernel.json"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        spec_dir.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    current = os.environ.get("JUPYTER_PATH", "")
    if str(data_dir) not in current.split(os.pathsep):
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(data_dir)] + ([current] if current else []))
    return KERNEL_NAME


def _strip_volatile(path: Path) -> None:
    """Remove per-run timing metadata so a re-run only changes what the notebook shows."""
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


def _given(run: StepRun) -> dict[str, Any]:
    """What papermill injects: the step's parameters and, per-edition, the edition."""
    given = dict(run.params)
    if run.edition is not None:
        given["edition"] = run.edition
    return given


def execute(run: StepRun, kernel_name: str = KERNEL_NAME, timeout: int = 1800) -> Path:
    """Execute one step's notebook; check its declared outputs; copy it to its destination."""
    import papermill as pm

    record = paths.project_root() / "runs" / (run.edition or "once") / run.step.path.name
    record.parent.mkdir(parents=True, exist_ok=True)
    missing = [f for f in run.input_files() if not f.exists()]
    if missing:
        raise PipelineError(f"{run.name}: declared input {_shown(missing[0])} does not exist")
    started = time.time()
    try:
        # The kernel's working folder goes through nbclient's resources, not papermill's ``cwd``: that one
        # changes the whole process's folder, which two steps running side by side would leave wrong.
        pm.execute_notebook(str(run.step.path), str(record), parameters=_given(run), kernel_name=kernel_name,
                            progress_bar=False, request_save_on_cell_execute=False, execution_timeout=timeout,
                            log_output=False, resources={"metadata": {"path": str(paths.notebooks_dir())}})
    except pm.PapermillExecutionError as exc:
        raise NotebookFailure(run.step.path.name, _failed_cell(record), f"{exc.ename}: {exc.evalue}", record) from None
    except Exception as exc:  # kernel died, malformed notebook, ...
        raise NotebookFailure(run.step.path.name, _failed_cell(record), f"{type(exc).__name__}: {exc}", record) from None
    stale = [f for f in run.output_files() if not f.exists() or f.stat().st_mtime < started - 1]
    if stale:
        raise PipelineError(f"{run.name} ran but did not write its declared output {_shown(stale[0])} "
                            f"(notebooks/steps.yaml); executed copy: {_shown(record)}")
    _strip_volatile(record)
    target = run.destination
    if target.resolve() != record.resolve():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(record, tmp)
        tmp.replace(target)
    return target


# ----------------------------------------------------------------------------------------------
# the run


def run(editions: list[str] | str | None = None, params: dict[str, Any] | None = None, selection: list[str] | None = None,
        force: bool = False, jobs: int | None = None, output_dir: Path | None = None, log: Callable[[str], None] = print,
        kernel_name: str | None = None) -> RunSummary:
    """Bring the selected steps up to date for ``editions`` (default: the table's default edition)."""
    from .doit_tasks import run_tasks

    table = load_steps()
    if editions is None:
        editions = [table.default_edition]
    elif isinstance(editions, str):
        editions = [editions]
    runs = plan(table, list(editions), selection, dict(params or {}), output_dir)
    kernel = kernel_name or ensure_kernel()
    fingerprint = _library_fingerprint()
    summary = RunSummary()
    lock = threading.Lock()

    def action(r: StepRun) -> None:
        with lock:
            log(f"[{r.name}] running ...")
        t0 = time.monotonic()
        written = execute(r, kernel)
        with lock:
            summary.ran.append(r.name)
            summary.written.append(written)
            log(f"[{r.name}] done in {time.monotonic() - t0:.1f} s -> {_shown(written)}")

    def config(r: StepRun) -> dict[str, Any]:
        return {"params": _given(r), "notebook": notebook_fingerprint(r.step.path), "library": fingerprint,
                "destination": _shown(r.destination)}

    up_to_date = run_tasks(runs, action, config, force=force, jobs=jobs or min(2, os.cpu_count() or 1),
                           state_file=paths.project_root() / ".cache" / "pipeline-state.json")
    summary.up_to_date = up_to_date
    for name in up_to_date:
        log(f"[{name}] up to date")
    return summary
