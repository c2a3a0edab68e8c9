"""Checking a published edition against itself: the post's claims and the values that look doubtful.

``data/raw/editions/<id>/review.yaml`` holds the claims (the post's statements about its results,
each with a typed check) and the doubts (values that look wrong, with evidence). This module runs the
checks on the reproduced scores and returns tables the discussion notebook renders. Scale checks are
computed, not curated: a fixed-scale score that sits off its scale is reported too.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from ..core.errors import DataError
from ..core.fileio import read_yaml
from .edition_scores import EditionResult

CHECK_TYPES = {
    "rank": {"framework", "expect"},
    "order": {"frameworks"},
    "tier_members": {"tier", "frameworks"},
    "tier_member": {"framework", "tier"},
    "lowest_among": {"category", "frameworks", "framework"},
    "category_leader": {"category", "framework"},
    "criterion_leader": {"criterion", "framework"},
    "highest_beyond_tier": {"criterion", "framework", "tier"},
    "not_available": {"criterion", "frameworks"},
}


def load_review(result: EditionResult) -> dict[str, Any]:
    path = result.edition.folder / "review.yaml"
    if not path.exists():
        return {"claims": [], "doubts": []}
    data = read_yaml(path) or {}
    unknown = set(data) - {"claims", "doubts"}
    if unknown:
        raise DataError(path, f"unknown key(s) {sorted(unknown)}", field=sorted(unknown)[0])
    for i, claim in enumerate(data.get("claims", [])):
        check = claim.get("check", {})
        kind = check.get("type")
        if kind not in CHECK_TYPES:
            raise DataError(path, f"unknown check type {kind!r}; known: {sorted(CHECK_TYPES)}", f"claims[{i}]", "check.type")
        need = CHECK_TYPES[kind]
        if set(check) - {"type"} != need:
            raise DataError(path, f"a {kind} check needs exactly {sorted(need)}", f"claims[{i}]", "check")
    for i, doubt in enumerate(data.get("doubts", [])):
        for key in ("framework", "criterion", "suggested", "concern", "citation"):
            if key not in doubt:
                raise DataError(path, "missing field", f"doubts[{i}]", key)
    return data


def _run_check(check: dict, result: EditionResult) -> tuple[bool, str]:
    o = result.overall.set_index("framework")
    cats = result.categories
    crit = result.criteria
    kind = check["type"]
    if kind == "rank":
        got = int(o.loc[check["framework"], "rank"])
        return got == check["expect"], f"rank {got}"
    if kind == "order":
        ranks = [int(o.loc[f, "rank"]) for f in check["frameworks"]]
        return ranks == sorted(ranks) and len(set(ranks)) == len(ranks), "ranks " + ", ".join(map(str, ranks))
    if kind == "tier_members":
        got = sorted(o.index[o["tier"] == check["tier"]])
        return got == sorted(check["frameworks"]), "tier {}: {}".format(check["tier"], ", ".join(got))
    if kind == "tier_member":
        got = int(o.loc[check["framework"], "tier"])
        return got == check["tier"], f"tier {got}"
    if kind == "lowest_among":
        part = cats[(cats.category == check["category"]) & cats.framework.isin(check["frameworks"])].set_index("framework")["score"]
        return _unique_extreme(part, check["framework"], "lowest", min)
    if kind == "category_leader":
        part = cats[cats.category == check["category"]].set_index("framework")["score"]
        return _unique_extreme(part, check["framework"], "leader", max)
    if kind == "criterion_leader":
        part = crit[crit.criterion == check["criterion"]].set_index("framework")["score"]
        return _unique_extreme(part, check["framework"], "leader", max)
    if kind == "highest_beyond_tier":
        beyond = o.index[o["tier"] > check["tier"]]
        part = crit[(crit.criterion == check["criterion"]) & crit.framework.isin(beyond)].set_index("framework")["score"]
        ok, got = _unique_extreme(part, check["framework"], "highest", max)
        return ok, f"beyond tier {check['tier']}: {got}"
    if kind == "not_available":
        got = sorted(crit[(crit.criterion == check["criterion"]) & (crit.status != "value")].framework)
        return got == sorted(check["frameworks"]), "n/a for " + (", ".join(got) or "none")
    raise ValueError(kind)


def _unique_extreme(scores: pd.Series, framework: str, what: str, pick) -> tuple[bool, str]:
    """Whether ``framework`` alone holds the extreme of ``scores`` (n/a left out); the text names every tie."""
    values = scores.dropna()
    if values.empty:
        return False, "no value"
    best = pick(values)
    at = sorted(values.index[values == best])
    who = at[0] if len(at) == 1 else " and ".join([", ".join(at[:-1]), at[-1]]) + " tie"
    return at == [framework], f"{what}: {who} ({best:.1f})"


def claims_table(result: EditionResult) -> pd.DataFrame:
    rows = []
    edition = result.edition
    shortlist = bool(edition.declared_cast) and edition.cast != edition.declared_cast
    for claim in load_review(result).get("claims", []):
        if shortlist:  # the post's claims rank its whole cast; a shortlist cannot confirm or refute them
            rows.append({"claim": claim["text"], "holds": "not checked",
                         "what the figures give": f"the run is restricted to {len(edition.cast)} of the {len(edition.declared_cast)} frameworks"})
            continue
        ok, got = _run_check(claim["check"], result)
        rows.append({"claim": claim["text"], "holds": "yes" if ok else "NO", "what the figures give": got})
    return pd.DataFrame(rows, columns=["claim", "holds", "what the figures give"])


def doubts_table(result: EditionResult, names: dict[str, str]) -> pd.DataFrame:
    crit = result.criteria.set_index(["framework", "criterion"])
    rows = []
    for d in load_review(result).get("doubts", []):
        key = (d["framework"], d["criterion"])
        score = crit.loc[key, "score"] if key in crit.index else float("nan")
        rows.append({
            "framework": names.get(d["framework"], d["framework"]),
            "criterion": result.method.criterion(d["criterion"]).name,
            "published": score,
            "concern": " ".join(str(d["concern"]).split()),
            "source": d["citation"]["url"],
        })
    return pd.DataFrame(rows, columns=["framework", "criterion", "published", "concern", "source"])


def off_scale(result: EditionResult) -> pd.DataFrame:
    """Published scores of fixed-scale criteria that do not sit on a level of their scale."""
    c = result.criteria
    return c[c["note"].str.contains("not on the", na=False)][["framework", "criterion", "score", "note"]].reset_index(drop=True)


def doubt_impact(result: EditionResult, alternative: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Overall ranks when some published scores are replaced, to show how much the doubts matter."""
    from .scoring import category_scores, overall_scores

    crit = result.criteria.copy()
    for (fw, cid), value in alternative.items():
        mask = (crit.framework == fw) & (crit.criterion == cid)
        crit.loc[mask, "score"] = value
        crit.loc[mask, "status"] = "value"
    cats = category_scores(crit, result.method, result.weights.get("criterion"), result.edition.n_tiers)
    over = overall_scores(cats, result.method, result.weights.get("category"), result.edition.n_tiers)
    merged = result.overall[["framework", "score", "rank"]].merge(over[["framework", "score", "rank"]], on="framework", suffixes=("_published", "_revised"))
    return merged
