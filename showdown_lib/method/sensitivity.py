"""Input sensitivity: which single inputs, moved one plausible step, change the podium or a tier boundary.

Weight sensitivity (:mod:`showdown_lib.method.stability`) asks how the ranking moves when the weights move; this asks
how it moves when one input does. The steps come from the method table (``data/raw/criteria.yaml``):

* a *levels* criterion: its value one ``step`` of the scale up and down (within min..max);
* a *relative* criterion: its raw value one ``sensitivity_step`` of the basis it is measured on up and down (or
  its input's ``step``), never below 0 or above the input's maximum; a published score without a raw value moves
  ``sensitivity.published_step`` score points;
* a criterion with several bases: the whole criterion on each other basis (an edition never mixes two bases on
  one scale, so a basis is swapped for every framework at once).

Each change is re-scored through the public scorer (:func:`scoring.score_criteria`, :func:`scoring.category_scores`,
:func:`scoring.overall_scores`) with the edition's weights and number of tiers, and compared with the base result.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.methodology import Methodology
from .kernel import tiers as kernel_tiers
from .scoring import category_scores, overall_scores, score_criteria

COLUMNS = ["framework", "criterion", "change", "raw_from", "raw_to", "first", "podium", "podium_changed",
           "boundaries_changed", "moved"]
PODIUM = 3


def _step(method: Methodology, cid: str, basis: str) -> tuple[float | None, float, float]:
    """(step, lowest, highest) of a raw value of ``cid`` on ``basis``: the scale's for a levels criterion, the basis's
    ``sensitivity_step`` (or its single input's step) for a relative one."""
    crit = method.criterion(cid)
    if crit.kind == "levels":
        return crit.step, crit.min, crit.max
    b = crit.bases.get(basis) or crit.bases.get(crit.default_basis)
    if b is None:
        return None, 0.0, np.inf
    if b.sensitivity_step is not None:
        return b.sensitivity_step, 0.0, np.inf
    if len(b.inputs) == 1 and b.inputs[0].step:
        i = b.inputs[0]
        return i.step, i.lo if i.lo is not None else 0.0, i.hi if i.hi is not None else np.inf
    return None, 0.0, np.inf


def cell_changes(raw: pd.DataFrame, method: Methodology) -> list[tuple[int, str, str, float, float]]:
    """Every single-cell change to try: (row of ``raw``, column to change, label, value from, value to)."""
    out = []
    pub = raw["published_score"] if "published_score" in raw else pd.Series(np.nan, index=raw.index)
    for i, r in raw.iterrows():
        crit = method.criterion(r["criterion"])
        basis = str(r.get("basis", "") or "")
        value, score = pd.to_numeric(r["raw_value"], errors="coerce"), pd.to_numeric(pub.loc[i], errors="coerce")
        if pd.notna(score) and (crit.kind == "relative" or pd.isna(value)):  # a published score: move it in points
            if crit.kind == "levels":
                step, lo, hi = crit.step / crit.max * 100, 0.0, 100.0
            else:
                step, lo, hi = method.published_step, 0.0, 100.0
            column, base = "published_score", float(score)
        elif pd.notna(value):
            step, lo, hi = _step(method, crit.id, basis)
            column, base = "raw_value", float(value)
        else:
            continue  # n/a stays n/a: one step from nothing is not defined
        if not step:
            continue
        for sign, word in ((1, "up"), (-1, "down")):
            new = round(base + sign * step, 9)
            if lo - 1e-9 <= new <= hi + 1e-9 and new >= 0:
                out.append((i, column, f"one step {word}", base, new))
    return out


def _rescore(raw: pd.DataFrame, method: Methodology, weights: dict, n_tiers: int) -> pd.DataFrame:
    crit = score_criteria(raw, method)
    cats = category_scores(crit, method, weights.get("criterion"), n_tiers)
    return overall_scores(cats, method, weights.get("category"), n_tiers)


def _batch_overall(changes: list[tuple], raw: pd.DataFrame, method: Methodology, weights: dict,
                   crit: pd.DataFrame) -> dict[int, float]:
    """The new overall score of the changed framework for every change that moves no other framework's score, all
    through the public scorer in a few calls: each change becomes a stand-in framework ``<fw>#<j>`` holding the
    framework's scores with the one changed. A relative criterion is scored with the cast's best row beside the
    changed ones, so the best stays the best; a change that would raise the best, or lower it, is left to a full
    re-scoring (absent from the result)."""
    stand_ins, rows = {}, []
    columns = {c: k for k, c in enumerate(raw.columns)}
    for cid, group in pd.Series(range(len(changes))).groupby([c[0] for c in changes]):
        kind = method.criterion(cid).kind
        values = pd.to_numeric(raw.loc[raw["criterion"] == cid, "raw_value"], errors="coerce")
        best = values.max(skipna=True)
        kept = []
        for j in group:
            _cid, i, column, _label, old, new = changes[j]
            if kind == "relative" and column == "raw_value" and (new > best or (old == best and (values == best).sum() == 1)):
                continue  # the best moves: every score of the criterion moves with it
            kept.append(j)
            stand_ins[j] = raw.loc[i, "framework"]
        if kept:
            part = raw.loc[[changes[j][1] for j in kept]].copy()  # one row per change, then each changed in place
            for k, j in enumerate(kept):
                part.iat[k, columns[changes[j][2]]] = changes[j][5]
            part["framework"] = [f"{stand_ins[j]}#{j}" for j in kept]
            frame = pd.concat([part] + ([raw.loc[[values.idxmax()]]] if kind == "relative" and values.notna().any() else []))
            scored = score_criteria(frame, method)
            rows.append(scored[scored["framework"].str.contains("#", regex=False)])
    if not rows:
        return {}
    changed = pd.concat(rows, ignore_index=True)
    # each stand-in's other criteria: the framework's scored rows, picked by position in one take
    at = crit.groupby("framework", sort=False).indices
    criterion = crit["criterion"].to_numpy()
    picks, names = [], []
    for j, fw in stand_ins.items():
        p = at.get(fw, np.empty(0, dtype=int))
        p = p[criterion[p] != changes[j][0]]
        picks.append(p)
        names.append(np.full(len(p), f"{fw}#{j}", dtype=object))
    mine = crit.iloc[np.concatenate(picks)].assign(framework=np.concatenate(names)) if picks else crit.iloc[:0]
    cats = category_scores(pd.concat([mine, changed], ignore_index=True), method, weights.get("criterion"), 1)
    overall = overall_scores(cats, method, weights.get("category"), 1).set_index("framework")["score"]
    return {j: float(overall[f"{fw}#{j}"]) for j, fw in stand_ins.items()}


class _Standing:
    """What :func:`compare` reads of an overall table: frameworks sorted by id, their scores and tiers (0 = none),
    as arrays, so a change to one framework's score is ranked and tiered in NumPy (linear in the cast, no frame)."""

    def __init__(self, names: np.ndarray, scores: np.ndarray, tiers: np.ndarray):
        self.names, self.scores, self.tiers = names, scores, tiers

    @classmethod
    def of(cls, overall: pd.DataFrame) -> "_Standing":
        o = overall.sort_values("framework", kind="stable")
        tiers = pd.to_numeric(o["tier"], errors="coerce").fillna(0).to_numpy(dtype=int)
        return cls(o["framework"].to_numpy(dtype=object), pd.to_numeric(o["score"], errors="coerce").to_numpy(dtype=float), tiers)

    def with_score(self, i: int, score: float, n_tiers: int) -> "_Standing":
        """This table with framework ``i``'s score replaced, tiered again (as :func:`scoring.assign_tiers` tiers)."""
        scores = self.scores.copy()
        scores[i] = score
        return _Standing(self.names, scores, kernel_tiers(scores, n_tiers))

    def podium(self) -> list[str]:
        """The first ``PODIUM`` by score, ties by id (frameworks without a score left out)."""
        idx = np.flatnonzero(~np.isnan(self.scores))
        return list(self.names[idx[np.argsort(-self.scores[idx], kind="stable")][:PODIUM]])

    def boundaries(self) -> dict[int, frozenset]:
        """tier k -> the frameworks in tiers 1..k: the boundary below tier k."""
        tiered = self.tiers > 0
        top = int(self.tiers.max()) if tiered.any() else 0
        return {k: frozenset(self.names[tiered & (self.tiers <= k)]) for k in range(1, top)}


def compare(base: pd.DataFrame | _Standing, new: pd.DataFrame | _Standing) -> dict:
    """What a re-scoring changes against the base: podium (ordered), each tier boundary, who crossed one."""
    b = base if isinstance(base, _Standing) else _Standing.of(base)
    n = new if isinstance(new, _Standing) else _Standing.of(new)
    bp, npod = b.podium(), n.podium()
    bb, nb = b.boundaries(), n.boundaries()
    changed = [k for k in bb if nb.get(k) != bb[k]]
    moved = sorted(set().union(*[bb[k] ^ nb.get(k, frozenset()) for k in changed])) if changed else []
    return {"first": npod[0] if npod else "", "podium": "|".join(npod), "podium_changed": npod != bp,
            "boundaries_changed": "|".join(str(k) for k in changed), "moved": "|".join(moved)}


def single_cell_changes(raw: pd.DataFrame, method: Methodology, weights: dict, n_tiers: int,
                        other_bases: dict[tuple[str, str], pd.DataFrame] | None = None) -> pd.DataFrame:
    """One row per change tried (:func:`cell_changes`, then each ``other_bases`` entry: (criterion, basis) -> the raw
    table with that criterion on that basis), with what it does to the podium and the tier boundaries.

    ``raw`` is the edition's inputs table (``inputs.csv``: what the scorer scored), ``weights`` its weights
    ({"criterion": ..., "category": ...}), ``n_tiers`` its number of tiers.
    """
    base = _Standing.of(_rescore(raw, method, weights, n_tiers))
    position = {fw: i for i, fw in enumerate(base.names)}
    crit = score_criteria(raw, method)
    changes = [(raw.loc[i, "criterion"], i, column, label, old, new) for i, column, label, old, new in cell_changes(raw, method)]
    fast = _batch_overall(changes, raw, method, weights, crit)
    rows = []
    for j, (cid, i, column, label, old, new) in enumerate(changes):
        fw = raw.loc[i, "framework"]
        if j in fast:
            result = base.with_score(position[fw], fast[j], n_tiers)
        else:
            changed = raw.copy()
            changed.loc[i, column] = new
            result = _Standing.of(_rescore(changed, method, weights, n_tiers))
        rows.append({"framework": fw, "criterion": cid, "change": label, "raw_from": old, "raw_to": new, **compare(base, result)})
    for (cid, basis), table in (other_bases or {}).items():
        rows.append({"framework": "", "criterion": cid, "change": f"{basis} basis", "raw_from": np.nan, "raw_to": np.nan,
                     **compare(base, _rescore(table, method, weights, n_tiers))})
    return pd.DataFrame(rows, columns=COLUMNS)


def edition_changes(result) -> pd.DataFrame:
    """:func:`single_cell_changes` for a scored edition: its inputs, weights and tiers, and for a collected
    edition every other basis of each criterion it measured on one of several (read generically from criteria.yaml)."""
    from .edition_scores import raw_inputs

    method, edition = result.method, result.edition
    n_tiers = int(result.overall["tier"].max()) if len(result.overall) else edition.n_tiers
    other = {}
    if edition.kind == "collected":
        if result.scored_from is None:
            raise ValueError(f"edition {edition.id}: the other bases are scored from the inputs read for it; "
                             "pass a result of score_edition, not one rebuilt from processed tables")
        used = result.bases
        for crit in method.criteria:
            if not crit.has_bases or crit.id not in used:
                continue
            for basis in crit.bases:
                if basis == used[crit.id]:
                    continue
                table = raw_inputs(result.scored_from, bases={**used, crit.id: basis})
                values = table.loc[table["criterion"] == crit.id, "raw_value"]
                if pd.to_numeric(values, errors="coerce").notna().any():  # a basis that measures nobody is no alternative
                    other[(crit.id, basis)] = table
    return single_cell_changes(result.raw, method, result.weights, n_tiers, other)
