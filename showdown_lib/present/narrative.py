"""Sentences computed from the scores, so the text of a notebook can never disagree with its charts.

Every function takes the processed tables and returns plain Markdown. Numbers are formatted
with one decimal, as in the charts.
"""
from __future__ import annotations

import pandas as pd

from ..core.methodology import Methodology


def _fmt(x: float) -> str:
    return "n/a" if pd.isna(x) else f"{x:.1f}"


def join_words(items: list[str]) -> str:
    items = list(items)
    if not items:
        return "none"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 framework``, ``2 frameworks``: the number with the noun in the form it takes."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def _at(frame: pd.DataFrame, column: str, value, names: dict[str, str]) -> str:
    """Every framework of ``frame`` whose ``column`` equals ``value``, joined: a superlative names all ties."""
    return join_words([names[f] for f in frame.loc[frame[column] == value, "framework"]])


def podium(overall: pd.DataFrame, names: dict[str, str]) -> str:
    """First place, the podium and the spread; every framework tied at a place is named with it."""
    o = overall.dropna(subset=["score"]).sort_values(["rank", "framework"]).reset_index(drop=True)
    if len(o) < 2:
        return f"Only {names.get(o.framework[0], o.framework[0])} was scored." if len(o) else "Nothing was scored."
    ranks = list(dict.fromkeys(o["rank"]))
    if len(ranks) == 1:
        return f"All {len(o)} frameworks tie at {_fmt(o.score.iloc[0])}."
    first, second = o[o["rank"] == ranks[0]], o[o["rank"] == ranks[1]]
    if len(first) > 1:
        parts = [f"{_at(o, 'rank', ranks[0], names)} share first place at {_fmt(first.score.iloc[0])}."]
        named = ranks[:1]
    else:
        lead = first.score.iloc[0] - second.score.iloc[0]
        parts = [f"**{names[first.framework.iloc[0]]}** comes first overall with {_fmt(first.score.iloc[0])}, "
                 f"{lead:.1f} point{'s' if abs(lead - 1) > 1e-9 else ''} ahead of {_at(o, 'rank', ranks[1], names)} "
                 f"({_fmt(second.score.iloc[0])})."]
        named = ranks[:2]
    for r in [r for r in ranks if r <= 3 and r not in named]:
        part = o[o["rank"] == r]
        if len(part) > 1:
            parts.append(f"{_at(o, 'rank', r, names)} share third place at {_fmt(part.score.iloc[0])}.")
        else:
            parts.append(f"{names[part.framework.iloc[0]]} completes the podium at {_fmt(part.score.iloc[0])}.")
    last = o[o["rank"] == ranks[-1]]
    parts.append(f"The spread from first to last ({_at(o, 'rank', ranks[-1], names)}, {_fmt(last.score.iloc[0])}) is "
                 f"{first.score.iloc[0] - last.score.iloc[0]:.1f} points.")
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
        part = categories[categories["category"] == rid].dropna(subset=["score"])
        if part.empty:
            continue
        levels = sorted(part.score.unique(), reverse=True)
        if (part.score == levels[0]).sum() > 1:
            lines.append(f"- {method.round_name(rid)}: {_at(part, 'score', levels[0], names)} tie at {_fmt(levels[0])}.")
            continue
        tail = f", {levels[0] - levels[1]:.1f} ahead of {_at(part, 'score', levels[1], names)}" if len(levels) > 1 else ""
        lines.append(f"- {method.round_name(rid)}: {_at(part, 'score', levels[0], names)} leads with {_fmt(levels[0])}{tail}.")
    return "\n".join(lines)


