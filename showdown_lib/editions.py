"""Editions: one dated set of inputs for the whole cast, scored the same way.

An edition lives in ``data/raw/editions/<id>/edition.yaml``. Two kinds exist:

* ``published``: the inputs are scores someone published (the 2018 post's figures). They pass
  through the scorer unchanged; where a criterion has a fixed scale we also infer the raw level
  the score stands for, and flag scores that sit off the scale.
* ``collected``: the inputs are snapshots of our collectors and curated facts, turned into raw
  values by :mod:`showdown_lib.raw_values` and scored by the methodology.

``score_edition`` returns every table of the processed contract; ``write_processed`` writes them.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from . import paths
from .errors import DataError, UsageError
from .fileio import read_csv, read_yaml, sha256_of
from .raw_values import build_raw
from .methodology import Methodology, load_methodology
from .registry import load_registry
from .scoring import category_scores, infer_levels, normalise_weights, overall_scores, score_criteria

KINDS = ("published", "collected")
_EDITION_KEYS = {"id", "title", "as_of", "kind", "cast", "n_tiers", "inputs", "description", "based_on", "rounds"}
PUBLISHED_COLUMNS = ["framework", "round", "criterion", "score_0_100", "status"]


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
    rounds: list[str] | None = None  # the rounds it scores; None: the standing rounds (criteria.yaml, all but opt-in)

    @property
    def file(self) -> Path:
        return self.folder / "edition.yaml"


@dataclass
class EditionResult:
    edition: Edition
    method: Methodology
    raw: pd.DataFrame
    criteria: pd.DataFrame
    categories: pd.DataFrame
    overall: pd.DataFrame
    checks: pd.DataFrame = field(default_factory=pd.DataFrame)
    weights: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def bases(self) -> dict[str, str]:
        """criterion -> the basis this edition measured it on (criteria with several bases only);
        pass it to ``Methodology.table`` so the method shown is the one used."""
        table = self.raw if "basis" in self.raw else self.criteria  # a later step has only the scores
        if "basis" not in table:
            return {}
        rows = table[table["basis"].fillna("") != ""]
        return dict(zip(rows["criterion"], rows["basis"]))


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
    from .schemas import validate

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
    cast = data["cast"]
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
    rounds = data.get("rounds")
    if rounds is not None:
        known = load_methodology().round_ids
        if not isinstance(rounds, list) or not rounds or not all(r in known for r in rounds) or len(set(rounds)) != len(rounds):
            raise DataError(path, f"rounds must list round ids of criteria.yaml once each ({known}), got {rounds!r}", base_id, "rounds")
    return Edition(
        id=str(edition_id), title=title, as_of=str(as_of), kind=data["kind"], cast=list(cast),
        n_tiers=n_tiers, inputs=dict(data["inputs"] or {}), folder=folder,
        description=str(data.get("description", "")), based_on=data.get("based_on"), base_id=base_id,
        rounds=list(rounds) if rounds is not None else None,
    )


def edition_method(edition: Edition, method: Methodology | None = None) -> Methodology:
    """The method an edition scores: criteria.yaml restricted to the edition's ``rounds`` (default: the standing
    rounds, so an opt-in round such as Modern stack is scored only where an edition asks for it)."""
    return (method or load_methodology()).for_rounds(edition.rounds)


def _known_only(weights: Mapping[str, float] | None, names: list[str], everything: list[str]) -> dict[str, float]:
    """Weights without the names of rounds or criteria this edition does not score (a weight naming nothing
    anywhere is kept, so the scorer still rejects it)."""
    return {k: v for k, v in (weights or {}).items() if k in names or k not in everything}


# --------------------------------------------------------------------------------------------
# published editions


def read_published(edition: Edition, method: Methodology) -> pd.DataFrame:
    """The published criteria of an edition, validated, as scorer input.

    Checks the file's checksum against ``edition.yaml``, that every row names a cast framework and
    a known criterion in its right round, that scores lie in 0-100, that ``not_available`` rows
    carry no score, and that each framework x criterion appears exactly once.
    """
    spec = edition.inputs.get("published_criteria")
    if not isinstance(spec, dict) or "file" not in spec:
        raise DataError(edition.file, "a published edition needs inputs.published_criteria.file", edition.id, "inputs")
    path = edition.folder / spec["file"]
    if spec.get("sha256"):
        actual = sha256_of(path) if path.exists() else None
        if actual is None:
            raise DataError(path, "file not found")
        if actual != spec["sha256"]:
            raise DataError(path, f"checksum mismatch: edition.yaml pins {spec['sha256'][:12]}..., the file has {actual[:12]}...; "
                            "if the change is intended, update inputs.published_criteria.sha256", field="sha256")
    frame = read_csv(path, required=PUBLISHED_COLUMNS)
    crit_round = {c.id: c.round for c in method.criteria}
    for i, row in frame.iterrows():
        entry = f"row {i + 2} ({row['framework']}/{row['criterion']})"
        if row["framework"] not in edition.cast:
            raise DataError(path, f"framework {row['framework']!r} is not in the edition's cast", entry, "framework")
        if row["criterion"] not in crit_round:
            raise DataError(path, f"unknown criterion {row['criterion']!r}", entry, "criterion")
        if crit_round[row["criterion"]] != row["round"]:
            raise DataError(path, f"criterion {row['criterion']!r} belongs to round {crit_round[row['criterion']]!r}, not {row['round']!r}", entry, "round")
        if row["status"] not in ("value", "not_available"):
            raise DataError(path, f"status must be value or not_available, got {row['status']!r}", entry, "status")
        score = row["score_0_100"]
        if row["status"] == "value":
            try:
                score = float(score)
            except (TypeError, ValueError):
                raise DataError(path, f"score must be a number, got {score!r}", entry, "score_0_100") from None
            if not (0 <= score <= 100) or np.isnan(score):
                raise DataError(path, f"score must lie in 0-100, got {score!r}", entry, "score_0_100")
        elif pd.notna(score):
            raise DataError(path, f"a not_available row must have no score, got {score!r}", entry, "score_0_100")
    dup = frame[frame.duplicated(["framework", "criterion"], keep=False)]
    if len(dup):
        r = dup.iloc[0]
        raise DataError(path, "appears more than once", f"{r['framework']}/{r['criterion']}", "criterion")
    figure = frame["figure"] if "figure" in frame else pd.Series("", index=frame.index)
    out = pd.DataFrame(
        {
            "framework": frame["framework"],
            "criterion": frame["criterion"],
            "published_score": pd.to_numeric(frame["score_0_100"], errors="coerce"),
            "source": "published figure: " + figure.fillna("").astype(str),
        }
    )
    out["raw_value"] = np.nan
    out["note"] = np.where(frame["status"] == "not_available", "marked 'data not available' on the published figure", "")
    # rows the file does not have at all are not available either, and say so
    have = set(zip(out["framework"], out["criterion"]))
    absent = [
        {"framework": fw, "criterion": c, "published_score": np.nan, "raw_value": np.nan,
         "source": "", "note": "no value in the published figures"}
        for fw in edition.cast for c in method.criterion_ids if (fw, c) not in have
    ]
    if absent:
        out = pd.concat([out, pd.DataFrame(absent)], ignore_index=True)
    return infer_levels(out, method)


# --------------------------------------------------------------------------------------------


def raw_inputs(edition: Edition, method: Methodology, bases: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The scorer's input table: published scores, or values measured by :mod:`showdown_lib.raw_values`.

    A collected edition with ``inputs.published_fallback`` gets that edition's published table,
    read once, for the criteria it does not measure. ``bases`` overrides the edition's declared
    bases (criterion -> basis id), to compare two bases of one edition.
    """
    if edition.kind == "published":
        return read_published(edition, method)
    fallback = None
    fb_id = edition.inputs.get("published_fallback")
    if fb_id:
        fb = load_edition(str(fb_id))
        fallback = (fb.id, fb.as_of, read_published(fb, method))
    return build_raw(edition, method, fallback, dict(bases or {}))


