"""Sentences of the notebooks that go beyond the post: then versus now, fates, rank stability,
the 2018 re-measurement and the hardware gap.

Like :mod:`showdown_lib.present.narrative`, every function takes the tables a notebook shows (and a few small
values) and returns Markdown, so a sentence can be checked against the table it describes.
"""
from __future__ import annotations

import pandas as pd

from ..method.comparisons import spearman
from ..method.series import rank_moves, ranks as series_ranks
from .narrative import count, join_words


def share(p: float) -> str:
    """A share of draws as a percentage that never rounds to 100% or 0% unless it is exactly that."""
    if p == 1 or p == 0:
        return f"{p:.0%}"
    for decimals in range(6):
        text = f"{p * 100:.{decimals}f}"
        if float(text) not in (0.0, 100.0):
            return text + "%"
    return "more than 99.9999%" if p > 0.5 else "less than 0.0001%"


# -------------------------------------------------------------------------------- 06 then vs now
def _moves(part: pd.DataFrame, names: dict[str, str]) -> str:
    return join_words([f"{names[r.framework]} ({int(r.rank_then_common)} → {int(r.rank_now_common)})" for r in part.itertuples()])


def extreme_move(both: pd.DataFrame, names: dict[str, str], sign: int) -> str | None:
    """Every framework tied at the largest climb (sign 1) or fall (sign -1), or None when nobody moved so.

    Ranks compare over the same cast (``rank_then_common``, ``rank_now_common``: among the frameworks
    ranked in both editions), so a rank among 13 is never set against a rank among 18."""
    moves = both["rank_change"] * sign
    if moves.max() <= 0:
        return None
    part = both[moves == moves.max()]
    verb = "climbed most" if sign > 0 else "fell furthest"
    return f"{_moves(part, names)} {verb}, {count(int(moves.max()), 'place')}{' each' if len(part) > 1 else ''}"


def movement_sentences(table: pd.DataFrame, names: dict[str, str]) -> str:
    """Who led then and now, the largest climb and fall (all ties named), newcomers, and the rank correlation."""
    both = table.dropna(subset=["rank_then", "rank_now"]).sort_values(["rank_then", "framework"])
    if both.empty:
        return "No framework is ranked in both editions."
    lead_then = table[table.rank_then == table.rank_then.min()].sort_values("framework")
    lead_now = table[table.rank_now == table.rank_now.min()].sort_values("framework")
    then = join_words([names[f] for f in lead_then.framework])
    now = join_words([names[f] for f in lead_now.framework])
    if set(lead_then.framework) == set(lead_now.framework):
        text = [f"{now} {'leads' if len(lead_now) == 1 else 'share the lead'} in both editions."]
    else:
        text = [f"{then} {'led' if len(lead_then) == 1 else 'shared the lead'} in the first edition; "
                f"{now} {'leads' if len(lead_now) == 1 else 'share the lead'} now."]
    moves = [m for m in (extreme_move(both, names, 1), extreme_move(both, names, -1)) if m]
    if moves:
        text.append(f"Ranked among themselves, the {len(both)} frameworks of both editions move so: " + "; ".join(moves) + ".")
    else:
        text.append(f"No framework of the {len(both)} ranked in both changed rank.")
    text.append(_newcomers(table, names))
    corr = spearman(both["rank_then_common"], both["rank_now_common"])
    if pd.notna(corr):
        text.append(f"Spearman's rank correlation between the two rankings over the common frameworks is {corr:.2f}.")
    return " ".join(t for t in text if t)


def _newcomers(table: pd.DataFrame, names: dict[str, str]) -> str:
    new = table[table.rank_then.isna() & table.rank_now.notna()]
    if new.empty:
        return ""
    n_now = int(table.rank_now.notna().sum())
    best = new[new.rank_now == new.rank_now.min()].sort_values("framework")
    where = f"{int(best.rank_now.iloc[0])} of {n_now}"
    if len(new) == 1:
        return f"The one newcomer, {names[best.framework.iloc[0]]}, ranks {where}."
    who = join_words([names[f] for f in best.framework])
    return f"Of the {len(new)} newcomers, {who} {'ranks' if len(best) == 1 else 'rank'} highest ({where})."


