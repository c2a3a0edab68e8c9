"""What the notebooks call: one :class:`Report` per edition, each method a step of the narrative.

A notebook holds the parameters, the prose and one call per table, chart or computed paragraph;
everything else lives here, once. Figures are shown inline and saved under
``reports/figures/<edition>/`` as PNG and SVG; tables are written under ``data/processed/<edition>/``.
"""
from __future__ import annotations

import datetime as dt
import platform
import subprocess
from importlib import metadata
from typing import Any, Mapping

import matplotlib.pyplot as plt
import pandas as pd

from . import charts, narrative, narrative_beyond, paths
from .editions import EditionResult, score_edition, write_processed
from .fileio import atomic_write_csv
from .registry import load_registry

pd.set_option("display.precision", 1)
pd.set_option("display.max_columns", 30)
pd.set_option("display.width", 160)


def _display(obj: Any) -> None:
    try:
        from IPython.display import display

        display(obj)
    except ImportError:  # outside IPython: print
        print(obj)


def md(text: str) -> None:
    """Show computed Markdown."""
    try:
        from IPython.display import Markdown

        _display(Markdown(text))
    except ImportError:
        print(text)


class Report:
    """The scored edition plus helpers that render one step of the report each."""

    def __init__(
        self,
        edition: str = "2018",
        n_tiers: int = 0,
        criterion_weights: Mapping[str, float] | None = None,
        category_weights: Mapping[str, float] | None = None,
        save_figures: bool = True,
    ) -> None:
        self.result: EditionResult = score_edition(
            edition, criterion_weights or None, category_weights or None, n_tiers or None
        )
        self.edition = self.result.edition
        self.method = self.result.method
        registry = load_registry()
        by_id = {fw.id: fw for fw in registry}
        self.frameworks = [by_id[i] for i in self.edition.cast]
        self.all_frameworks = registry  # colours are fixed over the whole registry
        self.names = {fw.id: fw.name for fw in registry}
        self.save_figures = save_figures

    # -- output helpers ---------------------------------------------------------------------
    def show(self, fig, name: str) -> None:
        """Save ``fig`` (PNG and SVG) when saving is on, show it inline, and close it."""
        show(fig, self.edition.id, name, self.save_figures)

    def write(self, frame: pd.DataFrame, name: str) -> str:
        path = atomic_write_csv(paths.processed_dir(self.edition.id) / f"{name}.csv", frame)
        return f"wrote data/processed/{self.edition.id}/{path.name} ({len(frame)} rows)"

    def label(self, frame: pd.DataFrame, column: str = "framework") -> pd.DataFrame:
        out = frame.copy()
        out[column] = out[column].map(self.names)
        return out

    # -- 00 collect ---------------------------------------------------------------------------
    def describe_edition(self) -> str:
        e = self.edition
        return narrative.describe_edition(e.id, e.title, e.as_of, len(e.cast), e.kind, e.inputs, self._source_records(),
                                          [c for c in self.method.criterion_ids if c not in e.inputs.get("measure", [])])

    def _source_records(self) -> list[dict]:
        """One record per snapshot source of a collected edition: its provenance, or why there is none."""
        from .fileio import read_json
        from .measures import resolve_snapshots

        e = self.edition
        if e.kind != "collected":
            return []
        out = []
        for source, snap in resolve_snapshots(e).items():
            spec = e.inputs.get(source)
            if spec is None:
                continue
            if snap is None:
                out.append({"source": source, "reason": spec.get("unavailable") if isinstance(spec, dict) else None})
                continue
            out.append({"source": source, **read_json(paths.snapshots_dir(source) / snap / "provenance.json")})
        return out

    def cast_table(self) -> pd.DataFrame:
        rows = [{"framework": fw.name, "association": fw.association, "first release": fw.first_release,
                 "numerics": fw.numerics, "repository": ", ".join(r.url + (f" ({r.path})" if r.path else "") for r in fw.repositories)}
                for fw in self.frameworks]
        return pd.DataFrame(rows)

    def inputs_wide(self) -> pd.DataFrame:
        """framework x criterion grid of the inputs: the raw value where there is one, else the published score."""
        raw = self.result.raw.copy()
        raw["shown"] = raw["raw_value"].where(raw["raw_value"].notna(), raw.get("published_score"))
        wide = raw.pivot(index="framework", columns="criterion", values="shown").reindex(columns=self.method.criterion_ids)
        wide.index = wide.index.map(self.names)
        return wide

    def coverage(self) -> pd.DataFrame:
        """One row per framework x criterion: how the input was obtained, and as of when."""
        from .measures import coverage

        return coverage(self.result)

    def coverage_summary(self) -> str:
        return narrative.coverage_summary(self.coverage())

    def coverage_chart(self) -> None:
        cov = self.coverage()
        cov = cov.assign(criterion=cov["criterion"].map(lambda c: self.method.criterion(c).name))
        fig = charts.coverage_matrix(cov, self.all_frameworks, f"Where each input of edition {self.edition.id} comes from")
        self.show(fig, "coverage")

    def missing_table(self) -> pd.DataFrame:
        cov = self.coverage()
        miss = cov[cov["origin"] == "missing"][["framework", "criterion", "reason"]]
        return self.label(miss).reset_index(drop=True)

    def write_inputs(self) -> str:
        a = self.write(self.result.raw, "inputs")
        b = self.write(self.coverage(), "coverage")
        return a + "; " + b

    def figure_notes(self, round_id: str | None = None) -> str:
        crits = self.method.criteria_of(round_id) if round_id else list(self.method.criteria)
        return narrative.figure_notes([(c.name, c.figures_note) for c in crits])

    # -- rounds -------------------------------------------------------------------------------
    def round_method(self, round_id: str) -> pd.DataFrame:
        t = self.method.table()
        return t[t["id"].isin([c.id for c in self.method.criteria_of(round_id)])].drop(columns=["round"]).reset_index(drop=True)

    def round_scores(self, round_id: str) -> pd.DataFrame:
        """framework x criterion scores of a round, with the category score and its tier, best first."""
        crit = self.result.criteria[self.result.criteria["round"] == round_id]
        wide = crit.pivot(index="framework", columns="criterion", values="score")[[c.id for c in self.method.criteria_of(round_id)]]
        wide.columns = [self.method.criterion(c).name for c in wide.columns]
        cat = self.result.categories[self.result.categories["category"] == round_id].set_index("framework")
        wide["category score"] = cat["score"]
        wide["n criteria"] = cat["n_criteria"]
        wide["tier"] = cat["tier"]
        wide = wide.sort_values(["category score"], ascending=False, kind="stable")
        wide.index = wide.index.map(self.names)
        wide.index.name = "framework"
        return wide

    def round_breakdown(self, round_id: str) -> None:
        fig = charts.criteria_breakdown(self.result.criteria, self.result.categories, round_id, self.method, self.all_frameworks)
        self.show(fig, f"{round_id}_criteria")

    def round_strip(self, round_id: str) -> None:
        fig = charts.category_strip(self.result.categories, round_id, self.method, self.all_frameworks)
        self.show(fig, f"{round_id}_category")

    def round_story(self, round_id: str) -> str:
        r = self.result
        return narrative.round_story(r.categories[r.categories["category"] == round_id], r.criteria[r.criteria["round"] == round_id],
                                     self.method.round_name(round_id), {c.id: c.name for c in self.method.criteria_of(round_id)}, self.names)

    def write_round(self, round_id: str) -> str:
        crit = self.result.criteria[self.result.criteria["round"] == round_id]
        return self.write(crit, f"round_{round_id}")

    def ops_sample(self) -> pd.DataFrame:
        """The 32-op sample behind the OOTB ops criterion (data/raw/ootb_ops.yaml)."""
        from .fileio import read_yaml

        data = read_yaml(paths.raw_dir() / "ootb_ops.yaml")
        return pd.DataFrame(data["ops"]).rename(columns={"id": "op"}).set_index("op")

    def ops_probe(self):
        """Points per op and framework as measured by the probe, where this edition has a probe snapshot."""
        from .measures import resolve_snapshots

        snap = resolve_snapshots(self.edition).get("ops_probe") if self.edition.kind == "collected" else None
        if snap is None:
            md("This edition has no probe snapshot: its OOTB ops scores are published or curated.")
            return None
        folder = paths.snapshots_dir("ops_probe") / snap
        table, observations = pd.read_csv(folder / "ops.csv"), pd.read_csv(folder / "observations.csv")
        md(narrative.probe_summary(table, observations, snap, self.names))
        grid = table.pivot(index="op", columns="framework", values="points").reindex(index=self.ops_sample().index)
        grid = grid.dropna(axis=1, how="all")  # a framework without a single result was not probed: no column of zeros
        grid.columns = [self.names.get(c, c) for c in grid.columns]
        return grid

    # -- 04 aggregate -------------------------------------------------------------------------
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

    def weights_table(self) -> pd.DataFrame:
        w = self.result.weights
        rows = [{"kind": "category", "name": self.method.round_name(k), "weight": v} for k, v in w["category"].items()]
        rows += [{"kind": "criterion", "name": self.method.criterion(k).name, "weight": v} for k, v in w["criterion"].items()]
        return pd.DataFrame(rows)

    def podium(self) -> None:
        self.show(charts.podium(self.result.overall, self.all_frameworks, f"Overall score, edition {self.edition.id}"), "overall_podium")

    def radar(self) -> None:
        self.show(charts.radar_by_tier(self.result.categories, self.result.overall, self.method, self.all_frameworks), "radar_by_tier")

    def contributions_chart(self) -> None:
        table = narrative.contributions(self.result.criteria, self.method, self.result.weights)
        self.show(charts.contributions(table, self.result.overall, self.method, self.all_frameworks), "overall_contributions")

    def write_contract(self) -> str:
        written = write_processed(self.result)
        return "wrote " + ", ".join(f"data/processed/{self.edition.id}/{p.name}" for p in written.values())

    # -- 05 discussion ------------------------------------------------------------------------
    def headline(self) -> str:
        return narrative.headline(self.result.overall, self.result.categories, self.method, self.names)

    def deciding(self) -> tuple[str, pd.DataFrame]:
        r = self.result
        text, diff = narrative.deciding_criteria(r.criteria, r.categories, r.overall, self.method, self.names, r.weights)
        return text, diff.rename(columns={"criterion_name": "criterion"}).set_index("criterion")[["difference"]]

    def not_available(self) -> str:
        return narrative.not_available(self.result.criteria, self.method, self.names)

    def claims(self):
        from . import review

        table = review.claims_table(self.result)
        md(narrative.claims_summary(table, self.edition.id))
        return None if table.empty else table

    def doubts(self):
        from . import review

        table = review.doubts_table(self.result, self.names)
        md(narrative.doubts_summary(table, review.off_scale(self.result)))
        return None if table.empty else table

    def doubt_impact_text(self) -> str:
        """How the ranking moves if the doubtful values took the value the evidence suggests."""
        from . import review

        data = review.load_review(self.result)
        alt = {(d["framework"], d["criterion"]): float(d["suggested"]) for d in data.get("doubts", []) if d.get("suggested") is not None}
        table = review.doubt_impact(self.result, alt) if alt else pd.DataFrame()
        return narrative.doubt_impact(table, len(alt), self.names)

    def citations(self):
        """The curated facts behind this edition, one citation per value (collected editions)."""
        cur = self.edition.inputs.get("curated")
        if not (isinstance(cur, dict) and cur.get("set")):
            md("This edition uses no curated facts.")
            return None
        from .sources.curated import citations_table

        table = citations_table(cur["set"], frameworks=self.edition.cast)
        md(narrative.citations_summary(table))
        return self.label(table).set_index(["framework", "fact"])

    def write_discussion(self) -> str:
        from . import review

        parts = [self.write(narrative.contributions(self.result.criteria, self.method, self.result.weights).reset_index(), "contributions")]
        claims = review.claims_table(self.result)
        if not claims.empty:
            parts.append(self.write(claims, "claims"))
        return "; ".join(parts)

    def profiles(self) -> str:
        return narrative.profiles(self.result.categories, self.result.overall, self.method, self.names)


