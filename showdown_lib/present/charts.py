"""The charts of the report, one function each, drawn the same way for every edition.

* one colour per framework in every chart (:func:`framework_colors`);
* n/a is drawn, never silently dropped: a hatched stub labelled "n/a" in the breakdowns and a
  dagger beside the name where a category mean leaves a criterion out;
* every figure is drawn once, as PNG, with fixed metadata so re-running gives identical files: the
  notebook shows the very image :func:`save_figure` writes under ``reports/figures/<edition>/``.
"""
from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator

from ..core import paths
from .charts_many import MANY, criteria_panels, label_slots, rank_bands, rank_label, row_height
from .table_style import table_style  # noqa: F401  (charts.table_style: the notebooks' and the site's tables)
from ..core.methodology import Methodology
from ..core.registry import Framework

# Used for frameworks that have no colour of their own in the registry, in this order.
FALLBACK_PALETTE = [
    "#4E79A7", "#F28E2B", "#E15759", "#76B7B2", "#59A14F", "#EDC948", "#B07AA1", "#FF9DA7",
    "#9C755F", "#BAB0AC", "#1B9E77", "#D95F02", "#7570B3", "#E7298A", "#66A61E", "#E6AB02",
]
NA_COLOR = "#D0D0D0"
TIER_SHADES = ["#F2F2F2", "#FFFFFF"]

plt.rcParams.update(
    {
        "svg.hashsalt": "showdown",
        "figure.dpi": 100,
        "savefig.dpi": 120,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titleweight": "bold",
        "font.size": 10,
    }
)