def deciding_criteria(criteria: pd.DataFrame, categories: pd.DataFrame, overall: pd.DataFrame, method: Methodology,
                      names: dict[str, str], weights: dict[str, dict[str, float]] | None = None, top: int = 3) -> tuple[str, pd.DataFrame]:
    """Which criteria separate the first two frameworks, compared like with like.

    Only criteria with a value for both are compared, each weighted as the scorer would weight it
    over that common set, so a tied criterion contributes exactly 0 and the differences add up to
    the gap on the common basis (the whole gap when both have the same criteria). A criterion that
    is n/a for either is listed as not compared, never as deciding. The table has one row per
    criterion: ``difference`` (NaN when not compared) and ``criterion_name``.
    """
    o = overall.dropna(subset=["score"]).sort_values(["rank", "framework"])
    if len(o) < 2:
        return "", pd.DataFrame()
    a, b = o.framework.iloc[0], o.framework.iloc[1]
    pair = criteria[criteria.framework.isin([a, b])]
    value = pair.assign(ok=pair["status"] == "value").pivot(index="criterion", columns="framework", values="ok")
    value = value.reindex(index=method.criterion_ids, columns=[a, b]).fillna(False).astype(bool)
    common = [c for c in method.criterion_ids if value.loc[c].all()]
    scores = pair.pivot(index="criterion", columns="framework", values="score").reindex(index=method.criterion_ids, columns=[a, b])
    contrib = contributions(pair[pair.criterion.isin(common)], method, weights).reindex(index=[a, b]).fillna(0.0)
    diff = (contrib.loc[a] - contrib.loc[b]).reindex(method.criterion_ids).rename("difference").to_frame()
    diff.loc[~diff.index.isin(common), "difference"] = float("nan")
    diff.loc[[c for c in common if scores.loc[c, a] == scores.loc[c, b]], "difference"] = 0.0
    diff["criterion_name"] = [method.criterion(c).name for c in diff.index]
    diff = diff.sort_values("difference", key=lambda s: -s.abs(), na_position="last")
    gap = o.score.iloc[0] - o.score.iloc[1]
    if abs(gap) < 1e-9:
        text = [f"{names[a]} and {names[b]} tie at {_fmt(o.score.iloc[0])} overall."]
    else:
        text = [f"{names[a]} leads {names[b]} by {gap:.1f} points overall."]
    text += _deciding_lines(diff, value, common, names, a, b, top, scores)
    return " ".join(text), diff


def _deciding_lines(diff: pd.DataFrame, value: pd.DataFrame, common: list[str], names: dict[str, str], a: str, b: str, top: int,
                    scores: pd.DataFrame | None = None) -> list[str]:
    lines = []
    missing = [c for c in diff.index if c not in common]
    if any(value.loc[c].any() for c in missing):  # n/a for one of the two: the common basis differs from the overall
        basis = diff["difference"].sum()
        ahead = f"{names[a] if basis > 0 else names[b]} is ahead by {abs(basis):.1f} points" if abs(basis) > 1e-9 else "they tie"
        lines.append(f"Counting only the {count(len(common), 'criterion', 'criteria')} with a value for both, {ahead}.")
    pos = diff[diff.difference > 0].head(top)
    neg = diff[diff.difference < 0].head(top)
    listed = lambda part: join_words([f"{r.criterion_name} ({r.difference:+.1f})" for r in part.itertuples()])
    if len(pos) == 1:
        lines.append(f"The criterion that opens the gap: {listed(pos)}.")
    elif len(pos):
        lines.append(f"The criteria that open the gap most: {listed(pos)}.")
    else:
        lines.append(f"No criterion measured for both favours {names[a]}.")
    if len(neg):
        lines.append(f"{'The one that pulls' if len(neg) == 1 else 'Those that pull'} the other way: {listed(neg)}.")
    nothing = diff.index[diff.difference == 0]
    same = [c for c in nothing if scores is None or scores.loc[c, a] == scores.loc[c, b]]
    weightless = [c for c in nothing if c not in same]  # different scores on a criterion that weighs nothing
    if same:
        lines.append(f"{count(len(same), 'criterion', 'criteria')} {'scores' if len(same) == 1 else 'score'} the same for both.")
    if weightless:
        lines.append(join_words([f"{diff.loc[c, 'criterion_name']} ({_fmt(scores.loc[c, a])} against {_fmt(scores.loc[c, b])})"
                                 for c in weightless]) + f" {'differs' if len(weightless) == 1 else 'differ'} but "
                     f"{'weighs' if len(weightless) == 1 else 'weigh'} nothing in the overall score.")
    if missing:
        why = [f"{diff.loc[c, 'criterion_name']} (n/a for "
               f"{'both' if not value.loc[c].any() else names[b] if value.loc[c, a] else names[a]})" for c in missing]
        lines.append(f"Left out, not compared: {join_words(why)}.")
    return lines


