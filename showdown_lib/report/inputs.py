"""00 · Inputs and scores: the one step that scores an edition and writes the scored products."""
from __future__ import annotations

import pandas as pd

from .. import charts, narrative, paths
from ..scoring_step import write_products
from .common import Presenter


class InputsReport(Presenter):
    """Scores the edition once through the scoring step's entry point, which stages every product;
    every later step reads the tables it writes."""

    def __init__(self, step, n_tiers: int = 0, criterion_weights=None, category_weights=None) -> None:
        super().__init__(step)
        result, self.products = write_products(step, n_tiers, criterion_weights, category_weights)
        self.use_result(result)
        self.frameworks = [fw for fw in self.registry if fw.id in self.edition.cast]

    def describe_edition(self) -> str:
        e = self.edition
        return narrative.describe_edition(e.id, e.title, e.as_of, len(e.cast), e.kind, e.inputs, self._source_records(),
                                          [c for c in self.method.criterion_ids if c not in e.inputs.get("measure", [])])

    def _source_records(self) -> list[dict]:
        """One record per snapshot source of a collected edition: its provenance, or why there is none."""
        from ..raw_values import resolve_snapshots
        from ..sources.base import read_provenance

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
            out.append({"source": source, **read_provenance(paths.snapshots_dir(source) / snap, source, snap)})
        return out

    def snapshot_notes(self) -> str:
        """Where the edition uses a snapshot older than its own date, or a dated edition lacks one: said."""
        from ..sources.base import snapshot_notes

        notes = snapshot_notes(self.edition)
        return "\n".join(f"- {n}" for n in notes) if notes else "Every snapshot this edition uses is of its own date."

    def cast_table(self) -> pd.DataFrame:
        rows = [{"framework": fw.name, "association": fw.association, "first release": fw.first_release,
                 "lifecycle": self._lifecycle(fw), "numerics": fw.numerics,
                 "repository": ", ".join(r.url + (f" ({r.path})" if r.path else "") for r in fw.repositories)}
                for fw in self.frameworks]
        return pd.DataFrame(rows)

    def _lifecycle(self, fw) -> str:
        """The status by the one lifecycle rule, since when, and on what evidence."""
        life = getattr(self, "lifecycle", None)
        if life is None or fw.id not in set(life["framework"]):
            return "active (no lifecycle recorded)" if fw.lifecycle is None else fw.status_on(self.edition.as_of)
        row = life.set_index("framework").loc[fw.id]
        if row["status"] == "active":
            return "active"
        into = f" into {row['into']}" if row["into"] else ""
        since = f" since {row['since']}" if row["since"] else ""
        why = row["basis"] if row["basis"] != "cited" else row["citation"]
        return f"{row['status']}{into}{since} ({why})"

    def method_table(self) -> pd.DataFrame:
        """The method as this edition applies it: each criterion's rule on the basis the edition declares."""
        return self.method.table(self.result.bases)

    def validity(self) -> pd.DataFrame:
        """The validity check of every measured basis this edition uses (data/raw/validity.yaml), computed."""
        return self.products["validity"]

    def data_issues(self) -> pd.DataFrame:
        """Measured values and cited facts that disagree where the criterion's rule cannot settle which scores."""
        return self.label(self.products["data_issues"]).reset_index(drop=True)

    def reconciled(self) -> pd.DataFrame:
        """Every cell where a measurement and a cited fact disagree: both values, which one scores and the rule."""
        from ..raw_values import measured_vs_curated

        both = measured_vs_curated(self.result, only_differences=True)
        return self.label(both[["framework", "criterion", "measured_value", "curated_value", "chosen", "data_issue", "rule"]]).reset_index(drop=True)

    def inputs_wide(self) -> pd.DataFrame:
        """framework x criterion grid of the inputs: the raw value where there is one, else the published score."""
        raw = self.result.raw.copy()
        raw["shown"] = raw["raw_value"].where(raw["raw_value"].notna(), raw.get("published_score"))
        wide = raw.pivot(index="framework", columns="criterion", values="shown").reindex(columns=self.method.criterion_ids)
        wide.index = wide.index.map(self.names)
        return wide

    def coverage(self) -> pd.DataFrame:
        """One row per framework x criterion: how the input was obtained, and as of when."""
        return self.products["coverage"]

    def coverage_summary(self) -> str:
        return narrative.coverage_summary(self.coverage())

    def coverage_chart(self) -> None:
        cov = self.coverage()
        cov = cov.assign(criterion=cov["criterion"].map(lambda c: self.method.criterion(c).name))
        fig = charts.coverage_matrix(cov, self.all_frameworks, "Where each input comes from")
        self.show(fig, "coverage")

    def missing_table(self) -> pd.DataFrame:
        cov = self.coverage()
        miss = cov[cov["origin"] == "missing"][["framework", "criterion", "reason"]]
        return self.label(miss).reset_index(drop=True)

    def weights(self) -> pd.DataFrame:
        """The weights in use, one row per category and criterion (relative; an id not named weighs 1)."""
        return self.products["weights"]

    def write_tables(self) -> str:
        """What the scoring step staged (every product, written when the step opened)."""
        return "staged " + "; ".join(f"{name} ({len(frame)} rows)" for name, frame in self.products.items())
