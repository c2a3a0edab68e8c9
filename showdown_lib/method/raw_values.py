"""From collected observations to the raw value of each criterion, and where each came from.

A ``collected`` edition names, per source, the snapshot to use (``snapshot: YYYY-MM-DD``,
``latest`` for the newest on or before the edition's date, or ``null`` for none). The method table
(``data/raw/criteria.yaml``) says, per criterion, which observations (``source.metric``) feed it
and the formula that combines them; this module looks the observations up, evaluates the formula
and records where the value came from. Nothing here restates an input, a range or a formula.

* Where an input lists several sources, the first with a value wins: measurements come before
  curated facts, so a measured value scores and the curated one is kept beside it
  (:func:`measured_vs_curated` lists both).
* A criterion with several bases (activity: ``git``, ``github``, ``releases``; numerics:
  ``curated``, ``coverage``) is measured on the one basis the edition declares in
  ``inputs.basis`` for the whole cast: one edition never mixes bases on one scale.
* A framework archived or merged on or before the as-of date (``lifecycle`` in frameworks.yaml)
  gets the criterion's ``when_inactive`` value, with the lifecycle citation as its source.
* A value that cannot be formed is NaN with the reason.

The observations themselves (every snapshot the edition resolves, its curated facts and the inputs derived from
them) are read by :mod:`showdown_lib.acquire.observations`, once.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..acquire.edition_inputs import EditionInputs
from ..acquire.observations import read_observations
from ..core import paths
from ..core.errors import DataError
from ..core.methodology import SOURCES, Criterion, Methodology
from ..core.registry import Framework

@dataclass
class Obs:
    """Observations of one edition, indexed for lookup: (source, framework, metric) -> row."""

    table: pd.DataFrame
    snapshots: dict[str, str | None]
    as_of: str = ""
    unavailable: dict[str, str] | None = None
    index: dict = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = {(r["source"], r["framework"], r["metric"]): r for r in self.table.to_dict("records")}

    def get(self, source: str, framework: str, metric: str) -> tuple[float | str | None, str, str]:
        """(value, detail, reason) of one observation; value None when missing, with the reason."""
        key = (source, framework, metric)
        if key not in self.index:
            snap = self.snapshots.get(source)
            if snap is None:
                reason = (self.unavailable or {}).get(source) or f"no {source} snapshot in this edition"
                reason = f"{source}: {reason}"
            else:
                reason = f"{source} snapshot {snap} has no {metric} for {framework}"
            return None, "", reason
        row = self.index[key]
        if row["status"] != "ok":
            return None, row.get("detail", "") or "", f"{source}: {row['reason']}"
        return row["value"], row.get("detail", "") or "", ""

    @classmethod
    def of(cls, inputs: EditionInputs) -> "Obs":
        """The observations an edition's inputs hold (read by :func:`~showdown_lib.acquire.edition_inputs.read_inputs`)."""
        return cls(inputs.observations, dict(inputs.snapshots or {}), inputs.edition.as_of, inputs.unavailable)


def load_observations(edition, frameworks: list[Framework] | None = None) -> Obs:
    """The edition's observations (:func:`~showdown_lib.acquire.observations.read_observations`), indexed for lookup."""
    table, snapshots, unavailable = read_observations(edition, frameworks)
    return Obs(table, snapshots, edition.as_of, unavailable)


# -------------------------------------------------------------------------------- bases
def declared_bases(edition, method: Methodology, obs: Obs | None = None) -> dict[str, str]:
    """The basis each multi-basis criterion uses in this edition: ``inputs.basis`` or the default.

    A declared list is an order of preference: the first basis the edition's observations can
    measure for at least one framework of the cast is used for the whole cast.
    """
    declared = edition.inputs.get("basis") or {}
    if not isinstance(declared, dict):
        raise DataError(edition.file, f"inputs.basis must map criterion ids to a basis, got {declared!r}", edition.id, "inputs.basis")
    multi = {c.id: c for c in method.criteria if c.has_bases}
    unknown = sorted(set(declared) - set(multi))
    if unknown:
        raise DataError(edition.file, f"{unknown[0]!r} has no bases to choose from; criteria with bases: {sorted(multi)}",
                        edition.id, f"inputs.basis.{unknown[0]}")
    out = {}
    for cid, crit in multi.items():
        choice = declared.get(cid, crit.default_basis)
        options = choice if isinstance(choice, list) else [choice]
        for bid in options:
            if bid not in crit.bases:
                raise DataError(edition.file, f"unknown basis {bid!r} for {cid}; its bases are {sorted(crit.bases)}",
                                edition.id, f"inputs.basis.{cid}")
        out[cid] = options[0]
        if len(options) > 1 and obs is not None:
            out[cid] = next((b for b in options if _measurable(crit, b, obs, edition.cast)), options[-1])
    return out


