"""What a notebook opens first: its step of ``notebooks/steps.yaml``, with one loader and one writer.

    step = open_step("01_support_community", edition=edition, save_figures=save_figures)
    step                       # shows what the step reads and writes
    scores = step.table("criteria_scores")

* Reads: :meth:`OpenStep.table` loads a declared processed table; :meth:`OpenStep.result` rebuilds
  a scored edition from its declared tables. While the step is open, reading a data file that the
  step did not declare (through :mod:`showdown_lib.core.fileio`) is an error naming ``steps.yaml``.
* Writes: tables and figures go to a staging folder of its own under ``runs/stage/`` (two runs never
  share one); :meth:`OpenStep.publish` (the notebook's last step) puts them into ``data/processed`` and
  ``reports/figures`` only after every cell before it ran, so a failed run never replaces a published
  output. Publishing first copies each file beside its target (same folder, so same file system; a
  staging folder on another device is fine), then renames each over its target. A run without figures
  removes the step's declared figures from the published set, so charts of other weights never sit
  beside new tables. Writing an output the step did not declare is an error.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from ..core import fileio, paths
from ..core.tables import rounded
from .steps import Ref, StepError, expand, load_steps, step_parameters, step_reads, step_values


class OpenStep:
    def __init__(self, notebook: str, edition: str | None = None, **params: Any) -> None:
        table = load_steps()
        self.step = table.step(notebook)
        self.edition = str(edition) if self.step.scope == "edition" else None  # papermill's CLI may hand 2018 as a number
        self.params = step_parameters(table, self.step, params)
        from ..acquire.editions import restrict_cast

        restrict_cast(self.params.get("cast"))  # every edition this kernel loads speaks of the shortlist only
        values = step_values(self.step, self.edition, self.params)
        self.reads: list[Ref] = step_reads(self.step, values)
        self.writes: list[Ref] = expand(self.step.writes, values)
        self.save_figures = bool(self.params.get("save_figures", True))
        base = paths.project_root() / "runs" / "stage" / (self.edition or "once")
        try:
            base.mkdir(parents=True, exist_ok=True)
            self.stage = Path(tempfile.mkdtemp(prefix=f"{self.step.name}-", dir=base))
        except OSError as exc:
            raise StepError(f"cannot make a staging folder under {paths.shown(base)}: {exc.strerror or exc}") from None
        self._allowed = self._allowed_roots()
        self._allowed_names = {str(root) for root in self._allowed}  # a read is checked against its own folders, not every root
        self._data = (paths.project_root() / "data").resolve()
        fileio.set_read_guard(self._guard)

    # -- what the step declares ----------------------------------------------------------------
    def _allowed_roots(self) -> list[Path]:
        roots: list[Path] = []
        for ref in self.reads:
            roots += [p.resolve() for p in ref.roots()]
        return roots

    def _guard(self, path: Path) -> None:
        path = Path(path).resolve()
        if self._data not in path.parents:
            return
        if str(path) in self._allowed_names or any(str(parent) in self._allowed_names for parent in path.parents):
            return
        raise StepError(f"step {self.step.name} reads {paths.shown(path)}, which it does not declare: "
                        f"add it to the step's reads in notebooks/steps.yaml")

    def _repr_markdown_(self) -> str:
        rows = [f"| reads | `{r.name}` |" for r in self.reads] + [f"| writes | `{w.name}` |" for w in self.writes]
        scope = f"edition `{self.edition}`" if self.edition else "once per run"
        return (f"**Step `{self.step.name}`** ({self.step.title}; {scope}), as declared in `notebooks/steps.yaml`:\n\n"
                "| | |\n|---|---|\n" + "\n".join(rows))

    def __repr__(self) -> str:  # plain-text view for consoles
        return f"OpenStep({self.step.name!r}, edition={self.edition!r}, reads={[r.name for r in self.reads]})"

    def _declared(self, refs: list[Ref], kind: str, arg: str, what: str) -> Ref:
        for ref in refs:
            if ref.kind == kind and ref.arg == arg:
                return ref
        raise StepError(f"step {self.step.name} does not declare {what} {kind}:{arg} (notebooks/steps.yaml)")

    # -- reads -----------------------------------------------------------------------------------
    def table(self, name: str, **read_kwargs) -> pd.DataFrame:
        """A declared processed table: ``criteria_scores`` (this edition) or ``EDITION/criteria_scores``
        (``read_kwargs`` go to pandas' ``read_csv``)."""
        from ..core.tables import text_columns

        arg = name if "/" in name else f"{self.edition}/{name}"
        ref = self._declared(self.reads, "processed", arg, "the input")
        path = ref.files()[0]
        frame = fileio.read_csv(path, **{"dtype": text_columns(arg.rsplit("/", 1)[1], path), **read_kwargs})
        for col in ("source", "note", "reason"):
            if col in frame:
                frame[col] = frame[col].fillna("")
        return frame

    def result(self, edition: str | None = None):
        """A scored edition rebuilt from its declared processed tables (never scored again here)."""
        from ..acquire.editions import edition_method, load_edition
        from ..method.edition_scores import EditionResult

        edition = edition or self.edition
        has = {r.arg for r in self.reads if r.kind == "processed"}
        get = lambda t: self.table(f"{edition}/{t}") if f"{edition}/{t}" in has else pd.DataFrame()  # noqa: E731
        weights: dict[str, dict[str, float]] = {}
        for row in get("weights").to_dict("records"):
            weights.setdefault(row["kind"], {})[row["id"]] = float(row["weight"])
        ed = load_edition(edition)
        return EditionResult(ed, edition_method(ed), get("inputs"), get("criteria_scores"),
                             get("category_scores"), get("overall_scores"), weights=weights)

    # -- writes ----------------------------------------------------------------------------------
    def _staged(self, target: Path) -> Path:
        staged = self.stage / Path(target).resolve().relative_to(paths.project_root().resolve())
        staged.parent.mkdir(parents=True, exist_ok=True)
        return staged

    def write_table(self, frame: pd.DataFrame, name: str) -> str:
        """Stage a declared processed table (``round_platform`` or ``FOLDER/name``)."""
        arg = name if "/" in name else f"{self.edition}/{name}"
        ref = self._declared(self.writes, "processed", arg, "the output")
        target = ref.files()[0]
        from ..core.tables import validate, write

        frame = rounded(frame)
        validate(frame, arg, target)  # named as it will be published
        write(frame, arg, self._staged(target))
        return f"{paths.shown(target)} ({len(frame)} rows)"

    def figure_folder(self, name: str) -> Path | None:
        """The staging folder of the declared figure ``name``, where its presenter draws it; None when the step
        runs with save_figures off. The step stages and publishes files; drawing them is the presenters' work."""
        folder_name = self.edition if self.edition else None
        matches = [w for w in self.writes if w.kind == "figure" and w.arg.rsplit("/", 1)[1] == name
                   and (folder_name is None or w.arg.rsplit("/", 1)[0] == folder_name)]
        if not matches:
            raise StepError(f"step {self.step.name} does not declare the figure {name!r} (notebooks/steps.yaml)")
        if not self.save_figures:
            return None
        return self._staged(matches[0].files()[0]).parent

    def publish(self) -> str:
        """Put every staged output into place; the step's last cell.

        Each staged file is first copied beside its target (``.NAME.publish-*``), then every copy is
        renamed over its target: the renames stay inside one folder, so they cannot fail for a staging
        folder on another file system, and a kill between them leaves outputs the runner's state check
        sees as not published (the step runs again).
        """
        staged_files = sorted(p for p in self.stage.rglob("*") if p.is_file())
        ready = []
        try:
            for staged in staged_files:
                target = paths.project_root() / staged.relative_to(self.stage)
                target.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.publish-", dir=target.parent)
                os.close(fd)
                shutil.copyfile(staged, tmp)
                os.chmod(tmp, 0o666 & ~_umask())
                ready.append((Path(tmp), target))
        except BaseException:
            for tmp, _ in ready:
                tmp.unlink(missing_ok=True)
            raise
        moved = []
        for tmp, target in ready:
            os.replace(tmp, target)
            moved.append(paths.shown(target))
        if not self.save_figures:
            for ref in self.writes:
                if ref.kind == "figure":
                    for old in ref.files(True):
                        old.unlink(missing_ok=True)
        shutil.rmtree(self.stage, ignore_errors=True)
        fileio.set_read_guard(None)
        tables = [m for m in moved if m.endswith(".csv")]
        figures = sorted({m.rsplit(".", 1)[0] for m in moved if not m.endswith(".csv")})
        return f"published {len(tables)} table(s) and {len(figures)} figure(s): " + ", ".join(tables + figures)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def open_step(notebook: str, edition: str | None = None, **params: Any) -> OpenStep:
    """Open a step of ``notebooks/steps.yaml`` for a notebook (see the module docstring)."""
    return OpenStep(notebook, edition, **params)
