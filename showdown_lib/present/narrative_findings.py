"""Key findings for the site's index and the discussion: sentences over the processed tables of two
editions (today's podium and coverage, what changed since 2018, the post's closing questions).

Each is tested against the tables it describes (tests/test_site_findings.py).
"""
from __future__ import annotations

import math

import pandas as pd

from ..method.lifecycle import is_developed, mark
from .narrative import _fmt, join_words
from .narrative_comparisons import extreme_move
from ..method.raw_values import ORIGIN_GROUPS, origin_shares  # noqa: F401  (re-exported: the sentences' vocabulary)


def coverage_line(table: pd.DataFrame, edition: str) -> str:
    """One line: of N cells of the edition, the share measured, curated, published and n/a."""
    shares = origin_shares(table)
    n = len(table)
    parts = [f"{share:.0%} {kind} ({round(share * n)})" for kind, share in shares.items()]
    return f"Of the {n} framework × criterion cells of edition {edition}: {join_words(parts)}."


def _retired_mark(fw: str, lifecycle: pd.DataFrame | None) -> str:
    """" (dormant since 2022-01-05)" for a framework the lifecycle rule says is no longer developed; "" otherwise."""
    if lifecycle is None or fw not in set(lifecycle["framework"]):
        return ""
    row = lifecycle.set_index("framework").loc[fw]
    since = str(row["since"]) if "since" in row and pd.notna(row["since"]) else ""
    text = mark(str(row["status"]), since)
    return f" ({text})" if text else ""


def not_developed(overall: pd.DataFrame, lifecycle: pd.DataFrame) -> list[str]:
    """The ranked frameworks the one lifecycle rule says are no longer developed, in rank order."""
    status = dict(zip(lifecycle["framework"], lifecycle["status"]))
    ranked = overall.sort_values(["rank", "framework"])["framework"]
    return [f for f in ranked if f in status and not is_developed(status[f])]


def podium_line(overall: pd.DataFrame, names: dict[str, str], lifecycle: pd.DataFrame | None = None, top: int = 3,
                decimals: int = 1) -> str:
    """The first ``top`` ranks with scores (``decimals`` as shown), a framework no longer developed marked with its status."""
    o = overall.sort_values(["rank", "framework"]).head(top)
    fmt = lambda v: _fmt(v) if decimals == 1 else f"{v:.{decimals}f}"  # noqa: E731
    items = [f"{int(r['rank'])}. **{names[r.framework]}** {fmt(r.score)}{_retired_mark(r.framework, lifecycle)}" for _, r in o.iterrows()]
    text = "; ".join(items) + "."
    if lifecycle is not None:
        gone = not_developed(overall, lifecycle)
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
    moves = [m for m in (extreme_move(both, names, 1), extreme_move(both, names, -1)) if m]
    s2 = (f"Ranked among themselves, the {len(both)} frameworks of both editions move so: " + "; ".join(moves) + "."
          if moves else f"None of the {len(both)} frameworks of both editions changed rank among themselves.")
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
    held = (f"one, {names[t1.framework.iloc[0]]} ({_fmt(t1.score.iloc[0])}), {gap:.1f} points ahead of the next framework"
            if n_now == 1 else
            f"{n_now}, from {names[t1.framework.iloc[0]]} ({_fmt(t1.score.iloc[0])}) down to "
            f"{names[t1.framework.iloc[-1]]} ({_fmt(t1.score.iloc[-1])}), a spread of {t1.score.iloc[0] - t1.score.iloc[-1]:.1f} points "
            f"with a gap of {gap:.1f} to the next framework")
    return (f"In 2018 tier 1 held {n_then} frameworks ({join_words([names[f] for f in then[then['tier'] == 1].sort_values('score', ascending=False).framework])}): "
            f"{label_then}. Today it holds {held}: by this measure {label_now}.")


