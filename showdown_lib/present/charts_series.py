"""Charts of a series of editions (:mod:`showdown_lib.method.series`): ranks and measured scores over time.

One colour per framework, as everywhere (:func:`showdown_lib.present.charts.framework_colors`). A date where a
framework has no rank or no value is a gap in its line, never a point at 0; a measured 0 is a point.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..core.registry import Framework
from .charts import NA_COLOR, framework_colors
from .charts_many import label_slots, rank_label, row_height


def _years(dates: list[str]) -> list[str]:
    """Tick labels: the year where it is unique, else the date."""
    years = [d[:4] for d in dates]
    return [y if years.count(y) == 1 else d for y, d in zip(years, dates)]


def rank_over_time(ranks: pd.DataFrame, frameworks: list[Framework], names: dict[str, str], on: str = ""):
    """A bump chart: one line per framework, rank 1 on top, its name at both ends of its line (``on``: what the
    ranks are on, e.g. the rounds, said in the title)."""
    colors = framework_colors(frameworks)
    dates = list(ranks.columns)
    n = int(np.nanmax(ranks.to_numpy())) if ranks.notna().any().any() else 1
    fig, ax = plt.subplots(figsize=(max(8.0, 1.1 * len(dates) + 4), max(4.5, row_height(n, 0.34) * n + 1.5)))
    xs = np.arange(len(dates))
    bottom = n
    ends: dict[tuple[int, float], list] = {}  # (column, side) -> the labels drawn there, placed together
    for fw, row in ranks.iterrows():
        ys = row.to_numpy(dtype=float)
        color = colors.get(fw, NA_COLOR)
        ax.plot(xs, ys, "-o", color=color, lw=2.2, ms=5, zorder=3)
        known = np.flatnonzero(~np.isnan(ys))
        if len(known):
            last, first = known[-1], known[0]
            ends.setdefault((last, 0.12), []).append((f"{int(ys[last])}. {names.get(fw, fw)}", ys[last], color,
                                                     dict(fontsize=8.5, fontweight="bold")))
            if first != last:
                ends.setdefault((first, -0.12), []).append((names.get(fw, fw), ys[first], color, dict(fontsize=7.5)))
    for (col, dx), labels in ends.items():  # frameworks that share a rank: labels one under the other
        slots = label_slots([y for _, y, _, _ in labels], [text for text, *_ in labels])
        for (text, y, color, style), slot in zip(labels, slots):
            rank_label(ax, text, xs[col], y, slot, dx, color, **style)
            bottom = max(bottom, int(slot))
    ax.set_ylim(bottom + 0.7, 0.3)
    ax.set_yticks(range(1, n + 1))
    ax.set_xticks(xs, _years(dates))
    ax.set_xlim(-1.6, len(dates) - 1 + 2.2)
    ax.set_ylabel("overall rank (1 = best)")
    ax.grid(axis="y", color="#EEEEEE", zorder=0)
    ax.set_title("Overall rank as of each date" + (f", {on}" if on else "") + "\n(a gap: not released yet or no score)")
    fig.tight_layout()
    return fig


def measured_over_time(series: pd.DataFrame, criteria: list[str], criterion_names: dict[str, str],
                       frameworks: list[Framework], names: dict[str, str]):
    """Small multiples: one panel per measured criterion, its 0-100 score per framework and date.

    A curated or n/a cell is a gap (the line breaks); only measured cells are drawn.
    """
    colors = framework_colors(frameworks)
    dates = sorted(series["date"].unique())
    xs = {d: i for i, d in enumerate(dates)}
    n = max(1, len(criteria))
    fig, axes = plt.subplots(1, n, figsize=(max(8.0, 5.2 * n + 2.4), 4.8), sharey=True, squeeze=False)
    shown: dict[str, str] = {}
    for ax, cid in zip(axes[0], criteria or [None]):
        if cid is None:
            ax.text(0.5, 0.5, "no criterion is measured on three dates or more", ha="center", transform=ax.transAxes)
            continue
        part = series[(series["criterion"] == cid)]
        for fw, rows in part.groupby("framework"):
            values = rows.set_index("date")["score"].where(rows.set_index("date")["origin"] == "measured")
            ys = np.array([values.get(d, np.nan) for d in dates], dtype=float)
            if np.isnan(ys).all():
                continue
            ax.plot(list(xs.values()), ys, "-o", color=colors.get(fw, NA_COLOR), lw=1.8, ms=4)
            shown[fw] = names.get(fw, fw)
        ax.set_title(criterion_names.get(cid, cid))
        ax.set_xticks(list(xs.values()), _years(dates), rotation=45, ha="right")
        ax.set_ylim(-4, 104)
        ax.grid(axis="y", color="#EEEEEE")
    axes[0][0].set_ylabel("score 0-100 (measured cells only)")
    handles = [plt.Line2D([], [], color=colors.get(fw, NA_COLOR), marker="o", lw=1.8, label=name) for fw, name in shown.items()]
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, frameon=False,
               ncol=1 if len(handles) <= 22 else 2)
    fig.suptitle("Measured criteria over time")
    fig.tight_layout()
    return fig
