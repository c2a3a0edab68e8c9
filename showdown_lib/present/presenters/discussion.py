"""05 · Discussion: the result in words, what decides it, the post's own claims, doubts and citations."""
from __future__ import annotations

import pandas as pd

from .. import narrative, narrative_findings
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
        from ...method.lifecycle import is_developed

        statuses = {r.framework: r.status for r in self.lifecycle.itertuples()
                    if r.framework in self.edition.cast and not is_developed(r.status)}
        return narrative.active_ranking(self.result.overall, statuses, self.names, self.edition.as_of)

    def deciding(self) -> tuple[str, pd.DataFrame]:
        r = self.result
        text, diff = narrative.deciding_criteria(r.criteria, r.categories, r.overall, self.method, self.names, r.weights)
        return text, diff.rename(columns={"criterion_name": "criterion"}).set_index("criterion")[["difference"]]

    def sensitivity(self) -> pd.DataFrame:
        """Input sensitivity: which single inputs, one step up or down (or a criterion on its other basis), move the
        podium or a tier boundary; the sentences, then the changes that move something."""
        if not hasattr(self, "sens"):
            self.sens = self.step.table(f"{self.edition.id}/sensitivity")  # written by the scoring step
            self.sens["boundaries_changed"] = self.sens["boundaries_changed"].fillna("").astype(str)
            for col in ("podium", "moved", "first", "framework"):
                self.sens[col] = self.sens[col].fillna("").astype(str)
            self.sens["podium_changed"] = self.sens["podium_changed"].astype(str).str.lower().isin(["true", "1", "1.0"])
        crit_names = {c.id: c.name for c in self.method.criteria}
        o = self.result.overall
        md(narrative_findings.podium_sensitivity(self.sens, o, self.names, crit_names) + "\n\n"
           + narrative_findings.tier_sensitivity(self.sens, o, self.names, crit_names))
        moving = self.sens[self.sens["podium_changed"] | (self.sens["boundaries_changed"] != "")].copy()
        moving["criterion"] = moving["criterion"].map(crit_names)
        moving["podium"] = moving["podium"].map(lambda p: ", ".join(self.names.get(f, f) for f in p.split("|")))
        moving["moved"] = moving["moved"].map(lambda p: ", ".join(self.names.get(f, f) for f in p.split("|") if f))
        return self.label(moving.drop(columns=["first"])).set_index(["framework", "criterion", "change"])

    def profiles(self) -> str:
        return narrative.profiles(self.result.categories, self.result.overall, self.method, self.names)

    def not_available(self) -> str:
        return narrative.not_available(self.result.criteria, self.method, self.names)

    def figure_notes(self) -> str:
        return narrative.figure_notes([(c.name, c.figures_note) for c in self.method.criteria])

    def claims(self):
        from ...method import published_review

        table = published_review.claims_table(self.result)
        if table.empty:
            md(f"Edition {self.edition.id} has no review file: there are no published claims to check.")
            return None
        md(narrative.claims_summary(table, self.edition.id))
        return table

    def doubts(self):
        from ...method import published_review

        table = published_review.doubts_table(self.result, self.names)
        if table.empty:
            md("No published value is under doubt in this edition.")
            return None
        md(narrative.doubts_summary(table, published_review.off_scale(self.result)))
        return table

    def doubt_impact_text(self) -> str:
        """How the ranking moves if the doubtful values took the value the evidence suggests."""
        from ...method import published_review

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
        from ...acquire.sources.curated import citations_table

        table = citations_table(cur["set"], frameworks=self.edition.cast)
        md(narrative.citations_summary(table))
        return self.label(table).set_index(["framework", "fact"])

    def write(self) -> str:
        from ...method import published_review

        return super().write(published_review.claims_table(self.result), "claims")  # empty, with its columns, without a review file
