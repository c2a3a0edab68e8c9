"""The validity check of every measured basis: ``data/raw/validity.yaml``, loaded, checked and computed.

Each row names a measured basis (a basis id of a multi-basis criterion, or the measured input
``source.metric`` of a one-basis criterion), what it stands for, the independent references it is
checked against, the disagreements with their reasons and the decision. The agreement of each check
is computed here from the committed data every time (Spearman's rank correlation, or the cells that
disagree), never read from the table. :func:`edition_bases` lists the measured bases an edition
uses, so a test can refuse an edition that uses a basis without a row, or one the table rejects.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core import paths
from ..core.errors import DataError
from ..core.fileio import read_yaml
from ..core.methodology import Methodology, load_methodology

CHECK_KINDS = {"published_rank": {"edition"}, "published_cells": {"edition"}, "basis_rank": {"basis", "as_of"},
               "curated_rank": {"edition"}, "curated_cells": {"edition"}, "documented_cells": {"edition", "source"}}
DECISIONS = ("default", "not default")
VALIDITY_COLUMNS = ["criterion", "basis", "stands for", "reference", "agreement", "agrees", "disagreements", "decision", "reason"]
_ROW_KEYS = {"criterion", "basis", "stands_for", "checks", "disagreements", "decision", "reason", "documented"}


def validity_file() -> Path:
    return paths.raw_dir() / "validity.yaml"


@dataclass(frozen=True)
class Row:
    criterion: str
    basis: str
    stands_for: str
    checks: tuple[dict[str, str], ...]
    decision: str
    reason: str = ""
    disagreements: dict[str, str] = field(default_factory=dict)
    documented: dict[str, float] = field(default_factory=dict)  # framework -> the level its own documentation states

    @property
    def key(self) -> tuple[str, str]:
        return (self.criterion, self.basis)


@dataclass(frozen=True)
class Validity:
    min_spearman: float
    rows: tuple[Row, ...]

    def row(self, criterion: str, basis: str) -> Row | None:
        return next((r for r in self.rows if r.key == (criterion, basis)), None)


def _basis_keys(method: Methodology, cid: str) -> set[str]:
    crit = method.criterion(cid)
    if crit.has_bases:
        return set(crit.bases)
    return {ref for item in crit.basis().inputs for ref in item.refs if not ref.startswith("curated.")}


def parse_validity(data: Any, method: Methodology, path: Path) -> Validity:
    if not isinstance(data, dict) or set(data) != {"min_spearman", "rows"} or not isinstance(data["rows"], list):
        raise DataError(path, "top level must have exactly min_spearman and rows (a list)")
    rows = []
    for i, raw in enumerate(data["rows"]):
        entry = f"rows[{i}]"
        if not isinstance(raw, dict) or set(raw) - _ROW_KEYS:
            raise DataError(path, f"a row is a mapping of {sorted(_ROW_KEYS)}", entry)
        cid = raw.get("criterion")
        if cid not in method.criterion_ids:
            raise DataError(path, f"unknown criterion {cid!r}", entry, "criterion")
        if raw.get("basis") not in _basis_keys(method, cid):
            raise DataError(path, f"{raw.get('basis')!r} is not a measured basis of {cid}; known: {sorted(_basis_keys(method, cid))}",
                            entry, "basis")
        for key in ("stands_for", "decision"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise DataError(path, "missing or empty", entry, key)
        if raw["decision"] not in DECISIONS:
            raise DataError(path, f"must be one of {list(DECISIONS)}", entry, "decision")
        checks = raw.get("checks") or []
        if not checks:
            raise DataError(path, "a basis needs at least one independent reference", entry, "checks")
        for j, check in enumerate(checks):
            kind = (check or {}).get("kind")
            if kind not in CHECK_KINDS or set(check) - {"kind"} != CHECK_KINDS[kind]:
                raise DataError(path, f"a check is one of {sorted(CHECK_KINDS)} with its keys, got {check!r}", entry, f"checks[{j}]")
        if not isinstance(raw.get("disagreements", {}), dict):
            raise DataError(path, "must map framework ids to reasons", entry, "disagreements")
        documented = _documented(path, entry, raw.get("documented"), any(c["kind"] == "documented_cells" for c in checks))
        rows.append(Row(cid, raw["basis"], raw["stands_for"].strip(), tuple({k: str(v) for k, v in c.items()} for c in checks),
                        raw["decision"], str(raw.get("reason") or "").strip(),
                        {str(k): str(v) for k, v in (raw.get("disagreements") or {}).items()}, documented))
    keys = [r.key for r in rows]
    if len(keys) != len(set(keys)):
        raise DataError(path, "two rows for one basis", field="rows")
    return Validity(float(data["min_spearman"]), tuple(rows))


def _documented(path: Path, entry: str, value: Any, needed: bool) -> dict[str, float]:
    """framework -> documented level; required by (and only by) a documented_cells check."""
    if value is None and not needed:
        return {}
    if not isinstance(value, dict) or not value or (value and not needed):
        raise DataError(path, "a documented_cells check needs a non-empty map of framework ids to levels, and only it",
                        entry, "documented")
    for fw, level in value.items():
        if isinstance(level, bool) or not isinstance(level, (int, float)):
            raise DataError(path, f"{level!r} is not a number", entry, f"documented.{fw}")
    return {str(k): float(v) for k, v in value.items()}


def load_validity(path: str | Path | None = None, method: Methodology | None = None) -> Validity:
    path = Path(path) if path else validity_file()
    return parse_validity(read_yaml(path), method or load_methodology(), path)


# -------------------------------------------------------------------------------- what an edition uses
def edition_bases(result) -> set[tuple[str, str]]:
    """The measured bases an edition's scores use: (criterion, basis id) for a criterion with several
    bases, (criterion, measured source.metric) otherwise; cells set by a lifecycle are not measurements, and a
    criterion of default weight 0 (informative) decides no default score."""
    raw = result.raw
    if "measured_input" not in raw:
        return set()
    used = set()
    measured = raw[raw["measured_input"].fillna("").astype(str) != ""]
    for cid, inputs, basis in zip(measured["criterion"], measured["measured_input"].astype(str), measured["basis"].fillna("")):
        if result.method.criterion(cid).weight == 0:
            continue  # informative: in no score until a user weighs it (its table and chart say so)
        if result.method.criterion(cid).has_bases:
            used.add((cid, str(basis)))
        else:
            used |= {(cid, ref) for ref in inputs.split(";")}
    return used


# -------------------------------------------------------------------------------- the checks
@lru_cache(maxsize=None)
def _scored(edition_id: str, overrides: tuple = ()):
    from ..acquire.edition_inputs import read_inputs
    from .edition_scores import raw_inputs
    from .scoring import score_criteria

    method = load_methodology()
    inputs = replace(read_inputs(edition_id, method), method=method)  # every round, opt-in ones included
    raw = raw_inputs(inputs, bases=dict(overrides))
    return raw, score_criteria(raw, method)


@lru_cache(maxsize=None)
def _published(criterion: str) -> pd.Series:
    from .edition_scores import score_edition

    crit = score_edition("2018").criteria
    return crit[crit["criterion"] == criterion].set_index("framework")["score"]


def _spearman(a: pd.Series, b: pd.Series) -> tuple[float, list[str]]:
    """Spearman's rank correlation over the frameworks both have, and those frameworks."""
    from .comparisons import spearman

    both = pd.concat([a, b], axis=1).dropna()
    return spearman(both.iloc[:, 0], both.iloc[:, 1]), sorted(both.index)


