"""Round four, Modern stack, and which criteria still tell the frameworks apart.

Tables for the ``10_modern_stack`` step (their sentences are in :mod:`showdown_lib.present.narrative_modern`,
their charts in :mod:`showdown_lib.present.charts_modern`):

* :func:`with_without` -- today's ranking with and without the opt-in round (the overall recomputed
  from the same category scores, :func:`showdown_lib.method.comparisons.on_rounds`);
* :func:`criterion_spread` -- per criterion, how far apart the active frameworks' scores lie (how many
  score it, distinct scores, standard deviation, range) and whether it is saturated;
* :func:`round_podiums` -- per round, the podium of the active frameworks when that round is left out;
* :func:`accelerator_grid`, :func:`model_hub_grid`, :func:`probe_table`, :func:`cpu_speed_table` -- the
  evidence behind the round, from the tables the scoring step wrote (``modern_*``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.registry import load_registry
from .comparisons import on_rounds
from .edition_scores import EditionResult

#: A criterion is saturated among the active frameworks when their scores' standard deviation is below
#: this many points (of 100), or when they all share one score: it no longer separates them.
SATURATED_STD = 10.0
ROUND = "modern_stack"


def active_ids(result: EditionResult, lifecycle: pd.DataFrame | None = None) -> list[str]:
    """The cast's frameworks still developed on the edition's date by the one lifecycle rule (status ``active``:
    not in maintenance, dormant, archived or merged); ``lifecycle`` is the edition's lifecycle table, computed by
    the rule when not given."""
    from .lifecycle import edition_table, is_developed

    table = lifecycle if lifecycle is not None else edition_table(result.edition)
    developed = {fw for fw, status in zip(table["framework"], table["status"]) if is_developed(status)}
    cast = set(result.overall["framework"])
    return [fw.id for fw in load_registry() if fw.id in cast and fw.id in developed]


def with_without(result: EditionResult, round_id: str = ROUND) -> pd.DataFrame:
    """One row per framework: overall score and rank with every round of the edition, and without ``round_id``."""
    keep = [r for r in result.method.round_ids if r != round_id]
    without = on_rounds(result, keep).overall.set_index("framework")[["score", "rank"]].add_suffix("_without")
    with_ = result.overall.set_index("framework")[["score", "rank"]].add_suffix("_with")
    out = with_.join(without, how="outer")
    out["rank_change"] = out["rank_without"] - out["rank_with"]  # positive: the round lifts it
    return out.reset_index().sort_values(["rank_with", "framework"], kind="stable").reset_index(drop=True)


def criterion_spread(result: EditionResult, frameworks: list[str] | None = None) -> pd.DataFrame:
    """Per criterion of the edition, the spread of the scores of ``frameworks`` (default: the active ones)."""
    frameworks = frameworks if frameworks is not None else active_ids(result)
    crit = result.criteria[result.criteria["framework"].isin(frameworks)]
    rows = []
    for c in result.method.criteria:
        s = crit.loc[(crit["criterion"] == c.id) & (crit["status"] == "value"), "score"].astype(float)
        n = int(len(s))
        std = float(s.std(ddof=0)) if n else np.nan
        distinct = int(s.round(6).nunique()) if n else 0
        rows.append({"round": c.round, "criterion": c.id, "name": c.name, "n_scored": n, "n_frameworks": len(frameworks),
                     "distinct_scores": distinct, "std": std, "range": float(s.max() - s.min()) if n else np.nan,
                     "weight": c.weight, "saturated": bool(n >= 2 and (distinct <= 1 or std < SATURATED_STD))})
    return pd.DataFrame(rows)


def podium_of(overall: pd.DataFrame, frameworks: list[str], size: int = 3) -> list[str]:
    """The best ``size`` of ``frameworks`` by overall score (ties broken by name, as the tables order them)."""
    part = overall[overall["framework"].isin(frameworks)].dropna(subset=["score"])
    return part.sort_values(["score", "framework"], ascending=[False, True], kind="stable")["framework"].head(size).tolist()


def round_podiums(result: EditionResult, frameworks: list[str] | None = None) -> pd.DataFrame:
    """Per round: the spread of its category scores among ``frameworks`` (default: active) and the podium
    when the round is left out, against the podium with every round."""
    frameworks = frameworks if frameworks is not None else active_ids(result)
    full = podium_of(result.overall, frameworks)
    cats = result.categories[result.categories["framework"].isin(frameworks)]
    rows = []
    for rid in result.method.round_ids:
        s = cats.loc[cats["category"] == rid, "score"].dropna().astype(float)
        without = podium_of(on_rounds(result, [r for r in result.method.round_ids if r != rid]).overall, frameworks)
        rows.append({"round": rid, "name": result.method.round_name(rid), "category_std": float(s.std(ddof=0)) if len(s) else np.nan,
                     "podium": " > ".join(full), "podium_without": " > ".join(without), "podium_changes": without != full})
    return pd.DataFrame(rows)


# -------------------------------------------------------------------------------- the evidence (tables the scoring step wrote)

def accelerator_grid(acc: pd.DataFrame, frameworks: list[str]) -> pd.DataFrame:
    """framework x accelerator: ``index`` (declared on the package index), ``curated`` (cited vendor index or
    built in) or ``-``; with the count of each kind. ``acc`` is the ``modern_accelerators`` table."""
    if acc.empty:
        return acc
    acc = acc[acc["framework"].isin(frameworks)]
    grid = acc.pivot(index="framework", columns="accelerator", values="how").replace("none", "-")
    grid = grid[list(dict.fromkeys(acc["accelerator"]))]
    grid["on the index"] = (grid == "index").sum(axis=1)
    grid["curated"] = (grid == "curated").sum(axis=1)
    return grid.reindex([f for f in frameworks if f in grid.index])


def model_hub_grid(hub: pd.DataFrame, frameworks: list[str]) -> pd.DataFrame:
    """framework x model library: 1 when the library's release declares the framework, 0 when not."""
    if hub.empty:
        return hub
    hub = hub[hub["framework"].isin(frameworks)].assign(supported=lambda f: pd.to_numeric(f["supported"], errors="coerce"))
    grid = hub.pivot(index="framework", columns="library", values="supported")[list(dict.fromkeys(hub["library"]))]
    grid["libraries"] = grid.sum(axis=1)
    return grid.reindex([f for f in frameworks if f in grid.index])


