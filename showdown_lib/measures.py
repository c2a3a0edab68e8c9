"""From collected observations to the raw value of each criterion, and where each came from.

A ``collected`` edition names, per source, the snapshot to use (``snapshot: YYYY-MM-DD``,
``latest`` for the newest on or before the edition's date, or ``null`` for none). The rules below
turn those observations into one raw value per framework and criterion; the methodology then
scores them. Every raw value keeps its origin (collected, probed, curated, published) and its
source; a value that cannot be formed is NaN with the reason.

The rules (the measured counterparts of the post's judgements):

* activity      = 1 / max(weeks since last commit, 1) + pull requests merged in the last 30 days
                  (git history; the GitHub API when there is no history)
* ecosystem     = log10(1 + GitHub repositories mentioning it) + log10(1 + Stack Overflow questions)
* numerics      = curated maturity (0-5) + curated ease of use (0-5)
* ootb_ops      = the probe's points where the probe ran, else the curated points
* os_support    = operating systems of the latest published wheels, else curated
* the rest      = the curated fact of the same name
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from .errors import DataError
from .methodology import Methodology
from .sources.base import read_snapshot

SOURCES = ("pypi", "git", "github", "stackexchange", "ops_probe")
ORIGIN = {"pypi": "collected", "git": "collected", "github": "collected", "stackexchange": "collected",
          "ops_probe": "probed", "curated": "curated"}


@dataclass
class Obs:
    """Observations of one edition, indexed for lookup: (source, framework, metric) -> row."""

    table: pd.DataFrame
    snapshots: dict[str, str | None]
    as_of: str = ""
    unavailable: dict[str, str] | None = None

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
            return None, row.get("detail", ""), f"{source}: {row['reason']}"
        return row["value"], row.get("detail", ""), ""

    def __post_init__(self) -> None:
        self.index = {(r["source"], r["framework"], r["metric"]): r for r in self.table.to_dict("records")}


def resolve_snapshots(edition) -> dict[str, str | None]:
    """The snapshot date each source of the edition uses (None when the edition has none); see
    :func:`showdown_lib.sources.base.resolve_edition_snapshots` for the rules and the notes."""
    from .sources.base import resolve_edition_snapshots

    return resolve_edition_snapshots(edition, SOURCES)[0]


def load_observations(edition) -> Obs:
    from .registry import load_registry, select

    snaps = resolve_snapshots(edition)
    frames = []
    for source, snap in snaps.items():
        if snap is None:
            continue
        obs, _prov = read_snapshot(source, snap)
        obs = obs.copy()
        obs["source"] = source
        frames.append(obs)
    curated_spec = edition.inputs.get("curated")
    if isinstance(curated_spec, dict) and curated_spec.get("set"):
        from .sources import curated

        frameworks = select(load_registry(), edition.cast)
        result = curated.collect(frameworks, edition.as_of, edition=curated_spec["set"])
        frames.append(pd.DataFrame([o.as_row() for o in result.observations]))
        snaps["curated"] = curated_spec["set"]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["framework", "metric", "value", "source", "status", "reason", "detail"])
    table = table[table["framework"].isin(edition.cast)]
    unavailable = {k: v.get("unavailable") for k, v in edition.inputs.items() if isinstance(v, dict) and v.get("unavailable")}
    return Obs(table, snaps, edition.as_of, unavailable)


def _num(value) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def _curated(obs: Obs, fw: str, fact: str) -> tuple[float | None, str, str, str]:
    v, detail, reason = obs.get("curated", fw, fact)
    return _num(v), "curated", f"curated: {detail}" if detail else "curated", reason


def _weeks_between(timestamp, as_of: str) -> float | None:
    """Weeks from a timestamp to the end of the as-of day, or None."""
    if timestamp is None or not as_of:
        return None
    try:
        when = pd.Timestamp(str(timestamp))
    except ValueError:
        return None
    when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    end = pd.Timestamp(as_of, tz="UTC") + pd.Timedelta(days=1)
    return max((end - when).total_seconds(), 0.0) / (7 * 86400)


def _activity(obs: Obs, fw: str):
    weeks, d1, r1 = obs.get("git", fw, "weeks_since_last_commit")
    prs, d2, r2 = obs.get("git", fw, "merged_prs_30d")
    weeks, prs = _num(weeks), _num(prs)
    if weeks is not None and prs is not None:
        return 1.0 / max(weeks, 1.0) + prs, "collected", f"git: {d1 or d2}", ""
    gh_prs, d3, r3 = obs.get("github", fw, "merged_prs_30d")
    gh_prs = _num(gh_prs)
    pushed_at, _, r4 = obs.get("github", fw, "pushed_at")
    pushed = _weeks_between(pushed_at, obs.as_of)
    if gh_prs is not None and pushed is not None:
        return 1.0 / max(pushed, 1.0) + gh_prs, "collected", f"github: {d3}", ""
    return None, "missing", "", "; ".join(r for r in (r1 or r2, r3 or r4) if r)


def _ecosystem(obs: Obs, fw: str):
    repos, d1, r1 = obs.get("github", fw, "repos_mentioning")
    questions, d2, r2 = obs.get("stackexchange", fw, "questions_total")
    if _num(questions) is None:
        q2, d2b, r2b = obs.get("stackexchange", fw, "questions_as_of")
        if _num(q2) is not None:
            questions, d2, r2 = q2, d2b, ""
    repos, questions = _num(repos), _num(questions)
    if repos is not None and questions is not None:
        return math.log10(1 + repos) + math.log10(1 + questions), "collected", f"github: {d1}; stackexchange: {d2}", ""
    return None, "missing", "", "; ".join(r for r in (r1, r2) if r)


def _numerics(obs: Obs, fw: str):
    m, _, src, r1 = _curated(obs, fw, "numerics_maturity")
    e, _, _, r2 = _curated(obs, fw, "numerics_ease")
    if m is not None and e is not None:
        return m + e, "curated", src, ""
    return None, "missing", "", "; ".join(r for r in (r1, r2) if r)


def _ootb(obs: Obs, fw: str):
    v, d, r = obs.get("ops_probe", fw, "ootb_ops")
    if _num(v) is not None:
        version, _, _ = obs.get("ops_probe", fw, "framework_version")
        return _num(v), "probed", f"ops probe{f' ({version})' if version else ''}: {d}".rstrip(": "), ""
    c, origin, src, r2 = _curated(obs, fw, "ootb_ops")
    return (c, origin, src, "") if c is not None else (None, "missing", "", "; ".join(x for x in (r, r2) if x))


def _os(obs: Obs, fw: str):
    v, d, r = obs.get("pypi", fw, "os_count")
    if _num(v) is not None:
        return _num(v), "collected", f"package index wheels: {d}".rstrip(": "), ""
    c, origin, src, r2 = _curated(obs, fw, "os_support")
    return (c, origin, src, "") if c is not None else (None, "missing", "", "; ".join(x for x in (r, r2) if x))


def _plain(fact: str) -> Callable:
    def rule(obs: Obs, fw: str):
        v, origin, src, reason = _curated(obs, fw, fact)
        return (v, origin, src, "") if v is not None else (None, "missing", "", reason)

    return rule


RULES: dict[str, Callable] = {
    "sponsor": _plain("sponsor"),
    "activity": _activity,
    "ecosystem": _ecosystem,
    "documentation": _plain("documentation"),
    "graph_building": _plain("graph_building"),
    "numerics": _numerics,
    "ootb_ops": _ootb,
    "scalability": _plain("scalability"),
    "languages": _plain("languages"),
    "os_support": _os,
    "aws_support": _plain("aws_support"),
    "onnx_support": _plain("onnx_support"),
}


def build_raw(edition, method: Methodology) -> pd.DataFrame:
    """Raw value, origin, source and reason for every framework x criterion of a collected edition.

    ``inputs.measure`` lists the criteria the edition measures (default: all). With
    ``inputs.published_fallback: <edition>`` the other criteria keep that edition's published
    scores (the 2018 re-measurement does this); a measured criterion that cannot be formed is
    missing, never patched from the other edition.
    """
    obs = load_observations(edition)
    fallback = None
    fb_id = edition.inputs.get("published_fallback")
    if fb_id:
        from .editions import load_edition, read_published

        fallback = read_published(load_edition(str(fb_id)), method).set_index(["framework", "criterion"])
    measured_only = set(edition.inputs.get("measure", []) or method.criterion_ids)
    rows = []
    for fw in edition.cast:
        for crit in method.criteria:
            if crit.id not in RULES:
                raise DataError(edition.file, f"no rule turns observations into {crit.id!r}", crit.id)
            if crit.id in measured_only:
                value, origin, source, reason = RULES[crit.id](obs, fw)
            else:
                value, origin, source, reason = None, "missing", "", "not re-measured in this edition"
            row = {"framework": fw, "criterion": crit.id, "raw_value": np.nan if value is None else float(value),
                   "published_score": np.nan, "origin": origin if value is not None else "missing",
                   "source": source, "note": reason}
            # a criterion this edition measures is never patched with another edition's score:
            # relative scales would then mix two bases. Missing stays missing.
            if crit.id not in measured_only and fallback is not None and (fw, crit.id) in fallback.index:
                pub = fallback.loc[(fw, crit.id)]
                if pd.notna(pub["published_score"]):
                    row.update(published_score=float(pub["published_score"]), raw_value=pub["raw_value"], origin="published",
                               source=f"edition {fb_id}: {pub['source']}", note=f"kept from edition {fb_id} ({reason})")
            row["as_of"] = _source_date(row, obs, edition)
            rows.append(row)
    return pd.DataFrame(rows)


_PREFIX = {"git": "git", "package index": "pypi", "github": "github", "stackexchange": "stackexchange", "ops probe": "ops_probe"}


def _source_date(row: dict, obs: Obs, edition) -> str:
    """The as-of date of the snapshot (or curated set, or published edition) a raw value came from."""
    src = str(row.get("source", ""))
    if row["origin"] == "published":
        from .editions import load_edition

        return load_edition(str(edition.inputs.get("published_fallback"))).as_of
    if row["origin"] == "curated":
        hit = obs.table[(obs.table["source"] == "curated") & (obs.table["framework"] == row["framework"])]
        return str(hit["as_of"].iloc[0]) if len(hit) else ""
    for prefix, source in _PREFIX.items():
        if src.startswith(prefix):
            return str(obs.snapshots.get(source) or "")
    return ""


def coverage(result) -> pd.DataFrame:
    """framework x criterion: origin (published, collected, probed, curated, missing), as-of date, source, reason."""
    raw = result.raw.copy()
    if "origin" not in raw:
        raw["origin"] = np.where(raw["published_score"].notna(), "published", "missing")
    if "as_of" not in raw:
        raw["as_of"] = result.edition.as_of
    raw["as_of"] = raw["as_of"].where(raw["origin"] != "missing", "")
    raw["reason"] = np.where(raw["origin"] == "missing", raw["note"], "")
    return raw[["framework", "criterion", "origin", "as_of", "source", "reason"]].reset_index(drop=True)
