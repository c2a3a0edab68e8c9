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

from . import charts, narrative, paths
from .editions import EditionResult, score_edition, write_processed
from .fileio import atomic_write_csv
from .registry import load_registry

pd.set_option("display.precision", 1)
pd.set_option("display.max_columns", 30)
pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", None)  # tables show their full text


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
        lines = [f"**Edition `{e.id}`**: {e.title}. As of {e.as_of}; {len(e.cast)} frameworks; kind: {e.kind}."]
        if e.kind == "collected":
            lines.append(self._describe_sources())
            return "\n".join(lines)
        for name, spec in e.inputs.items():
            if isinstance(spec, dict):
                bits = [f"source: {spec['source']}" if spec.get("source") else "", f"method: {spec['method']}" if spec.get("method") else "",
                        f"retrieved {spec['retrieved']}" if spec.get("retrieved") else "", f"as of {spec['as_of']}" if spec.get("as_of") else ""]
                lines.append(f"- `{name}`: " + "; ".join(b for b in bits if b))
            else:
                lines.append(f"- `{name}`: {spec}")
        return "\n".join(lines)

    def _describe_sources(self) -> str:
        from .fileio import read_json
        from .measures import resolve_snapshots

        e = self.edition
        out = []
        for source, snap in resolve_snapshots(e).items():
            spec = e.inputs.get(source)
            if spec is None:
                continue
            if snap is None:
                reason = spec.get("unavailable") if isinstance(spec, dict) else None
                out.append(f"- `{source}`: no snapshot; {reason or 'not used by this edition'}.")
                continue
            prov = read_json(paths.snapshots_dir(source) / snap / "provenance.json")
            out.append(f"- `{source}`: snapshot as of {prov['as_of']}, retrieved {prov['retrieved_at']} by collector "
                       f"v{prov['collector_version']} ({prov['n_ok']} values, {prov['n_missing']} missing). Method: {prov['method']}")
        cur = e.inputs.get("curated")
        if isinstance(cur, dict) and cur.get("set"):
            out.append(f"- `curated`: the facts in `data/raw/curated/{cur['set']}/`, one citation per value (listed in the discussion notebook).")
        if e.inputs.get("published_fallback"):
            out.append(f"- criteria not re-measured ({', '.join(c for c in self.method.criterion_ids if c not in e.inputs.get('measure', []))}) "
                       f"keep the published scores of edition `{e.inputs['published_fallback']}`.")
        return "\n".join(out)

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
        cov = self.coverage()
        counts = cov["origin"].value_counts()
        parts = [f"{n} {k}" for k, n in counts.items()]
        return (f"{len(cov)} framework x criterion inputs for {cov.framework.nunique()} frameworks: " + ", ".join(parts) + ".")

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
        notes = [f"- **{c.name}**: {c.figures_note}" for c in crits if c.figures_note]
        if not notes:
            return "The published figures and the post's text agree on the scales of this round."
        return "Where the published figures and the post's text disagree on a scale, we follow the figures:\n\n" + "\n".join(notes)

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
        cats = self.result.categories[self.result.categories["category"] == round_id]
        crit = self.result.criteria[self.result.criteria["round"] == round_id]
        text = [narrative.tiers(cats, self.names, self.method.round_name(round_id))]
        for c in self.method.criteria_of(round_id):
            part = crit[(crit.criterion == c.id) & (crit.status == "value")].sort_values(["score", "framework"], ascending=[False, True])
            if part.empty:
                text.append(f"- {c.name}: not available for any framework.")
                continue
            top = part[part.score == part.score.iloc[0]]
            low = part[part.score == part.score.iloc[-1]]
            text.append(f"- {c.name}: best {narrative.join_words([self.names[f] for f in top.framework])} ({part.score.iloc[0]:.0f}), "
                        f"lowest {narrative.join_words([self.names[f] for f in low.framework])} ({part.score.iloc[-1]:.0f}); "
                        f"median {part.score.median():.0f}.")
        na = crit[crit.status != "value"]
        if len(na):
            text.append("\nNot available (left out of the mean, marked n/a): " +
                        narrative.join_words([f"{self.names[f]} ({self.method.criterion(c).name})" for f, c in zip(na.framework, na.criterion)]) + ".")
        return "\n".join(text)

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
        table = pd.read_csv(paths.snapshots_dir("ops_probe") / snap / "ops.csv")
        grid = table.pivot(index="op", columns="framework", values="points").reindex(index=self.ops_sample().index)
        grid.columns = [self.names.get(c, c) for c in grid.columns]
        total = grid.sum()
        md(f"The probe ran for {grid.shape[1]} frameworks (snapshot {snap}): " +
           ", ".join(f"{n} {v:g}" for n, v in total.sort_values(ascending=False).items()) +
           " points of 32. 1 = a public API that resolved and ran, 0.5 = composed from public ops, 0 = absent.")
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
        r = self.result
        return "\n\n".join([
            narrative.podium(r.overall, self.names),
            narrative.tiers(r.overall, self.names),
            "Category leaders:\n\n" + narrative.category_leaders(r.categories, self.method, self.names),
        ])

    def deciding(self) -> tuple[str, pd.DataFrame]:
        r = self.result
        text, diff = narrative.deciding_criteria(r.criteria, r.categories, r.overall, self.method, self.names, r.weights)
        return text, diff.rename(columns={"criterion_name": "criterion"}).set_index("criterion")[["difference"]]

    def not_available(self) -> str:
        return narrative.not_available(self.result.criteria, self.method, self.names)

    def claims(self):
        from . import review

        table = review.claims_table(self.result)
        if table.empty:
            md(f"Edition {self.edition.id} has no review file: there are no published claims to check.")
            return None
        held = (table["holds"] == "yes").sum()
        md(f"{held} of {len(table)} statements the post makes about its results hold on the scores reproduced from its figures.")
        return table

    def doubts(self):
        from . import review

        table = review.doubts_table(self.result, self.names)
        if table.empty:
            md("No published value is under doubt in this edition.")
            return None
        off = review.off_scale(self.result)
        md(f"{len(table)} published values look doubtful on their face; {len(off)} fixed-scale scores sit off their scale. "
           "They are kept as published: the reproduction does not correct the post.")
        return table

    def doubt_impact_text(self) -> str:
        """How the ranking moves if the doubtful values took the value the evidence suggests."""
        from . import review

        data = review.load_review(self.result)
        alt = {(d["framework"], d["criterion"]): float(d["suggested"]) for d in data.get("doubts", []) if d.get("suggested") is not None}
        if not alt:
            return "There is no suggested revision to test."
        table = review.doubt_impact(self.result, alt)
        moved = table[table["rank_published"] != table["rank_revised"]]
        changes = "; ".join(f"{self.names[r.framework]} {int(r.rank_published)} → {int(r.rank_revised)}" for r in moved.itertuples())
        return (f"Replacing the {len(alt)} doubtful values with the values the evidence suggests (kept apart, never in the tables) "
                + (f"moves {len(moved)} frameworks: {changes}." if len(moved) else "moves no framework's rank.")
                + f" The top three stay {'the same' if set(table.nsmallest(3, 'rank_revised').framework) == set(table.nsmallest(3, 'rank_published').framework) else 'different'}.")

    def citations(self):
        """The curated facts behind this edition, one citation per value (collected editions)."""
        cur = self.edition.inputs.get("curated")
        if not (isinstance(cur, dict) and cur.get("set")):
            md("This edition uses no curated facts.")
            return None
        from .sources.curated import citations_table

        table = citations_table(cur["set"], frameworks=self.edition.cast)
        md(f"{len(table)} curated values from {table['framework'].nunique()} frameworks, each with its source:")
        return self.label(table).set_index(["framework", "fact"])

    def write_discussion(self) -> str:
        from . import review

        parts = [self.write(narrative.contributions(self.result.criteria, self.method, self.result.weights).reset_index(), "contributions")]
        claims = review.claims_table(self.result)
        if not claims.empty:
            parts.append(self.write(claims, "claims"))
        return "; ".join(parts)

    def profiles(self) -> str:
        return "\n".join("- " + narrative.profile(f, self.result.categories, self.result.overall, self.method, self.names)
                         for f in self.result.overall.framework)


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
    charts.stamp_for(fig, figures_for)
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
        from . import beyond

        return beyond.movement_sentences(self.table_, self.names)

    def fates(self) -> pd.DataFrame:
        return self.fates_.assign(framework=self.fates_["framework"].map(self.names)).set_index("framework")

    def fate_story(self) -> str:
        from . import beyond

        return beyond.fate_sentences(self.fates_, self.names)

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
        s = self.stab.summary
        top = s.iloc[0]
        lines = [f"With the chosen weights {self.names[top.framework]} ranks first; under re-drawn weights it stays first in "
                 f"{top.p_top1:.0%} of {self.stab.n_samples:,} draws."]
        contenders = s[(s.p_top1 > 0.01) & (s.framework != top.framework)]
        if len(contenders):
            lines.append("Others that take first place in more than 1% of draws: " +
                         _join_pct([(self.names[f], p) for f, p in zip(contenders.framework, contenders.p_top1)]) + ".")
        else:
            lines.append("No other framework takes first place in more than 1% of draws.")
        podium = s[s.p_top3 > 0.5]
        lines.append(f"{len(podium)} frameworks are on the podium in most draws: " +
                     _join_pct([(self.names[f], p) for f, p in zip(podium.framework, podium.p_top3)]) + ".")
        width = (s.rank_high - s.rank_low)
        widest = s.loc[width.idxmax()]
        lines.append(f"The widest 90% rank interval is {self.names[widest.framework]}'s, from {int(widest.rank_low)} to {int(widest.rank_high)}; "
                     f"{int((width == 0).sum())} frameworks never move.")
        return " ".join(lines)

    def write(self) -> str:
        folder = paths.processed_dir(self.result.edition.id)
        atomic_write_csv(folder / "rank_stability.csv", self.stab.summary)
        prob = self.stab.rank_probability.reset_index().rename(columns={"index": "framework"})
        prob.columns = [str(c) for c in prob.columns]
        atomic_write_csv(folder / "rank_probability.csv", prob)
        return f"wrote data/processed/{self.result.edition.id}/rank_stability.csv and rank_probability.csv"