def _measurable(crit: Criterion, basis_id: str, obs: Obs, cast: list[str]) -> bool:
    """True when at least one framework of the cast has a value for every input of the basis."""
    def has(fw: str, ref: str) -> bool:
        source, metric = ref.split(".", 1)
        return _num(obs.get(source, fw, metric)[0]) is not None

    inputs = crit.basis(basis_id).inputs
    return any(all(any(has(fw, r) for r in item.refs) for item in inputs) for fw in cast)


# -------------------------------------------------------------------------------- one cell
def _num(value) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def _lifecycle_cell(crit: Criterion, fw: Framework, as_of: str) -> dict | None:
    """The criterion's ``when_inactive`` value for a framework archived or merged on ``as_of``."""
    status = fw.status_on(as_of)
    if status not in crit.when_inactive:
        return None
    lc = fw.lifecycle
    into = f" into {lc.into}" if lc.into else ""
    # an archived repository is an observed state; where a merged project's code went is a cited judgement
    return {"raw_value": crit.when_inactive[status], "origin": "collected" if status == "archived" else "curated",
            "source": f"lifecycle: {status}{into} since {lc.since} ({lc.citation['url']})", "note": "", "as_of": as_of}


def measure_cell(obs: Obs, fw: Framework, crit: Criterion, basis_id: str | None) -> dict:
    """Raw value, origin, source, reason and the measured-vs-curated pair of one framework x criterion."""
    life = _lifecycle_cell(crit, fw, obs.as_of)
    if life is not None:
        return life
    basis = crit.basis(basis_id)
    values, used, reasons, conflict, measured_refs = {}, [], [], {}, []
    for item in basis.inputs:
        got = None
        for ref in item.refs:
            source, metric = ref.split(".", 1)
            raw, detail, reason = obs.get(source, fw.id, metric)
            value = _num(raw)
            if value is None:
                reasons.append(reason)
            elif got is None:
                got = (value, source, detail)
                if source != "curated":
                    measured_refs.append(ref)
            elif source == "curated" and got[1] != "curated":
                decision = crit.settle(got[0], value)
                conflict = {"measured_value": got[0], "curated_value": value, "citation": detail,
                            "measurement": _describe(obs, fw.id, got[1], got[2]), "chosen": decision if decision != "issue" else "measured",
                            "data_issue": decision == "issue"}
                if decision == "curated":
                    got = (value, source, detail)
        if got is None:
            return {"raw_value": np.nan, "origin": "missing", "source": "", "note": "; ".join(dict.fromkeys(r for r in reasons if r)), "as_of": ""}
        values[item.name] = got[0]
        used.append(got[1:])
    sources = [s for s, _ in used]
    origin = "curated" if "curated" in sources else ("probed" if {"ops_probe", "modern_probe"} & set(sources) else "collected")
    text = "; ".join(dict.fromkeys(_describe(obs, fw.id, s, d) for s, d in used))
    if crit.has_bases:
        text = f"{basis.id} basis: {text}"
    first = next((s for s in sources if s != "curated"), sources[0])
    when = obs.as_of if first == "curated" else str(obs.snapshots.get(first) or "")
    return {"raw_value": basis.evaluate(values), "origin": origin, "source": text, "note": "", "as_of": when,
            "measured_input": ";".join(measured_refs), **conflict}


def _describe(obs: Obs, fw: str, source: str, detail: str) -> str:
    label = SOURCES.get(source, source)
    if source == "ops_probe":
        version, _, _ = obs.get("ops_probe", fw, "framework_version")
        label += f" ({version})" if version else ""
    if source == "pypi" and detail.startswith("wheel tags"):
        label += " wheels"
    return f"{label}: {detail}".rstrip(": ") if detail else label


# -------------------------------------------------------------------------------- the edition
RAW_COLUMNS = ["framework", "criterion", "raw_value", "published_score", "origin", "basis", "source", "note", "as_of",
               "measured_value", "curated_value", "citation", "measurement", "chosen", "data_issue", "measured_input"]


