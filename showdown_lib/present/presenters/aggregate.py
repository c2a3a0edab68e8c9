"""04 · The overall score: weights in use, the table, the podium, radars and contributions."""
from __future__ import annotations

import pandas as pd

from .. import charts, narrative, narrative_findings
from .common import Presenter, display, md


class AggregateReport(Presenter):
    def __init__(self, step) -> None:
        super().__init__(step)
        self.use_result(step.result())

    def weights_table(self) -> pd.DataFrame:
        w = self.result.weights
        rows = [{"kind": "category", "name": self.method.round_name(k), "weight": v} for k, v in w["category"].items()]
        rows += [{"kind": "criterion", "name": self.method.criterion(k).name, "weight": v} for k, v in w["criterion"].items()]
        return pd.DataFrame(rows)

    def overall_table(self) -> pd.DataFrame:
        wide = self.result.categories.pivot(index="framework", columns="category", values="score")[self.method.round_ids]
        wide.columns = [self.method.round_name(r) for r in wide.columns]
        o = self.result.overall.set_index("framework")
        wide["overall"] = o["score"]
        wide["rank"] = o["rank"]
        wide["tier"] = o["tier"]
        wide = wide.sort_values(["rank"], kind="stable")
        wide.index = wide.index.map(self.names)
        wide.index.name = "framework"
        return wide

    def podium(self) -> None:
        self.show(charts.podium(self.result.overall, self.all_frameworks, f"Overall score, edition {self.edition.id}"), "overall_podium")

    def radar(self) -> None:
        self.show(charts.radar_by_tier(self.result.categories, self.result.overall, self.method, self.all_frameworks), "radar_by_tier")

    def contributions_table(self) -> pd.DataFrame:
        return narrative.contributions(self.result.criteria, self.method, self.result.weights)

    def contributions_chart(self) -> None:
        self.show(charts.contributions(self.contributions_table(), self.result.overall, self.method, self.all_frameworks),
                  "overall_contributions")

    def published_check(self) -> None:
        """The post's own summary figures beside the reproduction (editions that publish them)."""
        check = self.step.table("published_vs_reproduced")  # the three tables the scoring step wrote
        if check.empty:
            md(f"Edition {self.edition.id} has no published summary figures to set beside its scores.")
            return
        consistency, rules = self.step.table("published_self_consistency"), self.step.table("published_tier_rules")
        md(narrative_findings.summary_sentences(check, consistency, rules, self.names))
        display(charts.table_style(self.label(check), units={"difference": "points"}))
        display(charts.table_style(self.label(consistency), units={"difference": "points"}))
        display(charts.table_style(rules, percent=("pair_agreement",)))

    def headline(self) -> str:
        return narrative.headline(self.result.overall, self.result.categories, self.method, self.names)

    def write(self) -> str:
        return super().write(self.contributions_table().reset_index(), "contributions")