def fate_sentences(table: pd.DataFrame, names: dict[str, str]) -> str:
    """One line per framework from the fates table; only final releases (PEP 440) are named.

    When a patch of an older line came out after the highest version, both are given.
    """
    lines = []
    for r in table.itertuples():
        bits = []
        if r.status and r.status != "unknown":
            since = f" since {r.status_date}" if r.status_date and isinstance(r.status_date, str) else ""
            bits.append(f"status **{r.status}**" + since + (", the date of its latest release" if r.status == "dormant" and since else ""))
        if r.last_release and r.newest_release and r.newest_release != r.last_release:
            bits.append(f"newest final release {r.newest_release} ({r.newest_release_date}); "
                        f"the most recent, {r.last_release}, on {r.last_release_date}")
        elif r.last_release:
            bits.append(f"last final release {r.last_release} on {r.last_release_date}")
        elif getattr(r, "release_elsewhere", ""):
            bits.append(f"not released on the package index; latest release {r.release_elsewhere}")
        else:
            bits.append("no final release on the package index")
        if r.last_commit:
            bits.append(_commit_bit(r.last_commit, r.git_note))
        lines.append(f"- **{names.get(r.framework, r.framework)}**: " + "; ".join(bits) + ".")
    return "\n".join(lines)


def _commit_bit(last_commit: str, git_note: str) -> str:
    """The last commit a copy of the history shows; when it falls on the day the copy ends, that day is the copy's
    cut-off, not an event, and later commits are unknown."""
    through = git_note.rsplit(" ", 1)[-1] if git_note else ""
    if through and str(last_commit) >= through:
        return f"commits seen until {last_commit}, the day our copy of its history ends (later commits unknown)"
    return f"last commit {last_commit}" + (f" ({git_note})" if git_note else "")


# -------------------------------------------------------------------------------- 07 rank stability
def stability_story(summary: pd.DataFrame, rank_probability: pd.DataFrame, n_samples: int, names: dict[str, str]) -> str:
    """First place, podium, widest interval and who keeps its rank; "every draw" only when it holds exactly."""
    s = summary
    top = s.iloc[0]
    held = f"every one of the {n_samples:,} draws" if top.p_top1 == 1 else f"{share(top.p_top1)} of {n_samples:,} draws"
    lines = [f"With the chosen weights {names[top.framework]} ranks first; under re-drawn weights it stays first in {held}."]
    others = s[(s.p_top1 > 0.01) & (s.framework != top.framework)]
    if len(others) == 1:
        lines.append(f"{names[others.framework.iloc[0]]} takes first place in {share(others.p_top1.iloc[0])} of draws.")
    elif len(others):
        lines.append("Others that take first place in more than 1% of draws: " +
                     join_words([f"{names[f]} ({share(p)})" for f, p in zip(others.framework, others.p_top1)]) + ".")
    else:
        lines.append("No other framework takes first place in more than 1% of draws.")
    podium = s[s.p_top3 > 0.5]
    lines.append(f"{count(len(podium), 'framework')} {'is' if len(podium) == 1 else 'are'} on the podium in most draws: " +
                 join_words([f"{names[f]} ({share(p)})" for f, p in zip(podium.framework, podium.p_top3)]) + ".")
    lines.append(_widest(s, names))
    lines.append(_keepers(s, rank_probability, names))
    return " ".join(lines)


def _widest(s: pd.DataFrame, names: dict[str, str]) -> str:
    width = s.rank_high - s.rank_low
    widest = s[width == width.max()]
    if len(widest) == 1:
        w = widest.iloc[0]
        return f"The widest 90% rank interval is {names[w.framework]}'s, from {int(w.rank_low)} to {int(w.rank_high)}."
    spans = join_words([f"{names[r.framework]} ({int(r.rank_low)} to {int(r.rank_high)})" for r in widest.itertuples()])
    return f"The widest 90% rank intervals span {count(int(width.max()) + 1, 'rank')}: {spans}."