def onnx_advice(categories: pd.DataFrame, lifecycle: pd.DataFrame | None, directions: pd.DataFrame) -> dict:
    """Who can take each side of "prototype in A, deploy through ONNX in B", from the facts the advice relies on.

    ``directions``: the probe's ONNX levels per framework (the scoring step's ``onnx_directions`` table: export, import).
    Only frameworks still developed (the one lifecycle rule) qualify. A is the API & Internals leader among those
    that export a model to ONNX; B is the Platform leader among those that import one (never A). Frameworks the
    probe did not measure are listed apart, never assumed.
    """
    cat = categories.pivot(index="framework", columns="category", values="score")
    status = dict(zip(lifecycle["framework"], lifecycle["status"])) if lifecycle is not None else {}
    d = directions.set_index("framework")
    developed = [f for f in cat.index if is_developed(status.get(f, "active"))]
    measured = [f for f in developed if f in d.index and pd.notna(d.loc[f, "export"]) and pd.notna(d.loc[f, "import"])]
    exporters = [f for f in measured if d.loc[f, "export"] >= 1]
    importers = [f for f in measured if d.loc[f, "import"] >= 1]
    best = lambda fws, col: cat.loc[fws, col].sort_values(ascending=False).index[0] if fws else None  # noqa: E731
    prototype = best(exporters, "api_internals")
    deploy = best([f for f in importers if f != prototype], "platform")
    return {"developed": developed, "measured": measured, "exporters": exporters, "importers": importers,
            "not_measured": [f for f in developed if f not in measured], "prototype": prototype, "deploy": deploy}


def onnx_takeaway(categories: pd.DataFrame, names: dict[str, str], lifecycle: pd.DataFrame | None, directions: pd.DataFrame,
                  deploy_pick: str = "mxnet", prototype_pick: str = "pytorch") -> str:
    """The post's advice (prototype in one framework, deploy through ONNX in another) checked against today's facts
    (:func:`onnx_advice`): the prototype is the API & Internals leader among the exporters and is served in an ONNX
    runtime (where the probe checked the exports); a second framework is named only if it imports ONNX."""
    cat = categories.pivot(index="framework", columns="category", values="score")
    a = onnx_advice(categories, lifecycle, directions)
    text = []
    if deploy_pick in cat.index:
        rank = int(cat["platform"].rank(ascending=False, method="min")[deploy_pick])
        mark_ = _retired_mark(deploy_pick, lifecycle)
        mark_ = "" if mark_.split(" since")[0].rstrip(")") + ")" in names[deploy_pick] else mark_  # a name that carries its status
        text.append(f"The post's deployment pick, {names[deploy_pick]}{mark_}, scores "
                    f"{_fmt(cat.loc[deploy_pick, 'platform'])} on Platform today, rank {rank} of {len(cat)}.")
    who = lambda fws: join_words([names[f] for f in fws])  # noqa: E731
    text.append(f"Of the {len(a['developed'])} frameworks still developed, the probe checked ONNX export and import for {len(a['measured'])} "
                "(a direction a framework does not claim counts as none, without a run): "
                f"{len(a['exporters'])} export a model to ONNX ({who(a['exporters'])}) and {len(a['importers'])} "
                f"{'imports' if len(a['importers']) == 1 else 'import'} one ({who(a['importers'])})"
                + (f"; {who(a['not_measured'])} {'was' if len(a['not_measured']) == 1 else 'were'} not probed." if a["not_measured"] else "."))
    if prototype_pick in a["exporters"]:
        text.append(f"The post's prototyping pick, {names[prototype_pick]}, still exports to ONNX and scores "
                    f"{_fmt(cat.loc[prototype_pick, 'api_internals'])} on API & Internals.")
    if a["prototype"]:
        p = a["prototype"]
        text.append(f"Today the split runs through an ONNX runtime rather than a second framework: prototype in {names[p]} "
                    f"(API & Internals {_fmt(cat.loc[p, 'api_internals'])}), export the model to ONNX and serve it in an ONNX "
                    "runtime (the probe checked every export above by running it in onnxruntime).")
        if a["deploy"]:
            q = a["deploy"]
            others = [f for f in a["importers"] if f != p]
            lead = (f"The only developed framework that imports ONNX is {names[q]}" if len(others) == 1 else
                    f"The developed frameworks that import ONNX are {who(others)}; the best on Platform is {names[q]}")
            text.append(f"{lead} (Platform {_fmt(cat.loc[q, 'platform'])}, rank "
                        f"{int(cat['platform'].rank(ascending=False, method='min')[q])} of {len(cat)}), so deploying in another "
                        f"framework means {names[q]}.")
        else:
            text.append("No other developed framework imports ONNX.")
    else:
        text.append("No developed framework exports to ONNX in this edition.")
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


