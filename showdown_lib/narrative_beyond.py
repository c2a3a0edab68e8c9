"""Sentences of the notebooks that go beyond the post: then versus now, fates, rank stability,
the 2018 re-measurement and the hardware gap.

Like :mod:`showdown_lib.narrative`, every function takes the tables a notebook shows (and a few small
values) and returns Markdown, so a sentence can be checked against the table it describes.
"""
from __future__ import annotations

import pandas as pd

from .beyond import spearman
from .narrative import join_words


def _pct(p: float) -> str:
    return f"{p:.0%}"


# -------------------------------------------------------------------------------- 06 then vs now
def movement_sentences(table: pd.DataFrame, names: dict[str, str]) -> str:
    both = table.dropna(subset=["rank_then", "rank_now"])
    if both.empty:
        return "No framework is ranked in both editions."
    up = both.sort_values("rank_change", ascending=False)
    climber, faller = up.iloc[0], up.iloc[-1]
    new = table[table.rank_then.isna() & table.rank_now.notna()].sort_values("rank_now")
    top_then = table.sort_values("rank_then").framework.iloc[0]
    top_now = table.sort_values("rank_now").framework.iloc[0]
    text = [
        f"{names[top_then]} led in the first edition; {names[top_now]} leads now." if top_then != top_now
        else f"{names[top_now]} leads in both editions.",
        f"Of the {len(both)} frameworks ranked in both, {names[climber.framework]} climbed most "
        f"({int(climber.rank_then)} → {int(climber.rank_now)}) and {names[faller.framework]} fell furthest "
        f"({int(faller.rank_then)} → {int(faller.rank_now)}).",
    ]
    if len(new):
        best_new = new.iloc[0]
        text.append(f"Of the {len(new)} newcomers, {names[best_new.framework]} ranks highest ({int(best_new.rank_now)} of {int(table.rank_now.max())}).")
    corr = spearman(both["rank_then"], both["rank_now"])
    text.append(f"Spearman's rank correlation between the two rankings over the common frameworks is {corr:.2f}.")
    return " ".join(text)


def fate_sentences(table: pd.DataFrame, names: dict[str, str]) -> str:
    lines = []
    for r in table.itertuples():
        bits = []
        if r.status and r.status != "unknown":
            bits.append(f"status **{r.status}**" + (f" since {r.status_date}" if r.status_date else ""))
        if r.last_release:
            bits.append(f"last release {r.latest_version} on {r.last_release}")
        else:
            bits.append("no release on the package index")
        if r.last_commit:
            bits.append(f"last commit {r.last_commit}" + (f" ({r.git_note})" if r.git_note else ""))
        lines.append(f"- **{names.get(r.framework, r.framework)}**: " + "; ".join(bits) + ".")
    return "\n".join(lines)


# -------------------------------------------------------------------------------- 07 rank stability
def stability_story(summary: pd.DataFrame, n_samples: int, names: dict[str, str]) -> str:
    s = summary
    top = s.iloc[0]
    lines = [f"With the chosen weights {names[top.framework]} ranks first; under re-drawn weights it stays first in "
             f"{top.p_top1:.0%} of {n_samples:,} draws."]
    contenders = s[(s.p_top1 > 0.01) & (s.framework != top.framework)]
    if len(contenders):
        lines.append("Others that take first place in more than 1% of draws: " +
                     join_words([f"{names[f]} ({_pct(p)})" for f, p in zip(contenders.framework, contenders.p_top1)]) + ".")
    else:
        lines.append("No other framework takes first place in more than 1% of draws.")
    podium = s[s.p_top3 > 0.5]
    lines.append(f"{len(podium)} frameworks are on the podium in most draws: " +
                 join_words([f"{names[f]} ({_pct(p)})" for f, p in zip(podium.framework, podium.p_top3)]) + ".")
    width = (s.rank_high - s.rank_low)
    widest = s.loc[width.idxmax()]
    lines.append(f"The widest 90% rank interval is {names[widest.framework]}'s, from {int(widest.rank_low)} to {int(widest.rank_high)}; "
                 f"{int((width == 0).sum())} frameworks never move.")
    return " ".join(lines)


# -------------------------------------------------------------------------------- 08 2018 re-measured
def describe_remeasured(edition_id: str, as_of: str, description: str, measured: list[str]) -> str:
    return f"**Edition `{edition_id}`** (as of {as_of}): {description} Re-measured criteria: {', '.join(measured)}."


def parting_reasons(comparison: pd.DataFrame, names: dict[str, str], threshold: float = 20.0) -> str:
    """Sentences for the biggest disagreements and for what could not be re-measured."""
    lines = []
    big = comparison.dropna(subset=["difference"])
    big = big[big["difference"].abs() >= threshold].sort_values("difference", key=lambda s: -s.abs())
    for r in big.itertuples():
        direction = "higher" if r.difference > 0 else "lower"
        lines.append(f"- {names[r.framework]}, {r.criterion}: re-measured {r.remeasured:.0f} against {r.published:.0f} published "
                     f"({abs(r.difference):.0f} points {direction}); measured from {r.source}.")
    gone = comparison[comparison["remeasured"].isna()]
    for r in gone.itertuples():
        lines.append(f"- {names[r.framework]}, {r.criterion}: not re-measured: {r.reason}.")
    return "\n".join(lines) if lines else "The re-measured values agree with the published ones within the threshold."


def overall_shift(published: pd.DataFrame, remeasured: pd.DataFrame, names: dict[str, str]) -> str:
    a = published.set_index("framework")
    b = remeasured.set_index("framework")
    rho = spearman(a["score"], b["score"].reindex(a.index))
    moved = [(f, int(a.loc[f, "rank"]), int(b.loc[f, "rank"])) for f in a.index if int(a.loc[f, "rank"]) != int(b.loc[f, "rank"])]
    text = f"With the re-measured values in place of the published ones, the overall ranking correlates at {rho:.2f} (Spearman) with the post's."
    if moved:
        text += " Ranks that change: " + "; ".join(f"{names[f]} {x} → {y}" for f, x, y in moved) + "."
    return text


# -------------------------------------------------------------------------------- 09 hardware gap
def gap_sentences(cores: pd.DataFrame, releases: pd.DataFrame) -> str:
    c = cores.dropna(subset=["cores"])
    first, last = c.iloc[0], c.iloc[-1]
    growth = last.cores / first.cores
    peak = releases.sort_values(["releases", "year"], ascending=[False, True]).iloc[0]
    return (f"The largest GPU grew from {int(first.cores):,} CUDA cores ({int(first.year)}, {first.gpu}) to "
            f"{int(last.cores):,} ({int(last.year)}, {last.gpu}), {growth:,.0f} times as many. "
            f"On the package index, the cast's releases peaked in {int(peak.year)} with {int(peak.releases)} releases "
            f"from {int(peak.frameworks_releasing)} frameworks.")
