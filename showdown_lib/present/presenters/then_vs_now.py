"""06 · Then versus now: the first edition's podium beside today's, and what became of each framework."""
from __future__ import annotations

import pandas as pd

from ...method import comparisons
from .. import charts, narrative_comparisons, narrative_findings
from .common import Presenter, comparison_stamp


class ThenVsNow(Presenter):
    def __init__(self, step) -> None:
        super().__init__(step)
        # like with like: the rounds both editions score (current's Modern stack round is not in 2018)
        full_now = step.result(step.params["now_edition"])
        self.then, self.now = comparisons.like_with_like(step.result(step.params["then_edition"]), full_now)
        self.left_out = [full_now.method.round_name(r) for r in full_now.method.round_ids if r not in self.now.method.round_ids]
        self.table_ = comparisons.then_vs_now(self.then, self.now)
        self.fates_ = step.table(f"{self.now.edition.id}/fates").fillna("")  # written by the scoring step
        self.directions_ = step.table(f"{self.now.edition.id}/onnx_directions")  # written by the scoring step
        self.folder = f"{self.then.edition.id}-vs-{self.now.edition.id}"
        self.mark_lifecycle(self.now.edition)

    def stamp_context(self):
        return comparison_stamp(self.then, self.now)

    def table(self) -> pd.DataFrame:
        t = self.table_.copy()
        t["framework"] = t["framework"].map(self.names)
        return t.set_index("framework")

    def slope(self) -> None:
        fig = charts.slope(self.table_, self.registry, f"edition {self.then.edition.id}\n(as of {self.then.edition.as_of})",
                           f"edition {self.now.edition.id}\n(as of {self.now.edition.as_of})")
        self.show(fig, "rank_slope")

    def story(self) -> str:
        shared = [self.now.method.round_name(r) for r in self.now.method.round_ids]
        note = (f"Both editions are ranked here on the {len(shared)} rounds they share ({', '.join(shared)}); "
                f"{', '.join(self.left_out)} is left out, so today's scores and ranks here can differ from the edition's "
                "headline ranking. " if self.left_out else "")
        return note + narrative_comparisons.movement_sentences(self.table_, self.names)

    def fates(self) -> pd.DataFrame:
        return self.fates_.assign(framework=self.fates_["framework"].map(self.names)).set_index("framework")

    def fate_story(self) -> str:
        return narrative_comparisons.fate_sentences(self.fates_, self.names)

    def closing_questions(self) -> str:
        """The post's two closing questions asked of today's scores: the shape of the field, and its
        take-away of prototyping in one framework and deploying through ONNX in another."""
        return ("**Monoculture, triumvirate or plurality?** "
                + narrative_findings.field_shape(self.now.overall, self.then.overall, self.names)
                + "\n\n**Prototype in one, deploy through ONNX in another?** "
                + narrative_findings.onnx_takeaway(self.now.categories, self.names, self.lifecycle, self.directions_))

    def write(self) -> str:
        return "staged " + self.step.write_table(self.table_, f"{self.folder}/then_vs_now")