def contributions(criteria: pd.DataFrame, method: Methodology, weights: dict[str, dict[str, float]] | None = None) -> pd.DataFrame:
    """framework x criterion table of each criterion's points in the overall score (rows sum to the overall;
    the aggregation kernel's, through :func:`showdown_lib.method.scoring.contributions`)."""
    from ..method.scoring import contributions as kernel_contributions

    return kernel_contributions(criteria, method, (weights or {}).get("criterion"), (weights or {}).get("category"))


def not_available(criteria: pd.DataFrame, method: Methodology, names: dict[str, str]) -> str:
    na = criteria[criteria["status"] != "value"]
    if na.empty:
        return "Every criterion is available for every framework."
    lines = []
    for cid, part in na.groupby("criterion", sort=False):
        lines.append(f"- {method.criterion(cid).name}: {join_words(sorted(names[f] for f in part.framework))}")
    one = len(na) == 1
    text = (f"{len(na)} of {len(criteria)} criterion values {'is' if one else 'are'} not available; {'it' if one else 'each'} "
            "is left out of its framework's category mean and marked n/a in the charts:\n\n" + "\n".join(lines))
    rests = rests_on(criteria, method)
    return text + ("\n\n" + rests + " Read those rounds' scores and ties with that in mind." if rests else "")


def missing_everywhere(criteria: pd.DataFrame, method: Methodology) -> dict[str, list[str]]:
    """round id -> the criteria of that round that have no value for any framework (n/a everywhere)."""
    if criteria.empty:
        return {}
    has_value = set(criteria.loc[criteria["status"] == "value", "criterion"])
    out = {rid: [c.id for c in method.criteria_of(rid) if c.id in set(criteria["criterion"]) and c.id not in has_value]
           for rid in method.round_ids}
    return {rid: gone for rid, gone in out.items() if gone}


def rests_on(criteria: pd.DataFrame, method: Methodology, reasons: bool = False) -> str:
    """One sentence per round that lost a criterion everywhere: which one is n/a for every framework, and what the
    round rests on instead (with the recorded reason when ``reasons``); "" when no criterion is n/a everywhere."""
    lines = []
    for rid, gone in missing_everywhere(criteria, method).items():
        kept = [c.name for c in method.criteria_of(rid) if c.id not in gone]
        names = [method.criterion(c).name for c in gone]
        why = ""
        if reasons and "note" in criteria:
            notes = criteria.loc[criteria["criterion"].isin(gone), "note"].fillna("").astype(str)
            common = notes.mode()
            why = f" ({common.iloc[0].rstrip('.')})" if len(common) and common.iloc[0] else ""
        lines.append(f"**{join_words(names)}** {'is' if len(names) == 1 else 'are'} n/a for every framework{why}, so "
                     f"{method.round_name(rid)} rests on {join_words(kept) if kept else 'nothing'} alone in this edition.")
    return " ".join(lines)


