"""07 · Your weights and rank stability: how much the ranking depends on the weights."""
from __future__ import annotations

import pandas as pd

from ...method.stability import rank_stability
from .. import charts, narrative_comparisons
from .common import Presenter


class StabilityReport(Presenter):
    def __init__(self, step) -> None:
        super().__init__(step)
        p = step.params
        self.use_result(step.result())
        w = self.result.weights
        self.stab = rank_stability(self.result.criteria, self.result.method, w.get("criterion"), w.get("category"),
                                   n_samples=p["n_samples"], concentration=p["concentration"], seed=p["seed"])

    def summary(self) -> pd.DataFrame:
        s = self.stab.summary.copy()
        s["framework"] = s["framework"].map(self.names)
        for col in ("p_top1", "p_top3"):  # shares of draws, as percentages that never round to 0 or 100
            s[col] = s[col].map(narrative_comparisons.share)
        return s.set_index("framework")

    def chart(self) -> None:
        fig = charts.rank_stability(self.stab.rank_probability, self.stab.summary, self.registry,
                                    f"Rank probabilities, edition {self.result.edition.id} "
                                    f"({self.stab.n_samples:,} draws, concentration {self.stab.concentration:g})")
        self.show(fig, "rank_stability")

    def story(self) -> str:
        return narrative_comparisons.stability_story(self.stab.summary, self.stab.rank_probability, self.stab.n_samples, self.names)

    def write(self) -> str:
        prob = self.stab.rank_probability.reset_index().rename(columns={"index": "framework"})
        prob.columns = [str(c) for c in prob.columns]
        return "staged " + "; ".join([self.step.write_table(self.stab.summary, "rank_stability"),
                                      self.step.write_table(prob, "rank_probability")])
