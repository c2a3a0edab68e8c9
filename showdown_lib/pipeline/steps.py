"""The declared pipeline: ``notebooks/steps.yaml`` loaded, validated and expanded.

The table says, per step (a notebook, or a plain Python task ``module:function``): its name, its scope
(once per edition, or once per run), the parameters it takes, and what it reads and writes. The runner (:mod:`showdown_lib.pipeline.runner`) plans
from it, and a notebook opens its step (:mod:`showdown_lib.pipeline.step_context`) to load only what it
declared. Parameters are checked here against the table's JSON Schemas before any kernel starts.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..core import paths
from ..core.errors import ShowdownError
from ..core.fileio import read_yaml

SCOPES = ("edition", "once")
REF_KINDS = ("edition", "raw", "snapshot", "processed", "figure", "project", "site")
WRITE_KINDS = ("processed", "figure", "site")
_STEP_KEYS = {"name", "notebook", "task", "title", "scope", "parameters", "reads", "reads_by_kind", "writes"}
_PARAM_KEYS = {"schema", "default", "help", "keys"}


class StepError(ShowdownError, ValueError):
    """A step table, a parameter or a step's inputs and outputs that cannot be used."""


@dataclass(frozen=True)
class Parameter:
    name: str
    schema: dict[str, Any]
    default: Any
    help: str
    keys: str | None = None  # "criteria" or "rounds": the allowed keys of a weights mapping

    def annotation(self) -> str:
        return {"integer": "int", "number": "float", "boolean": "bool", "string": "str", "object": "dict", "array": "list"}[self.schema["type"]]


@dataclass(frozen=True)
class Step:
    name: str
    notebook: str | None
    title: str
    scope: str
    parameters: tuple[str, ...]
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    task: str | None = None  # "package.module:function" for a plain Python step
    # what the step reads besides ``reads`` for an edition of one kind (published, collected): ((kind, refs), ...)
    reads_by_kind: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def all_reads(self) -> tuple[str, ...]:
        """Every reference the step may read, whatever the edition."""
        return self.reads + tuple(r for _, refs in self.reads_by_kind for r in refs)

    @property
    def path(self) -> Path:
        """The notebook, or the source file of the task's module."""
        if self.notebook is not None:
            return paths.notebooks_dir() / f"{self.notebook}.ipynb"
        from .code_deps import module_file

        module = self.task.split(":", 1)[0]
        found = module_file(module)
        if found is None:  # a task outside the library (the tests' scratch tables)
            import importlib.util

            try:
                spec = importlib.util.find_spec(module)
            except (ImportError, ValueError):
                spec = None
            found = Path(spec.origin) if spec is not None and spec.origin else Path(module)
        return found

    def matches(self, given: str) -> bool:
        """``--only`` names a step by its name, its notebook, or a prefix of either (``04``)."""
        names = [self.name] + ([self.notebook] if self.notebook else [])
        return bool(given) and any(n == given or n.startswith(given) for n in names)


_DATED_EDITION = re.compile(r"^editions/([^/@]+)@\d{4}-\d{2}-\d{2}(/|$)")


def _raw_arg(arg: str) -> str:
    """``editions/current@2024-06-30/edition.yaml`` reads the folder of ``current``: a dated edition has no folder."""
    return _DATED_EDITION.sub(r"editions/\1\2", arg)


