"""Editions: one dated set of inputs for the whole cast, defined once and loaded with its checks.

An edition lives in ``data/raw/editions/<id>/edition.yaml``. Two kinds exist:

* ``published``: the inputs are scores someone published (the 2018 post's figures). They pass
  through the scorer unchanged; where a criterion has a fixed scale the scorer also infers the raw level
  the score stands for, and flags scores that sit off the scale.
* ``collected``: the inputs are snapshots of our collectors and curated facts, turned into raw
  values by :mod:`showdown_lib.method.raw_values` and scored by the methodology.

This module reads and checks an edition's definition (its cast, as-of date, rounds and pinned inputs), which
collection, scoring and the pipeline all need; :mod:`showdown_lib.method.edition_scores` scores it.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core import paths
from ..core.errors import DataError, UsageError
from ..core.fileio import read_yaml
from ..core.methodology import Methodology, load_methodology
from ..core.registry import load_registry

KINDS = ("published", "collected")
_EDITION_KEYS = {"id", "title", "label", "as_of", "kind", "cast", "n_tiers", "inputs", "description", "based_on", "rounds"}


@dataclass
class Edition:
    id: str
    title: str
    as_of: str
    kind: str
    cast: list[str]
    n_tiers: int
    inputs: dict[str, Any]
    folder: Path
    description: str = ""
    based_on: str | None = None
    base_id: str = ""  # the edition file's id; differs from ``id`` for a dated edition (``current@2024-06-30``)
    declared_cast: list[str] = field(default_factory=list)  # the file's cast; ``cast`` is the shortlist when one is set
    rounds: list[str] | None = None  # the rounds it scores; None: the standing rounds (criteria.yaml, all but opt-in)
    label: str = ""  # how the report names it in a sentence or a menu (see :func:`make_label`)

    @property
    def file(self) -> Path:
        return self.folder / "edition.yaml"


#: A shortlist set for this process by ``-p cast=[...]`` (see :func:`restrict_cast`); None: each edition's own cast.
_CAST_FILTER: tuple[str, ...] | None = None


def restrict_cast(ids: list[str] | None) -> None:
    """Restrict every edition loaded from now on to ``ids`` (the ``cast`` parameter); empty or None lifts it.

    An id the registry does not know is a :class:`UsageError` naming the parameter and the id.
    """
    global _CAST_FILTER
    ids = [str(i) for i in ids or []]
    known = [fw.id for fw in load_registry()]
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UsageError(f"parameter cast: {unknown} {'is' if len(unknown) == 1 else 'are'} not in "
                         f"{paths.frameworks_file().name}; known ids: {known}")
    _CAST_FILTER = tuple(ids) or None


def list_editions() -> list[str]:
    base = paths.editions_dir()
    return sorted(p.name for p in base.iterdir() if (p / "edition.yaml").exists()) if base.is_dir() else []


#: An edition id: a folder name of ``data/raw/editions`` (letters, digits, ``.``, ``_``, ``-``, not
#: starting with a dot), optionally ``@YYYY-MM-DD`` for that edition as of another date.
EDITION_ID = re.compile(r"^(?P<base>[A-Za-z0-9][A-Za-z0-9._-]*)(?:@(?P<date>[^@]*))?$")
EDITION_ID_RULE = ("letters, digits, '.', '_' or '-' ([A-Za-z0-9][A-Za-z0-9._-]*), optionally followed by "
                   "@YYYY-MM-DD for the edition as of that date (e.g. current@2024-06-30)")


def parse_edition_id(edition_id: object) -> tuple[str, dt.date | None]:
    """``(folder name, date or None)`` of an edition id; a :class:`UsageError` for anything else."""
    from .sources.base import check_day

    text = str(edition_id) if isinstance(edition_id, (str, int)) else None
    m = EDITION_ID.match(text) if text is not None else None
    if m is None:
        raise UsageError(f"edition id {edition_id!r} is not allowed: an edition id is {EDITION_ID_RULE}")
    day = check_day(m.group("date"), f"the date of edition {text!r}") if m.group("date") is not None else None
    return m.group("base"), day


def _cast(cast: Any, path: Path, base_id: str, edition_id: str) -> tuple[list[str], list[str]]:
    """The edition file's cast (``all``: the whole registry) and the cast it speaks of (the shortlist, when set)."""
    known_ids = [fw.id for fw in load_registry()]
    if cast == "all":  # every framework of the registry: adding a framework is one registry entry
        cast = known_ids
    if not isinstance(cast, list) or not cast or not all(isinstance(c, str) for c in cast):
        raise DataError(path, "cast must be a non-empty list of framework ids, or 'all'", base_id, "cast")
    unknown_fw = [c for c in cast if c not in known_ids]
    if unknown_fw:
        raise DataError(path, f"framework id(s) {unknown_fw} are not in {paths.frameworks_file().name}", base_id, "cast")
    if len(set(cast)) != len(cast):
        raise DataError(path, "cast lists a framework twice", base_id, "cast")
    declared_cast = list(cast)
    if _CAST_FILTER is not None:  # a shortlist (-p cast=[...]): the edition speaks of those frameworks only
        shortlist = [c for c in cast if c in _CAST_FILTER]
        if not shortlist:
            raise UsageError(f"parameter cast: none of {list(_CAST_FILTER)} is in the cast of edition {edition_id!r} ({cast})")
        cast = shortlist
    return declared_cast, list(cast)


