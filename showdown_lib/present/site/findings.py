"""The key findings: the processed tables the site's index and the discussion read, and their sentences.

Everything here reads committed products (``data/processed/<edition>/*.csv``) and the registry, so the
index never re-scores anything and always agrees with the notebooks that wrote those tables.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ...core import paths
from .. import narrative_findings

NOW, THEN = "current", "2018"


def lifecycle(edition: str = NOW) -> pd.DataFrame:
    """The edition's lifecycle table (``lifecycle.csv``, written by the scoring step from the one lifecycle rule over
    the registry and the measured release history): framework, status, since, into, evidence, citation."""
    return read(edition, "lifecycle").fillna("")


def read(edition: str, table: str) -> pd.DataFrame:
    return pd.read_csv(paths.processed_dir(edition) / f"{table}.csv")


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
            narrative_findings.coverage_line(self.origins_now, NOW)] if part)

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


def published_overall(edition: str = THEN) -> pd.DataFrame:
    """The post's own overall figures (``published_summary.csv``) as an overall table: framework, score, rank."""
    from ...method.published_check import load_summary

    summary = load_summary(edition)
    o = summary[summary["category"] == "overall"][["framework", "published_score"]].rename(columns={"published_score": "score"})
    o["rank"] = o["score"].rank(ascending=False, method="min").astype(int)
    return o.reset_index(drop=True)


def load() -> Findings:
    from ...core.registry import load_registry
    from ...method.lifecycle import display_names

    registry = load_registry()
    life = lifecycle(NOW)
    return Findings(
        names=display_names(registry), now=read(NOW, "overall_scores"), then=read(THEN, "overall_scores"),
        then_published=published_overall(THEN), criteria_now=read(NOW, "criteria_scores"),
        categories_now=read(NOW, "category_scores"), then_vs_now=read(f"{THEN}-vs-{NOW}", "then_vs_now"), lifecycle=life,
        origins_now=origin_table(NOW), directions=read(NOW, "onnx_directions"),
        marked=display_names(registry, life), sensitivity_now=read(NOW, "sensitivity"),
    )
