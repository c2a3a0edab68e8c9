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


def round_story(cats: pd.DataFrame, crit: pd.DataFrame, method: Methodology, round_id: str, names: dict[str, str]) -> str:
    """The tiers of a round and, per criterion, who is best and lowest (ties named together)."""
    text = [tiers(cats, names, method.round_name(round_id))]
    for c in method.criteria_of(round_id):
        part = crit[(crit.criterion == c.id) & (crit.status == "value")].sort_values(["score", "framework"], ascending=[False, True])
        if part.empty:
            text.append(f"- {c.name}: not available for any framework.")
            continue
        top = part[part.score == part.score.iloc[0]]
        low = part[part.score == part.score.iloc[-1]]
        text.append(f"- {c.name}: best {join_words([names[f] for f in top.framework])} ({part.score.iloc[0]:.0f}), "
                    f"lowest {join_words([names[f] for f in low.framework])} ({part.score.iloc[-1]:.0f}); "
                    f"median {part.score.median():.0f}.")
    na = crit[crit.status != "value"]
    if len(na):
        text.append("\nNot available (left out of the mean, marked n/a): " +
                    join_words([f"{names[f]} ({method.criterion(c).name})" for f, c in zip(na.framework, na.criterion)]) + ".")
    return "\n".join(text)


def probe_summary(grid: pd.DataFrame, snapshot: str) -> str:
    """The probe's points per framework (columns of ``grid``: frameworks; rows: ops)."""
    total = grid.sum()
    return (f"The probe ran for {grid.shape[1]} frameworks (snapshot {snapshot}): " +
            ", ".join(f"{n} {v:g}" for n, v in total.sort_values(ascending=False).items()) +
            " points of 32. 1 = a public API that resolved and ran, 0.5 = composed from public ops, 0 = absent.")


def headline(overall: pd.DataFrame, categories: pd.DataFrame, method: Methodology, names: dict[str, str]) -> str:
    """The podium, the tiers and the leader of each category."""
    return "\n\n".join([podium(overall, names), tiers(overall, names),
                         "Category leaders:\n\n" + category_leaders(categories, method, names)])


def claims_summary(table: pd.DataFrame) -> str:
    held = int((table["holds"] == "yes").sum())
    return f"{held} of {len(table)} statements the post makes about its results hold on the scores reproduced from its figures."


def doubts_summary(doubts: pd.DataFrame, off_scale: pd.DataFrame) -> str:
    return (f"{len(doubts)} published values look doubtful on their face; {len(off_scale)} fixed-scale scores sit off their scale. "
            "They are kept as published: the reproduction does not correct the post.")


def doubt_impact(table: pd.DataFrame, n_values: int, names: dict[str, str]) -> str:
    """How ranks move when the doubtful values take the suggested ones (``table``: rank_published, rank_revised)."""
    moved = table[table["rank_published"] != table["rank_revised"]]
    changes = "; ".join(f"{names[r.framework]} {int(r.rank_published)} → {int(r.rank_revised)}" for r in moved.itertuples())
    same = set(table.nsmallest(3, "rank_revised").framework) == set(table.nsmallest(3, "rank_published").framework)
    return (f"Replacing the {n_values} doubtful values with the values the evidence suggests (kept apart, never in the tables) "
            + (f"moves {len(moved)} frameworks: {changes}." if len(moved) else "moves no framework's rank.")
            + f" The top three stay {'the same' if same else 'different'}.")


def _join_pct(pairs) -> str:
    return join_words([f"{n} ({p:.0%})" for n, p in pairs])


def stability_story(s: pd.DataFrame, n_samples: int, names: dict[str, str]) -> str:
    """What the rank-stability summary says (``s``: one row per framework, best first)."""
    top = s.iloc[0]
    lines = [f"With the chosen weights {names[top.framework]} ranks first; under re-drawn weights it stays first in "
             f"{top.p_top1:.0%} of {n_samples:,} draws."]
    contenders = s[(s.p_top1 > 0.01) & (s.framework != top.framework)]
    if len(contenders):
        lines.append("Others that take first place in more than 1% of draws: " +
                     _join_pct([(names[f], p) for f, p in zip(contenders.framework, contenders.p_top1)]) + ".")
    else:
        lines.append("No other framework takes first place in more than 1% of draws.")
    podium_ = s[s.p_top3 > 0.5]
    lines.append(f"{len(podium_)} frameworks are on the podium in most draws: " +
                 _join_pct([(names[f], p) for f, p in zip(podium_.framework, podium_.p_top3)]) + ".")
    width = (s.rank_high - s.rank_low)
    widest = s.loc[width.idxmax()]
    lines.append(f"The widest 90% rank interval is {names[widest.framework]}'s, from {int(widest.rank_low)} to {int(widest.rank_high)}; "
                 f"{int((width == 0).sum())} frameworks never move.")
    return " ".join(lines)
