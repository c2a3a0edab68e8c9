"""Chart layouts for a long cast: readable, and about linear in time, up to a hundred frameworks.

:mod:`showdown_lib.present.charts` draws the report's charts; past ``MANY`` frameworks it switches to these:

* rows get shorter (``row_height``): every horizontal chart grows by ``ROW_IN`` inches a framework;
* the criteria breakdown becomes small multiples (:func:`criteria_panels`): one panel per criterion,
  a horizontal bar per framework, names once on the shared axis in each framework's colour; no
  legend of a hundred entries, and the same n/a stub and dark zero tick as the grouped bars;
* the rank-probability heat map aggregates ranks into at most ``MAX_RANK_BANDS`` bands
  (:func:`rank_bands`), so its cells (and their labels) grow with the cast, not with its square;
* the rank charts' direct labels (then vs now, with and without a round, rank over time) never sit on
  top of each other when frameworks share a rank (:func:`label_slots`, :func:`rank_label`): a short
  cast has ties too, a long one many.

The functions take colours, names and order from :mod:`showdown_lib.present.charts` (one colour per
framework, the same in every chart) and never import it.
"""
from __future__ import annotations

import math
from typing import Callable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

#: Past this many frameworks the long-cast layouts are used.
MANY = 20
#: Height of a framework's row (inches) in a long cast.
ROW_IN = 0.24
#: Columns of the aggregated rank heat map, at most.
MAX_RANK_BANDS = 20


def row_height(n: int, base: float) -> float:
    """Inches per framework row: ``base`` for a short cast, ``ROW_IN`` past ``MANY``."""
    return base if n <= MANY else min(base, ROW_IN)


def criteria_panels(part: pd.DataFrame, crits: list, order: list[str], colors: dict[str, str], label: dict[str, str],
                    title: str, crit_label: Callable, na_color: str):
    """Small multiples of a round's criteria: a panel per criterion, a bar per framework (``order``, top first).

    ``part`` is indexed by (framework, criterion) with ``status`` and ``score``.
    """
    n = len(order)
    fig = plt.figure(figsize=(2.3 * len(crits) + 2.6, ROW_IN * n + 1.9), layout="constrained")  # places titles and legend
    axes = fig.subplots(1, len(crits), squeeze=False)  # not sharey: the other panels carry no y ticks at all (cheaper)
    ys = np.arange(n)
    for ax, c in zip(axes[0], crits):
        score = np.array([part.loc[(fw, c.id), "score"] if (fw, c.id) in part.index and part.loc[(fw, c.id), "status"] == "value"
                          else np.nan for fw in order], dtype=float)
        have, na = ~np.isnan(score), np.isnan(score)
        ax.barh(ys[have], score[have], height=0.78, color=[colors[f] for f, h in zip(order, have) if h], zorder=2)
        ax.barh(ys[na], np.full(na.sum(), 6.0), height=0.78, color="white", edgecolor=na_color, hatch="////", lw=0.6, zorder=2)
        for y, v in zip(ys, score):
            if np.isnan(v):
                ax.text(7.5, y, "n/a", va="center", fontsize=6.5, color="#555555")
            elif v == 0:
                ax.plot([0.4, 0.4], [y - 0.39, y + 0.39], color="#333333", lw=2.5, solid_capstyle="butt", zorder=4)
                ax.text(2.0, y, "0", va="center", fontsize=6.5, color="#333333", fontweight="bold")
            else:
                ax.text(v + 1.5, y, f"{v:.0f}" if v >= 0.5 else "<1", va="center", fontsize=6.5, color="#333333")
        ax.set_xlim(0, 122)
        ax.set_xticks([0, 50, 100])
        ax.set_title(crit_label(c), fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(axis="y", length=0)
        ax.set_yticks([])
        ax.set_ylim(n - 0.5, -0.5)
    first = axes[0][0]
    first.set_yticks(ys, [label[f] for f in order], fontsize=7.5)
    for tick, fw in zip(first.get_yticklabels(), order):
        tick.set_color(colors[fw])
    fig.supxlabel("Normalised score (0-100)", fontsize=9)
    fig.suptitle(title, fontweight="bold", fontsize=10)
    fig.legend([Patch(facecolor="white", edgecolor=na_color, hatch="////"), Line2D([], [], color="#333333", lw=2.5)],
               ["n/a: not available (left out of the mean)", "0: a real score of zero"],
               loc="outside lower center", ncol=2, frameon=False, fontsize=8)
    return fig


def label_slots(ranks, keys) -> list[float]:
    """Where to write the direct label of each point of a rank axis so that no two labels overlap.

    A point keeps its rank as its label's place unless a label already sits there: frameworks that share a
    rank (ties share the better rank, so the ranks below a tie are free) get the next places down, in the
    order of ``keys``. A missing rank (NaN) has no label (NaN).
    """
    out = [math.nan] * len(ranks)
    last = -math.inf
    for rank, _key, i in sorted((float(r), str(k), i) for i, (r, k) in enumerate(zip(ranks, keys)) if not pd.isna(r)):
        out[i] = last = max(rank, last + 1)
    return out


def rank_label(ax, text: str, x: float, rank: float, slot: float, dx: float, color: str, **kw):
    """A direct label at ``(x + dx, slot)`` for the point ``(x, rank)`` (left of it when ``dx`` < 0), joined to
    the point by a thin line of its colour when a shared rank moved it down (:func:`label_slots`)."""
    if pd.isna(rank):
        return None
    left = dx < 0
    arrow = None if slot == rank else dict(arrowstyle="-", color=color, lw=0.7, shrinkA=1, shrinkB=3,
                                           relpos=(1.0, 0.5) if left else (0.0, 0.5))
    return ax.annotate(text, (x, rank), xytext=(x + dx, slot), textcoords="data", ha="right" if left else "left",
                       va="center", color=color, arrowprops=arrow, annotation_clip=False, **kw)


def rank_bands(prob: pd.DataFrame, max_bands: int = MAX_RANK_BANDS) -> pd.DataFrame:
    """Rank probabilities (frameworks x ranks 1..N) summed into bands of equal width, at most ``max_bands``
    columns labelled "1-5", "6-10", ...; returned unchanged when there are not more ranks than bands."""
    ranks = list(prob.columns)
    if len(ranks) <= max_bands:
        return prob
    width = math.ceil(len(ranks) / max_bands)
    out = {}
    for k in range(0, len(ranks), width):
        band = ranks[k:k + width]
        out[f"{band[0]}-{band[-1]}" if len(band) > 1 else str(band[0])] = prob[band].sum(axis=1)
    return pd.DataFrame(out, index=prob.index)
