"""Sentences computed from the scores, so the text of a notebook can never disagree with its charts.

Every function takes the processed tables and returns plain Markdown. Numbers are formatted
with one decimal, as in the charts.
"""
from __future__ import annotations

import pandas as pd

from .methodology import Methodology


def _fmt(x: float) -> str:
    return "n/a" if pd.isna(x) else f"{x:.1f}"


def join_words(items: list[str]) -> str:
    items = list(items)
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def podium(overall: pd.DataFrame, names: dict[str, str]) -> str:
    o = overall.sort_values(["rank", "framework"]).reset_index(drop=True)
    if len(o) < 2:
        return f"Only {names.get(o.framework[0], o.framework[0])} was scored." if len(o) else "Nothing was scored."
    first, second = o.iloc[0], o.iloc[1]
    lead = first.score - second.score
    parts = []
    tied = o[o["rank"] == first["rank"]]
    if len(tied) > 1:
        parts.append(f"{join_words([names[f] for f in tied.framework])} share first place at {_fmt(first.score)}.")
    else:
        parts.append(f"**{names[first.framework]}** comes first overall with {_fmt(first.score)}, "
                     f"{lead:.1f} point{'s' if abs(lead - 1) > 1e-9 else ''} ahead of {names[second.framework]} ({_fmt(second.score)}).")
    if len(o) >= 3:
        third = o.iloc[2]
        parts.append(f"{names[third.framework]} completes the podium at {_fmt(third.score)}.")
    last = o.iloc[-1]
    parts.append(f"The spread from first to last ({names[last.framework]}, {_fmt(last.score)}) is {first.score - last.score:.1f} points.")
    return " ".join(parts)


def tiers(scores: pd.DataFrame, names: dict[str, str], what: str = "overall") -> str:
    """One line per tier, members best first, with the gap that separates it from the next tier."""
    s = scores.dropna(subset=["score"]).sort_values(["score", "framework"], ascending=[False, True])
    lines = []
    tier_ids = sorted(s["tier"].dropna().unique())
    for t in tier_ids:
        part = s[s["tier"] == t]
        line = f"- **Tier {int(t)}** ({len(part)}): " + join_words([f"{names[f]} ({_fmt(v)})" for f, v in zip(part.framework, part.score)])
        nxt = s[s["tier"] == t + 1]
        if len(nxt):
            line += f"; a gap of {part.score.min() - nxt.score.max():.1f} points to tier {int(t) + 1}"
        lines.append(line + ".")
    return f"Tiers ({what} score, cut at the largest gaps):\n\n" + "\n".join(lines)


def category_leaders(categories: pd.DataFrame, method: Methodology, names: dict[str, str]) -> str:
    lines = []
    for rid in method.round_ids:
        part = categories[categories["category"] == rid].dropna(subset=["score"]).sort_values(["score", "framework"], ascending=[False, True])
        if part.empty:
            continue
        top = part.iloc[0]
        tied = part[part["score"] == top.score]
        if len(tied) > 1:
            lines.append(f"- {method.round_name(rid)}: {join_words([names[f] for f in tied.framework])} tie at {_fmt(top.score)}.")
        else:
            runner = part.iloc[1] if len(part) > 1 else None
            tail = f", {top.score - runner.score:.1f} ahead of {names[runner.framework]}" if runner is not None else ""
            lines.append(f"- {method.round_name(rid)}: {names[top.framework]} leads with {_fmt(top.score)}{tail}.")
    return "\n".join(lines)


def deciding_criteria(criteria: pd.DataFrame, categories: pd.DataFrame, overall: pd.DataFrame, method: Methodology,
                      names: dict[str, str], weights: dict[str, dict[str, float]] | None = None, top: int = 3) -> tuple[str, pd.DataFrame]:
    """How much each criterion moves the overall gap between the first two frameworks.

    A criterion's contribution to a framework's overall score is its score times its share of the
    category weight (among that framework's available criteria) times the category's share of the
    overall weight. The difference of contributions between the two frameworks adds up to the gap.
    """
    o = overall.sort_values(["rank", "framework"])
    if len(o) < 2:
        return "", pd.DataFrame()
    a, b = o.framework.iloc[0], o.framework.iloc[1]
    contrib = contributions(criteria, method, weights)
    diff = (contrib.loc[a] - contrib.loc[b]).rename("difference").to_frame()
    diff["criterion_name"] = [method.criterion(c).name for c in diff.index]
    diff = diff.sort_values("difference", key=lambda s: -s.abs())
    pos = diff[diff.difference > 0].head(top)
    neg = diff[diff.difference < 0].head(top)
    gap = diff.difference.sum()
    text = (f"{names[a]} leads {names[b]} by {gap:.1f} points overall. "
            f"The criteria that open the gap most: {join_words([f'{r.criterion_name} (+{r.difference:.1f})' for r in pos.itertuples()])}. ")
    if len(neg):
        text += f"Those that pull the other way: {join_words([f'{r.criterion_name} ({r.difference:.1f})' for r in neg.itertuples()])}."
    return text, diff


