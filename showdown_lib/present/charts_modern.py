"""The charts of the Modern stack step: ranks with and without the round, criterion spread, CPU speed.

Drawn like every other chart (:mod:`showdown_lib.present.charts`): one colour per framework, n/a drawn as a hatched
stub labelled "n/a" and never as a zero bar; the step stamps the edition, as-of date and sources on them.
Past :data:`~showdown_lib.present.charts_many.MANY` frameworks their rows get shorter, like the other charts'.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from ..core.methodology import Methodology
from ..core.registry import Framework
from .charts import NA_COLOR, framework_colors, names
from .charts_many import label_slots, rank_label, row_height

ROUND_COLORS = ["#4E79A7", "#F28E2B", "#59A14F", "#B07AA1", "#9C755F"]


def with_without(table: pd.DataFrame, frameworks: list[Framework], round_name: str):
    """Overall rank on the post's three rounds (left) and with the new round (right), one line per framework;
    frameworks that share a rank get their labels one under the other (``charts_many.label_slots``)."""
    label, colors = names(frameworks), framework_colors(frameworks)
    unranked = table["rank_without"].isna() | table["rank_with"].isna()  # no score on one side: no rank to draw
    ranked = table[~unranked]
    keys = [label[f] for f in ranked["framework"]]
    left, right = label_slots(ranked["rank_without"].tolist(), keys), label_slots(ranked["rank_with"].tolist(), keys)
    n = int(np.nanmax([table["rank_without"].max(), table["rank_with"].max(), *left, *right]))
    fig, ax = plt.subplots(figsize=(8.5, row_height(n, 0.42) * n + 1.6))
    for r, y0, y1 in zip(ranked.itertuples(), left, right):
        c = colors[r.framework]
        ax.plot([0, 1], [r.rank_without, r.rank_with], color=c, lw=2.2, marker="o")
        rank_label(ax, f"{label[r.framework]} ({r.score_without:.0f})", 0, r.rank_without, y0, -0.03, c, fontsize=8)
        rank_label(ax, f"{label[r.framework]} ({r.score_with:.0f})", 1, r.rank_with, y1, 0.03, c, fontsize=8)
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(n + 0.7, 0.3)
    ax.set_xticks([0, 1], ["the post's three rounds", f"with {round_name}"])
    ax.set_yticks([])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(f"Overall rank without and with the {round_name} round (score in brackets)")
    if unranked.any():
        ax.text(0.5, n + 0.6, "n/a, no rank on one side: " + ", ".join(label[f] for f in table.loc[unranked, "framework"]),
                ha="center", va="bottom", fontsize=8, color="#666666")
    fig.tight_layout()
    return fig


def criterion_spread(spread: pd.DataFrame, method: Methodology):
    """Standard deviation of each criterion's scores among the active frameworks, coloured by round; saturated
    criteria hatched; a criterion scored for fewer than two of them drawn as an n/a stub."""
    order = spread.reset_index(drop=True)
    colors = {r: ROUND_COLORS[i % len(ROUND_COLORS)] for i, r in enumerate(method.round_ids)}
    fig, ax = plt.subplots(figsize=(8.5, 0.36 * len(order) + 1.8))
    ys = np.arange(len(order))
    for y, r in zip(ys, order.itertuples()):
        if r.n_scored < 2 or pd.isna(r.std):
            ax.barh([y], [3], color="white", edgecolor=NA_COLOR, hatch="////")
            ax.text(4, y, f"n/a (scored for {r.n_scored})", va="center", fontsize=8, color="#555555")
            continue
        ax.barh([y], [r.std], color=colors[r.round], hatch="xx" if r.saturated else None, edgecolor="white" if r.saturated else None)
        ax.text(r.std + 0.8, y, f"{r.std:.1f}  ({r.distinct_scores} distinct)", va="center", fontsize=8)
    from ..method.modern_stack import SATURATED_STD

    ax.axvline(SATURATED_STD, color="#777777", lw=1, ls="--")
    ax.set_yticks(ys, [r.name for r in order.itertuples()])
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlim(0, max(60.0, float(np.nanmax(order["std"])) + 15) if order["std"].notna().any() else 60)
    ax.set_xlabel(f"standard deviation of the scores among the {int(order['n_frameworks'].max())} active frameworks (points)")
    handles = [Patch(color=colors[r], label=method.round_name(r)) for r in method.round_ids]
    handles.append(Patch(facecolor="#BBBBBB", hatch="xx", edgecolor="white", label=f"saturated (< {SATURATED_STD:g} points)"))
    ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=False)
    ax.set_title("Which criteria still tell the active frameworks apart")
    fig.tight_layout()
    return fig


def cpu_speed(table: pd.DataFrame, frameworks: list[Framework]):
    """Steps per second of the fixed CPU training step, fastest at the top; n/a drawn as a stub."""
    colors, label = framework_colors(frameworks), names(frameworks)
    t = table.sort_values("steps_per_s", ascending=False, na_position="last").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(8.5, row_height(len(t), 0.38) * max(len(t), 1) + 1.6))
    ys = np.arange(len(t))
    top = float(t["steps_per_s"].max()) if t["steps_per_s"].notna().any() else 1.0
    for y, r in zip(ys, t.itertuples()):
        if pd.isna(r.steps_per_s):
            ax.barh([y], [top * 0.03], color="white", edgecolor=NA_COLOR, hatch="////")
            ax.text(top * 0.04, y, "n/a", va="center", fontsize=8, color="#555555")
        else:
            ax.barh([y], [r.steps_per_s], color=colors[r.framework])
            ax.text(r.steps_per_s + top * 0.01, y, f"{r.steps_per_s:.0f}/s ({r.median_ms:.2f} ms)", va="center", fontsize=8)
    ax.set_yticks(ys, [label[f] for f in t["framework"]])
    ax.set_ylim(len(t) - 0.5, -0.5)
    ax.set_xlim(0, top * 1.3)
    ax.set_xlabel("training steps per second (256-512-512-10 MLP, batch 128, 1 thread; median of 25)")
    ax.set_title("CPU speed, informative: CPU only, not a statement about GPU speed")
    fig.tight_layout()
    return fig
