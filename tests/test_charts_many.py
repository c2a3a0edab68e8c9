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
