"""Charts of a long cast: the synthetic cast of 100 frameworks (benchmarks/synthetic_cast.py) drawn readably."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from showdown_lib.present import charts, charts_many

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("synthetic_cast", ROOT / "benchmarks" / "synthetic_cast.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def cast100(tmp_path_factory):
    gen = _generator()
    root = gen.scratch_copy(tmp_path_factory.mktemp("cast") / "project")
    added = gen.make_cast(root, 100)
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOWDOWN_ROOT", str(root))
    from showdown_lib.method.edition_scores import score_edition
    from showdown_lib.core.registry import load_registry

    yield score_edition("current"), load_registry(), added
    mp.undo()


def test_the_synthetic_cast_scores_a_hundred_frameworks_with_a_colour_each(cast100):
    result, registry, added = cast100
    assert len(added) == 82 and len(result.overall) == 100 and result.overall["score"].notna().all()
    assert len({c.upper() for c in charts.framework_colors(registry).values()}) == len(registry) == 100


def test_a_long_breakdown_is_small_multiples_without_a_framework_legend(cast100):
    result, registry, _ = cast100
    fig = charts.criteria_breakdown(result.criteria, result.categories, "platform", result.method, registry)
    crits = result.method.criteria_of("platform")
    assert len(fig.axes) == len(crits)
    assert [len(ax.patches) for ax in fig.axes] == [100] * len(crits)  # one bar (or n/a stub) per framework in each panel
    assert len(fig.axes[0].get_yticklabels()) == 100 and not any(ax.get_legend() for ax in fig.axes)
    assert [t.get_text() for t in fig.legends[0].get_texts()][0].startswith("n/a")
    na = sum(t.get_text() == "n/a" for ax in fig.axes for t in ax.texts)
    assert na == int((result.criteria.query("round == 'platform'")["status"] != "value").sum())
    plt.close(fig)


def test_a_long_rank_heat_map_sums_ranks_into_bands(cast100):
    prob = pd.DataFrame([[0.5, 0.25, 0.25] + [0.0] * 97] * 100, index=[f"f{i}" for i in range(100)], columns=range(1, 101))
    banded = charts_many.rank_bands(prob)
    assert list(banded.columns[:2]) == ["1-5", "6-10"] and banded.shape == (100, 20)
    assert (banded.sum(axis=1) - 1).abs().max() < 1e-12 and banded.iloc[0, 0] == 1.0
    short = prob.iloc[:, :12]
    assert charts_many.rank_bands(short) is short  # up to 20 ranks nothing is summed


def test_short_casts_keep_their_layout():
    assert charts_many.row_height(18, 0.38) == 0.38 and charts_many.row_height(100, 0.38) == charts_many.ROW_IN


def test_round_four_rank_chart_has_short_rows_in_a_long_cast(cast100):
    from showdown_lib.method import modern_stack
    from showdown_lib.present import charts_modern

    result, registry, _ = cast100
    table = modern_stack.with_without(result)
    fig = charts_modern.with_without(table, registry, result.method.round_name(modern_stack.ROUND))
    n = int(max(table["rank_without"].max(), table["rank_with"].max()))
    assert n > charts_many.MANY and fig.get_figheight() == pytest.approx(charts_many.ROW_IN * n + 1.6)
    assert len(fig.axes[0].lines) == len(table) == 100  # one line per framework, two labels each
    assert len(fig.axes[0].texts) == 200
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# frameworks that share a rank: their direct labels never sit on top of each other
# --------------------------------------------------------------------------------------------
def test_label_slots_put_tied_labels_one_under_the_other_in_the_order_of_their_keys():
    slots = charts_many.label_slots([1, 2, 2, 4, float("nan"), 5, 5, 5], ["a", "d", "c", "b", "x", "g", "e", "f"])
    assert slots[:4] == [1, 3, 2, 4] and pd.isna(slots[4]) and slots[5:] == [7, 5, 6]
    assert charts_many.label_slots([3, 1, 2], "abc") == [3, 1, 2]  # no tie: every label at its rank


def _labels(ax, side: int) -> list:
    """The annotations (direct labels) of the points at x == ``side``."""
    return [t for t in ax.texts if getattr(t, "xy", (None,))[0] == side]


def _tie_table(registry, left: str, right: str):
    ids = [f.id for f in registry[:7]]
    return pd.DataFrame({"framework": ids, f"rank_{left}": [1, 2, 2, 4, 5, 5, 5], f"score_{left}": [90, 80, 80, 70, 60, 60, 60],
                         f"rank_{right}": [1, 1, 3, 4, 4, 6, 7], f"score_{right}": [95, 95, 80, 70, 70, 50, 45]})


def test_slope_and_with_without_charts_stack_the_labels_of_a_shared_rank():
    from showdown_lib.present import charts_modern
    from showdown_lib.core.registry import load_registry

    registry = load_registry()
    figs = [charts.slope(_tie_table(registry, "then", "now"), registry, "then", "now"),
            charts_modern.with_without(_tie_table(registry, "without", "with"), registry, "Modern stack")]
    for fig in figs:
        ax = fig.axes[0]
        for side, ranks in ((0, [1, 2, 2, 4, 5, 5, 5]), (1, [1, 1, 3, 4, 4, 6, 7])):
            labels = _labels(ax, side)
            assert sorted(t.xy[1] for t in labels) == ranks  # each label belongs to its point ...
            assert sorted(t.xyann[1] for t in labels) == list(range(1, 8))  # ... and has a place of its own
            moved = [t for t in labels if t.xyann[1] != t.xy[1]]
            assert moved and all(t.arrow_patch is not None for t in moved)  # joined to its point by a line
            assert all(t.arrow_patch is None for t in labels if t not in moved)
        assert ax.get_ylim()[0] > 7
        plt.close(fig)


def test_rank_over_time_stacks_the_end_labels_of_a_shared_rank():
    from showdown_lib.present import charts_series
    from showdown_lib.core.registry import load_registry

    registry = load_registry()[:5]
    ranks = pd.DataFrame({"2019": [1, 2, 2, 4, 4], "2020": [1, 1, 3, 3, 5]}, index=[f.id for f in registry])
    fig = charts_series.rank_over_time(ranks, registry, {f.id: f.name for f in registry})
    ax = fig.axes[0]
    for side in (0, 1):
        labels = _labels(ax, side)
        assert len(labels) == 5 and sorted(t.xyann[1] for t in labels) == [1, 2, 3, 4, 5]
    assert sorted(t.get_text().split(".")[0] for t in _labels(ax, 1)) == ["1", "1", "3", "3", "5"]  # the rank, not the place
    plt.close(fig)
