"""A series of editions: one collected edition scored as of every date it has snapshots for.

``current@2018-11-25``, ``current@2019-11-25``, ... are the edition ``current`` with its ``as_of`` moved (each
``latest`` snapshot taken on or before that date). :func:`series_dates` lists the dates with a snapshot of a
source that keeps history (the package index's upload times, git histories), :func:`edition_series` scores
the edition as of each and returns one long table, and :func:`series_sentences` says how ranks moved.

The series reads dated snapshots, so the scoring step computes it (``series``, a product of
:mod:`showdown_lib.method.scoring_step` for every collected edition); the over-time step only reads that table.

The series is scored on the post's standing rounds (an opt-in round such as Modern stack is left out, as
then-versus-now leaves it out): its evidence was collected once, as of one date, so it would move only the last
point of every line. What moves over time is what is measured from history: activity (releases, git), OS support (wheels), the
ecosystem where a snapshot of that date exists. Curated facts are those of the edition's curated set (today's
judgement) at every date, and a framework is left out of a date before its first release (:func:`released_by`: an
earlier first-release year, or a final release on the package index by the date; it did not exist yet, so it has
no rank there, never a guessed one).
"""
from __future__ import annotations

import math
import warnings

from typing import Mapping

import pandas as pd

from ..acquire.editions import load_edition
from ..acquire.snapshots import snapshot_dates
from .comparisons import on_rounds
from .edition_scores import score_edition
from .kernel import ranks as kernel_ranks

#: Sources whose snapshots make the dates of the series: the package index, collected as of any past date from its
#: upload times, is the one that reaches the whole cast (activity on releases, OS support from wheels); a date with
#: only a git snapshot would score the index's criteria on an older snapshot.
HISTORY_SOURCES = ("pypi",)
SERIES_COLUMNS = ["date", "framework", "criterion", "score", "origin", "basis", "overall", "rank", "n_ranked"]


def series_dates(edition_id: str) -> list[str]:
    """Every date on or before the edition's own with a snapshot of a source that keeps history, oldest first
    (``edition_id`` may be a dated edition: its dates stop at its own)."""
    edition = load_edition(edition_id)
    dates = {d for source in HISTORY_SOURCES for d in snapshot_dates(source)}
    return sorted(d for d in dates if d <= edition.as_of)


Weights = Mapping[str, float] | None


def released_by(result, day: str) -> set[str]:
    """Frameworks of the scored edition released on or before ``day``: a first release in an earlier year
    (``first_release`` in frameworks.yaml), or, in that year, a final release on the package index by the day
    (the dated edition's own release inputs, read with its observations). A framework first released later that year is not ranked yet."""
    inputs = result.scored_from
    obs = inputs.observations
    weeks = obs[(obs["source"] == "pypi") & (obs["metric"] == "weeks_since_last_final_release") & (obs["status"] == "ok")]
    on_index = set(weeks.loc[pd.to_numeric(weeks["value"], errors="coerce") < math.inf, "framework"])  # inf: no final release
    year = int(day[:4])
    return {fw.id for fw in inputs.frameworks if fw.first_release < year or (fw.first_release == year and fw.id in on_index)}


def _scored(edition_id: str, day: str, criterion_weights: Weights = None, category_weights: Weights = None) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an older snapshot of another source is the point of a dated edition
        result = score_edition(f"{edition_id}@{day}", criterion_weights or None, category_weights or None)
    existed = released_by(result, day)
    result = on_rounds(result, result.method.standing_round_ids)
    crit = result.criteria[result.criteria["framework"].isin(existed)]
    overall = result.overall[result.overall["framework"].isin(existed)][["framework", "score"]].rename(columns={"score": "overall"})
    rank = kernel_ranks(overall["overall"].to_numpy(dtype=float))  # the kernel's one tie rule; n/a gets 0
    overall["rank"] = pd.Series(rank, index=overall.index).where(rank > 0).astype(float)
    overall["n_ranked"] = int((rank > 0).sum())
    basis = crit["basis"] if "basis" in crit else pd.Series("", index=crit.index)
    frame = crit[["framework", "criterion", "score", "origin"]].assign(basis=basis.fillna(""), date=day)
    return frame.merge(overall, on="framework", how="left")[SERIES_COLUMNS]


def edition_series(edition_id: str = "current", dates: list[str] | None = None,
                   criterion_weights: Weights = None, category_weights: Weights = None) -> pd.DataFrame:
    """Scores, origin, overall score and rank of every framework and criterion as of each date (long table),
    with the run's weights. A dated edition (``current@2024-06-30``) is the series of its base edition up to its date."""
    dates = dates if dates is not None else series_dates(edition_id)
    if not dates:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    base = load_edition(edition_id).base_id or edition_id
    out = pd.concat([_scored(base, d, criterion_weights, category_weights) for d in dates], ignore_index=True)
    return out.sort_values(["date", "framework", "criterion"]).reset_index(drop=True)


def ranks(series: pd.DataFrame) -> pd.DataFrame:
    """framework x date: the overall rank (NaN where unranked or not yet released)."""
    per = series.drop_duplicates(["date", "framework"])
    return per.pivot(index="framework", columns="date", values="rank")


def measured_criteria(series: pd.DataFrame, min_dates: int = 3) -> list[str]:
    """Criteria measured (not curated or n/a) for some framework on at least ``min_dates`` dates."""
    measured = series[series["origin"] == "measured"]
    counts = measured.groupby("criterion")["date"].nunique()
    return [c for c in dict.fromkeys(series["criterion"]) if counts.get(c, 0) >= min_dates]


def rank_moves(series: pd.DataFrame) -> pd.DataFrame:
    """Per framework ranked on the first and the last date of the series: both ranks and the change (positive = climbed)."""
    table = ranks(series)
    if table.shape[1] < 2:
        return pd.DataFrame(columns=["framework", "first", "last", "climbed"])
    first, last = table.columns[0], table.columns[-1]
    both = table[[first, last]].dropna()
    out = pd.DataFrame({"framework": both.index, "first": both[first].to_numpy(), "last": both[last].to_numpy()})
    out["climbed"] = out["first"] - out["last"]
    return out.sort_values(["climbed", "framework"], ascending=[False, True]).reset_index(drop=True)