def _join_pct(pairs) -> str:
    from .narrative import join_words

    return join_words([f"{n} ({p:.0%})" for n, p in pairs])


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
        return f"**Edition `{e.id}`** (as of {e.as_of}): {e.description} Re-measured criteria: {', '.join(e.inputs.get('measure', []))}."

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
        from . import beyond

        return beyond.parting_reasons(self.comparison, self.names)

    def overall_shift(self) -> str:
        a = self.published.overall.set_index("framework")
        b = self.remeasured.overall.set_index("framework")
        from .beyond import spearman

        rho = spearman(a["score"], b["score"].reindex(a.index))
        moved = [(f, int(a.loc[f, "rank"]), int(b.loc[f, "rank"])) for f in a.index if int(a.loc[f, "rank"]) != int(b.loc[f, "rank"])]
        text = f"With the re-measured values in place of the published ones, the overall ranking correlates at {rho:.2f} (Spearman) with the post's."
        if moved:
            text += " Ranks that change: " + "; ".join(f"{self.names[f]} {x} → {y}" for f, x, y in moved) + "."
        return text

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
        from . import beyond

        return beyond.gap_sentences(self.cores, self.releases)

    def write(self) -> str:
        atomic_write_csv(paths.processed_dir("hardware-gap") / "gpu_cores_and_releases.csv", self.table().reset_index())
        return "wrote data/processed/hardware-gap/gpu_cores_and_releases.csv"