def build_raw(inputs: EditionInputs, fallback: tuple[str, str, pd.DataFrame] | None = None,
              bases: dict[str, str] | None = None) -> pd.DataFrame:
    """Raw value, origin, basis, source and reason for every framework x criterion of a collected edition.

    ``inputs.measure`` lists the criteria the edition measures (default: all). ``fallback`` is
    ``(edition id, as_of, published raw table)`` of the edition named in ``inputs.published_fallback``:
    the criteria not measured keep its published scores; a measured criterion that cannot be formed
    stays missing, never patched from the other edition. ``bases`` overrides the declared bases
    (to compare two bases of one edition).
    """
    edition, method, frameworks = inputs.edition, inputs.method, inputs.frameworks
    obs = Obs.of(inputs)
    chosen = {**declared_bases(edition, method, obs), **(bases or {})}
    measured_only = set(edition.inputs.get("measure", []) or method.criterion_ids)
    pub = fallback[2].set_index(["framework", "criterion"]) if fallback is not None else None
    rows = []
    for fw in frameworks:
        for crit in method.criteria:
            if not crit.bases:
                raise DataError(paths.criteria_file(), "no inputs or formula to measure it from", crit.id, "inputs")
            row = {"framework": fw.id, "criterion": crit.id, "published_score": np.nan, "basis": chosen.get(crit.id, "")}
            if crit.id in measured_only:
                row.update(measure_cell(obs, fw, crit, chosen.get(crit.id)))
            else:
                row.update(raw_value=np.nan, origin="missing", source="", note="not re-measured in this edition", as_of="", basis="")
                if pub is not None and (fw.id, crit.id) in pub.index and pd.notna(pub.loc[(fw.id, crit.id), "published_score"]):
                    p = pub.loc[(fw.id, crit.id)]
                    row.update(published_score=float(p["published_score"]), raw_value=p["raw_value"], origin="published",
                               source=f"edition {fallback[0]}: {p['source']}", as_of=fallback[1],
                               note=f"kept from edition {fallback[0]} (not re-measured in this edition)")
            rows.append(row)
    return pd.DataFrame(rows).reindex(columns=RAW_COLUMNS)


def measured_vs_curated(result, round_id: str | None = None, only_differences: bool = False) -> pd.DataFrame:
    """Cells where a measurement and a curated fact both exist, and which one scores.

    One row per framework x criterion: measured value, curated value, ``differs``, ``chosen`` (the
    value that scores, by the criterion's ``reconcile`` rule in criteria.yaml), ``rule`` (that
    rule's reason when they differ), ``data_issue`` (the rule cannot settle it), the curated
    citation and the measurement's source. ``round_id`` limits it to a round.
    """
    raw = result.raw
    cols = ["framework", "criterion", "measured_value", "curated_value", "differs", "chosen", "rule", "data_issue",
            "citation", "measurement"]
    if "curated_value" not in raw:
        return pd.DataFrame(columns=cols)
    both = raw[raw["curated_value"].notna() & raw["measured_value"].notna()].copy()
    if round_id is not None:
        both = both[both["criterion"].isin([c.id for c in result.method.criteria_of(round_id)])]
    both["differs"] = (both["measured_value"].astype(float) - both["curated_value"].astype(float)).abs() > 1e-9
    if "chosen" not in both:
        both["chosen"], both["data_issue"] = "measured", False
    both["chosen"] = both["chosen"].fillna("measured")
    both["data_issue"] = both["data_issue"].fillna(False).astype(str).str.lower().isin(["true", "1"])
    rules = {c.id: c.reconcile.get("why", "no rule: listed as a data issue") for c in result.method.criteria}
    both["rule"] = np.where(both["differs"], both["criterion"].map(rules).fillna(""), "")
    if only_differences:
        both = both[both["differs"]]
    return both[cols].reset_index(drop=True)


def data_issues(result) -> pd.DataFrame:
    """Disagreements between a measurement and a cited fact that the criterion's rule cannot settle:
    the measurement scores, and the cell is listed here with both values and both sources."""
    both = measured_vs_curated(result)
    issues = both[both["differs"] & both["data_issue"]]
    cols = ["framework", "criterion", "measured_value", "curated_value", "scored", "issue", "citation", "measurement"]
    issues = issues.assign(scored=issues["measured_value"],
                           issue=issues["criterion"].map({c.id: c.reconcile.get("why", "") for c in result.method.criteria}))
    return issues.reindex(columns=cols).reset_index(drop=True)


def coverage(result) -> pd.DataFrame:
    """framework x criterion: origin (published, collected, probed, curated, missing), as-of date, source, reason."""
    raw = result.raw.copy()
    if "origin" not in raw:
        raw["origin"] = np.where(raw["published_score"].notna(), "published", "missing")
    if "as_of" not in raw:
        raw["as_of"] = result.edition.as_of
    raw["as_of"] = raw["as_of"].fillna("").where(raw["origin"] != "missing", "")
    raw["reason"] = np.where(raw["origin"] == "missing", raw["note"], "")
    return raw[["framework", "criterion", "origin", "as_of", "source", "reason"]].reset_index(drop=True)


# How a cell's origin (criteria_scores.origin or coverage.origin) is reported to readers.
ORIGIN_GROUPS = {"collected": "measured", "probed": "measured", "measured": "measured", "curated": "curated",
                 "published": "published", "missing": "n/a", "not_available": "n/a"}


def origin_shares(table: pd.DataFrame) -> pd.Series:
    """Share of framework x criterion cells per reader-facing origin (measured, curated, published, n/a)."""
    groups = table["origin"].map(lambda o: ORIGIN_GROUPS.get(str(o), str(o)))
    order = ["measured", "curated", "published", "n/a"]
    counts = groups.value_counts()
    return (counts / counts.sum()).reindex([o for o in order if o in counts.index] + [o for o in counts.index if o not in order])
