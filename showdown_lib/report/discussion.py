"""05 · Discussion: the result in words, what decides it, the post's own claims, doubts and citations."""
from __future__ import annotations

import pandas as pd

from .. import narrative
from .common import Presenter, md


class DiscussionReport(Presenter):
    def __init__(self, step) -> None:
        super().__init__(step)
        self.use_result(step.result())

    def headline(self) -> str:
        return narrative.headline(self.result.overall, self.result.categories, self.method, self.names)

    def active_ranking(self) -> str:
        """For a collected edition, the ranking among the frameworks still active on its date."""
        if self.edition.kind != "collected":
            return "The ranking above is the post's, as published; lifecycle marks apply to collected editions."
        statuses = {fw.id: fw.status_on(self.edition.as_of) for fw in self.registry
                    if fw.id in self.edition.cast and not fw.is_active(self.edition.as_of)}
        return narrative.active_ranking(self.result.overall, statuses, self.names, self.edition.as_of)

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
        from .. import published_review

        table = published_review.claims_table(self.result)
        if table.empty:
            md(f"Edition {self.edition.id} has no review file: there are no published claims to check.")
            return None
        md(narrative.claims_summary(table, self.edition.id))
        return table

    def doubts(self):
        from .. import published_review

        table = published_review.doubts_table(self.result, self.names)
        if table.empty:
            md("No published value is under doubt in this edition.")
            return None
        md(narrative.doubts_summary(table, published_review.off_scale(self.result)))
        return table

    def doubt_impact_text(self) -> str:
        """How the ranking moves if the doubtful values took the value the evidence suggests."""
        from .. import published_review

        data = published_review.load_review(self.result)
        n_alt = sum(d.get("suggested") is not None for d in data.get("doubts", []))
        revised = self.step.table("doubt_revised")  # scored by the scoring step
        if not n_alt or revised.empty:
            return "There is no suggested revision to test."
        return narrative.doubt_impact(revised, n_alt, self.names)

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
        from .. import published_review

        return super().write(published_review.claims_table(self.result), "claims")  # empty, with its columns, without a review file