def profile(framework: str, categories: pd.DataFrame, overall: pd.DataFrame, method: Methodology, names: dict[str, str]) -> str:
    """Rank, score and tier of one framework, with its strongest and weakest categories (ties named together)."""
    row = overall.set_index("framework").loc[framework]
    cats = categories[categories.framework == framework].set_index("category")["score"].dropna()
    if pd.isna(row["rank"]):
        return f"{names[framework]} is not ranked: none of its criteria has a value in this edition."
    head = f"{names[framework]} ranks {int(row['rank'])} of {int(overall['rank'].notna().sum())} ({_fmt(row.score)}, tier {int(row.tier)})"
    if cats.empty:
        return head + "; no category has a score."
    if cats.max() == cats.min():
        return head + f"; the same score in every scored category ({_fmt(cats.max())})."
    best = join_words([method.round_name(c) for c in cats.index[cats == cats.max()]])
    worst = join_words([method.round_name(c) for c in cats.index[cats == cats.min()]])
    return head + f"; strongest in {best} ({_fmt(cats.max())}), weakest in {worst} ({_fmt(cats.min())})."


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
        share = "" if len(part) == criteria.framework.nunique() else f" ({len(part)} of {criteria.framework.nunique()} frameworks have a value)"
        text.append(f"- {cname}: best {join_words([names[f] for f in top.framework])} ({part.score.iloc[0]:.0f}), "
                    f"lowest {join_words([names[f] for f in low.framework])} ({part.score.iloc[-1]:.0f}); "
                    f"median {part.score.median():.0f}{share}.")
    na = criteria[criteria.status != "value"]
    if len(na):
        text.append("\nNot available (left out of the mean, marked n/a): " +
                    join_words([f"{names[f]} ({criterion_names.get(c, c)})" for f, c in zip(na.framework, na.criterion)]) + ".")
    return "\n".join(text)


def probe_summary(ops: pd.DataFrame, observations: pd.DataFrame, snapshot: str, names: dict[str, str]) -> str:
    """What the OOTB-ops probe measured, and for whom only.

    ``ops``: the probe's per-op table (framework, op, points); ``observations``: its observation rows.
    A framework was probed when its ``ootb_ops`` row has a value; it was attempted and failed when the
    row is missing for another reason than not being attempted (an ``attempted`` column, where the
    snapshot has one, decides instead); a framework with no row, or "not attempted", was not probed
    and is never given a total.
    """
    obs = observations[observations["metric"] == "ootb_ops"]
    measured = obs["status"].eq("ok") & pd.to_numeric(obs["value"], errors="coerce").notna()
    if "attempted" in obs:
        attempted = obs["attempted"].astype(str).str.lower().isin(["1", "1.0", "true", "yes"])
    else:
        attempted = measured | ~obs["reason"].fillna("").str.lower().str.startswith("not attempted")
    probed = list(obs.loc[measured, "framework"])
    totals = ops[ops.framework.isin(probed)].groupby("framework")["points"].sum(min_count=1).dropna()
    totals = totals.rename(index=lambda f: names.get(f, f)).sort_index().sort_values(ascending=False, kind="stable")
    text = (f"Snapshot {snapshot} probed {count(len(totals), 'framework')}: " + ", ".join(f"{n} {v:g}" for n, v in totals.items())
            + " points of 32. 1 = a public API that resolved and ran, 0.5 = composed from public ops, 0 = absent.")
    failed = obs[attempted & ~measured]
    if len(failed):
        text += (f" It was attempted without a result for {count(len(failed), 'framework')}: "
                 + join_words([f"{names.get(f, f)} ({r})" for f, r in zip(failed.framework, failed.reason.fillna(''))]) + ".")
    skipped = sorted(names.get(f, f) for f in obs.loc[~attempted, "framework"])
    skipped += sorted(names.get(f, f) for f in set(ops.framework) - set(obs.framework))
    if skipped:
        text += (f" It was not attempted for {count(len(skipped), 'framework')} (n/a): {join_words(skipped)}; "
                 "the coverage table gives each reason.")
    older = older_than_newest(observations)
    if older:
        text += (" Where the newest final release would not install, the probe measured an older one, and its values "
                 "describe that release: " + join_words([f"{names.get(f, f)} {have} (the index's newest: {new})"
                                                          for f, (have, new) in older.items()]) + ".")
    return text


