"""Sentences of the Modern stack step, each computed from the table it describes (see :mod:`.modern_stack`)."""
from __future__ import annotations

import pandas as pd

from ..method.modern_stack import ROUND, SATURATED_STD


def _names(ids, names: dict[str, str]) -> str:
    ids = [names.get(i, i) for i in ids]
    if len(ids) <= 1:
        return "".join(ids)
    return ", ".join(ids[:-1]) + " and " + ids[-1]


def with_without_sentences(table: pd.DataFrame, names: dict[str, str], round_name: str) -> str:
    """The podium with and without the round, and who the round moves most."""
    def podium(col):
        part = table.dropna(subset=[f"rank_{col}"]).sort_values([f"rank_{col}", "framework"], kind="stable").head(3)
        return "; ".join(f"{int(r[f'rank_{col}'])}. {names.get(r['framework'], r['framework'])} {r[f'score_{col}']:.1f}"
                         for _, r in part.iterrows())

    text = f"With the {round_name} round: {podium('with')}. On the post's three rounds alone: {podium('without')}."
    moved = table.dropna(subset=["rank_change"])
    moved = moved[moved["rank_change"] != 0]
    if moved.empty:
        return text + f" The round moves no framework's rank."
    up, down = moved["rank_change"].max(), moved["rank_change"].min()
    text += f" The round changes the rank of {len(moved)} of {int(table['rank_with'].notna().sum())} frameworks"
    if up > 0:
        text += f"; it lifts {_names(moved.loc[moved['rank_change'] == up, 'framework'], names)} the most ({int(up):+d})"
    if down < 0:
        text += f"; it drops {_names(moved.loc[moved['rank_change'] == down, 'framework'], names)} the most ({int(down):+d})"
    return text + "."


def spread_sentences(spread: pd.DataFrame, standing_rounds: list[str]) -> str:
    """Which criteria no longer separate the active frameworks, and which separate them most."""
    scored = spread[spread["n_scored"] >= 2]
    post = scored[scored["round"].isin(standing_rounds)]
    sat = post[post["saturated"]]
    n_active = int(spread["n_frameworks"].max()) if len(spread) else 0
    text = (f"Among the {n_active} active frameworks, {len(sat)} of the post's {len(post)} criteria scored for two or more of "
            f"them are saturated (standard deviation under {SATURATED_STD:g} points, or one score for all)")
    text += (": " + ", ".join(f"{r['name']} ({r['std']:.1f})" for _, r in sat.sort_values("std").iterrows()) + ".") if len(sat) else "."
    if len(scored):
        top = scored[scored["std"] == scored["std"].max()]
        text += " The widest spread: " + " and ".join(f"{r['name']} ({r['std']:.1f} points)" for _, r in top.iterrows()) + "."
    new = scored[~scored["round"].isin(standing_rounds) & (scored["weight"] > 0)]
    if len(new):
        open_ = new[~new["saturated"]]
        text += (f" Of the new round's {len(new)} scored criteria, {len(open_)} separate the active frameworks"
                 + (f" ({', '.join(open_['name'])})" if len(open_) else "") + ".")
    return text


def podium_sentences(podiums: pd.DataFrame) -> str:
    """Which rounds decide the podium: the ones whose removal changes it."""
    if podiums.empty:
        return ""
    changes = podiums[podiums["podium_changes"]]
    text = f"With every round the podium of the active frameworks is {podiums['podium'].iloc[0]}. "
    if changes.empty:
        return text + "Leaving out any one round leaves it unchanged."
    parts = [f"without {r['name']} it is {r['podium_without']}" for _, r in changes.iterrows()]
    same = podiums[~podiums["podium_changes"]]["name"].tolist()
    text += "Leaving out one round changes it: " + "; ".join(parts) + "."
    if same:
        text += " Leaving out " + " or ".join(same) + " changes nothing."
    return text


def cpu_speed_sentence(table: pd.DataFrame, names: dict[str, str]) -> str:
    """The CPU figure, stated as CPU-only."""
    ok = table.dropna(subset=["steps_per_s"])
    if ok.empty:
        return "No framework has a CPU speed figure in this edition."
    best = ok[ok["steps_per_s"] == ok["steps_per_s"].max()]
    slow = ok[ok["steps_per_s"] == ok["steps_per_s"].min()]
    text = (f"On one CPU thread, {_names(best['framework'], names)} ran the fixed training step fastest "
            f"({best['steps_per_s'].iloc[0]:.0f} steps per second, median {best['median_ms'].iloc[0]:.2f} ms)")
    if len(ok) > 1:
        text += (f" and {_names(slow['framework'], names)} slowest ({slow['steps_per_s'].iloc[0]:.0f} steps per second), "
                 f"a ratio of {best['steps_per_s'].iloc[0] / slow['steps_per_s'].iloc[0]:.1f}")
    n_na = int(table["steps_per_s"].isna().sum())
    text += (f"; {n_na} framework{'s' if n_na != 1 else ''} n/a" if n_na else "") + "."
    return text + (" This is a CPU-only figure on a small model, measured on the probe's machine: it says nothing about "
                   "speed on a GPU or another accelerator, and it weighs nothing in the scores unless you give it a weight.")


def coverage_sentence(criteria: pd.DataFrame, method, active: list[str], names: dict[str, str]) -> str:
    """Whether the active frameworks' round scores rest on the same criteria: per number of the round's weighted
    criteria with a value, who has that many, and which criteria the others lack ("" when all have the same)."""
    weighted = [c.id for c in method.criteria_of(ROUND) if c.weight > 0]
    part = criteria[criteria["criterion"].isin(weighted) & criteria["framework"].isin(active)]
    has = part[part["status"] == "value"].groupby("framework")["criterion"].agg(set).reindex(active).map(
        lambda v: v if isinstance(v, set) else set())
    counts = has.map(len)
    if counts.nunique() <= 1:
        return ""
    groups = [f"{_names([f for f in active if counts[f] == k], names)} on {k}" for k in sorted(counts.unique(), reverse=True)]
    most = max(counts)
    lacking = sorted({c for f in active if counts[f] < most for c in set(weighted) - has[f]}, key=weighted.index)
    return (f"Among the {len(active)} active frameworks, the round rests on unequal sets of its {len(weighted)} weighted "
            f"criteria: {'; '.join(groups)}. A round score is the mean of the criteria a framework has (n/a is left out, "
            f"as in every round), so those on fewer are not compared like for like; the ones they lack are "
            f"{_names([method.criterion(c).name for c in lacking], {})}, n/a with the reason in the coverage table.")
