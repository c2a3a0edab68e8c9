"""The key findings: the processed tables the site's index and the discussion read, and their sentences.

Everything here reads committed products (``data/processed/<edition>/*.csv``) and the registry, so the
index never re-scores anything and always agrees with the notebooks that wrote those tables.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ...core import paths
from .. import narrative_findings



def roles() -> dict[str, str]:
    """The editions the site compares, by role (``then``, ``now``, ``published``): the defaults of the then-vs-now
    step's parameters in ``notebooks/steps.yaml``, the one place edition ids are named."""
    from ...pipeline.steps import load_steps

    params = load_steps().parameters
    return {role: str(params[f"{role}_edition"].default) for role in ("then", "now", "published")}


def lifecycle(edition: str | None = None) -> pd.DataFrame:
    """The edition's lifecycle table (``lifecycle.csv``, written by the scoring step from the one lifecycle rule over
    the registry and the measured release history): framework, status, since, into, evidence, citation. Default:
    the ``now`` edition."""
    return read(edition or roles()["now"], "lifecycle").fillna("")


def read(edition: str, table: str) -> pd.DataFrame:
    """A processed table as its schema declares it (text columns as text, checked), like every step reads it."""
    from ...core.tables import read as read_table

    return read_table(paths.processed_dir(edition) / f"{table}.csv")


def origin_table(edition: str) -> pd.DataFrame:
    """The per-cell origin: criteria_scores.origin when that column exists, else coverage.csv."""
    crit = read(edition, "criteria_scores")
    if "origin" in crit.columns:
        return crit
    return read(edition, "coverage")


@dataclass
class Findings:
    names: dict[str, str]
    now: pd.DataFrame
    then: pd.DataFrame
    then_published: pd.DataFrame
    criteria_now: pd.DataFrame
    categories_now: pd.DataFrame
    then_vs_now: pd.DataFrame
    lifecycle: pd.DataFrame
    origins_now: pd.DataFrame
    directions: pd.DataFrame
    marked: dict[str, str]
    sensitivity_now: pd.DataFrame
    now_edition: str = ""

    def today(self) -> str:
        """The podium, what it rests on when a criterion is n/a everywhere, how fragile it is, and the coverage."""
        from ...core.methodology import load_methodology
        from ..narrative import rests_on

        method = load_methodology()
        crit_names = {c.id: c.name for c in method.criteria}
        missing = rests_on(self.criteria_now, method, reasons=True)
        return "\n\n".join(part for part in [
            narrative_findings.podium_line(self.now, self.names, self.lifecycle),
            missing,
            "**How fragile is it?** " + narrative_findings.podium_sensitivity(self.sensitivity_now, self.now, self.names, crit_names),
            narrative_findings.coverage_line(self.origins_now, self.now_edition)] if part)

    def changes(self) -> list[str]:
        return narrative_findings.changes_since(self.then_vs_now, self.marked)

    def first_edition(self) -> str:
        """The 2018 podium as the post published it: its own overall figures (read off its summary figure)."""
        ours = self.then.sort_values(["rank", "framework"]).head(3)
        return (narrative_findings.podium_line(self.then_published, self.names, decimals=0)
                + " These are the post's own overall figures, read off its summary chart. The chart below is our reproduction "
                "from its criterion figures, whose means give " + ", ".join(f"{s:.1f}" for s in ours["score"]) + ".")

    def closing_questions(self) -> str:
        return ("**Monoculture, triumvirate or plurality?** " + narrative_findings.field_shape(self.now, self.then, self.names)
                + "\n\n**Prototype in one, deploy through ONNX in another?** "
                + narrative_findings.onnx_takeaway(self.categories_now, self.marked, self.lifecycle, self.directions))


def published_overall(edition: str | None = None) -> pd.DataFrame:
    """The post's own overall figures (``published_summary.csv``) as an overall table: framework, score, rank
    (default: the ``published`` edition)."""
    from ...method.published_check import load_summary

    summary = load_summary(edition or roles()["published"])
    o = summary[summary["category"] == "overall"][["framework", "published_score"]].rename(columns={"published_score": "score"})
    o["rank"] = o["score"].rank(ascending=False, method="min").astype(int)
    return o.reset_index(drop=True)


def load() -> Findings:
    from ...core.registry import load_registry
    from ...method.lifecycle import display_names

    registry = load_registry()
    ed = roles()
    now, then = ed["now"], ed["then"]
    life = lifecycle(now)
    return Findings(
        names=display_names(registry), now=read(now, "overall_scores"), then=read(then, "overall_scores"),
        then_published=published_overall(ed["published"]), criteria_now=read(now, "criteria_scores"),
        categories_now=read(now, "category_scores"), then_vs_now=read(f"{then}-vs-{now}", "then_vs_now"), lifecycle=life,
        origins_now=origin_table(now), directions=read(now, "onnx_directions"),
        marked=display_names(registry, life), sensitivity_now=read(now, "sensitivity"), now_edition=now,
    )