def contributions(criteria: pd.DataFrame, method: Methodology, weights: dict[str, dict[str, float]] | None = None) -> pd.DataFrame:
    """framework x criterion table of each criterion's points in the overall score (rows sum to the overall)."""
    cw = (weights or {}).get("criterion") or {c: 1.0 for c in method.criterion_ids}
    gw = (weights or {}).get("category") or {r: 1.0 for r in method.round_ids}
    avail = criteria[criteria["status"] == "value"].copy()
    avail["w"] = avail["criterion"].map(cw)
    avail["round_w"] = avail.groupby(["framework", "round"])["w"].transform("sum")
    gsum = sum(gw.values())
    avail["points"] = avail["score"] * avail["w"] / avail["round_w"] * avail["round"].map(gw) / gsum
    table = avail.pivot(index="framework", columns="criterion", values="points").reindex(columns=method.criterion_ids)
    return table.fillna(0.0)


def not_available(criteria: pd.DataFrame, method: Methodology, names: dict[str, str]) -> str:
    na = criteria[criteria["status"] != "value"]
    if na.empty:
        return "Every criterion is available for every framework."
    lines = []
    for cid, part in na.groupby("criterion", sort=False):
        lines.append(f"- {method.criterion(cid).name}: {join_words(sorted(names[f] for f in part.framework))}")
    text = (f"{len(na)} of {len(criteria)} criterion values are not available; each is left out of its framework's "
            "category mean and marked n/a in the charts:\n\n" + "\n".join(lines))
    n_fw = criteria["framework"].nunique()
    everywhere = [cid for cid, part in na.groupby("criterion", sort=False) if part["framework"].nunique() == n_fw]
    for rid in method.round_ids:
        gone = [c.name for c in method.criteria_of(rid) if c.id in everywhere]
        if gone:
            kept = [c.name for c in method.criteria_of(rid) if c.id not in everywhere]
            text += (f"\n\n**{join_words(gone)}** {'is' if len(gone) == 1 else 'are'} not available for any framework, so "
                     f"{method.round_name(rid)} rests on {join_words(kept) if kept else 'nothing'} alone in this edition: "
                     "read its scores and ties with that in mind.")
    return text


def profile(framework: str, categories: pd.DataFrame, overall: pd.DataFrame, method: Methodology, names: dict[str, str]) -> str:
    row = overall.set_index("framework").loc[framework]
    cats = categories[categories.framework == framework].set_index("category")["score"]
    best, worst = cats.idxmax(), cats.idxmin()
    return (f"{names[framework]} ranks {int(row['rank'])} of {len(overall)} ({_fmt(row.score)}, tier {int(row.tier)}); "
            f"strongest in {method.round_name(best)} ({_fmt(cats[best])}), weakest in {method.round_name(worst)} ({_fmt(cats[worst])}).")


# -------------------------------------------------------------------------------- 00 collect
def describe_edition(edition_id: str, title: str, as_of: str, n_frameworks: int, kind: str, inputs: dict,
                     sources: list[dict] | None = None, not_measured: list[str] | None = None) -> str:
    """The edition in a few lines: what it is, and where each input comes from.

    ``sources`` (collected editions) holds one mapping per source: ``source`` and either ``reason``
    (no snapshot) or the snapshot's provenance fields.
    """
    lines = [f"**Edition `{edition_id}`**: {title}. As of {as_of}; {n_frameworks} frameworks; kind: {kind}."]
    if kind == "collected":
        lines += [_source_line(s) for s in sources or []]
        cur = inputs.get("curated")
        if isinstance(cur, dict) and cur.get("set"):
            lines.append(f"- `curated`: the facts in `data/raw/curated/{cur['set']}/`, one citation per value (listed in the discussion notebook).")
        if inputs.get("published_fallback"):
            lines.append(f"- criteria not re-measured ({', '.join(not_measured or [])}) "
                         f"keep the published scores of edition `{inputs['published_fallback']}`.")
        return "\n".join(lines)
    for name, spec in inputs.items():
        if isinstance(spec, dict):
            bits = [f"source: {spec['source']}" if spec.get("source") else "", f"method: {spec['method']}" if spec.get("method") else "",
                    f"retrieved {spec['retrieved']}" if spec.get("retrieved") else "", f"as of {spec['as_of']}" if spec.get("as_of") else ""]
            lines.append(f"- `{name}`: " + "; ".join(b for b in bits if b))
        else:
            lines.append(f"- `{name}`: {spec}")
    return "\n".join(lines)


def _source_line(s: dict) -> str:
    if "reason" in s:
        return f"- `{s['source']}`: no snapshot; {s['reason'] or 'not used by this edition'}."
    return (f"- `{s['source']}`: snapshot as of {s['as_of']}, retrieved {s['retrieved_at']} by collector "
            f"v{s['collector_version']} ({s['n_ok']} values, {s['n_missing']} missing). Method: {s['method']}")


