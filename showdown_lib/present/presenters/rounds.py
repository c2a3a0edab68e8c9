"""01-03 · The three rounds: the method of a round, its scores, breakdown, tiers and what they say."""
from __future__ import annotations

import pandas as pd

from ...core import paths
from .. import charts, narrative
from .common import Presenter, md


class RoundReport(Presenter):
    def __init__(self, step, round_id: str) -> None:
        super().__init__(step)
        self.round_id = round_id
        self.use_result(step.result())

    def method_table(self) -> pd.DataFrame:
        t = self.method.table(self.result.bases)
        return t[t["id"].isin([c.id for c in self.method.criteria_of(self.round_id)])].drop(columns=["round"]).reset_index(drop=True)

    def figure_notes(self) -> str:
        return narrative.figure_notes([(c.name, c.figures_note) for c in self.method.criteria_of(self.round_id)])

    def scores(self) -> pd.DataFrame:
        """framework x criterion scores of the round, with the category score and its tier, best first."""
        crit = self.result.criteria[self.result.criteria["round"] == self.round_id]
        wide = crit.pivot(index="framework", columns="criterion", values="score")[[c.id for c in self.method.criteria_of(self.round_id)]]
        bases = self.result.bases  # a criterion measured on one of several bases says which
        wide.columns = [self.method.criterion(c).name + (f" ({bases[c]} basis)" if c in bases else "") for c in wide.columns]
        cat = self.result.categories[self.result.categories["category"] == self.round_id].set_index("framework")
        wide["category score"] = cat["score"]
        wide["n criteria"] = cat["n_criteria"]
        wide["tier"] = cat["tier"]
        wide = wide.sort_values(["category score"], ascending=False, kind="stable")
        wide.index = wide.index.map(self.names)
        wide.index.name = "framework"
        return wide

    def measured_vs_curated(self) -> pd.DataFrame:
        """Cells of this round where a measurement and a curated fact both exist, and the rule that chose one."""
        from ...method.raw_values import measured_vs_curated

        return self.label(measured_vs_curated(self.result, self.round_id))

    def breakdown(self) -> None:
        fig = charts.criteria_breakdown(self.result.criteria, self.result.categories, self.round_id, self.method, self.all_frameworks)
        self.show(fig, f"{self.round_id}_criteria")

    def strip(self) -> None:
        fig = charts.category_strip(self.result.categories, self.round_id, self.method, self.all_frameworks, self.result.criteria)
        self.show(fig, f"{self.round_id}_category")

    def story(self) -> str:
        cats = self.result.categories[self.result.categories["category"] == self.round_id]
        crit = self.result.criteria[self.result.criteria["round"] == self.round_id]
        return narrative.round_story(cats, crit, self.method.round_name(self.round_id),
                                     {c.id: c.name for c in self.method.criteria_of(self.round_id)}, self.names)

    def write(self) -> str:
        crit = self.result.criteria[self.result.criteria["round"] == self.round_id]
        return super().write(crit, f"round_{self.round_id}")

    # -- the OOTB-ops sample and probe (round two) ------------------------------------------------
    def ops_sample(self) -> pd.DataFrame:
        """The 32-op sample behind the OOTB ops criterion (data/raw/ootb_ops.yaml)."""
        from ...core.fileio import read_yaml

        data = read_yaml(paths.raw_dir() / "ootb_ops.yaml")
        return pd.DataFrame(data["ops"]).rename(columns={"id": "op"}).set_index("op")

    def _probe(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The probe's observations and per-op points, as the scoring step wrote them (empty without a probe)."""
        obs = self.step.table("probe_observations", dtype=str, keep_default_na=False, na_values=[""])
        ops = self.step.table("probe_ops")
        if not obs.empty:  # a shortlist (-p cast=[...]) speaks of its frameworks only
            obs = obs[obs["framework"].isin(self.edition.cast)]
        if not ops.empty:
            ops = ops[ops["framework"].isin(self.edition.cast)]
        return obs, ops

    def probe_status(self):
        """Per framework: measured, attempted but failed, or not attempted (with why), and each measured value."""
        from ...acquire.probe.report import probe_status

        obs, _ops = self._probe()
        if obs.empty:
            md("This edition has no probe snapshot.")
            return None
        cols = ["status", "framework_version", "graph_building", "onnx_support", "scalability", "numerics_coverage", "why"]
        status = probe_status(obs.drop(columns="snapshot"))
        return status[[c for c in cols if c in status]].rename(index=lambda f: self.names.get(f, f))

    def ops_probe(self):
        """Points per op and framework as measured by the probe, where this edition has a probe snapshot."""
        observations, table = self._probe()
        if observations.empty:
            md("This edition has no probe snapshot: its OOTB ops scores are published or curated.")
            return None
        md(narrative.probe_summary(table, observations, observations["snapshot"].iloc[0], self.names))
        grid = table.pivot(index="op", columns="framework", values="points").reindex(index=self.ops_sample().index)
        grid = grid.dropna(axis=1, how="all")  # a framework without a single result was not probed: no column of zeros
        grid.columns = [self.names.get(c, c) for c in grid.columns]
        return grid