def _generated_colors():
    """Colours after the palette, without end: hues a golden angle apart, three lightness and three
    saturation steps, so neighbours in the sequence differ in hue and the cycle repeats no hex value."""
    import colorsys

    k = 0
    while True:
        hue = (0.083 + 0.381966 * k) % 1.0
        light, sat = (0.45, 0.62, 0.34)[k % 3], (0.70, 0.50, 0.85)[(k // 3) % 3]
        r, g, b = colorsys.hls_to_rgb(hue, light, sat)
        yield f"#{round(r * 255):02X}{round(g * 255):02X}{round(b * 255):02X}"
        k += 1


def framework_colors(frameworks: list[Framework]) -> dict[str, str]:
    """A fixed colour per framework: its registry colour, else the next unused palette colour, else the
    next unused generated colour (:func:`_generated_colors`): distinct for any number of frameworks.
    A framework keeps its colour when others are added after it in the registry."""
    used = {fw.color.upper() for fw in frameworks if fw.color}
    candidates = itertools.chain(FALLBACK_PALETTE, _generated_colors())  # lazy: the generated colours never end
    spare = (c for c in candidates if c.upper() not in used and not used.add(c.upper()))
    return {fw.id: fw.color or next(spare) for fw in frameworks}


def names(frameworks: list[Framework]) -> dict[str, str]:
    return {fw.id: fw.name for fw in frameworks}


#: The formats a chart is saved in. PNG only: the site, the README and the notebooks show PNGs, and an SVG
#: cost as much again to render (see the README's Benchmarks section); pass ``formats`` for others.
FIGURE_FORMATS = ("png",)
_METADATA = {"png": {"Software": None}, "svg": {"Date": None, "Creator": None}, "pdf": {"CreationDate": None, "Producer": None}}


def render(fig, fmt: str = "png") -> bytes:
    """``fig`` drawn once into bytes (tight bounding box, fixed metadata so re-running gives identical files)."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, bbox_inches="tight", metadata=_METADATA.get(fmt, {}))
    return buf.getvalue()


def save_figure(fig, edition: str, name: str, folder: Path | None = None, formats: tuple[str, ...] = FIGURE_FORMATS) -> list[Path]:
    """Save ``fig`` as ``<name>.png`` (and any other ``formats``), each drawn once; returns the paths."""
    folder = Path(folder) if folder else paths.figures_dir(edition)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for ext in formats:
        path = folder / f"{name}.{ext}"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(render(fig, ext))
        tmp.replace(path)
        out.append(path)
    return out


def _order(scores: pd.Series) -> list[str]:
    """Frameworks best first; ties by id so the order is stable."""
    frame = scores.rename("s").reset_index()
    frame.columns = ["framework", "s"]
    frame = frame.sort_values(["s", "framework"], ascending=[False, True], na_position="last")
    return list(frame["framework"])


def criteria_breakdown(criteria: pd.DataFrame, categories: pd.DataFrame, round_id: str, method: Methodology,
                       frameworks: list[Framework], title: str | None = None):
    """Grouped bars: one group per criterion of the round, one bar per framework (best category first)."""
    colors, label = framework_colors(frameworks), names(frameworks)
    crits = method.criteria_of(round_id)
    cat = categories[categories["category"] == round_id].set_index("framework")["score"]
    order = _order(cat)
    part = criteria[criteria["round"] == round_id].set_index(["framework", "criterion"])
    n = len(order)
    if n > MANY:  # a legend of every framework and bars a hair wide: small multiples instead
        missing = [c.name for c in crits if not (part.xs(c.id, level="criterion")["status"] == "value").any()] if len(part) else []
        head = (title or f"Criteria score breakdown: {method.round_name(round_id)}") + (
            f" (n/a for every framework: {', '.join(missing)})" if missing else "")
        return criteria_panels(part, crits, order, colors, label, head, lambda c: _criterion_label(c, part), NA_COLOR)
    width = 0.8 / n
    fig, ax = plt.subplots(figsize=(max(9, 2.4 * len(crits) + 0.45 * n), 5.6))
    for j, fw in enumerate(order):
        xs, hs, na_x = [], [], []
        for i, c in enumerate(crits):
            x = i - 0.4 + width * (j + 0.5)
            row = part.loc[(fw, c.id)] if (fw, c.id) in part.index else None
            if row is None or row["status"] != "value":
                na_x.append(x)
            else:
                xs.append(x)
                hs.append(row["score"])
        ax.bar(xs, hs, width=width * 0.92, color=colors[fw], label=label[fw], edgecolor="white", linewidth=0.3)
        _bar_values(ax, xs, hs, colors[fw], width * 0.92, many=n > 6)
        for x in na_x:
            ax.bar([x], [6], width=width * 0.92, color="white", edgecolor=NA_COLOR, hatch="////", linewidth=0.8)
            ax.text(x, 7, "n/a", rotation=90, ha="center", va="bottom", fontsize=7, color="#555555")
    ax.set_xticks(range(len(crits)), [_criterion_label(c, part) for c in crits])
    ax.set_ylim(0, 116)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("Normalised score (0-100)")
    missing = [c.name for c in crits if not (part.xs(c.id, level="criterion")["status"] == "value").any()] if len(part) else []
    ax.set_title((title or f"Criteria score breakdown: {method.round_name(round_id)}")
                 + (f" (n/a for every framework: {', '.join(missing)})" if missing else ""))
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Patch(facecolor="white", edgecolor=NA_COLOR, hatch="////"))
    labels.append("n/a: not available (left out of the mean)")
    handles.append(Line2D([], [], color="#333333", lw=2.5))
    labels.append("0: a real score of zero")
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def _criterion_label(criterion, part: pd.DataFrame) -> str:
    """The criterion's name, and the basis it was measured on where the method offers several."""
    if "basis" not in part or not len(part):
        return criterion.name
    bases = sorted({str(b) for b in part.xs(criterion.id, level="criterion")["basis"].dropna() if str(b)})
    return f"{criterion.name}\n({', '.join(bases)} basis)" if bases else criterion.name


def _bar_values(ax, xs, hs, color: str, width: float, many: bool) -> None:
    """Each bar's value above it (turned upright when bars are many); a real 0 as a dark tick on the axis
    with "0" above, so it can never be mistaken for a missing bar or for n/a (a hatched stub)."""
    for x, h in zip(xs, hs):
        if h == 0:
            ax.plot([x - width / 2, x + width / 2], [0.6, 0.6], color="#333333", lw=2.5, solid_capstyle="butt", zorder=4)
            ax.text(x, 1.5, "0", ha="center", va="bottom", fontsize=7, color="#333333", fontweight="bold")
        else:
            ax.text(x, h + 0.8, f"{h:.0f}" if h >= 0.5 else "<1", ha="center", va="bottom", fontsize=6.5 if many else 7.5,
                    rotation=90 if many else 0, color="#333333")


def _tier_brackets(ax, order: list[str], tiers: pd.Series) -> None:
    """Shade alternate tiers and label each on the right of a horizontal bar chart."""
    start = 0
    for k in range(1, len(order) + 1):
        if k == len(order) or tiers.get(order[k]) != tiers.get(order[start]):
            t = tiers.get(order[start])
            if pd.notna(t):
                ax.axhspan(start - 0.5, k - 0.5, color=TIER_SHADES[int(t) % 2], zorder=0)
                ax.annotate("", xy=(1.015, 1 - (start) / len(order)), xytext=(1.015, 1 - k / len(order)),
                            xycoords="axes fraction", arrowprops=dict(arrowstyle="-", color="#666666", lw=1.5))
                ax.text(1.03, 1 - (start + k) / 2 / len(order), f"Tier {int(t)}", transform=ax.transAxes,
                        va="center", ha="left", fontsize=9, fontweight="bold", color="#333333")
            start = k


def score_strip(scores: pd.DataFrame, frameworks: list[Framework], title: str, footnote: dict[str, str] | None = None,
                xlabel: str = "Score (0-100)"):
    """Horizontal bars of ``scores`` (framework, score, tier), best at the top, with tier brackets.

    ``footnote`` maps a framework to a marker text (e.g. "† 2 of 3 criteria"): drawn after its name.
    """
    colors, label = framework_colors(frameworks), names(frameworks)
    s = scores.set_index("framework")
    order = _order(s["score"])
    fig, ax = plt.subplots(figsize=(8.5, row_height(len(order), 0.38) * len(order) + 1.4))
    ys = np.arange(len(order))
    vals = [s.loc[f, "score"] for f in order]
    ax.barh(ys, [0 if pd.isna(v) else v for v in vals], color=[colors[f] for f in order], zorder=2)
    for y, v in zip(ys, vals):
        ax.text((0 if pd.isna(v) else v) + 1, y, "n/a" if pd.isna(v) else f"{v:.1f}", va="center", fontsize=8, zorder=3)
    ticks = [label[f] + (f"  {footnote[f]}" if footnote and f in footnote else "") for f in order]
    ax.set_yticks(ys, ticks)
    ax.tick_params(axis="y", labelsize=7.5 if len(ax.get_yticks()) > MANY else 10)
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlim(0, 105)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    _tier_brackets(ax, order, s["tier"])
    if footnote:
        ax.text(0, -0.12 - 0.3 / len(order), "† a criterion is not available: the mean is over the rest",
                transform=ax.transAxes, fontsize=8, color="#555555", va="top")
    fig.tight_layout()
    return fig


def category_strip(categories: pd.DataFrame, round_id: str, method: Methodology, frameworks: list[Framework],
                   criteria: pd.DataFrame | None = None):
    """A round's category scores. A criterion n/a for every framework (``criteria`` given) is named under the title
    with what the round rests on instead; the † marks count the criteria that exist for someone."""
    from .narrative import join_words, missing_everywhere

    part = categories[categories["category"] == round_id]
    gone = missing_everywhere(criteria, method).get(round_id, []) if criteria is not None else []
    total = len(method.criteria_of(round_id)) - len(gone)
    foot = {r.framework: f"† {r.n_criteria} of {total}" for r in part.itertuples() if r.n_criteria < total}
    title = f"{method.round_name(round_id)}: category score"
    if gone:
        kept = [c.name for c in method.criteria_of(round_id) if c.id not in gone]
        title += (f"\n{join_words([method.criterion(c).name for c in gone])} n/a for every framework: "
                  f"rests on {join_words(kept)} alone")
    return score_strip(part, frameworks, title, footnote=foot)


RADAR_MAX_PER_TIER = 4  # more lines than this on one radar cannot be told apart: draw dots instead


def radar_by_tier(categories: pd.DataFrame, overall: pd.DataFrame, method: Methodology, frameworks: list[Framework]):
    """One radar per overall tier; axes are the three categories. When a tier holds more than
    ``RADAR_MAX_PER_TIER`` frameworks the radars would be a tangle, so the same numbers are drawn as
    :func:`category_dots` instead."""
    colors, label = framework_colors(frameworks), names(frameworks)
    wide = categories.pivot(index="framework", columns="category", values="score")[method.round_ids]
    tiers = overall.set_index("framework")["tier"]
    if tiers.value_counts().max() > RADAR_MAX_PER_TIER:
        return category_dots(categories, overall, method, frameworks)
    tier_ids = sorted(int(t) for t in tiers.dropna().unique())
    angles = np.linspace(0, 2 * np.pi, len(method.round_ids), endpoint=False)
    fig, axes = plt.subplots(1, len(tier_ids), subplot_kw={"polar": True}, figsize=(4.6 * len(tier_ids), 4.9))
    axes = np.atleast_1d(axes)
    for ax, t in zip(axes, tier_ids):
        members = [f for f in _order(overall.set_index("framework")["score"]) if tiers.get(f) == t]
        for fw in members:
            vals = wide.loc[fw].fillna(0).to_numpy()
            ax.plot(np.append(angles, angles[0]), np.append(vals, vals[0]), color=colors[fw], lw=2, label=label[fw])
            ax.fill(np.append(angles, angles[0]), np.append(vals, vals[0]), color=colors[fw], alpha=0.12)
        ax.set_xticks(angles, [method.round_name(r).replace(" & ", " &\n") for r in method.round_ids], fontsize=9)
        ax.set_ylim(0, 100)
        ax.set_yticks([25, 50, 75, 100], ["25", "50", "75", "100"], fontsize=7, color="#777777")
        ax.set_title(f"Tier {t}", pad=18)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


CATEGORY_MARKERS = ("o", "s", "^", "D", "v")


def category_dots(categories: pd.DataFrame, overall: pd.DataFrame, method: Methodology, frameworks: list[Framework]):
    """A row per framework (best overall first, tiers shaded): each category score as a marker, the overall
    score as a bar behind them. Readable for any number of frameworks, unlike overlaid radars."""
    colors, label = framework_colors(frameworks), names(frameworks)
    wide = categories.pivot(index="framework", columns="category", values="score")[method.round_ids]
    s = overall.set_index("framework")
    order = _order(s["score"])
    fig, ax = plt.subplots(figsize=(9, row_height(len(order), 0.36) * len(order) + 1.8))
    ys = np.arange(len(order))
    ax.barh(ys, [s.loc[f, "score"] for f in order], color=[colors[f] for f in order], alpha=0.28, height=0.7, zorder=1,
            label="overall score")
    for rid, marker in zip(method.round_ids, CATEGORY_MARKERS):
        vals = wide.reindex(order)[rid]
        ax.scatter(vals, ys, marker=marker, s=42, facecolor="white", edgecolor="#222222", lw=1.2, zorder=3,
                   label=method.round_name(rid))
        for y in ys[vals.isna().to_numpy()]:
            ax.text(1, y, f"{method.round_name(rid)}: n/a", va="center", fontsize=7, color="#555555")
    ax.set_yticks(ys, [label[f] for f in order])
    ax.tick_params(axis="y", labelsize=7.5 if len(ax.get_yticks()) > MANY else 10)
    for tick, fw in zip(ax.get_yticklabels(), order):
        tick.set_color(colors[fw])
        tick.set_fontweight("bold")
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlim(0, 105)
    ax.set_xlabel("Score (0-100)")
    ax.set_title("Category scores of each framework, by overall tier")
    _tier_brackets(ax, order, s["tier"])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.9 / (row_height(len(order), 0.36) * len(order) + 1.8)), ncol=4,
              frameon=False, fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def podium(overall: pd.DataFrame, frameworks: list[Framework], title: str = "Overall score"):
    """The overall ranking: bars best first, tier brackets, medals for the top three ranks."""
    fig = score_strip(overall, frameworks, title, xlabel="Overall score: mean of the category scores (0-100)")
    ax = fig.axes[0]
    s = overall.set_index("framework")
    order = _order(s["score"])
    medal = {1: "#D4AF37", 2: "#A8A9AD", 3: "#CD7F32"}
    for y, fw in enumerate(order):
        r = s.loc[fw, "rank"]
        if pd.notna(r) and int(r) in medal:
            ax.scatter([3.5], [y], s=150, color=medal[int(r)], zorder=4, edgecolor="white", linewidth=1.2)
            ax.text(3.5, y, str(int(r)), ha="center", va="center", fontsize=8, fontweight="bold", zorder=5)
    return fig


def coverage_matrix(coverage: pd.DataFrame, frameworks: list[Framework], title: str = "Coverage"):
    """Framework x criterion grid coloured by how each input was obtained (collected, curated, published, missing)."""
    kinds = ["published", "collected", "curated", "probed", "missing"]
    palette = {"published": "#4E79A7", "collected": "#59A14F", "curated": "#EDC948", "probed": "#76B7B2", "missing": "#E15759"}
    order_cols = list(dict.fromkeys(coverage["criterion"]))
    order_rows = list(dict.fromkeys(coverage["framework"]))
    grid = coverage.pivot(index="framework", columns="criterion", values="origin").reindex(index=order_rows, columns=order_cols)
    label = names(frameworks)
    fig, ax = plt.subplots(figsize=(1.0 + 0.75 * grid.shape[1], 0.9 + row_height(grid.shape[0], 0.34) * grid.shape[0]))
    codes = grid.apply(lambda col: col.map({k: i for i, k in enumerate(kinds)}))
    from matplotlib.colors import ListedColormap

    ax.imshow(codes.to_numpy(dtype=float), cmap=ListedColormap([palette[k] for k in kinds]), vmin=-0.5,
              vmax=len(kinds) - 0.5, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), grid.columns, rotation=45, ha="right")
    ax.set_yticks(range(grid.shape[0]), [label.get(f, f) for f in grid.index])
    ax.tick_params(axis="y", labelsize=7.5 if len(ax.get_yticks()) > MANY else 10)
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            if grid.iat[i, j] == "missing":
                ax.text(j, i, "n/a", ha="center", va="center", fontsize=7, color="white")
    ax.legend(handles=[Patch(color=palette[k], label=k) for k in kinds if k in set(grid.stack())],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    if "as_of" in coverage:
        dated = coverage[coverage["origin"] != "missing"].groupby("origin")["as_of"].agg(lambda v: ", ".join(sorted(set(map(str, v)))))
        title += "\n" + "; ".join(f"{k} as of {v}" for k, v in dated.items())
    ax.set_title(title, fontsize=10)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def contributions(table: pd.DataFrame, overall: pd.DataFrame, method: Methodology, frameworks: list[Framework]):
    """Stacked horizontal bars: each criterion's points in each framework's overall score.

    The criterion colours are grouped by round (blues, greens, oranges); frameworks keep their
    own colour on the tick labels.
    """
    label = names(frameworks)
    colors = framework_colors(frameworks)
    order = _order(overall.set_index("framework")["score"])
    cmaps = {rid: plt.get_cmap(m) for rid, m in zip(method.round_ids, ("Blues", "Greens", "Oranges", "Purples"))}
    fig, ax = plt.subplots(figsize=(10, row_height(len(order), 0.4) * len(order) + 1.6))
    left = np.zeros(len(order))
    for rid in method.round_ids:
        crits = method.criteria_of(rid)
        for k, c in enumerate(crits):
            vals = table.reindex(order)[c.id].fillna(0).to_numpy()
            ax.barh(range(len(order)), vals, left=left, color=cmaps[rid](0.35 + 0.5 * k / max(1, len(crits) - 1)),
                    label=f"{method.round_name(rid)}: {c.name}", edgecolor="white", linewidth=0.4)
            left += vals
    ax.set_yticks(range(len(order)), [label[f] for f in order])
    ax.tick_params(axis="y", labelsize=7.5 if len(ax.get_yticks()) > MANY else 10)
    for tick, fw in zip(ax.get_yticklabels(), order):
        tick.set_color(colors[fw])
        tick.set_fontweight("bold")
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.set_xlabel("Points of the overall score contributed by each criterion")
    ax.set_title("What the overall score is made of")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def rank_stability(prob: pd.DataFrame, summary: pd.DataFrame, frameworks: list[Framework], title: str):
    """Left: probability of each rank (heat map). Right: the rank interval with the median and the base rank."""
    label, colors = names(frameworks), framework_colors(frameworks)
    unranked = summary.base_rank == 0  # no score at all (a new registry entry): last, and marked n/a
    order = list(summary.assign(_u=unranked).sort_values(["_u", "base_rank", "framework"]).framework)
    n_ranks = max(int((~unranked).sum()), 1)  # the ranks the scored frameworks can take, no more
    prob = prob[[c for c in prob.columns if int(c) <= n_ranks]]
    data = rank_bands(prob.reindex(order))  # a long cast: ranks summed into bands, so cells grow with the cast, not its square
    na_rows = [i for i, f in enumerate(order) if f in set(summary.framework[unranked])]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(13, row_height(len(order), 0.42) * len(order) + 1.8), gridspec_kw={"width_ratios": [3, 1.4]})
    cmap = plt.get_cmap("Blues").with_extremes(bad="white")
    grid = data.to_numpy(dtype=float, copy=True)
    grid[na_rows, :] = np.nan  # never ranked: n/a, not a row of zero shares
    im = ax.imshow(grid, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for i in na_rows:
        ax.add_patch(Rectangle((-0.5, i - 0.5), data.shape[1], 1, facecolor="white", edgecolor=NA_COLOR, hatch="////", lw=0.8))
        ax.text((data.shape[1] - 1) / 2, i, "n/a: no score, so no rank", ha="center", va="center", fontsize=8,
                color="#555555", bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    banded = data.shape[1] != prob.shape[1]
    ax.set_xticks(range(data.shape[1]), [str(c) for c in data.columns], rotation=90 if banded else 0, fontsize=8 if banded else 10)
    ax.set_yticks(range(len(order)), [label[f] for f in order])
    ax.tick_params(axis="y", labelsize=7.5 if len(ax.get_yticks()) > MANY else 10)
    for i in range(data.shape[0]):
        for j in range(data.shape[1]):
            v = grid[i, j]
            if v >= 0.005:
                ax.text(j, i, f"{v:.0%}" if v < 0.995 else "100%", ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 else "#222222")
    ax.set_xlabel("Rank band under re-drawn weights (ranks summed)" if banded else "Rank under re-drawn weights")
    ax.set_title(title)
    fig.colorbar(im, ax=ax, fraction=0.025, pad=0.01, label="share of draws")
    s = summary.set_index("framework").reindex(order)
    ranks = ["rank_low", "rank_high", "median_rank", "base_rank"]
    s[ranks] = s[ranks].astype(float).where(s["base_rank"] > 0)
    ys = np.arange(len(order))
    for y in ys[s["base_rank"].isna().to_numpy()]:
        ax2.text(0.7, y, "n/a: no score", va="center", fontsize=8, color="#666666")
    ax2.hlines(ys, s["rank_low"], s["rank_high"], color=[colors[f] for f in order], lw=6, alpha=0.6)
    ax2.scatter(s["median_rank"], ys, color="#222222", s=18, zorder=3, label="median rank")
    ax2.scatter(s["base_rank"], ys, marker="|", color="#D62728", s=160, zorder=4, label="rank with the chosen weights")
    ax2.set_yticks(ys, [])
    ax2.set_ylim(len(order) - 0.5, -0.5)
    ax2.set_xlim(0.5, n_ranks + 0.5)
    ax2.set_xlabel("Rank interval (90% of draws)")
    ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 if len(order) <= MANY else -0.9 / fig.get_figheight()), frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def slope(table: pd.DataFrame, frameworks: list[Framework], then_label: str, now_label: str):
    """Ranks then (left) and now (right), one line per framework; newcomers start at the right edge,
    frameworks without a rank now end at the left edge. Frameworks that share a rank get their labels
    one under the other, each joined to its point (``charts_many.label_slots``)."""
    label, colors = names(frameworks), framework_colors(frameworks)
    keys = [label[f] for f in table["framework"]]
    left, right = label_slots(table["rank_then"].tolist(), keys), label_slots(table["rank_now"].tolist(), keys)
    n = int(np.nanmax([table["rank_then"].max(), table["rank_now"].max(), *left, *right]))
    fig, ax = plt.subplots(figsize=(8.5, row_height(n, 0.42) * n + 1.6))
    for r, y0, y1 in zip(table.itertuples(), left, right):
        c = colors[r.framework]
        if pd.notna(r.rank_then) and pd.notna(r.rank_now):
            ax.plot([0, 1], [r.rank_then, r.rank_now], color=c, lw=2.2, marker="o")
        elif pd.notna(r.rank_now):
            ax.plot([1], [r.rank_now], color=c, marker="*", ms=12)
        elif pd.notna(r.rank_then):
            ax.plot([0], [r.rank_then], color=c, marker="x", ms=9)
        if pd.notna(r.rank_then):
            rank_label(ax, f"{label[r.framework]} ({r.score_then:.0f})", 0, r.rank_then, y0, -0.03, c, fontsize=8)
        if pd.notna(r.rank_now):
            rank_label(ax, f"{label[r.framework]} ({r.score_now:.0f})" + ("  new" if pd.isna(r.rank_then) else ""),
                       1, r.rank_now, y1, 0.03, c, fontsize=8)
    ax.set_xlim(-0.6, 1.6)
    ax.set_ylim(n + 0.7, 0.3)
    ax.set_xticks([0, 1], [then_label, now_label])
    ax.set_yticks([])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title("Overall rank, then and now (score in brackets; ★ = not in the first edition)")
    fig.tight_layout()
    return fig


def remeasure_scatter(comparison: pd.DataFrame, frameworks: list[Framework], criterion_names: dict[str, str]):
    """Published score (x) against re-measured score (y), one panel per re-measured criterion."""
    import seaborn as sns  # imported where it is used: the other charts do not need it

    label, colors = names(frameworks), framework_colors(frameworks)
    crits = list(dict.fromkeys(comparison["criterion"]))
    fig, axes = plt.subplots(1, len(crits), figsize=(5.2 * len(crits), 5))
    axes = np.atleast_1d(axes)
    for ax, cid in zip(axes, crits):
        part = comparison[comparison.criterion == cid]
        have = part.dropna(subset=["published", "remeasured"])
        ax.plot([0, 100], [0, 100], color="#999999", lw=1, ls="--", zorder=1)
        # seaborn maps each framework to its colour in one call (the palette is the registry's, as everywhere)
        sns.scatterplot(data=have, x="published", y="remeasured", hue="framework", palette=colors, s=60, zorder=3,
                        edgecolor="white", legend=False, ax=ax)
        # one label per point: frameworks at the same place share it
        placed: list[tuple[float, float]] = []
        for (x, y), group in have.groupby([have["published"].round(1), have["remeasured"].round(1)]):
            crowd = sum(1 for px, py in placed if abs(px - x) < 8 and abs(py - y) < 5)
            ax.annotate(", ".join(label[f] for f in group.framework), (x, y), xytext=(4, 4 + 10 * crowd),
                        textcoords="offset points", fontsize=8)
            placed.append((x, y))
        missing = part[part["remeasured"].isna()]
        if len(missing):
            import textwrap

            note = "n/a (not re-measured): " + ", ".join(label[f] for f in missing.framework)
            ax.text(0, -0.16, "\n".join(textwrap.wrap(note, 70)), transform=ax.transAxes, fontsize=7.5, color="#555555", va="top")
        ax.set_xlim(-5, 105)
        ax.set_ylim(-5, 105)
        ax.set_xlabel("Published in 2018")
        ax.set_ylabel("Re-measured as of 2018-06-26")
        ax.set_title(criterion_names.get(cid, cid))
    fig.tight_layout()
    return fig


def hardware_gap(cores: pd.DataFrame, releases: pd.DataFrame):
    """Largest GPU core count per year (log scale, line) against framework releases per year (bars)."""
    fig, ax = plt.subplots(figsize=(10, 5))
    ax.bar(releases["year"], releases["releases"], color="#B0BEC5", label="framework releases on the package index")
    ax.set_ylabel("Releases per year (the cast's packages)")
    ax.set_xlabel("Year")
    ax2 = ax.twinx()
    c = cores.dropna(subset=["cores"])
    ax2.plot(c["year"], c["cores"], color="#76B900", lw=1.5, marker="o", label="largest NVIDIA GPU released that year (CUDA cores)")
    ax2.step(c["year"], c["cores"].cummax(), where="post", color="#2E5E00", lw=2.5, ls="--",
             label="running maximum: the largest GPU so far")
    ax2.set_yscale("log")
    ax2.set_ylabel("CUDA cores of the largest GPU (log scale)")
    ax2.spines["right"].set_visible(True)
    na = cores[cores["cores"].isna()]
    for y in na["year"]:
        ax2.text(y, c["cores"].max(), "n/a", ha="center", va="bottom", fontsize=8, color="#777777")
    lines = ax.get_legend_handles_labels()
    lines2 = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + lines2[0], lines[1] + lines2[1], loc="upper left", frameon=False)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    years = f"{int(min(cores['year'].min(), releases['year'].min()))}-{int(max(cores['year'].max(), releases['year'].max()))}"
    ax.set_title(f"Hardware and software: GPU cores against framework releases, {years}")
    fig.tight_layout()
    return fig