def _keepers(s: pd.DataFrame, rank_probability: pd.DataFrame, names: dict[str, str]) -> str:
    """Who keeps its base rank in every draw (exactly), and who keeps it in at least 90% of them (with the share).
    A framework without a rank (base rank 0: no score at all) keeps nothing."""
    kept = [(r.framework, int(r.base_rank), float(rank_probability.loc[r.framework, int(r.base_rank)])) for r in s.itertuples()
            if r.base_rank > 0]
    always = [(f, k) for f, k, p in kept if p == 1]
    mostly = [(f, k, p) for f, k, p in kept if 0.9 <= p < 1]
    parts = [join_words([f"{names[f]} keeps rank {k}" for f, k in always]) + " in every draw"] if always else \
        ["No framework keeps its rank in every draw"]
    if mostly:
        parts.append(join_words([f"{names[f]} keeps rank {k} in {share(p)} of draws" for f, k, p in mostly]))
    return "; ".join(parts) + "."


# -------------------------------------------------------------------------------- 08 2018 re-measured
def describe_remeasured(edition_id: str, as_of: str, description: str, measured: list[str]) -> str:
    return f"**Edition `{edition_id}`** (as of {as_of}): {description} Re-measured criteria: {', '.join(measured)}."


def parting_reasons(comparison: pd.DataFrame, names: dict[str, str], threshold: float = 20.0) -> str:
    """Sentences for the biggest disagreements and for what could not be re-measured.

    A relative criterion re-measured for fewer frameworks than the post scored is relative to a smaller cast: the
    comparison uses the published score over the same frameworks (``published_same_cast``) and says which
    published leaders are missing, so a "100" that exists only because the leaders were not measured is never
    read as a disagreement."""
    lines = _cast_notes(comparison, names)
    c = comparison.assign(published_same_cast=comparison.get("published_same_cast", comparison["published"]))
    c["gap"] = c["remeasured"] - c["published_same_cast"]
    big = c.dropna(subset=["gap"])
    big = big[big["gap"].abs() >= threshold].sort_values("gap", key=lambda s: -s.abs())
    for r in big.itertuples():
        direction = "higher" if r.gap > 0 else "lower"
        same = (f", {r.published_same_cast:.0f} over the same frameworks" if abs(r.published_same_cast - r.published) >= 0.5 else "")
        lines.append(f"- {names[r.framework]}, {r.criterion}: re-measured {r.remeasured:.0f} against {r.published:.0f} published{same} "
                     f"({abs(r.gap):.0f} points {direction}); measured from {r.source}.")
    gone = c[c["remeasured"].isna()]
    for r in gone.itertuples():
        lines.append(f"- {names[r.framework]}, {r.criterion}: not re-measured: {r.reason}.")
    return "\n".join(lines) if lines else "The re-measured values agree with the published ones within the threshold."


def _cast_notes(comparison: pd.DataFrame, names: dict[str, str]) -> list[str]:
    """For each relative criterion re-measured on part of the cast: on how many frameworks, and which leaders are missing."""
    lines = []
    if "published_same_cast" not in comparison:
        return lines
    for cid, part in comparison.groupby("criterion", sort=False):
        measured = part.dropna(subset=["remeasured"])
        if (part["published_same_cast"] - part["published"]).abs().max(skipna=True) < 0.5 or measured.empty:
            continue
        best = measured["published"].max()
        missing = part[part["remeasured"].isna() & (part["published"] > best)].sort_values("published", ascending=False)
        lines.append(f"{cid.capitalize().replace('_', ' ')} is relative to the best of the cast. Re-measured, it is scored against the "
                     f"best of the {count(len(measured), 'framework')} measured; published, against all {len(part)}, "
                     f"and the published leaders {join_words([f'{names[r.framework]} ({r.published:.0f})' for r in missing.itertuples()])} "
                     f"were not re-measured. Below, each published {cid.replace('_', ' ')} score is also given over the same "
                     f"{len(measured)} (the published score over the best published score among them, {best:.0f}), and "
                     "disagreements are counted on that basis.\n")
    return lines


