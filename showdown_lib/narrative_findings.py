"""Key findings for the site's index and the discussion: sentences over the processed tables of two
editions (today's podium and coverage, what changed since 2018, the post's closing questions).

Each is tested against the tables it describes (tests/test_site_findings.py).
"""
from __future__ import annotations

import pandas as pd

from .narrative import _fmt, join_words


# How a cell's origin (criteria_scores.origin or coverage.origin) is reported to readers.
ORIGIN_GROUPS = {"collected": "measured", "probed": "measured", "measured": "measured", "curated": "curated",
                 "published": "published", "missing": "n/a", "not_available": "n/a"}
RETIRED = ("archived", "merged", "discontinued")


def origin_shares(table: pd.DataFrame) -> pd.Series:
    """Share of framework x criterion cells per reader-facing origin (measured, curated, published, n/a)."""
    groups = table["origin"].map(lambda o: ORIGIN_GROUPS.get(str(o), str(o)))
    order = ["measured", "curated", "published", "n/a"]
    counts = groups.value_counts()
    return (counts / counts.sum()).reindex([o for o in order if o in counts.index] + [o for o in counts.index if o not in order])


def coverage_line(table: pd.DataFrame, edition: str) -> str:
    """One line: of N cells of the edition, the share measured, curated, published and n/a."""
    shares = origin_shares(table)
    n = len(table)
    parts = [f"{share:.0%} {kind} ({round(share * n)})" for kind, share in shares.items()]
    return f"Of the {n} framework × criterion cells of edition {edition}: {join_words(parts)}."


def _retired_mark(fw: str, lifecycle: pd.DataFrame | None) -> str:
    if lifecycle is None or fw not in set(lifecycle["framework"]):
        return ""
    row = lifecycle.set_index("framework").loc[fw]
    if row["status"] in RETIRED or row["status"] == "maintenance":
        since = f" since {row['since']}" if "since" in row and pd.notna(row["since"]) and str(row["since"]) else ""
        return f" ({row['status']}{since})"
    return ""


def podium_line(overall: pd.DataFrame, names: dict[str, str], lifecycle: pd.DataFrame | None = None, top: int = 3) -> str:
    """The first ``top`` ranks with scores, a framework no longer active marked with its status."""
    o = overall.sort_values(["rank", "framework"]).head(top)
    items = [f"{int(r['rank'])}. **{names[r.framework]}** {_fmt(r.score)}{_retired_mark(r.framework, lifecycle)}" for _, r in o.iterrows()]
    text = "; ".join(items) + "."
    if lifecycle is not None:
        gone = [f for f in overall["framework"] if _retired_mark(f, lifecycle) and "maintenance" not in _retired_mark(f, lifecycle)]
        if gone:
            text += (f" {len(gone)} of the {len(overall)} frameworks ranked are no longer developed: "
                     f"{join_words([names[f] + _retired_mark(f, lifecycle) for f in gone])}.")
    return text


def changes_since(table: pd.DataFrame, names: dict[str, str]) -> list[str]:
    """Three sentences on the then-vs-now table (comparisons.then_vs_now): the leader, the largest moves, the newcomers."""
    both = table.dropna(subset=["rank_then", "rank_now"])
    first_then = table.loc[table["rank_then"] == table["rank_then"].min(), "framework"].iloc[0]
    first_now = table.loc[table["rank_now"] == table["rank_now"].min(), "framework"].iloc[0]
    r = table.set_index("framework")
    if first_then == first_now:
        s1 = f"{names[first_now]} led in 2018 and still leads today ({_fmt(r.loc[first_now, 'score_now'])})."
    else:
        s1 = (f"The 2018 leader, {names[first_then]}, now ranks {int(r.loc[first_then, 'rank_now'])} of {int(table['rank_now'].max())} "
              f"({_fmt(r.loc[first_then, 'score_then'])} → {_fmt(r.loc[first_then, 'score_now'])}); "
              f"{names[first_now]} leads with {_fmt(r.loc[first_now, 'score_now'])}.")
    moves = (both["rank_then"] - both["rank_now"]).astype(float)
    up, down = both.loc[moves.idxmax()], both.loc[moves.idxmin()]
    s2 = (f"Of the {len(both)} frameworks in both editions, {names[up.framework]} climbed most "
          f"({int(up.rank_then)} → {int(up.rank_now)}) and {names[down.framework]} fell furthest ({int(down.rank_then)} → {int(down.rank_now)}).")
    new = table[table["rank_then"].isna() & table["rank_now"].notna()]
    top_now = table[table["tier_now"] == 1]
    new_top = new[new["tier_now"] == 1]
    s3 = (f"{len(new)} framework{'s' if len(new) != 1 else ''} not scored in 2018 joined; {len(new_top)} of today's "
          f"{len(top_now)} tier-1 frameworks are among them ({join_words([names[f] for f in new_top.framework])}).")
    return [s1, s2, s3]


def _shape(overall: pd.DataFrame) -> tuple[str, int]:
    n1 = int((overall["tier"] == 1).sum())
    return ("a monoculture" if n1 == 1 else "a triumvirate" if n1 in (2, 3) else "a plurality"), n1