def _measured_only(raw: pd.DataFrame, scored: pd.DataFrame, cid: str) -> pd.Series:
    """Scores of the cells this basis measured (lifecycle-set and curated cells left out)."""
    mine = raw[(raw["criterion"] == cid) & raw["origin"].isin(["collected", "probed"])
               & ~raw["source"].astype(str).str.startswith("lifecycle")]
    sel = scored[scored["criterion"] == cid].set_index("framework")["score"].astype(float)
    return sel[sel.index.isin(mine["framework"])]


def _rank_result(rho: float, compared: list[str], threshold: float, reference: str) -> dict:
    n = len(compared)
    agrees = bool(np.isfinite(rho) and rho >= threshold)
    figure = f"Spearman {rho:.2f} over {n} frameworks" if np.isfinite(rho) else f"not computable ({n} frameworks in common)"
    return {"reference": reference, "agreement": figure, "value": rho, "n": n, "cells": [], "agrees": agrees,
            "compared": compared}


def _basis_rank(row: Row, check: dict, threshold: float) -> dict:
    """This basis against another, both from the committed snapshots as of ``check['as_of']``."""
    from ..acquire.editions import load_edition
    from .raw_values import load_observations

    method, as_of = load_methodology(), check["as_of"]
    edition = load_edition("current")
    obs = load_observations(edition)
    dated: dict[str, dict[tuple[str, str], float | None]] = {}  # source -> its inputs as of the date, read once
    values = {}
    for bid in (row.basis, check["basis"]):
        basis, rows = method.criterion(row.criterion).basis(bid), {}
        for fw in edition.cast:
            got = {}
            for item in basis.inputs:
                source, metric = item.refs[0].split(".", 1)
                if source not in dated:
                    dated[source] = _dated(obs, source, edition.cast, as_of)
                got[item.name] = dated[source].get((fw, metric))
            if all(v is not None for v in got.values()):
                rows[fw] = basis.evaluate(got)
        values[bid] = pd.Series(rows, dtype=float)
    rho, compared = _spearman(values[row.basis], values[check["basis"]])
    return _rank_result(rho, compared, threshold, f"the {check['basis']} basis as of {as_of}")