def overall_shift(table: pd.DataFrame, n_common: int, n_dropped: int, names: dict[str, str]) -> str:
    """The ranking shift of the re-measurement, like with like (``table`` from :func:`comparisons.like_for_like`).

    The part due to re-measured values compares both editions on the same cells; the part due to
    values that could not be re-measured (dropped) is reported apart, never as a re-measured result.
    """
    t = table.set_index("framework")

    def changes(a: str, b: str) -> list[str]:
        moved = t[t[a] != t[b]].sort_values([a, b])
        return [f"{names[f]} {int(r[a])} → {int(r[b])}" for f, r in moved.iterrows()]

    rho = spearman(t["rank_published_common"], t["rank_remeasured_common"])
    text = [f"Compared like with like, on the {count(n_common, 'criterion value')} measured in both editions"]
    remeasured = changes("rank_published_common", "rank_remeasured_common")
    if remeasured:
        text[0] += (f", the re-measured values move {count(len(remeasured), 'framework')}: {'; '.join(remeasured)} "
                    f"(Spearman {rho:.2f} between the two rankings).")
    else:
        text[0] += ", the re-measured values move no framework's rank."
    if n_dropped:
        dropped = changes("rank_published", "rank_published_common")
        what = f"Leaving out the {count(n_dropped, 'published value')} that could not be re-measured"
        text.append(f"{what} moves {join_words(dropped)}: that part of the shift comes from missing values, not from re-measured ones."
                    if dropped else f"{what} moves no framework's rank.")
    return " ".join(text)


# -------------------------------------------------------------------------------- 09 hardware gap
def gap_sentences(cores: pd.DataFrame, releases: pd.DataFrame) -> str:
    """GPU growth from the first to the last year with a count, and the peak year(s) of releases (ties named)."""
    c = cores.dropna(subset=["cores"])
    first, last = c.iloc[0], c.iloc[-1]
    growth = last.cores / first.cores
    peak = releases[releases.releases == releases.releases.max()].sort_values("year")
    years = join_words([str(int(y)) for y in peak.year])
    per_year = "; ".join(f"{int(r.year)}: {count(int(r.frameworks_releasing), 'framework')}" for r in peak.itertuples())
    tail = (f"from {count(int(peak.frameworks_releasing.iloc[0]), 'framework')}" if len(peak) == 1
            else f"each ({per_year})")
    return (f"The largest GPU grew from {int(first.cores):,} CUDA cores ({int(first.year)}, {first.gpu}) to "
            f"{int(last.cores):,} ({int(last.year)}, {last.gpu}), {growth:,.0f} times as many. "
            f"On the package index, the cast's final releases peaked in {years} with {count(int(peak.releases.iloc[0]), 'release')} {tail}.")


def series_sentences(series: pd.DataFrame, names: dict[str, str], on: str = "") -> str:
    """Who climbed and who fell furthest between the first and the last date (ties named together); ``on`` says
    what the ranks are on (the rounds), since they can differ from an edition's headline ranking."""
    dates = sorted(series["date"].unique())
    if len(dates) < 2:
        return "The series has fewer than two dates, so nothing can have moved yet."
    moves = rank_moves(series)
    table = series_ranks(series)
    joined = int((table[dates[0]].isna() & table[dates[-1]].notna()).sum())
    head = (f"{len(dates)} dates from {dates[0]} to {dates[-1]}" + (f", ranked {on}" if on else "")
            + f"; {len(moves)} frameworks ranked on both the first and the last"
            + (f", and {joined} joined the ranking in between (each newcomer ranked above a framework pushes it down one place)."
               if joined else "."))
    if moves.empty or (moves["climbed"] == 0).all():
        return head + " None of them changed rank."

    def who(value: float) -> str:
        part = moves[moves["climbed"] == value]
        return join_words([f"{names.get(r.framework, r.framework)} ({int(r.first)} → {int(r.last)})" for r in part.itertuples()])

    up, down = moves["climbed"].max(), moves["climbed"].min()
    text = head
    if up > 0:
        text += f" Climbed furthest: {who(up)}."
    if down < 0:
        text += f" Fell furthest: {who(down)}."
    return text
