"""08 · The 2018 figures beside what the histories say about the same date."""
from __future__ import annotations

import pandas as pd

from ...method import comparisons
from .. import charts, narrative_comparisons
from .common import Presenter, edition_stamp


class RemeasuredReport(Presenter):
    def __init__(self, step) -> None:
        super().__init__(step)
        self.published = step.result(step.params["published_edition"])
        self.remeasured = step.result(step.params["remeasured_edition"])
        self.comparison = comparisons.remeasured_comparison(self.published, self.remeasured)
        self.mark_lifecycle(self.remeasured.edition)

    def stamp_context(self):
        return edition_stamp(self.remeasured)

    def describe(self) -> str:
        e = self.remeasured.edition
        return narrative_comparisons.describe_remeasured(e.id, e.as_of, e.description, e.inputs.get("measure", []))

    def table(self) -> pd.DataFrame:
        c = self.comparison.copy()
        c["framework"] = c["framework"].map(self.names)
        # a relative criterion re-measured on part of the cast: the published score over the same frameworks beside it
        return c[["framework", "criterion", "published", "published_same_cast", "remeasured", "difference_same_cast",
                  "raw_value"]].set_index(["criterion", "framework"])

    def agreement(self) -> pd.DataFrame:
        return comparisons.agreement(self.comparison).set_index("criterion")

    def activity_agreement(self) -> pd.DataFrame:
        """Per activity basis (git, releases, feature releases): frameworks measured, and rank agreement with the post."""
        return comparisons.activity_bases_agreement(self._by_basis()).set_index("basis")

    def activity_table(self) -> pd.DataFrame:
        """Activity per framework on each basis, beside the post's published activity score."""
        t = self._by_basis().assign(framework=lambda f: f.framework.map(self.names))
        wide = t.pivot(index="framework", columns="basis", values="score")
        return wide.join(t.drop_duplicates("framework").set_index("framework")["published"])

    def _by_basis(self) -> pd.DataFrame:
        if not hasattr(self, "_bases"):
            basis_scores = self.step.table(f"{self.remeasured.edition.id}/basis_scores")  # written by the scoring step
            self._bases = comparisons.activity_by_basis(self.published, basis_scores)
        return self._bases

    def scatter(self) -> None:
        fig = charts.remeasure_scatter(self.comparison, self.registry, {c.id: c.name for c in self.published.method.criteria})
        self.show(fig, "published_vs_remeasured")

    def reasons(self) -> str:
        return narrative_comparisons.parting_reasons(self.comparison, self.names)

    def overall_shift(self) -> str:
        n_common, n_dropped = comparisons.common_cells(self.published, self.remeasured)
        table = comparisons.like_for_like(self.published, self.remeasured)
        return narrative_comparisons.overall_shift(table, n_common, n_dropped, self.names)

    def write(self) -> str:
        return "staged " + self.step.write_table(self.comparison, f"{self.remeasured.edition.id}/comparison_with_2018")
