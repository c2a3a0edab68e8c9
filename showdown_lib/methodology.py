"""The 12 criteria as data: ``data/raw/criteria.yaml``, loaded, validated and rendered.

The scorer reads the scale of each criterion from here and the notebooks render this table, so
the method is written down once.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from . import paths
from .errors import DataError
from .fileio import read_yaml

KINDS = ("levels", "relative")
_CRITERION_KEYS = {"id", "round", "name", "question", "rule", "kind", "min", "max", "step", "inputs", "figures_note"}


@dataclass(frozen=True)
class Round:
    id: str
    name: str
    order: int


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
    inputs: tuple[str, ...] = ()
    figures_note: str | None = None

    def scale_label(self) -> str:
        if self.kind == "levels":
            step = "" if self.step in (None, 1) else f" in steps of {self.step:g}"
            return f"{self.min:g}-{self.max:g}{step}, score = raw / {self.max:g} x 100"
        return "relative: score = raw / best of the cast x 100"


@dataclass(frozen=True)
class Methodology:
    rounds: tuple[Round, ...]
    criteria: tuple[Criterion, ...]

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

    def table(self) -> pd.DataFrame:
        """The methodology as a table, for notebooks."""
        rows = [
            {
                "round": self.round_name(c.round),
                "criterion": c.name,
                "id": c.id,
                "question": c.question,
                "rule": c.rule,
                "scale": c.scale_label(),
            }
            for c in self.criteria
        ]
        return pd.DataFrame(rows)

    def figure_notes(self) -> pd.DataFrame:
        rows = [{"criterion": c.name, "what the published figures show": c.figures_note} for c in self.criteria if c.figures_note]
        return pd.DataFrame(rows)


def _num(path: Path, cid: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DataError(path, f"must be a number, got {value!r}", cid, key)
    return float(value)


def parse_methodology(data: Any, path: str | Path = "<memory>") -> Methodology:
    path = Path(path)
    if not isinstance(data, dict) or set(data) != {"rounds", "criteria"}:
        raise DataError(path, "top level must have exactly the keys 'rounds' and 'criteria'")
    rounds = []
    for i, r in enumerate(data["rounds"] or []):
        if not isinstance(r, dict) or set(r) != {"id", "name", "order"}:
            raise DataError(path, "a round needs exactly id, name and order", f"rounds[{i}]")
        rounds.append(Round(str(r["id"]), str(r["name"]), int(r["order"])))
    round_ids = {r.id for r in rounds}
    criteria: list[Criterion] = []
    seen: set[str] = set()
    for i, c in enumerate(data["criteria"] or []):
        cid = c.get("id", f"#{i}") if isinstance(c, dict) else f"#{i}"
        if not isinstance(c, dict):
            raise DataError(path, "each criterion must be a mapping", cid)
        unknown = set(c) - _CRITERION_KEYS
        if unknown:
            raise DataError(path, f"unknown key(s) {sorted(unknown)}", cid, sorted(unknown)[0])
        for key in ("id", "round", "name", "question", "rule", "kind"):
            if not isinstance(c.get(key), str) or not c[key].strip():
                raise DataError(path, "missing or empty", cid, key)
        if c["id"] in seen:
            raise DataError(path, "duplicate criterion id", cid, "id")
        seen.add(c["id"])
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
        criteria.append(
            Criterion(
                id=c["id"], round=c["round"], name=c["name"], question=c["question"], rule=c["rule"], kind=c["kind"],
                min=lo, max=hi, step=step, inputs=tuple(c.get("inputs") or ()), figures_note=c.get("figures_note"),
            )
        )
    if not criteria:
        raise DataError(path, "no criteria")
    return Methodology(tuple(rounds), tuple(criteria))


def load_methodology(path: str | Path | None = None) -> Methodology:
    path = Path(path) if path else paths.criteria_file()
    return parse_methodology(read_yaml(path), path)