def field_shape(now: pd.DataFrame, then: pd.DataFrame, names: dict[str, str]) -> str:
    """Monoculture, triumvirate or plurality: read off the size of tier 1 then and now, with the spread of tier 1."""
    label_now, n_now = _shape(now)
    label_then, n_then = _shape(then)
    t1 = now[now["tier"] == 1].sort_values("score", ascending=False)
    rest = now[now["tier"] != 1]["score"]
    gap = t1["score"].min() - rest.max() if len(rest) else float("nan")
    return (f"In 2018 tier 1 held {n_then} frameworks ({join_words([names[f] for f in then[then['tier'] == 1].sort_values('score', ascending=False).framework])}): "
            f"{label_then}. Today it holds {n_now}, from {names[t1.framework.iloc[0]]} ({_fmt(t1.score.iloc[0])}) down to "
            f"{names[t1.framework.iloc[-1]]} ({_fmt(t1.score.iloc[-1])}), a spread of {t1.score.iloc[0] - t1.score.iloc[-1]:.1f} points "
            f"with a gap of {gap:.1f} to the next framework: by this measure {label_now}.")


def onnx_takeaway(criteria: pd.DataFrame, categories: pd.DataFrame, names: dict[str, str], lifecycle: pd.DataFrame | None,
                  deploy_pick: str = "mxnet", prototype_pick: str = "pytorch") -> str:
    """The post's advice (prototype in one framework, deploy through ONNX in another) checked against today's tables."""
    onnx = criteria[criteria["criterion"] == "onnx_support"].set_index("framework")["score"]
    cat = categories.pivot(index="framework", columns="category", values="score")
    retired = set(lifecycle.loc[lifecycle["status"].isin(RETIRED), "framework"]) if lifecycle is not None else set()
    full = [f for f in onnx.index if onnx[f] >= 100 and f not in retired]
    text = []
    if deploy_pick in cat.index:
        rank = int(cat["platform"].rank(ascending=False, method="min")[deploy_pick])
        text.append(f"The post's deployment pick, {names[deploy_pick]}{_retired_mark(deploy_pick, lifecycle)}, scores "
                    f"{_fmt(cat.loc[deploy_pick, 'platform'])} on Platform today, rank {rank} of {len(cat)}.")
    if full:
        plat = cat.loc[full, "platform"].sort_values(ascending=False)
        api = cat.loc[full, "api_internals"].sort_values(ascending=False)
        text.append(f"{len(full)} active frameworks have built-in ONNX support ({join_words([names[f] for f in full])}); "
                    f"among them {names[plat.index[0]]} leads Platform ({_fmt(plat.iloc[0])}) and "
                    f"{names[api.index[0]]} leads API & Internals ({_fmt(api.iloc[0])}).")
        if prototype_pick in full:
            text.append(f"The post's prototyping pick, {names[prototype_pick]}, still exports to ONNX and scores "
                        f"{_fmt(cat.loc[prototype_pick, 'api_internals'])} on API & Internals.")
        if plat.index[0] == api.index[0]:
            text.append("One framework now leads both, so the split the post advised is no longer needed on these scores.")
        else:
            text.append(f"The split still pays on these scores: prototype in {names[api.index[0]]}, deploy through ONNX in {names[plat.index[0]]}.")
    else:
        text.append("No active framework has built-in ONNX support in this edition.")
    return " ".join(text)


# -- the post's summary figures beside the reproduction (published_check's tables) --------------
def summary_sentences(check: pd.DataFrame, consistency: pd.DataFrame, rules: pd.DataFrame, names: dict[str, str]) -> str:
    """Markdown: how close the reproduction is, where the post contradicts itself, which tier rule fits."""
    diff = check["difference"].abs()
    worst = check.loc[diff.idxmax()]
    cat_rows = check[check["category"] != "overall"]
    agree = int(check["tier_agrees"].sum())
    lines = [
        f"Our category and overall scores sit within {diff.max():.1f} points of the post's summary figures "
        f"(median {diff.median():.1f}; largest for {names.get(worst.framework, worst.framework)}, {worst.category}); "
        f"the figures were read to about ±2 points. The tiers agree for {agree} of {len(check)} framework-figure pairs "
        f"({int(cat_rows['tier_agrees'].sum())} of {len(cat_rows)} in the category figures)."
    ]
    bad = consistency[consistency["disagrees"]]
    if len(bad):
        parts = [f"{names.get(r.framework, r.framework)} (overall {r.published_overall:.0f}, mean of its categories "
                 f"{r.mean_of_categories:.1f}, {r.difference:+.1f})" for r in bad.itertuples()]
        lines.append("The post's overall figure disagrees with the mean of its own category figures by more than the "
                     f"reading error for {len(bad)} framework{'s' if len(bad) > 1 else ''}: " + "; ".join(parts) + ".")
    else:
        lines.append("The post's overall figure matches the mean of its own category figures for every framework.")
    tot = rules[rules["figure"] == "all"].set_index("rule")
    best_exact, best_pairs = tot["exact"].idxmax(), tot["pair_agreement"].idxmax()
    lines.append("Applied to the post's own summary scores, " + "; ".join(
        f"*{r}* gives back {int(t.exact)} of {int(t.n)} tiers exactly ({t.pair_agreement:.0%} of pairs grouped alike)"
        for r, t in tot.iterrows()) + ".")
    if best_exact == best_pairs:
        lines.append(f"The evidence favours *{best_exact}* on both counts.")
    else:
        lines.append(f"The evidence is split: *{best_exact}* matches more tiers exactly, *{best_pairs}* groups more pairs alike, "
                     "so the rule is kept as it is; no rule of this family reproduces the post's judgement exactly.")
    return "\n\n".join(lines)