def _dated(obs, source: str, cast: list[str], as_of: str) -> dict[tuple[str, str], float | None]:
    """The inputs of ``source`` as of an earlier date, (framework, metric) -> value, for the whole cast at once:
    git from that date's snapshot, releases from the release list; {} for a source without history."""
    from ..acquire.observations import release_inputs
    from ..acquire.snapshots import read_snapshot
    from ..core.registry import load_registry, select
    from .raw_values import _num

    if source == "git":
        table, _ = read_snapshot("git", as_of)
    elif source == "pypi":
        table = release_inputs(paths.snapshots_dir("pypi") / obs.snapshots["pypi"] / "releases.csv",
                               select(load_registry(), cast), as_of)
    else:
        return {}
    ok = table[table["status"] == "ok"]
    out: dict[tuple[str, str], float | None] = {}
    for fw, metric, value in zip(ok["framework"], ok["metric"], ok["value"]):
        out.setdefault((fw, metric), _num(value))  # the first row, as a lookup of one cell found it
    return out


def _cells(row: Row, pairs: pd.DataFrame, reference: str) -> dict:
    """pairs: framework, measured, reference value (and why text); cells that differ and their reasons."""
    differ = pairs[(pairs["measured"] - pairs["reference"]).abs() > 1e-9]
    cells = [(fw, f"{m:g} against {r:g}", row.disagreements.get(fw, "")) for fw, m, r in
             zip(differ["framework"], differ["measured"], differ["reference"])]
    agree = len(pairs) - len(differ)
    figure = f"{agree} of {len(pairs)} cells agree" + (f"; differ: {', '.join(c[0] for c in cells)}" if cells else "")
    return {"reference": reference, "agreement": figure, "value": agree / len(pairs) if len(pairs) else float("nan"),
            "n": len(pairs), "cells": cells, "agrees": all(c[2] for c in cells)}


