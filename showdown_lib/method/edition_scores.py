"""Scoring an edition: its inputs (published figures or measured raw values), criterion, category and
overall scores, with the weights used.

Everything an edition is scored from (its definition, the method's rounds, published figures or observations)
is read once by :mod:`showdown_lib.acquire.edition_inputs`; this module scores it and opens no file. ``score_edition`` returns every table of the processed
contract; ``write_processed`` writes them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ..acquire.edition_inputs import EditionInputs, read_inputs
from ..acquire.editions import Edition
from ..core import paths
from ..core.errors import DataError
from ..core.methodology import Methodology
from ..core.tables import rounded
from .raw_values import build_raw
from .scoring import category_scores, infer_levels, normalise_weights, overall_scores, score_criteria

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
    scored_from: EditionInputs | None = None  # what it was scored from; None for a result rebuilt from processed tables

    @property
    def bases(self) -> dict[str, str]:
        """criterion -> the basis this edition measured it on (criteria with several bases only);
        pass it to ``Methodology.table`` so the method shown is the one used."""
        table = self.raw if "basis" in self.raw else self.criteria  # a later step has only the scores
        if "basis" not in table:
            return {}
        rows = table[table["basis"].fillna("") != ""]
        return dict(zip(rows["criterion"], rows["basis"]))


def _known_only(weights: Mapping[str, float] | None, names: list[str], everything: list[str]) -> dict[str, float]:
    """Weights without the names of rounds or criteria this edition does not score (a weight naming nothing
    anywhere is kept, so the scorer still rejects it)."""
    return {k: v for k, v in (weights or {}).items() if k in names or k not in everything}


# --------------------------------------------------------------------------------------------
# published editions


def published_raw(frame: pd.DataFrame, edition: Edition, method: Methodology, path: Path | None = None) -> pd.DataFrame:
    """The published criteria of an edition (``frame``, its file as read), validated, as scorer input.

    Checks that every row names a cast framework and a known criterion in its right round, that scores lie
    in 0-100, that ``not_available`` rows carry no score, and that each framework x criterion appears exactly
    once (the file's checksum was checked when it was read: :func:`~showdown_lib.acquire.edition_inputs.read_published_file`).
    """
    path = path or edition.folder / edition.inputs["published_criteria"]["file"]
    crit_round = {c.id: c.round for c in method.criteria}
    for i, row in frame.iterrows():
        entry = f"row {i + 2} ({row['framework']}/{row['criterion']})"
        if row["framework"] not in (edition.declared_cast or edition.cast):
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
    frame = frame[frame["framework"].isin(edition.cast)].reset_index(drop=True)  # a shortlist keeps its rows only
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


def raw_inputs(inputs: EditionInputs, bases: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The scorer's input table: published scores, or values measured by :mod:`showdown_lib.method.raw_values`.

    A collected edition with ``inputs.published_fallback`` gets that edition's published table for the
    criteria it does not measure. ``bases`` overrides the edition's declared bases (criterion -> basis id),
    to compare two bases of one edition. Opens no file: everything was read by ``read_inputs``.
    """
    method = inputs.method
    if inputs.published is not None:
        return published_raw(inputs.published, inputs.edition, method)
    fallback = None
    if inputs.fallback is not None:
        fb = inputs.fallback
        fallback = (fb.edition.id, fb.edition.as_of, published_raw(fb.published, fb.edition, method))
    return build_raw(inputs, fallback, dict(bases or {}))


def score_edition(
    edition_id: str,
    criterion_weights: Mapping[str, float] | None = None,
    category_weights: Mapping[str, float] | None = None,
    n_tiers: int | None = None,
) -> EditionResult:
    """Score one edition end to end: read its inputs, then score them (:func:`score_inputs`)."""
    return score_inputs(read_inputs(edition_id), criterion_weights, category_weights, n_tiers)


def score_inputs(
    inputs: EditionInputs,
    criterion_weights: Mapping[str, float] | None = None,
    category_weights: Mapping[str, float] | None = None,
    n_tiers: int | None = None,
) -> EditionResult:
    """Criterion, category and overall scores of an edition's inputs, with the weights used."""
    edition, method, full = inputs.edition, inputs.method, inputs.full
    criterion_weights = _known_only(criterion_weights, method.criterion_ids, full.criterion_ids)
    category_weights = _known_only(category_weights, method.round_ids, full.round_ids)
    raw = raw_inputs(inputs)
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
    return EditionResult(edition, method, raw, crit, cats, overall, weights=weights, scored_from=inputs)


def processed_tables(result: EditionResult) -> dict[str, pd.DataFrame]:
    """The processed contract tables of an edition, rounded as they are written."""
    return {
        "criteria_scores": rounded(result.criteria),
        "category_scores": rounded(result.categories),
        "overall_scores": rounded(result.overall),
    }


def write_processed(result: EditionResult, folder: Path | None = None) -> dict[str, Path]:
    """Write the processed contract tables of an edition (atomically, one file at a time)."""
    from ..core.tables import write

    folder = Path(folder) if folder else paths.processed_dir(result.edition.id)
    return {name: write(frame, name, folder / f"{name}.csv") for name, frame in processed_tables(result).items()}