def older_than_newest(observations: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """framework -> (installed, newest) where the probe installed an older release than the index's newest final
    one as of the snapshot (``framework_version`` rows, whose detail names the newest)."""
    from packaging.version import InvalidVersion, Version

    rows = observations[(observations["metric"] == "framework_version") & observations["status"].eq("ok")]
    out = {}
    for r in rows.itertuples():
        newest = str(r.detail).rsplit(": ", 1)[-1].strip() if "newest final on the index" in str(r.detail) else ""
        try:
            if newest and Version(str(r.value)).release < Version(newest).release:
                out[r.framework] = (str(r.value), newest)
        except InvalidVersion:
            continue
    return out


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
    held, n = int((table["holds"] == "yes").sum()), len(table)
    if n == 1:
        return (f"The 1 statement the post makes about its results {'holds' if held else 'does not hold'} "
                "on the scores reproduced from its figures.")
    return (f"{held} of the {n} statements the post makes about its results "
            f"{'holds' if held == 1 else 'hold'} on the scores reproduced from its figures.")


def doubts_summary(table: pd.DataFrame, off_scale: pd.DataFrame) -> str:
    if table.empty:
        return "No published value is under doubt in this edition."
    off = ("no fixed-scale score sits off its scale" if off_scale.empty
           else f"{count(len(off_scale), 'fixed-scale score')} {'sits' if len(off_scale) == 1 else 'sit'} off {'its' if len(off_scale) == 1 else 'their'} scale")
    return (f"{count(len(table), 'published value')} {'looks' if len(table) == 1 else 'look'} doubtful on {'its' if len(table) == 1 else 'their'} face; "
            f"{off}. They are kept as published: the reproduction does not correct the post.")


def doubt_impact(table: pd.DataFrame, n_revised: int, names: dict[str, str]) -> str:
    """``table``: framework, rank_published, rank_revised (from :func:`published_review.doubt_impact`)."""
    if not n_revised:
        return "There is no suggested revision to test."
    moved = table[table["rank_published"] != table["rank_revised"]]
    changes = "; ".join(f"{names[r.framework]} {int(r.rank_published)} → {int(r.rank_revised)}" for r in moved.itertuples())
    before = sorted(table.loc[table["rank_published"] <= 3, "framework"])
    after = sorted(table.loc[table["rank_revised"] <= 3, "framework"])
    top = ("The top three stay the same." if before == after else
           f"The top three change: {join_words([names[f] for f in before])} before, {join_words([names[f] for f in after])} after.")
    return (f"Replacing the {count(n_revised, 'doubtful value')} with the values the evidence suggests (kept apart, never in the tables) "
            + (f"moves {count(len(moved), 'framework')}: {changes}. " if len(moved) else "moves no framework's rank. ") + top)


def citations_summary(table: pd.DataFrame) -> str:
    return (f"{count(len(table), 'curated value')} from {count(table['framework'].nunique(), 'framework')}, "
            "each with its source:")


def active_ranking(overall: pd.DataFrame, statuses: dict[str, str], names: dict[str, str], as_of: str) -> str:
    """The ranking among the frameworks still developed on ``as_of`` (``statuses``: id -> status of the others,
    from the one lifecycle rule: maintenance, dormant, archived or merged)."""
    o = overall.dropna(subset=["score"]).sort_values(["score", "framework"], ascending=[False, True])
    active = o[~o["framework"].isin(list(statuses))]
    if not statuses:
        return f"Every framework of the cast was still developed (active) on {as_of}."
    gone = join_words([f"{names[f]}" for f in o["framework"] if f in statuses])
    if active.empty:
        return f"No framework of the cast was still developed on {as_of} ({gone} were not)."
    ranks = active["score"].rank(method="min", ascending=False).astype(int)
    order = "; ".join(f"{r}. {names[f]} ({_fmt(v)})" for r, f, v in zip(ranks, active["framework"], active["score"]))
    n_gone = len(o) - len(active)
    return (f"{n_gone} of the {len(o)} frameworks are no longer developed on {as_of} ({gone}). Among the "
            f"{count(len(active), 'framework')} still developed (status active), the ranking is: {order}.")
