"""Charts keep one colour per framework, mark n/a, save reproducibly; sentences follow the data."""
from __future__ import annotations

import base64

import matplotlib

matplotlib.use("Agg")
import pandas as pd
import pytest

from showdown_lib.present import charts, narrative
from showdown_lib.method.edition_scores import score_edition
from showdown_lib.core.registry import Framework, load_registry


def test_one_distinct_colour_per_framework_and_fallback_for_new_ones():
    registry = load_registry()
    colors = charts.framework_colors(registry)
    assert len(set(colors.values())) == len(registry)
    newcomer = Framework("newcomer", "Newcomer", "x", 2026, (), (), (), "n")
    extended = charts.framework_colors(registry + [newcomer])
    assert extended["newcomer"] not in colors.values()
    assert {k: extended[k] for k in colors} == colors  # adding one changes nobody else's colour


def test_a_hundred_frameworks_get_a_hundred_colours_and_keep_them():
    registry = load_registry()
    more = [Framework(f"f{k:03d}", f"F{k}", "x", 2026, (), (), (), "n") for k in range(100 - len(registry))]
    colors = charts.framework_colors(registry + more)
    assert len(colors) == 100 and len({c.upper() for c in colors.values()}) == 100
    assert all(len(c) == 7 and c.startswith("#") for c in colors.values())
    assert charts.framework_colors(registry + more[:10]) == {k: colors[k] for k in [fw.id for fw in registry + more[:10]]}


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


def test_save_figure_draws_one_png_the_same_every_time_and_other_formats_on_request(tmp_path):
    r = score_edition("2018")
    fig = charts.podium(r.overall, load_registry())
    [png] = charts.save_figure(fig, "2018", "podium", tmp_path)
    first = png.read_bytes()
    assert first[:4] == b"\x89PNG" and len(first) > 10_000 and sorted(p.name for p in tmp_path.iterdir()) == ["podium.png"]
    assert charts.render(fig) == first  # what a notebook shows inline is the file's bytes
    png2, svg = charts.save_figure(fig, "2018", "podium", tmp_path, formats=("png", "svg"))
    assert png2.read_bytes() == first and svg.read_bytes().lstrip().startswith(b"<?xml")


def test_a_presenter_shows_the_saved_png_and_draws_once(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    from showdown_lib.present.presenters import common

    drawn, shown = [], []
    real = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: drawn.append(k.get("format")) or real(self, *a, **k))
    monkeypatch.setattr(common, "display", shown.append)

    class Step:
        def figure_folder(self, name):
            return tmp_path

    presenter = common.Presenter.__new__(common.Presenter)
    presenter.step = Step()
    r = score_edition("2018")
    presenter.show(charts.podium(r.overall, load_registry()), "podium")
    assert drawn == ["png"]
    bundle, meta = shown[0]._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == (tmp_path / "podium.png").read_bytes()
    assert bundle["text/plain"].startswith("<Figure size 850x") and bundle["text/plain"].endswith("with 1 Axes>")
    width = int.from_bytes(shown[0].data[16:20], "big")
    assert meta["image/png"]["width"] == round(width * 100 / 120)  # shown at the figure's screen size


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
