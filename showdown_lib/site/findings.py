"""The key findings: the processed tables the site's index and the discussion read, and their sentences.

Everything here reads committed products (``data/processed/<edition>/*.csv``) and the registry, so the
index never re-scores anything and always agrees with the notebooks that wrote those tables.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import narrative_findings, paths
from ..fileio import read_yaml

NOW, THEN = "current", "2018"


def lifecycle() -> pd.DataFrame:
    """framework, status, since, into, citation: from ``lifecycle`` in frameworks.yaml where the registry has it,
    else from the fates table of 06_then_vs_now (status and status_date); empty when neither exists."""
    rows = []
    for entry in (read_yaml(paths.frameworks_file()) or {}).get("frameworks", []):
        life = entry.get("lifecycle")
        if isinstance(life, dict) and life.get("status"):
            rows.append({"framework": entry["id"], "status": life["status"], "since": str(life.get("since") or ""),
                         "into": life.get("into") or "", "citation": life.get("citation") or ""})
    if rows:
        return pd.DataFrame(rows)
    fates = paths.processed_dir(f"{THEN}-vs-{NOW}") / "fates.csv"
    if fates.exists():
        f = pd.read_csv(fates, dtype=str).fillna("")
        return pd.DataFrame({"framework": f["framework"], "status": f["status"], "since": f.get("status_date", ""),
                             "into": "", "citation": ""})
    return pd.DataFrame(columns=["framework", "status", "since", "into", "citation"])


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