@dataclass(frozen=True)
class Ref:
    """One declared input or output, expanded: ``kind:arg`` with its files."""

    kind: str
    arg: str

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.arg}"

    def files(self, save_figures: bool = True) -> list[Path]:
        """The files this reference stands for (an ``edition:`` or ``snapshot:`` input resolves its edition)."""
        if self.kind == "processed":
            folder, table = self.arg.rsplit("/", 1)
            return [paths.processed_dir(folder) / f"{table}.csv"]
        if self.kind == "figure":
            folder, name = self.arg.rsplit("/", 1)
            return [paths.figures_dir(folder) / f"{name}.png"] if save_figures else []
        if self.kind == "raw":
            target = paths.raw_dir() / _raw_arg(self.arg)
            return sorted(p for p in target.rglob("*") if p.is_file()) if target.is_dir() else [target]
        if self.kind == "project":  # a file or folder of the project (the site reads every published output)
            target = paths.project_root() / self.arg
            if not target.exists():  # a folder no step has written yet (reports/notebooks in a fresh clone)
                return []
            if not target.is_dir():
                return [target]
            return sorted(p for p in target.rglob("*") if p.is_file() and not any(
                part.startswith(".") or part == "__pycache__" for part in p.relative_to(target).parts))
        if self.kind == "site":  # the static site: one folder, built whole
            return [paths.project_root() / self.arg]
        from .edition_files import edition_input_files

        if self.kind == "edition":
            return edition_input_files(self.arg)
        source, edition = self.arg.split("@", 1)
        return edition_input_files(edition, sources=[source], with_edition=False)

    def roots(self) -> list[Path]:
        """Files and folders a step may read under this reference (for the read guard)."""
        if self.kind == "raw":
            return [paths.raw_dir() / _raw_arg(self.arg)]
        if self.kind == "project":
            return [paths.project_root() / self.arg]
        return self.files()


@dataclass
class StepTable:
    default_edition: str
    editions: list[str]
    parameters: dict[str, Parameter]
    steps: list[Step]
    file: Path = field(default_factory=lambda: paths.notebooks_dir() / "steps.yaml")

    def step(self, name: str) -> Step:
        """The step named ``name`` (or whose notebook is ``name``)."""
        for s in self.steps:
            if name in (s.name, s.notebook) or (s.notebook and s.notebook == Path(name).stem):
                return s
        raise StepError(f"{paths.shown(self.file)}: no step {name!r}; steps: {[s.name for s in self.steps]}")

    def select(self, selection: Iterable[str] | None) -> list[Step]:
        """Steps matching one of ``selection`` (name, notebook or a prefix; all when None), in table order."""
        if selection is None:
            return list(self.steps)
        selection = [str(s) for s in selection]
        if not selection or any(not s.strip() for s in selection):
            raise StepError(f"--only needs step names, got {selection}; steps: {[s.name for s in self.steps]}")
        unknown = [s for s in selection if not any(st.matches(s) for st in self.steps)]
        if unknown:
            raise StepError(f"no step matches {unknown}; steps: {[s.name for s in self.steps]}")
        return [st for st in self.steps if any(st.matches(s) for s in selection)]

    def defaults(self, step: Step) -> dict[str, Any]:
        return {p: self.parameters[p].default for p in step.parameters}


