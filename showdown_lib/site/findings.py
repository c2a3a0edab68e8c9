"""The key findings: the processed tables the site's index and the discussion read, and their sentences.

Everything here reads committed products (``data/processed/<edition>/*.csv``) and the registry, so the
index never re-scores anything and always agrees with the notebooks that wrote those tables.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import narrative_findings, paths

NOW, THEN = "current", "2018"


def lifecycle() -> pd.DataFrame:
    """framework, status, since, into, citation (URL) of every framework the registry gives a lifecycle:
    the registry's own, validated entries (``data/raw/frameworks.yaml``), never a second source."""
    from ..registry import load_registry

    rows = [{"framework": fw.id, "status": fw.lifecycle.status, "since": fw.lifecycle.since or "",
             "into": fw.lifecycle.into or "", "citation": fw.lifecycle.citation.get("url", "")}
            for fw in load_registry() if fw.lifecycle is not None]
    return pd.DataFrame(rows, columns=["framework", "status", "since", "into", "citation"])


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
    criteria_now: pd.DataFrame
    categories_now: pd.DataFrame
    then_vs_now: pd.DataFrame
    lifecycle: pd.DataFrame
    origins_now: pd.DataFrame

    def today(self) -> str:
        return (narrative_findings.podium_line(self.now, self.names, self.lifecycle) + "\n\n"
                + narrative_findings.coverage_line(self.origins_now, NOW))

    def changes(self) -> list[str]:
        return narrative_findings.changes_since(self.then_vs_now, self.names)

    def first_edition(self) -> str:
        return narrative_findings.podium_line(self.then, self.names)

    def closing_questions(self) -> str:
        return ("**Monoculture, triumvirate or plurality?** " + narrative_findings.field_shape(self.now, self.then, self.names)
                + "\n\n**Prototype in one, deploy through ONNX in another?** "
                + narrative_findings.onnx_takeaway(self.criteria_now, self.categories_now, self.names, self.lifecycle))


def load() -> Findings:
    from ..registry import load_registry

    names = {fw.id: fw.name for fw in load_registry()}
    return Findings(
        names=names, now=read(NOW, "overall_scores"), then=read(THEN, "overall_scores"),
        criteria_now=read(NOW, "criteria_scores"), categories_now=read(NOW, "category_scores"),
        then_vs_now=read(f"{THEN}-vs-{NOW}", "then_vs_now"), lifecycle=lifecycle(), origins_now=origin_table(NOW),
    )