def run_check(row: Row, check: dict, threshold: float) -> dict:
    kind, cid = check["kind"], row.criterion
    method = load_methodology()
    override = ((cid, row.basis),) if method.criterion(cid).has_bases else ()
    if kind == "published_rank":
        raw, scored = _scored(check["edition"], override)
        rho, compared = _spearman(_measured_only(raw, scored, cid), _published(cid))
        return _rank_result(rho, compared, threshold, f"the post's published {method.criterion(cid).name} scores, on {check['edition']}")
    if kind == "basis_rank":
        return _basis_rank(row, check, threshold)
    if kind == "curated_rank":
        raw, scored = _scored(check["edition"], override)
        _, cur = _scored(check["edition"], ((cid, "curated"),))
        rho, compared = _spearman(_measured_only(raw, scored, cid), cur[cur["criterion"] == cid].set_index("framework")["score"])
        return _rank_result(rho, compared, threshold, f"the curated basis on {check['edition']}")
    raw, _ = _scored(check["edition"], override)
    crit = method.criterion(cid)
    if kind == "documented_cells":
        mine = raw[(raw["criterion"] == cid) & raw["origin"].isin(["collected", "probed"])
                   & ~raw["source"].astype(str).str.startswith("lifecycle")]
        pairs = pd.DataFrame({"framework": mine["framework"], "measured": mine["raw_value"].astype(float),
                              "reference": mine["framework"].map(row.documented)}).dropna()
        return _cells(row, pairs, f"the frameworks' own documentation ({check['source']}), on {check['edition']}")
    if kind == "published_cells":
        mine = raw[(raw["criterion"] == cid) & raw["origin"].isin(["collected", "probed"])].set_index("framework")["raw_value"]
        pub = (_published(cid) / 100 * crit.max).round()
        pairs = pd.DataFrame({"measured": mine.astype(float), "reference": pub}).dropna().rename_axis("framework").reset_index()
        return _cells(row, pairs, f"the post's published {crit.name} levels, on {check['edition']}")
    both = raw[(raw["criterion"] == cid) & raw["measured_value"].notna() & raw["curated_value"].notna()]
    pairs = pd.DataFrame({"framework": both["framework"], "measured": both["measured_value"].astype(float),
                          "reference": both["curated_value"].astype(float)})
    return _cells(row, pairs, f"the cited curated facts, on {check['edition']}")


def _rank_reasons(reasons: dict[str, str], compared: list[str] | None) -> str:
    """The stated reasons of a rank check that disagrees, for the frameworks it compared only (a reason about a
    framework the check did not compare explains nothing there), then the frameworks it compared."""
    if compared is None:
        return "; ".join(f"{fw}: {reason}" for fw, reason in reasons.items())
    stated = [f"{fw}: {reasons[fw]}" for fw in compared if fw in reasons]
    return "; ".join(stated + [f"compared: {', '.join(compared)}"])


def validity_table(validity: Validity | None = None, rows: list[Row] | None = None) -> pd.DataFrame:
    """One line per basis and reference: what it stands for, the reference, the computed agreement,
    the cells that disagree with their reasons, whether the check agrees, the decision and why."""
    validity = validity or load_validity()
    out = []
    for row in rows if rows is not None else validity.rows:
        for check in row.checks:
            res = run_check(row, check, validity.min_spearman)
            why = "; ".join(f"{fw} ({what}): {reason or 'no reason stated'}" for fw, what, reason in res["cells"])
            if not res["cells"] and not res["agrees"]:
                why = _rank_reasons(row.disagreements, res.get("compared"))
            out.append({"criterion": row.criterion, "basis": row.basis, "stands for": row.stands_for,
                        "reference": res["reference"], "agreement": res["agreement"], "agrees": res["agrees"],
                        "disagreements": why, "decision": row.decision, "reason": row.reason,
                        "value": res["value"], "n": res["n"]})
    return pd.DataFrame(out)


def for_edition(result, validity: Validity | None = None) -> pd.DataFrame:
    """The validity rows of the measured bases an edition uses, with their computed agreement."""
    validity = validity or load_validity()
    used = edition_bases(result)
    rows = [r for r in validity.rows if r.key in used]
    table = validity_table(validity, rows)
    return table.drop(columns=["value", "n"]) if len(table) else pd.DataFrame(columns=VALIDITY_COLUMNS)


def problems(validity: Validity, table: pd.DataFrame) -> list[str]:
    """What the table forbids: a default basis that disagrees with a reference without a stated reason."""
    out = []
    for row in validity.rows:
        if row.decision != "default":
            continue
        mine = table[(table["criterion"] == row.criterion) & (table["basis"] == row.basis)]
        if not mine["agrees"].all() and not row.reason:
            out.append(f"{row.criterion}/{row.basis}: disagrees with {', '.join(mine[~mine['agrees']]['reference'])} "
                       "and states no reason, so it may not be a default")
    return out


def missing_rows(result, validity: Validity) -> list[str]:
    """Measured bases an edition uses without a row, or with a row that is not a default."""
    out = []
    for key in sorted(edition_bases(result)):
        row = validity.row(*key)
        if row is None:
            out.append(f"{result.edition.id} uses {key[0]}/{key[1]}, which has no row in validity.yaml")
        elif row.decision != "default":
            out.append(f"{result.edition.id} uses {key[0]}/{key[1]}, which validity.yaml does not accept as a default")
    return out