def load_steps(path: Path | None = None) -> StepTable:
    """Read and check the step table; every problem names the file, the step and the field."""
    path = Path(path) if path else paths.notebooks_dir() / "steps.yaml"
    data = read_yaml(path)
    where = paths.shown(path)
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise StepError(f"{where}: must be a mapping with a list of steps")
    params = {}
    for name, spec in (data.get("parameters") or {}).items():
        if not isinstance(spec, dict) or "schema" not in spec or "default" not in spec or set(spec) - _PARAM_KEYS:
            raise StepError(f"{where}, parameter {name!r}: needs schema and default (and only {sorted(_PARAM_KEYS)})")
        params[name] = Parameter(name, spec["schema"], spec["default"], str(spec.get("help", "")), spec.get("keys"))
    steps = []
    for i, raw in enumerate(data["steps"]):
        label = f"{where}, step {i + 1}"
        if not isinstance(raw, dict) or set(raw) - _STEP_KEYS or ("notebook" in raw) == ("task" in raw):
            raise StepError(f"{label}: a step is a mapping with {sorted(_STEP_KEYS)}, and either a notebook or a task")
        if "task" in raw and (not isinstance(raw["task"], str) or not re.fullmatch(r"\w+(\.\w+)*:\w+", raw["task"])
                              or "name" not in raw):
            raise StepError(f"{label}, field 'task': a task is named (field 'name') and is MODULE:FUNCTION (e.g. showdown_lib.method.scoring_step:write_products), "
                            f"got {raw.get('task')!r}")
        notebook = str(raw["notebook"]) if "notebook" in raw else None
        name = str(raw.get("name", notebook))
        label = f"{where}, step {name!r}"
        step = Step(name, notebook, str(raw.get("title", name)), raw.get("scope", "edition"),
                    tuple(raw.get("parameters") or ()), tuple(raw.get("reads") or ()), tuple(raw.get("writes") or ()),
                    raw.get("task"), _reads_by_kind(raw.get("reads_by_kind"), label, raw.get("scope", "edition")))
        if step.scope not in SCOPES:
            raise StepError(f"{label}, field 'scope': must be one of {SCOPES}, got {step.scope!r}")
        unknown = [p for p in step.parameters if p not in params]
        if unknown:
            raise StepError(f"{label}, field 'parameters': {unknown} are not declared under 'parameters'")
        for ref in step.all_reads() + step.writes:
            kind = str(ref).split(":", 1)[0]
            if ":" not in str(ref) or kind not in REF_KINDS:
                raise StepError(f"{label}: {ref!r} must be KIND:ARG with KIND one of {REF_KINDS}")
        for ref in step.writes:
            if str(ref).split(":", 1)[0] not in WRITE_KINDS:
                raise StepError(f"{label}, field 'writes': {ref!r}: a step writes only processed tables, figures and the site")
        if not step.path.exists():
            raise StepError(f"{label}: {'notebook' if step.notebook else 'the module of task'} {paths.shown(step.path)} does not exist")
        steps.append(step)
    if len({s.name for s in steps}) != len(steps) or len({s.notebook for s in steps if s.notebook}) != len([s for s in steps if s.notebook]):
        raise StepError(f"{where}: a step name or a notebook appears in two steps")
    editions = [str(e) for e in data.get("editions") or []]
    default = str(data.get("default_edition", editions[0] if editions else ""))
    return StepTable(default, editions, params, steps, path)


