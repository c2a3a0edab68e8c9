"""The scoring step as a plain Python step of ``notebooks/steps.yaml`` (``task: showdown_lib.score_task:score``).

It loads, validates and scores an edition once, with the run's weights and tier count, and writes every
table later steps read: ``inputs`` (the raw value behind each cell), ``coverage`` (how each was
obtained), ``weights`` (the weights in use), and the contract tables ``criteria_scores``,
``category_scores`` and ``overall_scores``. No notebook scores: ``00_collect`` and every later step
read these tables. The one entry point it calls is :func:`score_products`.
"""
from __future__ import annotations

import pandas as pd

PRODUCTS = ("inputs", "coverage", "weights", "criteria_scores", "category_scores", "overall_scores")


def score_products(edition: str, n_tiers: int = 0, criterion_weights: dict | None = None,
                   category_weights: dict | None = None) -> dict[str, pd.DataFrame]:
    """Every scored product of an edition, by table name (see :data:`PRODUCTS`)."""
    from .editions import processed_tables, score_edition
    from .raw_values import coverage

    result = score_edition(edition, criterion_weights or None, category_weights or None, n_tiers or None)
    weights = pd.DataFrame([{"kind": kind, "id": k, "weight": v} for kind in ("category", "criterion")
                            for k, v in result.weights[kind].items()])
    return {"inputs": result.raw, "coverage": coverage(result), "weights": weights, **processed_tables(result)}


def score(step, n_tiers: int = 0, criterion_weights: dict | None = None, category_weights: dict | None = None,
          **_applied_by_the_open_step) -> None:
    """The step: score ``step.edition`` and stage every product (the runner publishes them). Parameters that
    shape every step alike (a shortlist of the cast) were applied when the step was opened."""
    for name, frame in score_products(step.edition, n_tiers, criterion_weights, category_weights).items():
        step.write_table(frame, name)