def probe_table(obs: pd.DataFrame, frameworks: list[str]) -> pd.DataFrame:
    """Per framework: attempted, and each modern-probe metric (n/a where not measured, with why not)."""
    if obs.empty:
        return obs
    obs = obs[obs["framework"].isin(frameworks)]
    val = obs.assign(value=pd.to_numeric(obs["value"], errors="coerce")).pivot(index="framework", columns="metric", values="value")
    out = val.reindex(columns=["attempted", "compiler_ok", "compiler_speedup", "scale_out_ok", "deploy_formats", "cpu_step_ms"])
    att = obs[obs["metric"] == "attempted"].set_index("framework")["detail"].fillna("")
    out["why not"] = [att.get(f, "").removeprefix("not attempted: ") if out.loc[f, "attempted"] == 0 else "" for f in out.index]
    return out.reindex([f for f in frameworks if f in out.index])


def cpu_speed_table(obs: pd.DataFrame, frameworks: list[str]) -> pd.DataFrame:
    """Per framework: median ms of the fixed CPU training step, steps per second, and the detail (CPU, threads, version)."""
    if obs.empty:
        return pd.DataFrame(columns=["framework", "median_ms", "steps_per_s", "detail"])
    part = obs[(obs["metric"] == "cpu_step_ms") & obs["framework"].isin(frameworks)].copy()
    part["median_ms"] = pd.to_numeric(part["value"], errors="coerce")
    part["steps_per_s"] = 1000 / part["median_ms"]
    part["detail"] = np.where(part["status"] == "ok", part["detail"].fillna(""), part["reason"].fillna(""))
    return part[["framework", "median_ms", "steps_per_s", "detail"]].reset_index(drop=True)
