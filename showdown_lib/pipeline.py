"""Running the numbered notebooks in order with papermill (the engine behind ``run_all.py``).

* Parameters are checked before anything runs: a name that no notebook declares is an error
  (papermill itself would only warn). Each notebook receives only the parameters it declares.
* The default edition's executed notebooks are written back in place, so the committed notebooks
  show its last run; another edition's go to ``reports/notebooks/<edition>/``.
* Each notebook first executes into ``runs/<edition>/`` (not committed). Only a notebook that ran
  to the end is copied to its destination; a failed run stays in ``runs/`` as the record, and the
  error names the notebook, the cell and that copy.
"""
from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import paths

DEFAULT_EDITION = "2018"
EDITION_NOTEBOOKS = ("00_collect", "01_support_community", "02_api_internals", "03_platform", "04_aggregate", "05_discussion")


class PipelineError(RuntimeError):
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


def notebooks(selection: list[str] | None = None) -> list[Path]:
    """The numbered notebooks in run order, optionally only those whose name starts with a selector."""
    found = sorted(p for p in paths.notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
    if selection:
        chosen = [p for p in found if any(p.stem == s or p.stem.startswith(s) for s in selection)]
        unknown = [s for s in selection if not any(p.stem == s or p.stem.startswith(s) for p in found)]
        if unknown:
            raise PipelineError(f"no notebook matches {unknown}; notebooks: {[p.stem for p in found]}")
        return chosen
    return found


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
            out[key] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError as exc:
            raise PipelineError(f"-p {key}: cannot read {raw!r}: {exc}") from exc
    return out


def declared_parameters(notebook: Path) -> dict[str, Any]:
    import papermill as pm

    return pm.inspect_notebook(str(notebook))


def check_parameters(books: list[Path], params: dict[str, Any]) -> dict[Path, dict[str, Any]]:
    """Which parameters go to which notebook; a name no notebook declares is an error."""
    declared = {nb: declared_parameters(nb) for nb in books}
    known = set().union(*[set(d) for d in declared.values()]) if declared else set()
    unknown = sorted(set(params) - known)
    if unknown:
        raise PipelineError(f"unknown parameter(s) {unknown}; the notebooks declare {sorted(known)}")
    return {nb: {k: v for k, v in params.items() if k in declared[nb]} for nb in books}


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


def _shown(path: Path) -> str:
    """A path relative to the project when it is inside it (logs never show this machine's folders)."""
    try:
        return str(path.resolve().relative_to(paths.project_root()))
    except ValueError:
        return path.name


def run(edition: str = DEFAULT_EDITION, params: dict[str, Any] | None = None, selection: list[str] | None = None,
        output_dir: Path | None = None, kernel_name: str = "showdown", log=print, timeout: int = 1800) -> list[Path]:
    """Execute the notebooks in order; returns the written notebooks. Raises NotebookFailure."""
    import papermill as pm

    params = dict(params or {})
    if "edition" in params:
        raise PipelineError("give the edition with --edition, not as -p edition=...")
    books = notebooks(selection)
    per_book = check_parameters(books, params)
    for nb, given in per_book.items():  # the edition goes to every notebook that declares one
        if "edition" in declared_parameters(nb):
            given["edition"] = edition
    if output_dir is None:
        output_dir = paths.notebooks_dir() if edition == DEFAULT_EDITION else paths.project_root() / "reports" / "notebooks" / edition
    output_dir = Path(output_dir)
    runs = paths.project_root() / "runs" / edition
    runs.mkdir(parents=True, exist_ok=True)
    output_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for i, nb in enumerate(books, 1):
        record = runs / nb.name
        given = per_book[nb]
        shown = ", ".join(f"{k}={v!r}" for k, v in given.items())
        log(f"[{i}/{len(books)}] {nb.stem}{' (' + shown + ')' if shown else ''} ...")
        t0 = time.monotonic()
        try:
            pm.execute_notebook(str(nb), str(record), parameters=given, cwd=str(paths.notebooks_dir()),
                                kernel_name=kernel_name, progress_bar=False, request_save_on_cell_execute=False,
                                execution_timeout=timeout)
        except pm.PapermillExecutionError as exc:
            raise NotebookFailure(nb.name, _failed_cell(record), f"{exc.ename}: {exc.evalue}", record) from None
        except Exception as exc:  # kernel died, bad notebook, ...
            raise NotebookFailure(nb.name, _failed_cell(record), f"{type(exc).__name__}: {exc}", record) from None
        _strip_volatile(record)
        target = output_dir / nb.name
        if target.resolve() != record.resolve():
            tmp = target.with_name(f".{target.name}.tmp")
            shutil.copyfile(record, tmp)
            tmp.replace(target)
        written.append(target)
        log(f"      done in {time.monotonic() - t0:.1f} s -> {_shown(target)}")
    return written
