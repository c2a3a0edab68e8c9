"""Everything scoring an edition reads, read once and before any score is computed.

    read_inputs(edition_id) -> EditionInputs

The scorer (:mod:`showdown_lib.method.edition_scores`) takes an :class:`EditionInputs` and opens no file:
the edition's definition, the method table restricted to its rounds, the frameworks of its cast, and either
its published figures (checksum checked) or its observations (every snapshot it resolves, its curated facts,
the derived inputs), with the published figures of its ``published_fallback`` edition where it names one.
So a bad input stops the run before a number is computed, and a step that scores an edition on several bases
(the validity check, the input sensitivity) reads it once.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..core.errors import DataError
from ..core.fileio import read_csv, sha256_of
from ..core.methodology import Methodology, load_methodology
from ..core.registry import Framework, load_registry, select
from .editions import Edition, edition_method, load_edition
from .observations import read_observations

PUBLISHED_COLUMNS = ["framework", "round", "criterion", "score_0_100", "status"]


@dataclass(frozen=True)
class EditionInputs:
    """What an edition is scored from. ``published`` is the published criteria file as read (a published
    edition); ``observations``, ``snapshots`` and ``unavailable`` are what a collected edition observed
    (:func:`~showdown_lib.acquire.observations.read_observations`); ``fallback`` is the edition named in
    ``inputs.published_fallback``, read the same way."""

    edition: Edition
    full: Methodology  # the whole method table (a weight may name a round this edition does not score)
    method: Methodology  # the table restricted to the edition's rounds
    frameworks: list[Framework]
    published: pd.DataFrame | None = None
    observations: pd.DataFrame | None = None
    snapshots: dict[str, str | None] | None = None
    unavailable: dict[str, str] | None = None
    fallback: "EditionInputs | None" = None


def read_published_file(edition: Edition) -> pd.DataFrame:
    """The edition's ``inputs.published_criteria.file``, with its checksum checked against ``edition.yaml``
    (the rows are checked against the method by the scorer)."""
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
    return read_csv(path, required=PUBLISHED_COLUMNS)


def read_inputs(edition_id: str, full: Methodology | None = None) -> EditionInputs:
    """Read every input of an edition (see the module docstring)."""
    edition = load_edition(edition_id)
    full = full or load_methodology()
    method = edition_method(edition, full)
    frameworks = select(load_registry(), edition.cast)
    if edition.kind == "published":
        return EditionInputs(edition, full, method, frameworks, published=read_published_file(edition))
    table, snapshots, unavailable = read_observations(edition, frameworks)
    fb_id = edition.inputs.get("published_fallback")
    fallback = None
    if fb_id:
        fb = load_edition(str(fb_id))
        fallback = EditionInputs(fb, full, method, select(load_registry(), fb.cast), published=read_published_file(fb))
    return EditionInputs(edition, full, method, frameworks, observations=table, snapshots=snapshots,
                         unavailable=unavailable, fallback=fallback)
