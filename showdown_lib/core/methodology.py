"""The 12 criteria as data: ``data/raw/criteria.yaml``, loaded, validated and rendered.

The table owns the whole method: each criterion's scale and levels, the inputs a raw value is made
from (``source.metric``, in order of precedence when a cell can come from several sources), the
formula that combines them and, where the method allows several, the bases an edition chooses from
(e.g. activity from git history or from package-index releases). The scorer, the measures and the
curated-fact validator all read it from here; nothing restates it in code.

Formulas are arithmetic expressions over the input names (``+ - * /``, numbers, ``log10``, ``max``,
``min``), parsed once with :mod:`ast` and evaluated on a whitelist, never with ``eval``.
"""
from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from . import paths
from .errors import DataError
from .fileio import read_yaml

KINDS = ("levels", "relative")
#: Every source an input may name (``source.metric``), the one list of them, with the label a value's source text
#: gives it. The probe collects the ``*_probe`` sources (PROBE_SOURCES); the collection runner collects the others.
SOURCES = {"pypi": "package index", "git": "git", "github": "github", "stackexchange": "stackexchange",
           "ops_probe": "ops probe", "index_reach": "package index metadata", "modern_probe": "modern probe",
           "curated": "curated"}
PROBE_SOURCES = ("ops_probe", "modern_probe")
MEASURED_SOURCES = tuple(s for s in SOURCES if s != "curated")
LIFECYCLE_STATUSES = ("active", "maintenance", "archived", "merged")
_CRITERION_KEYS = {"id", "round", "name", "question", "rule", "kind", "min", "max", "step", "inputs", "formula",
                   "levels", "bases", "default_basis", "when_inactive", "figures_note", "sensitivity_step", "weight",
                   "reconcile"}
