"""Charts keep one colour per framework, mark n/a, save reproducibly; sentences follow the data."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import pandas as pd
import pytest

from showdown_lib import charts, narrative
from showdown_lib.editions import score_edition
from showdown_lib.registry import Framework, load_registry


def test_one_distinct_colour_per_framework_and_fallback_for_new_ones():
    registry = load_registry()
    colors = charts.framework_colors(registry)
    assert len(set(colors.values())) == len(registry)
    newcomer = Framework("newcomer", "Newcomer", "x", 2026, (), (), (), "n")
    extended = charts.framework_colors(registry + [newcomer])
    assert extended["newcomer"] not in colors.values()
    assert {k: extended[k] for k in colors} == colors  # adding one changes nobody else's colour


def test_breakdown_marks_not_available_bars():
    r = score_edition("2018")
    fig = charts.criteria_breakdown(r.criteria, r.categories, "api_internals", r.method, load_registry())
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("n/a") == 3  # numerics for Caffe, Caffe2, PaddlePaddle
    hatched = [p for p in fig.axes[0].patches if p.get_hatch()]
    assert len(hatched) == 3


def test_category_strip_daggers_short_means():
    r = score_edition("2018")
    fig = charts.category_strip(r.categories, "api_internals", r.method, load_registry())
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert sum("†" in l for l in labels) == 3 and any(l.startswith("Caffe2") and "2 of 3" in l for l in labels)


def test_save_figure_writes_png_and_identical_svg(tmp_path):
    r = score_edition("2018")
    fig = charts.podium(r.overall, load_registry())
    png, svg = charts.save_figure(fig, "2018", "podium", tmp_path)
    first = svg.read_bytes()
    charts.save_figure(fig, "2018", "podium", tmp_path)
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    assert svg.read_bytes() == first


def test_podium_sentence_and_ties():
    names = {"a": "Alpha", "b": "Beta", "c": "Gamma"}
    o = pd.DataFrame({"framework": ["a", "b", "c"], "score": [80.0, 75.5, 60.0], "rank": [1, 2, 3], "tier": [1, 1, 2]})
    text = narrative.podium(o, names)
    assert "**Alpha** comes first overall with 80.0, 4.5 points ahead of Beta (75.5)" in text
    assert "spread from first to last (Gamma, 60.0) is 20.0 points" in text
    tied = o.assign(score=[80.0, 80.0, 60.0], rank=[1, 1, 3])
    assert "Alpha and Beta share first place at 80.0" in narrative.podium(tied, names)


def test_contributions_add_up_to_overall_and_deciding_criteria_explain_the_gap():
    r = score_edition("2018")
    table = narrative.contributions(r.criteria, r.method, r.weights)
    overall = r.overall.set_index("framework")["score"]
    assert (table.sum(axis=1) - overall).abs().max() < 1e-9
    text, diff = narrative.deciding_criteria(r.criteria, r.categories, r.overall, r.method, {f.id: f.name for f in load_registry()}, r.weights)
    assert diff["difference"].sum() == pytest.approx(overall["mxnet"] - overall["pytorch"])
    assert text.startswith("Apache MXNet leads PyTorch by 2.9 points")
