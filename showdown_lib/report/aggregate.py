"""04 · The overall score: weights in use, the table, the podium, radars and contributions."""
from __future__ import annotations

import pandas as pd

from .. import charts, narrative
from .common import Presenter


class AggregateReport(Presenter):
    def __init__(self, step) -> None:
        super().__init__(step)
        self.result = step.result()
        self.edition = self.result.edition
        self.method = self.result.method

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

    def headline(self) -> str:
        return narrative.headline(self.result.overall, self.result.categories, self.method, self.names)

    def write(self) -> str:
        return super().write(self.contributions_table().reset_index(), "contributions")