# -- the edition, its date and its sources on every chart ------------------------------------

def stamp(fig, edition: str, as_of: str | None = None, footer: str | None = None):
    """Make ``fig`` self-contained: the edition and its as-of date in the title, a source line beneath.

    A figure with one titled axes gets the edition appended to that title; a figure of several panels
    gets it as a figure title. Stamping twice changes nothing.
    """
    if getattr(fig, "_showdown_stamped", False):
        return fig
    tag = f"edition {edition}" + (f", as of {as_of}" if as_of else "")
    titled = [ax for ax in fig.axes if ax.get_title()]
    if len(titled) == 1 and fig._suptitle is None:
        ax = titled[0]
        title = ax.get_title()
        if f"edition {edition}" in title:
            title = title.replace(f"edition {edition}", tag)
        else:
            title = f"{title}\n{tag}"
        ax.set_title(title)
    else:
        head = fig._suptitle.get_text() + " · " if fig._suptitle is not None else ""
        fig.suptitle(head + tag, fontweight="bold", fontsize=10)
        if type(fig.get_layout_engine()).__name__ != "ConstrainedLayoutEngine":  # constrained layout places it itself
            fig.tight_layout()
    if footer:
        fig.text(0.01, -0.005, footer, ha="left", va="top", fontsize=7.5, color="#555555")
    fig._showdown_stamped = True
    return fig


def footer_text(edition: str, kind: str, origins: pd.DataFrame | None = None) -> str:
    """The source line of a chart: where the numbers come from, and for a collected edition the share of
    cells measured, curated, published and n/a (from an ``origin`` column)."""
    if kind == "published":
        text = f"Source: the 2018 post's published figures, read off its charts (±1 point); Showdown edition {edition}."
    else:
        text = f"Source: Showdown edition {edition}, data/processed/{edition}/."
    if origins is not None and "origin" in origins and len(origins):
        from ..method.raw_values import origin_shares

        shares = origin_shares(origins)
        text += " Cells: " + ", ".join(f"{share:.0%} {kind_}" for kind_, share in shares.items()) + "."
    return text