def coverage_summary(cov: pd.DataFrame) -> str:
    counts = cov["origin"].value_counts()
    parts = [f"{n} {k}" for k, n in counts.items()]
    return f"{len(cov)} framework x criterion inputs for {cov.framework.nunique()} frameworks: " + ", ".join(parts) + "."


# -------------------------------------------------------------------------------- rounds
def figure_notes(notes: list[tuple[str, str]]) -> str:
    """``notes``: (criterion name, note) for each criterion whose published figure departs from the text."""
    lines = [f"- **{name}**: {note}" for name, note in notes if note]
    if not lines:
        return "The published figures and the post's text agree on the scales of this round."
    return "Where the published figures and the post's text disagree on a scale, we follow the figures:\n\n" + "\n".join(lines)


def round_story(categories: pd.DataFrame, criteria: pd.DataFrame, round_name: str, criterion_names: dict[str, str],
                names: dict[str, str]) -> str:
    """Tiers of one round, then best, lowest and median of each criterion (``criterion_names`` in round order)."""
    text = [tiers(categories, names, round_name)]
    for cid, cname in criterion_names.items():
        part = criteria[(criteria.criterion == cid) & (criteria.status == "value")].sort_values(["score", "framework"], ascending=[False, True])
        if part.empty:
            text.append(f"- {cname}: not available for any framework.")
            continue
        top = part[part.score == part.score.iloc[0]]
        low = part[part.score == part.score.iloc[-1]]
        text.append(f"- {cname}: best {join_words([names[f] for f in top.framework])} ({part.score.iloc[0]:.0f}), "
                    f"lowest {join_words([names[f] for f in low.framework])} ({part.score.iloc[-1]:.0f}); "
                    f"median {part.score.median():.0f}.")
    na = criteria[criteria.status != "value"]
    if len(na):
        text.append("\nNot available (left out of the mean, marked n/a): " +
                    join_words([f"{names[f]} ({criterion_names.get(c, c)})" for f, c in zip(na.framework, na.criterion)]) + ".")
    return "\n".join(text)


def probe_summary(grid: pd.DataFrame, snapshot: str) -> str:
    """``grid``: op x framework points as measured by the probe."""
    total = grid.sum()
    return (f"The probe ran for {grid.shape[1]} frameworks (snapshot {snapshot}): " +
            ", ".join(f"{n} {v:g}" for n, v in total.sort_values(ascending=False).items()) +
            " points of 32. 1 = a public API that resolved and ran, 0.5 = composed from public ops, 0 = absent.")


# -------------------------------------------------------------------------------- 04 aggregate, 05 discussion
def headline(overall: pd.DataFrame, categories: pd.DataFrame, method: Methodology, names: dict[str, str]) -> str:
    return "\n\n".join([
        podium(overall, names),
        tiers(overall, names),
        "Category leaders:\n\n" + category_leaders(categories, method, names),
    ])


def profiles(categories: pd.DataFrame, overall: pd.DataFrame, method: Methodology, names: dict[str, str]) -> str:
    return "\n".join("- " + profile(f, categories, overall, method, names) for f in overall.framework)


def claims_summary(table: pd.DataFrame, edition_id: str) -> str:
    if table.empty:
        return f"Edition {edition_id} has no review file: there are no published claims to check."
    held = (table["holds"] == "yes").sum()
    return f"{held} of {len(table)} statements the post makes about its results hold on the scores reproduced from its figures."


def doubts_summary(table: pd.DataFrame, off_scale: pd.DataFrame) -> str:
    if table.empty:
        return "No published value is under doubt in this edition."
    return (f"{len(table)} published values look doubtful on their face; {len(off_scale)} fixed-scale scores sit off their scale. "
            "They are kept as published: the reproduction does not correct the post.")


def doubt_impact(table: pd.DataFrame, n_revised: int, names: dict[str, str]) -> str:
    """``table``: framework, rank_published, rank_revised (from :func:`review.doubt_impact`)."""
    if not n_revised:
        return "There is no suggested revision to test."
    moved = table[table["rank_published"] != table["rank_revised"]]
    changes = "; ".join(f"{names[r.framework]} {int(r.rank_published)} → {int(r.rank_revised)}" for r in moved.itertuples())
    same = set(table.nsmallest(3, "rank_revised").framework) == set(table.nsmallest(3, "rank_published").framework)
    return (f"Replacing the {n_revised} doubtful values with the values the evidence suggests (kept apart, never in the tables) "
            + (f"moves {len(moved)} frameworks: {changes}." if len(moved) else "moves no framework's rank.")
            + f" The top three stay {'the same' if same else 'different'}.")


def citations_summary(table: pd.DataFrame) -> str:
    return f"{len(table)} curated values from {table['framework'].nunique()} frameworks, each with its source:"