def environment_record() -> pd.DataFrame:
    """Package versions and the git revision the notebook ran with (the report's last cell)."""
    rows = [{"item": "python", "version": platform.python_version()}]
    for pkg in ("showdown", "pandas", "numpy", "matplotlib", "seaborn", "papermill", "requests"):
        try:
            rows.append({"item": pkg, "version": metadata.version(pkg)})
        except metadata.PackageNotFoundError:
            rows.append({"item": pkg, "version": "not installed"})
    try:
        rev = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=paths.project_root(), capture_output=True,
                             text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        rev = "unknown"
    rows.append({"item": "git revision", "version": rev})
    rows.append({"item": "run at (UTC)", "version": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")})
    return pd.DataFrame(rows).set_index("item")


def show(fig, figures_for: str, name: str, save: bool = True) -> None:
    """Save ``fig`` under reports/figures/<figures_for>/ (PNG and SVG) when ``save``, show it, close it."""
    if save:
        charts.save_figure(fig, figures_for, name)
    _display(fig)
    plt.close(fig)


def _names() -> tuple[list, dict[str, str]]:
    registry = load_registry()
    return registry, {fw.id: fw.name for fw in registry}


class ThenVsNow:
    """06: the first edition's podium beside today's, and what became of each framework."""

    def __init__(self, then_edition: str = "2018", now_edition: str = "current", save_figures: bool = True):
        from . import beyond

        self.then, self.now = score_edition(then_edition), score_edition(now_edition)
        self.registry, self.names = _names()
        self.save = save_figures
        self.table_ = beyond.then_vs_now(self.then, self.now)
        self.fates_ = beyond.fates(self.now)
        self.folder = f"{then_edition}-vs-{now_edition}"

    def table(self) -> pd.DataFrame:
        t = self.table_.copy()
        t["framework"] = t["framework"].map(self.names)
        return t.set_index("framework")

    def slope(self) -> None:
        fig = charts.slope(self.table_, self.registry, f"edition {self.then.edition.id}\n(as of {self.then.edition.as_of})",
                           f"edition {self.now.edition.id}\n(as of {self.now.edition.as_of})")
        show(fig, self.folder, "rank_slope", self.save)

    def story(self) -> str:
        return narrative_beyond.movement_sentences(self.table_, self.names)

    def fates(self) -> pd.DataFrame:
        return self.fates_.assign(framework=self.fates_["framework"].map(self.names)).set_index("framework")

    def fate_story(self) -> str:
        return narrative_beyond.fate_sentences(self.fates_, self.names)

    def write(self) -> str:
        folder = paths.processed_dir(self.folder)
        atomic_write_csv(folder / "then_vs_now.csv", self.table_)
        atomic_write_csv(folder / "fates.csv", self.fates_)
        return f"wrote data/processed/{self.folder}/then_vs_now.csv and fates.csv"


class StabilityReport:
    """07: how robust the ranking is to the weights."""

    def __init__(self, edition: str, criterion_weights=None, category_weights=None, concentration: float = 50.0,
                 n_samples: int = 100_000, seed: int = 0, save_figures: bool = True):
        from .stability import rank_stability

        self.result = score_edition(edition, criterion_weights or None, category_weights or None)
        self.registry, self.names = _names()
        self.save = save_figures
        self.stab = rank_stability(self.result.criteria, self.result.method, criterion_weights or None,
                                   category_weights or None, n_samples=n_samples, concentration=concentration, seed=seed)

    def summary(self) -> pd.DataFrame:
        s = self.stab.summary.copy()
        s["framework"] = s["framework"].map(self.names)
        return s.set_index("framework")

    def chart(self) -> None:
        fig = charts.rank_stability(self.stab.rank_probability, self.stab.summary, self.registry,
                                    f"Rank probabilities, edition {self.result.edition.id} "
                                    f"({self.stab.n_samples:,} draws, concentration {self.stab.concentration:g})")
        show(fig, self.result.edition.id, "rank_stability", self.save)

    def story(self) -> str:
        return narrative_beyond.stability_story(self.stab.summary, self.stab.rank_probability, self.stab.n_samples, self.names)

    def write(self) -> str:
        folder = paths.processed_dir(self.result.edition.id)
        atomic_write_csv(folder / "rank_stability.csv", self.stab.summary)
        prob = self.stab.rank_probability.reset_index().rename(columns={"index": "framework"})
        prob.columns = [str(c) for c in prob.columns]
        atomic_write_csv(folder / "rank_probability.csv", prob)
        return f"wrote data/processed/{self.result.edition.id}/rank_stability.csv and rank_probability.csv"


class RemeasuredReport:
    """08: the 2018 figures beside what the histories say about the same date."""

    def __init__(self, published_edition: str = "2018", remeasured_edition: str = "2018-remeasured", save_figures: bool = True):
        from . import beyond

        self.published, self.remeasured = score_edition(published_edition), score_edition(remeasured_edition)
        self.registry, self.names = _names()
        self.save = save_figures
        self.comparison = beyond.remeasured_comparison(self.published, self.remeasured)

    def describe(self) -> str:
        e = self.remeasured.edition
        return narrative_beyond.describe_remeasured(e.id, e.as_of, e.description, e.inputs.get("measure", []))

    def table(self) -> pd.DataFrame:
        c = self.comparison.copy()
        c["framework"] = c["framework"].map(self.names)
        return c[["framework", "criterion", "published", "remeasured", "difference", "raw_value"]].set_index(["criterion", "framework"])

    def agreement(self) -> pd.DataFrame:
        from . import beyond

        return beyond.agreement(self.comparison).set_index("criterion")

    def scatter(self) -> None:
        fig = charts.remeasure_scatter(self.comparison, self.registry, {c.id: c.name for c in self.published.method.criteria})
        show(fig, self.remeasured.edition.id, "published_vs_remeasured", self.save)

    def reasons(self) -> str:
        return narrative_beyond.parting_reasons(self.comparison, self.names)

    def overall_shift(self) -> str:
        from . import beyond

        n_common, n_dropped = beyond.common_cells(self.published, self.remeasured)
        table = beyond.like_for_like(self.published, self.remeasured)
        return narrative_beyond.overall_shift(table, n_common, n_dropped, self.names)

    def write(self) -> str:
        atomic_write_csv(paths.processed_dir(self.remeasured.edition.id) / "comparison_with_2018.csv", self.comparison)
        return f"wrote data/processed/{self.remeasured.edition.id}/comparison_with_2018.csv"


class HardwareGap:
    """09: GPU cores against framework releases, per year."""

    def __init__(self, now_edition: str = "current", save_figures: bool = True):
        from . import beyond

        self.cores = beyond.gpu_cores()
        self.releases = beyond.releases_per_year(now_edition)
        self.save = save_figures
        self.edition = now_edition

    def table(self) -> pd.DataFrame:
        merged = self.cores[["year", "gpu", "cores", "segment"]].merge(self.releases, on="year", how="outer").sort_values("year")
        return merged.set_index("year")

    def chart(self) -> None:
        show(charts.hardware_gap(self.cores, self.releases), "hardware-gap", "hardware_software_gap", self.save)

    def story(self) -> str:
        return narrative_beyond.gap_sentences(self.cores, self.releases)

    def write(self) -> str:
        atomic_write_csv(paths.processed_dir("hardware-gap") / "gpu_cores_and_releases.csv", self.table().reset_index())
        return "wrote data/processed/hardware-gap/gpu_cores_and_releases.csv"
