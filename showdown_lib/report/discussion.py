"""05 · Discussion: the result in words, what decides it, the post's own claims, doubts and citations."""
from __future__ import annotations

import pandas as pd

from .. import narrative
from .common import Presenter, md


class DiscussionReport(Presenter):
    def __init__(self, step) -> None:
        super().__init__(step)
        self.result = step.result()
        self.edition = self.result.edition
        self.method = self.result.method

    def headline(self) -> str:
        return narrative.headline(self.result.overall, self.result.categories, self.method, self.names)

    def deciding(self) -> tuple[str, pd.DataFrame]:
        r = self.result
        text, diff = narrative.deciding_criteria(r.criteria, r.categories, r.overall, self.method, self.names, r.weights)
        return text, diff.rename(columns={"criterion_name": "criterion"}).set_index("criterion")[["difference"]]

    def profiles(self) -> str:
        return narrative.profiles(self.result.categories, self.result.overall, self.method, self.names)

    def not_available(self) -> str:
        return narrative.not_available(self.result.criteria, self.method, self.names)

    def figure_notes(self) -> str:
        return narrative.figure_notes([(c.name, c.figures_note) for c in self.method.criteria])

    def claims(self):
        from .. import review

        table = review.claims_table(self.result)
        if table.empty:
            md(f"Edition {self.edition.id} has no review file: there are no published claims to check.")
            return None
        md(narrative.claims_summary(table, self.edition.id))
        return table

    def doubts(self):
        from .. import review

        table = review.doubts_table(self.result, self.names)
        if table.empty:
            md("No published value is under doubt in this edition.")
            return None
        md(narrative.doubts_summary(table, review.off_scale(self.result)))
        return table

    def doubt_impact_text(self) -> str:
        """How the ranking moves if the doubtful values took the value the evidence suggests."""
        from .. import review

        data = review.load_review(self.result)
        alt = {(d["framework"], d["criterion"]): float(d["suggested"]) for d in data.get("doubts", []) if d.get("suggested") is not None}
        if not alt:
            return "There is no suggested revision to test."
        return narrative.doubt_impact(review.doubt_impact(self.result, alt), len(alt), self.names)

    def citations(self):
        """The curated facts behind this edition, one citation per value (collected editions)."""
        cur = self.edition.inputs.get("curated")
        if not (isinstance(cur, dict) and cur.get("set")):
            md("This edition uses no curated facts.")
            return None
        from ..sources.curated import citations_table

        table = citations_table(cur["set"], frameworks=self.edition.cast)
        md(narrative.citations_summary(table))
        return self.label(table).set_index(["framework", "fact"])

    def write(self) -> str:
        from .. import review

        return super().write(review.claims_table(self.result), "claims")  # empty, with its columns, without a review file