def load_edition(edition_id: str) -> Edition:
    """The edition ``edition_id``: ``<folder>`` or ``<folder>@YYYY-MM-DD``.

    ``current@2024-06-30`` is the edition ``current`` with its ``as_of`` set to that date, so each
    ``latest`` snapshot resolves on or before it; its outputs go under its own id. The edition file
    is never changed.
    """
    from .sources.base import check_day

    base_id, day = parse_edition_id(edition_id)
    folder = paths.edition_dir(base_id)
    path = folder / "edition.yaml"
    if not path.exists():
        raise DataError(path, f"unknown edition {base_id!r}; known editions: {list_editions()}")
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise DataError(path, "must be a mapping")
    from ..core.schemas import validate

    validate(data, "edition", path)
    unknown = set(data) - _EDITION_KEYS
    if unknown:
        raise DataError(path, f"unknown key(s) {sorted(unknown)}", base_id, sorted(unknown)[0])
    for key in ("id", "title", "as_of", "kind", "cast", "inputs"):
        if key not in data:
            raise DataError(path, "missing required field", base_id, key)
    if str(data["id"]) != base_id:
        raise DataError(path, f"id {data['id']!r} does not match the folder name {base_id!r}", base_id, "id")
    if data["kind"] not in KINDS:
        raise DataError(path, f"kind must be one of {KINDS}, got {data['kind']!r}", base_id, "kind")
    try:
        as_of = check_day(data["as_of"], "as_of").isoformat()
    except UsageError as exc:
        raise DataError(path, str(exc), base_id, "as_of") from None
    if day is not None:
        if data["kind"] != "collected":
            raise UsageError(f"edition {edition_id!r}: only a collected edition can be dated with @YYYY-MM-DD; "
                             f"{base_id!r} is {data['kind']} (its scores are fixed)")
        as_of = day.isoformat()
    edition_id = f"{base_id}@{as_of}" if day is not None else base_id
    declared_cast, cast = _cast(data["cast"], path, base_id, edition_id)
    n_tiers = data.get("n_tiers", 3)
    if not isinstance(n_tiers, int) or isinstance(n_tiers, bool) or n_tiers < 1:
        raise DataError(path, f"n_tiers must be a positive integer, got {n_tiers!r}", base_id, "n_tiers")
    if not isinstance(data["inputs"] or {}, dict):
        raise DataError(path, f"inputs must be a mapping, got {type(data['inputs']).__name__}", base_id, "inputs")
    curated_spec = (data["inputs"] or {}).get("curated")
    if isinstance(curated_spec, dict):
        from .sources.curated import curated_edition_dir

        try:
            curated_edition_dir(str(curated_spec["set"]))
        except DataError as exc:
            raise DataError(path, f"names a curated set that does not exist: {exc}", base_id, "inputs.curated.set") from None
    title = str(data["title"]) + (f" (as of {as_of})" if day is not None else "")
    label = make_label(base_id, data.get("label"), as_of if day is not None else None)
    rounds = data.get("rounds")
    if rounds is not None:
        known = load_methodology().round_ids
        if not isinstance(rounds, list) or not rounds or not all(r in known for r in rounds) or len(set(rounds)) != len(rounds):
            raise DataError(path, f"rounds must list round ids of criteria.yaml once each ({known}), got {rounds!r}", base_id, "rounds")
    return Edition(
        id=str(edition_id), title=title, as_of=str(as_of), kind=data["kind"], cast=list(cast),
        n_tiers=n_tiers, inputs=dict(data["inputs"] or {}), folder=folder,
        description=str(data.get("description", "")), based_on=data.get("based_on"), base_id=base_id,
        declared_cast=declared_cast,
        rounds=list(rounds) if rounds is not None else None, label=label,
    )


def make_label(base_id: str, label: str | None = None, day: str | None = None) -> str:
    """How the report names an edition: the file's ``label`` (its id when it has none); an edition dated with
    ``@YYYY-MM-DD`` is its base edition's label with that date, e.g. ``today (as of 2024-06-30)``."""
    name = str(label).strip() if label is not None and str(label).strip() else base_id
    return f"{name} (as of {day})" if day is not None else name


def edition_method(edition: Edition, method: Methodology | None = None) -> Methodology:
    """The method an edition scores: criteria.yaml restricted to the edition's ``rounds`` (default: the standing
    rounds, so an opt-in round such as Modern stack is scored only where an edition asks for it)."""
    return (method or load_methodology()).for_rounds(edition.rounds)