def _reads_by_kind(spec: Any, label: str, scope: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``reads_by_kind: {collected: [...]}``: a per-edition step's reads for editions of one kind."""
    if spec is None:
        return ()
    from ..acquire.editions import KINDS

    if scope != "edition" or not isinstance(spec, dict) or set(spec) - set(KINDS) or \
            not all(isinstance(v, list) and all(isinstance(r, str) for r in v) for v in spec.values()):
        raise StepError(f"{label}, field 'reads_by_kind': a per-edition step maps edition kinds {KINDS} to lists of "
                        f"references, got {spec!r}")
    return tuple((kind, tuple(spec[kind])) for kind in KINDS if kind in spec)


def step_reads(step: Step, values: dict[str, Any]) -> list[Ref]:
    """The step's reads for these values, expanded: ``reads`` and, for an edition, the reads of its kind."""
    refs = list(step.reads)
    if step.reads_by_kind and "edition" in values:
        from ..acquire.editions import load_edition

        refs += dict(step.reads_by_kind).get(load_edition(values["edition"]).kind, ())
    return expand(refs, values)


# ----------------------------------------------------------------------------------------------
# parameters


def check_edition_id(edition: str) -> str:
    """An edition id is a folder name (optionally ``@YYYY-MM-DD``), never a path: one rule, the editions'."""
    from ..acquire.editions import parse_edition_id

    parse_edition_id(edition)
    return str(edition)


def check_parameters(table: StepTable, given: dict[str, Any]) -> dict[str, Any]:
    """Validate overrides against the table; returns them unchanged or raises one clear StepError."""
    if not given:
        return {}
    import fastjsonschema

    from ..core.methodology import load_methodology

    problems = []
    for name, value in given.items():
        if name == "edition":
            problems.append("give the edition with --edition, not as -p edition=...")
            continue
        spec = table.parameters.get(name)
        if spec is None:
            problems.append(f"unknown parameter {name!r}; the steps take {sorted(table.parameters)}")
            continue
        if not _finite(value):
            problems.append(f"parameter {name}={value!r}: {name} must be a finite number, not NaN or infinity ({spec.help})")
            continue
        if spec.schema.get("type") == "string" and isinstance(value, int) and not isinstance(value, bool):
            value = given[name] = str(value)  # -p then_edition=2018: YAML reads a number, the parameter is a name
        if spec.schema.get("type") == "integer" and isinstance(value, float) and value.is_integer():
            value = given[name] = int(value)  # -p n_tiers=3.0 means 3 (JSON Schema calls 3.0 an integer; a slice does not)
        try:
            fastjsonschema.validate(spec.schema, value)
        except fastjsonschema.JsonSchemaValueException as exc:
            problems.append(f"parameter {name}={value!r}: {name + exc.message[len('data'):]} ({spec.help})")
            continue
        numbers = list(value.values()) if isinstance(value, dict) else [value]
        if any(isinstance(v, float) and not math.isfinite(v) for v in numbers):
            problems.append(f"parameter {name}={value!r}: {name} must be a finite number, not NaN or infinity ({spec.help})")
            continue
        if spec.keys == "frameworks":
            from ..core.registry import load_registry

            known = [fw.id for fw in load_registry()]
            bad = [k for k in value if k not in known]
            if bad:
                problems.append(f"parameter {name}: unknown framework id(s) {bad}; the registry has {known}")
        elif spec.keys:
            method = load_methodology()
            allowed = method.criterion_ids if spec.keys == "criteria" else method.round_ids
            bad = [k for k in value if k not in allowed]
            if bad:
                problems.append(f"parameter {name}: unknown id(s) {bad}; allowed: {allowed}")
            elif value and not math.isfinite(sum(float(v) for v in value.values())):
                problems.append(f"parameter {name}: the weights do not add up to a finite number")
            elif value and spec.keys != "criteria" and set(method.standing_round_ids) <= set(value) \
                    and sum(float(value[r]) for r in method.standing_round_ids) == 0:
                # an edition that scores only the post's rounds would have nothing left to rank
                problems.append(f"parameter {name}: every weight is zero for the post's rounds {method.standing_round_ids}")
            elif value and set(value) == set(allowed) and sum(float(v) for v in value.values()) == 0:
                problems.append(f"parameter {name}: every weight is zero")
    if problems:
        raise StepError("; ".join(problems))
    return dict(given)


def _finite(value: Any) -> bool:
    """No NaN or infinity anywhere in a parameter (JSON Schema's bounds let NaN through: NaN > 0 is false)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return True


def step_parameters(table: StepTable, step: Step, overrides: dict[str, Any]) -> dict[str, Any]:
    """The values a step runs with: its defaults, overridden by what the user gave."""
    out = table.defaults(step)
    out.update({k: v for k, v in overrides.items() if k in step.parameters})
    return out


# ----------------------------------------------------------------------------------------------
# expansion


def expand(refs: Iterable[str], values: dict[str, Any]) -> list[Ref]:
    """``processed:{edition}/overall_scores`` with values -> Ref('processed', '2018/overall_scores')."""
    out = []
    for ref in refs:
        try:
            text = str(ref).format(**values)
        except KeyError as exc:
            raise StepError(f"{ref!r} names {exc.args[0]!r}, which the step has no value for") from None
        kind, arg = text.split(":", 1)
        out.append(Ref(kind, arg))
    return out


def step_values(step: Step, edition: str | None, params: dict[str, Any]) -> dict[str, Any]:
    """What a step's references are formatted with: its parameters plus the edition when it has one.

    Each edition value ``X`` also gives ``X_folder``, the folder of its edition file: ``current`` for the
    dated edition ``current@2024-06-30``, whose outputs still go under its own id.
    """
    from ..acquire.editions import parse_edition_id

    values = {k: v for k, v in params.items() if isinstance(v, str)}
    if step.scope == "edition":
        if edition is None:
            raise StepError(f"step {step.name} runs per edition: give an edition")
        values["edition"] = edition
    for key in ("edition", "then_edition", "now_edition", "published_edition", "remeasured_edition", "series_edition"):
        if key in values:
            check_edition_id(values[key])
            values[f"{key}_folder"] = parse_edition_id(values[key])[0]
    return values