RECONCILE_CHOICES = ("measured", "curated", "issue")
_ROUND_KEYS = {"id", "name", "order", "opt_in"}
_INPUT_KEYS = {"name", "from", "min", "max", "step", "unit", "meaning", "levels"}
_BASIS_KEYS = {"inputs", "formula", "rule", "sensitivity_step"}
_FUNCS = {"log10": math.log10, "max": max, "min": min}
_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _formula_names(tree: ast.AST) -> set[str]:
    """The input names a formula uses; ValueError for anything outside the whitelist."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in _FUNCS) or node.keywords:
                raise ValueError(f"only {sorted(_FUNCS)} may be called")
        elif isinstance(node, ast.Name):
            if node.id not in _FUNCS:
                names.add(node.id)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ValueError(f"only numbers may appear as constants, got {node.value!r}")
        elif not isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.USub, ast.Load, *_BINOPS)):
            raise ValueError(f"{type(node).__name__} is not allowed in a formula")
    return names


def _evaluate(node: ast.AST, values: Mapping[str, float]) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body, values)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return float(values[node.id])
    if isinstance(node, ast.UnaryOp):
        return -_evaluate(node.operand, values)
    if isinstance(node, ast.BinOp):
        return _BINOPS[type(node.op)](_evaluate(node.left, values), _evaluate(node.right, values))
    return float(_FUNCS[node.func.id](*(_evaluate(a, values) for a in node.args)))  # a whitelisted call


@dataclass(frozen=True)
class Input:
    """One named input of a formula and where it comes from: ``source.metric`` refs in order of precedence.

    ``lo``/``hi``/``step``, ``unit``, ``meaning`` and ``levels`` give the scale of a curated fact
    that feeds this input (the curated validator checks values against them).
    """

    name: str
    refs: tuple[str, ...]
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    unit: str = ""
    meaning: str = ""
    levels: tuple[tuple[float, str], ...] = ()

    def sources(self) -> list[str]:
        return [r.split(".", 1)[0] for r in self.refs]


@dataclass(frozen=True)
class Basis:
    """One way of measuring a criterion: its inputs, its formula and the rule in words."""

    id: str
    inputs: tuple[Input, ...]
    formula: str
    rule: str
    tree: ast.AST = field(compare=False, repr=False, default=None)
    sensitivity_step: float | None = None  # a plausible change of the raw value, for the input-sensitivity check

    def evaluate(self, values: Mapping[str, float]) -> float:
        """The formula over ``values`` (input name -> number)."""
        return _evaluate(self.tree, values)


@dataclass(frozen=True)
class Round:
    """A round; ``opt_in`` rounds are scored only by an edition that lists them in its ``rounds``."""

    id: str
    name: str
    order: int
    opt_in: bool = False


@dataclass(frozen=True)
class Criterion:
    id: str
    round: str
    name: str
    question: str
    rule: str
    kind: str
    min: float | None = None
    max: float | None = None
    step: float | None = None
    bases: Mapping[str, Basis] = field(default_factory=dict)
    default_basis: str = ""
    levels: tuple[tuple[float, str], ...] = ()
    when_inactive: Mapping[str, float] = field(default_factory=dict)
    figures_note: str | None = None
    weight: float = 1.0  # the default weight; 0 keeps an informative criterion out of the scores until a user weighs it
    reconcile: Mapping[str, str] = field(default_factory=dict)

    def settle(self, measured: float, curated: float) -> str:
        """Which value scores when a measurement and a cited fact disagree: ``measured``, ``curated``
        or ``issue`` (the measurement scores and the cell is a data issue). Without a rule: issue."""
        if measured == curated:
            return "measured"
        return self.reconcile.get("higher" if measured > curated else "lower", "issue")

    @property
    def inputs(self) -> tuple[Input, ...]:
        """The inputs of the default basis."""
        return self.basis().inputs

    def basis(self, basis_id: str | None = None) -> Basis:
        """A basis by id (the default basis when None); KeyError names the known ones."""
        key = self.default_basis if basis_id is None else basis_id
        if key not in self.bases:
            raise KeyError(f"criterion {self.id!r} has no basis {key!r}; its bases are {sorted(self.bases)}")
        return self.bases[key]

    @property
    def has_bases(self) -> bool:
        """True when the method offers several bases and an edition must name the one it uses."""
        return len(self.bases) > 1

    def scale_label(self) -> str:
        if self.kind == "levels":
            step = "" if self.step in (None, 1) else f" in steps of {self.step:g}"
            text = f"{self.min:g}-{self.max:g}{step}, score = raw / {self.max:g} x 100"
            if self.levels:
                text += "; levels: " + "; ".join(f"{k:g} {v}" for k, v in self.levels)
            return text
        return "relative: score = raw / best of the cast x 100"


@dataclass(frozen=True)
class Methodology:
    rounds: tuple[Round, ...]
    criteria: tuple[Criterion, ...]
    published_step: float = 10.0  # score points a published relative score moves in the input-sensitivity check

    @property
    def round_ids(self) -> list[str]:
        return [r.id for r in sorted(self.rounds, key=lambda r: r.order)]

    def round_name(self, round_id: str) -> str:
        return {r.id: r.name for r in self.rounds}[round_id]

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)

    def criteria_of(self, round_id: str) -> list[Criterion]:
        return [c for c in self.criteria if c.round == round_id]

    @property
    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]

    @property
    def default_criterion_weights(self) -> dict[str, float]:
        """criterion -> its default weight (1 unless criteria.yaml says otherwise)."""
        return {c.id: c.weight for c in self.criteria}

    @property
    def standing_round_ids(self) -> list[str]:
        """The rounds every edition scores (the post's): all but the opt-in ones."""
        return [r for r in self.round_ids if not {x.id: x for x in self.rounds}[r].opt_in]

    def for_rounds(self, round_ids: list[str] | None) -> "Methodology":
        """The method restricted to ``round_ids`` (None: the standing rounds), in the table's order."""
        keep = set(self.standing_round_ids if round_ids is None else round_ids)
        unknown = keep - set(self.round_ids)
        if unknown:
            raise KeyError(f"unknown round(s) {sorted(unknown)}; rounds are {self.round_ids}")
        return Methodology(tuple(r for r in self.rounds if r.id in keep), tuple(c for c in self.criteria if c.round in keep))

    def table(self, bases: Mapping[str, str] | None = None) -> pd.DataFrame:
        """The methodology as a table, for notebooks; ``bases`` (criterion -> basis id) picks the
        rule shown for a criterion with several bases (its default otherwise)."""
        rows = []
        for c in self.criteria:
            basis = c.basis((bases or {}).get(c.id))
            rule = f"[{basis.id} basis] {basis.rule}" if c.has_bases else c.rule
            scale = c.scale_label() + ("" if c.weight == 1 else f"; default weight {c.weight:g}")
            rows.append({"round": self.round_name(c.round), "criterion": c.name, "id": c.id, "question": c.question,
                         "rule": rule, "scale": scale,
                         "measured vs cited": c.reconcile.get("why", "") if c.reconcile else ""})
        return pd.DataFrame(rows)


def _num(path: Path, cid: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DataError(path, f"must be a number, got {value!r}", cid, key)
    return float(value)


def _levels(path: Path, cid: str, key: str, value: Any, lo: float | None, hi: float | None, step: float | None):
    """``{level: meaning}`` checked against the scale: every level on it, and every level of it named."""
    if value is None:
        return ()
    if not isinstance(value, dict) or not value:
        raise DataError(path, f"must be a mapping of level to meaning, got {value!r}", cid, key)
    out = []
    for level, meaning in value.items():
        level = _num(path, cid, key, level)
        if not isinstance(meaning, str) or not meaning.strip():
            raise DataError(path, f"level {level:g} needs a meaning", cid, key)
        out.append((level, meaning.strip()))
    if lo is None or hi is None or not step:
        raise DataError(path, "levels need a scale (min, max, step)", cid, key)
    expected = [lo + i * step for i in range(int(round((hi - lo) / step)) + 1)]
    if sorted(k for k, _ in out) != expected:
        raise DataError(path, f"levels {sorted(k for k, _ in out)} do not match the scale {expected}", cid, key)
    return tuple(sorted(out))


def _input(path: Path, cid: str, where: str, spec: Any, crit: dict) -> Input:
    """One input: ``source.metric`` or ``{name, from: [source.metric, ...], scale of a curated fact}``."""
    if isinstance(spec, str):
        spec = {"from": [spec]}
    if not isinstance(spec, dict):
        raise DataError(path, f"must be 'source.metric' or a mapping, got {spec!r}", cid, where)
    unknown = set(spec) - _INPUT_KEYS
    if unknown:
        raise DataError(path, f"unknown key(s) {sorted(unknown)}", cid, f"{where}.{sorted(unknown)[0]}")
    refs = spec.get("from")
    if not isinstance(refs, list) or not refs:
        raise DataError(path, f"'from' must list source.metric references, got {refs!r}", cid, f"{where}.from")
    for ref in refs:
        src, _, metric = str(ref).partition(".")
        if src not in SOURCES or not metric:
            raise DataError(path, f"{ref!r} must be source.metric with a source among {list(SOURCES)}", cid, f"{where}.from")
    name = spec.get("name") or str(refs[0]).partition(".")[2]
    if not str(name).isidentifier():
        raise DataError(path, f"input name {name!r} must be an identifier", cid, f"{where}.name")
    own = "min" in spec  # a curated fact with its own scale; otherwise it is on the criterion's scale
    lo, hi, step = (spec.get(k) if own else crit.get(k) for k in ("min", "max", "step"))
    lo, hi, step = (None if v is None else _num(path, cid, f"{where}.{k}", v) for k, v in (("min", lo), ("max", hi), ("step", step)))
    if any(r.startswith("curated.") for r in refs) and lo is None:
        raise DataError(path, "an input read from curated facts needs a scale (min, and max/step where bounded)", cid, f"{where}.min")
    levels = _levels(path, cid, f"{where}.levels", spec["levels"] if own else crit.get("levels"), lo, hi, step) \
        if (spec.get("levels") if own else crit.get("levels")) is not None else ()
    return Input(str(name), tuple(str(r) for r in refs), lo, hi, step, str(spec.get("unit", "")), str(spec.get("meaning", "")), levels)


def _basis(path: Path, cid: str, bid: str, spec: dict, crit: dict, where: str) -> Basis:
    inputs = spec.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise DataError(path, "needs a non-empty list of inputs", cid, f"{where}inputs")
    parsed = tuple(_input(path, cid, f"{where}inputs[{i}]", x, crit) for i, x in enumerate(inputs))
    formula = spec.get("formula")
    if not isinstance(formula, str) or not formula.strip():
        raise DataError(path, "needs a formula over its input names", cid, f"{where}formula")
    try:
        tree = ast.parse(formula.strip(), mode="eval")
        used = _formula_names(tree)
    except (SyntaxError, ValueError) as exc:
        raise DataError(path, f"formula {formula!r} is not a plain arithmetic expression: {exc}", cid, f"{where}formula") from None
    names = {i.name for i in parsed}
    if used != names:
        raise DataError(path, f"formula {formula!r} uses {sorted(used)} but the inputs are {sorted(names)}", cid, f"{where}formula")
    rule = spec.get("rule", crit.get("rule"))
    step = spec.get("sensitivity_step")
    if step is not None and _num(path, cid, f"{where}sensitivity_step", step) <= 0:
        raise DataError(path, f"sensitivity_step must be a positive number, got {step!r}", cid, f"{where}sensitivity_step")
    return Basis(bid, parsed, formula.strip(), str(rule), tree, float(step) if step is not None else None)


def _bases(path: Path, cid: str, c: dict) -> tuple[dict[str, Basis], str]:
    """The criterion's bases: ``bases: {id: {inputs, formula, rule}}`` with ``default_basis``, or one
    unnamed basis from the criterion's own ``inputs`` and ``formula``."""
    if "bases" not in c:
        if "inputs" not in c and "formula" not in c:
            return {}, ""  # scores only (a published edition): nothing to measure it from
        return {"": _basis(path, cid, "", c, c, "")}, ""
    if "inputs" in c or "formula" in c:
        raise DataError(path, "give inputs and formula either at the top or per basis, not both", cid, "bases")
    if not isinstance(c["bases"], dict) or len(c["bases"]) < 2:
        raise DataError(path, "bases must map two or more basis ids to {inputs, formula, rule}", cid, "bases")
    out = {}
    for bid, spec in c["bases"].items():
        if not isinstance(spec, dict) or set(spec) - _BASIS_KEYS or "rule" not in spec:
            raise DataError(path, f"a basis needs inputs, formula and rule, got {spec!r}", cid, f"bases.{bid}")
        out[str(bid)] = _basis(path, cid, str(bid), spec, c, f"bases.{bid}.")
    default = c.get("default_basis")
    if default not in out:
        raise DataError(path, f"default_basis must be one of {sorted(out)}, got {default!r}", cid, "default_basis")
    return out, str(default)


def _reconcile(path: Path, cid: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) - {"higher", "lower", "why"} or not str(value.get("why", "")).strip():
        raise DataError(path, f"must be {{higher, lower, why}} with a reason in why, got {value!r}", cid, "reconcile")
    for key in ("higher", "lower"):
        if value.get(key, "issue") not in RECONCILE_CHOICES:
            raise DataError(path, f"must be one of {list(RECONCILE_CHOICES)}, got {value[key]!r}", cid, f"reconcile.{key}")
    return {str(k): str(v) for k, v in value.items()}


def _when_inactive(path: Path, cid: str, value: Any) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) - set(LIFECYCLE_STATUSES[1:]):
        raise DataError(path, f"must map lifecycle statuses {list(LIFECYCLE_STATUSES[1:])} to a raw value, got {value!r}",
                        cid, "when_inactive")
    return {str(k): _num(path, cid, "when_inactive", v) for k, v in value.items()}


def _criterion(path: Path, c: dict, round_ids: set[str], cid: str) -> Criterion:
    unknown = set(c) - _CRITERION_KEYS
    if unknown:
        raise DataError(path, f"unknown key(s) {sorted(unknown)}", cid, sorted(unknown)[0])
    for key in ("id", "round", "name", "question", "rule", "kind"):
        if not isinstance(c.get(key), str) or not c[key].strip():
            raise DataError(path, "missing or empty", cid, key)
    if c["round"] not in round_ids:
        raise DataError(path, f"unknown round {c['round']!r}; rounds are {sorted(round_ids)}", cid, "round")
    if c["kind"] not in KINDS:
        raise DataError(path, f"kind must be one of {KINDS}", cid, "kind")
    lo = hi = step = None
    if c["kind"] == "levels":
        for key in ("min", "max", "step"):
            if key not in c:
                raise DataError(path, "a 'levels' criterion needs min, max and step", cid, key)
        lo, hi, step = (_num(path, cid, k, c[k]) for k in ("min", "max", "step"))
        if not (0 <= lo < hi) or step <= 0:
            raise DataError(path, f"need 0 <= min < max and step > 0, got {lo}, {hi}, {step}", cid, "max")
    levels = _levels(path, cid, "levels", c.get("levels"), lo, hi, step) if c.get("levels") is not None else ()
    bases, default = _bases(path, cid, c)
    weight = _num(path, cid, "weight", c.get("weight", 1))
    if weight < 0:
        raise DataError(path, f"must be >= 0, got {weight:g}", cid, "weight")
    return Criterion(id=cid, round=c["round"], name=c["name"], question=c["question"], rule=c["rule"], kind=c["kind"],
                     min=lo, max=hi, step=step, bases=bases, default_basis=default, levels=levels,
                     when_inactive=_when_inactive(path, cid, c.get("when_inactive")), figures_note=c.get("figures_note"),
                     reconcile=_reconcile(path, cid, c.get("reconcile")), weight=weight)


def parse_methodology(data: Any, path: str | Path = "<memory>") -> Methodology:
    from .schemas import validate

    path = Path(path)
    validate(data, "criteria", path)
    if not isinstance(data, dict) or not {"rounds", "criteria"} <= set(data) or set(data) - {"rounds", "criteria", "sensitivity"}:
        raise DataError(path, "top level must have the keys 'rounds' and 'criteria' (and optionally 'sensitivity')")
    sensitivity = data.get("sensitivity") or {}
    if not isinstance(sensitivity, dict) or set(sensitivity) - {"published_step"}:
        raise DataError(path, f"sensitivity must be a mapping with published_step, got {sensitivity!r}", field="sensitivity")
    rounds = []
    for i, r in enumerate(data["rounds"] or []):
        if not isinstance(r, dict) or not {"id", "name", "order"} <= set(r) <= _ROUND_KEYS:
            raise DataError(path, "a round needs id, name and order (and optionally opt_in)", f"rounds[{i}]")
        if not isinstance(r.get("opt_in", False), bool):
            raise DataError(path, f"opt_in must be true or false, got {r['opt_in']!r}", f"rounds[{i}]", "opt_in")
        rounds.append(Round(str(r["id"]), str(r["name"]), int(r["order"]), bool(r.get("opt_in", False))))
    round_ids = {r.id for r in rounds}
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for i, c in enumerate(data["criteria"] or []):
        if not isinstance(c, dict):
            raise DataError(path, "each criterion must be a mapping", f"#{i}")
        cid = str(c.get("id", f"#{i}"))
        if cid in seen:
            raise DataError(path, "duplicate criterion id", cid, "id")
        seen.add(cid)
        criteria.append(_criterion(path, c, round_ids, cid))
    if not criteria:
        raise DataError(path, "no criteria")
    step = sensitivity.get("published_step", 10)
    if not isinstance(step, (int, float)) or isinstance(step, bool) or not 0 < step <= 50:
        raise DataError(path, f"published_step must be a number of score points in (0, 50], got {step!r}", field="sensitivity.published_step")
    return Methodology(tuple(rounds), tuple(criteria), float(step))


def load_methodology(path: str | Path | None = None) -> Methodology:
    path = Path(path) if path else paths.criteria_file()
    return parse_methodology(read_yaml(path), path)