# -- input sensitivity (sensitivity.single_cell_changes) -----------------------------------------
def join_or(items: list[str], sep: str = ", ") -> str:
    """``a, b or c`` (``sep`` between the first ones)."""
    items = list(items)
    if not items:
        return "none"
    return items[0] if len(items) == 1 else sep.join(items[:-1]) + (";" if sep == "; " else "") + " or " + items[-1]


def _change_groups(part: pd.DataFrame, names: dict[str, str], criterion_names: dict[str, str]) -> list[str]:
    """Changes in words, one group per framework and direction ("Keras one step down on Sponsor or AWS support")
    and one per basis swap ("Activity on the git basis")."""
    out = []
    cells = part[part["framework"].fillna("") != ""]
    for (fw, change), g in cells.groupby(["framework", "change"], sort=False):
        crits = [criterion_names.get(c, c) for c in dict.fromkeys(g["criterion"])]
        out.append(f"{names.get(fw, fw)} {change} on {join_or(crits)}")
    for r in part[part["framework"].fillna("") == ""].itertuples():
        out.append(f"{criterion_names.get(r.criterion, r.criterion)} on the {r.change}")
    return out


def podium_sensitivity(table: pd.DataFrame, overall: pd.DataFrame, names: dict[str, str], criterion_names: dict[str, str]) -> str:
    """Which single-input changes move the podium (grouped by the podium they give), from the sensitivity table."""
    base = overall.dropna(subset=["score"]).sort_values(["score", "framework"], ascending=[False, True])["framework"].head(3).tolist()
    pod = table[table["podium_changed"].astype(bool)]
    head = (f"The podium ({join_words([names[f] for f in base])}, in that order) was re-scored under {len(table)} single-input "
            "changes (each value one step up and down, each criterion measured on one of several bases on its other bases).")
    if pod.empty:
        return head + " It holds under every one of them."
    lines = [head + f" It holds unless one of these {len(pod)} changes is made:"]
    for podium, part in pod.groupby("podium", sort=False):
        new = [names.get(f, f) for f in str(podium).split("|")]
        lines.append(f"- {join_or(_change_groups(part, names, criterion_names), sep='; ')} → {', '.join(new)}")
    return "\n".join(lines)


def _boundaries(cell) -> set[int]:
    """The boundaries a ``boundaries_changed`` cell names ("1|2"; a lone one read as a number, 2.0, is boundary 2)."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return set()
    return {int(float(part)) for part in str(cell).split("|") if part.strip()}


def tier_sensitivity(table: pd.DataFrame, overall: pd.DataFrame, names: dict[str, str], criterion_names: dict[str, str],
                     shown: int = 4) -> str:
    """For each tier boundary: how many single-input changes move it, and the first ``shown`` groups of them."""
    n_tiers = int(overall["tier"].max()) if len(overall) else 0
    lines = []
    for k in range(1, n_tiers):
        hit = table[table["boundaries_changed"].map(lambda b, k=k: k in _boundaries(b))]
        if hit.empty:
            lines.append(f"- The boundary between tiers {k} and {k + 1} holds under every change.")
            continue
        groups = _change_groups(hit, names, criterion_names)
        more = f"; and {len(groups) - shown} more groups (table below)" if len(groups) > shown else ""
        lines.append(f"- The boundary between tiers {k} and {k + 1} moves under {len(hit)} of the {len(table)} changes: "
                     + "; ".join(groups[:shown]) + more + ".")
    return "\n".join(lines) if lines else "There is a single tier: no boundary to move."
