"""00 · Inputs and scores: the one step that scores an edition and writes the contract tables."""
from __future__ import annotations

import pandas as pd

from .. import charts, paths
from ..editions import EditionResult, score_edition
from .common import Presenter, md


class InputsReport(Presenter):
    """Loads, validates and scores the edition once; every later step reads the tables it writes."""

    def __init__(self, step, n_tiers: int = 0, criterion_weights=None, category_weights=None) -> None:
        super().__init__(step)
        self.result: EditionResult = score_edition(step.edition, criterion_weights or None, category_weights or None, n_tiers or None)
        self.edition = self.result.edition
        self.method = self.result.method
        self.frameworks = [fw for fw in self.registry if fw.id in self.edition.cast]

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
        from ..fileio import read_json
        from ..measures import resolve_snapshots

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

    def method_table(self) -> pd.DataFrame:
        return self.method.table()

    def inputs_wide(self) -> pd.DataFrame:
        """framework x criterion grid of the inputs: the raw value where there is one, else the published score."""
        raw = self.result.raw.copy()
        raw["shown"] = raw["raw_value"].where(raw["raw_value"].notna(), raw.get("published_score"))
        wide = raw.pivot(index="framework", columns="criterion", values="shown").reindex(columns=self.method.criterion_ids)
        wide.index = wide.index.map(self.names)
        return wide

    def coverage(self) -> pd.DataFrame:
        """One row per framework x criterion: how the input was obtained, and as of when."""
        from ..measures import coverage

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

    def weights(self) -> pd.DataFrame:
        """The weights in use, one row per category and criterion (relative; an id not named weighs 1)."""
        w = self.result.weights
        return pd.DataFrame([{"kind": kind, "id": k, "weight": v} for kind in ("category", "criterion") for k, v in w[kind].items()])

    def write_tables(self) -> str:
        """Stage the inputs, the coverage, the weights and the three contract tables."""
        from ..editions import processed_tables

        tables = {"inputs": self.result.raw, "coverage": self.coverage(), "weights": self.weights(), **processed_tables(self.result)}
        return "staged " + "; ".join(self.step.write_table(frame, name) for name, frame in tables.items())
