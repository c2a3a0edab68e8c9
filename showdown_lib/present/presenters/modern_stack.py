"""10 · Round four, Modern stack: its scores and evidence, today's ranking with and without it, and which
criteria still separate the active frameworks."""
from __future__ import annotations

import pandas as pd

from ...method import modern_stack as ms
from .. import charts, charts_modern, narrative, narrative_modern
from .common import Presenter, md

ROUND = ms.ROUND


class ModernStack(Presenter):
    def __init__(self, step) -> None:
        super().__init__(step)
        self.use_result(step.result(step.params["now_edition"]))
        self.has_round = ROUND in self.method.round_ids
        table = lambda name: step.table(f"{self.edition.id}/{name}")  # noqa: E731 - the scoring step's tables
        self.acc, self.hub = table("modern_accelerators"), table("modern_model_hub")
        self.probe_obs, self.deploy = table("modern_probe_observations"), table("modern_deployment")
        self.cast = list(self.result.overall["framework"])
        self.active = ms.active_ids(self.result, getattr(self, "lifecycle", None))
        self.folder = self.edition.id

    # -- the round ---------------------------------------------------------------------------------
    def method_table(self) -> pd.DataFrame:
        t = self.method.table(self.result.bases)
        return t[t["round"] == self.method.round_name(ROUND)].drop(columns=["round"]).reset_index(drop=True) if self.has_round else t.iloc[:0]

    def scores(self) -> pd.DataFrame:
        crit = self.result.criteria[self.result.criteria["round"] == ROUND]
        ids = [c.id for c in self.method.criteria_of(ROUND)]
        wide = crit.pivot(index="framework", columns="criterion", values="score").reindex(columns=ids)
        wide.columns = [self.method.criterion(c).name for c in ids]
        cat = self.result.categories[self.result.categories["category"] == ROUND].set_index("framework")
        wide["category score"], wide["n criteria"], wide["tier"] = cat["score"], cat["n_criteria"], cat["tier"]
        wide = wide.sort_values("category score", ascending=False, kind="stable")
        wide.index = wide.index.map(self.names)
        wide.index.name = "framework"
        return wide

    def breakdown(self) -> None:
        self.show(charts.criteria_breakdown(self.result.criteria, self.result.categories, ROUND, self.method, self.all_frameworks),
                  f"{ROUND}_criteria")

    def strip(self) -> None:
        self.show(charts.category_strip(self.result.categories, ROUND, self.method, self.all_frameworks), f"{ROUND}_category")

    def story(self) -> str:
        cats = self.result.categories[self.result.categories["category"] == ROUND]
        crit = self.result.criteria[self.result.criteria["round"] == ROUND]
        story = narrative.round_story(cats, crit, self.method.round_name(ROUND),
                                      {c.id: c.name for c in self.method.criteria_of(ROUND)}, self.names)
        unequal = narrative_modern.coverage_sentence(crit, self.method, self.active, self.names)
        return story + ("\n\n" + unequal if unequal else "")

    # -- the evidence ------------------------------------------------------------------------------
    def _named(self, frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            md("This edition has no snapshot for this table.")
            return frame
        out = frame.copy()
        out.index = out.index.map(lambda f: self.names.get(f, f))
        out.index.name = "framework"
        return out

    def accelerators(self) -> pd.DataFrame:
        return self._named(ms.accelerator_grid(self.acc, self.cast))

    def model_hub(self) -> pd.DataFrame:
        return self._named(ms.model_hub_grid(self.hub, self.cast))

    def probe(self) -> pd.DataFrame:
        return self._named(ms.probe_table(self.probe_obs, self.cast))

    def deployment(self) -> pd.DataFrame:
        t = self.deploy
        return t.assign(framework=t["framework"].map(lambda f: self.names.get(f, f))).set_index("framework") if len(t) else self._named(t)

    def cpu_table(self) -> pd.DataFrame:
        return ms.cpu_speed_table(self.probe_obs, self.cast)

    def cpu_chart(self) -> None:
        self.show(charts_modern.cpu_speed(self.cpu_table(), self.all_frameworks), "cpu_speed")

    def cpu_story(self) -> str:
        return narrative_modern.cpu_speed_sentence(self.cpu_table(), self.names)

    # -- with and without, and the spread ----------------------------------------------------------
    def with_without(self) -> pd.DataFrame:
        return ms.with_without(self.result, ROUND)

    def with_without_chart(self) -> None:
        self.show(charts_modern.with_without(self.with_without(), self.all_frameworks, self.method.round_name(ROUND)),
                  "with_without_modern")

    def with_without_story(self) -> str:
        return narrative_modern.with_without_sentences(self.with_without(), self.names, self.method.round_name(ROUND))

    def spread(self) -> pd.DataFrame:
        return ms.criterion_spread(self.result, self.active)

    def spread_chart(self) -> None:
        self.show(charts_modern.criterion_spread(self.spread(), self.method), "criterion_spread")

    def spread_story(self) -> str:
        return narrative_modern.spread_sentences(self.spread(), self.method.standing_round_ids)

    def podiums(self) -> pd.DataFrame:
        return ms.round_podiums(self.result, self.active)

    def podium_story(self) -> str:
        p = self.podiums()
        for col in ("podium", "podium_without"):
            p[col] = p[col].map(lambda s: " > ".join(self.names.get(f, f) for f in s.split(" > ")) if s else s)
        return narrative_modern.podium_sentences(p)

    def write(self) -> str:
        crit = self.result.criteria[self.result.criteria["round"] == ROUND]
        return "staged " + "; ".join([
            self.step.write_table(crit, f"{self.folder}/round_{ROUND}"),
            self.step.write_table(self.with_without(), f"{self.folder}/with_without_modern"),
            self.step.write_table(self.spread(), f"{self.folder}/criterion_spread"),
            self.step.write_table(self.podiums(), f"{self.folder}/podium_by_round"),
            self.step.write_table(self.cpu_table(), f"{self.folder}/cpu_speed"),
        ])