def score_edition(
    edition_id: str,
    criterion_weights: Mapping[str, float] | None = None,
    category_weights: Mapping[str, float] | None = None,
    n_tiers: int | None = None,
) -> EditionResult:
    """Score one edition end to end: inputs, criterion scores, category scores, overall."""
    edition = load_edition(edition_id)
    full = load_methodology()
    method = edition_method(edition, full)
    criterion_weights = _known_only(criterion_weights, method.criterion_ids, full.criterion_ids)
    category_weights = _known_only(category_weights, method.round_ids, full.round_ids)
    raw = raw_inputs(edition, method)
    tiers = n_tiers or edition.n_tiers
    crit = score_criteria(raw, method)
    crit = crit.merge(raw[["framework", "criterion", "note"]], on=["framework", "criterion"], how="left")
    crit["note"] = crit["note"].fillna("")
    cats = category_scores(crit, method, criterion_weights, tiers)
    overall = overall_scores(cats, method, category_weights, tiers)
    weights = {
        "criterion": normalise_weights(criterion_weights, method.criterion_ids, "criterion", method.default_criterion_weights),
        "category": normalise_weights(category_weights, method.round_ids, "category"),
    }
    return EditionResult(edition, method, raw, crit, cats, overall, weights=weights)


def processed_tables(result: EditionResult) -> dict[str, pd.DataFrame]:
    """The processed contract tables of an edition, rounded as they are written."""
    return {
        "criteria_scores": rounded(result.criteria),
        "category_scores": rounded(result.categories),
        "overall_scores": rounded(result.overall),
    }


def write_processed(result: EditionResult, folder: Path | None = None) -> dict[str, Path]:
    """Write the processed contract tables of an edition (atomically, one file at a time)."""
    from .tables import write

    folder = Path(folder) if folder else paths.processed_dir(result.edition.id)
    return {name: write(frame, name, folder / f"{name}.csv") for name, frame in processed_tables(result).items()}


def rounded(frame: pd.DataFrame, decimals: int = 4) -> pd.DataFrame:
    """Floats rounded as every processed table is written (4 decimals: well below what any chart shows)."""
    frame = frame.copy()
    for col in frame.columns:
        if frame[col].dtype.kind == "f":
            frame[col] = frame[col].round(decimals)
    return frame

