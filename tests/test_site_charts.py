"""Self-contained charts and reader tables (showdown_lib.present.charts): edition in the title, a source footer,
0 drawn differently from n/a, the crowded radar as dots, the hardware running maximum, full-text tables."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from showdown_lib.core import paths  # noqa: E402
from showdown_lib.method import comparisons
from showdown_lib.present import charts
from showdown_lib.method.edition_scores import score_edition  # noqa: E402
from showdown_lib.core.registry import load_registry  # noqa: E402


@pytest.fixture(scope="module")
def current():
    return score_edition("current")


def footer_texts(fig) -> list[str]:
    return [t.get_text() for t in fig.texts]


def test_stamp_puts_edition_and_date_in_the_title_and_a_footer_once():
    fig, ax = plt.subplots()
    ax.set_title("Overall score")
    charts.stamp(fig, "current", "2026-11-25", "Source: here.")
    charts.stamp(fig, "current", "2026-11-25", "Source: here.")
    assert ax.get_title() == "Overall score\nedition current, as of 2026-11-25"
    assert footer_texts(fig) == ["Source: here."]
    fig2, ax2 = plt.subplots()
    ax2.set_title("Overall score, edition 2018")
    charts.stamp(fig2, "2018", "2018-06-26")
    assert ax2.get_title() == "Overall score, edition 2018, as of 2018-06-26"
    fig3, (a, b) = plt.subplots(1, 2)
    a.set_title("left"), b.set_title("right")
    charts.stamp(fig3, "2018", "2018-06-26")
    assert fig3._suptitle.get_text() == "edition 2018, as of 2018-06-26"
    plt.close("all")


def test_footer_gives_the_share_of_cells_by_origin():
    origins = pd.DataFrame({"origin": ["collected", "curated", "curated", "missing"]})
    assert charts.footer_text("current", "collected", origins) == (
        "Source: Showdown edition current, data/processed/current/. Cells: 25% measured, 50% curated, 25% n/a.")
    assert charts.footer_text("2018", "published").startswith("Source: the 2018 post's published figures")


def test_presenters_stamp_one_edition_or_two():
    from showdown_lib.method.edition_scores import score_edition
    from showdown_lib.present.presenters.common import comparison_stamp, edition_stamp

    then, now = score_edition("2018"), score_edition("current")
    edition, as_of, footer = edition_stamp(now)
    assert (edition, as_of) == ("current", now.edition.as_of) and "% measured" in footer
    assert edition_stamp(then)[2].startswith("Source: the 2018 post's published figures")
    label, as_of, footer = comparison_stamp(then, now)
    assert label == "2018 (as of 2018-06-26) and current" and footer.startswith("Source: Showdown editions 2018 and current")


def test_zero_is_drawn_unlike_na(current):
    fig = charts.criteria_breakdown(current.criteria, current.categories, "support_community", current.method, load_registry())
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    crit = current.criteria[current.criteria["round"] == "support_community"]
    zeros = int(((crit["status"] == "value") & (crit["score"] == 0)).sum())
    nas = int((crit["status"] != "value").sum())
    assert zeros > 0 and nas > 0
    assert texts.count("0") == zeros and texts.count("n/a") == nas
    assert len([p for p in ax.patches if p.get_hatch()]) == nas  # only n/a is hatched
    assert len([ln for ln in ax.lines if ln.get_linewidth() == 2.5]) == zeros  # a dark tick per real zero
    values = [t for t in texts if t not in ("0", "n/a")]
    assert len(values) == int(((crit["status"] == "value") & (crit["score"] > 0)).sum())  # every bar carries its value
    plt.close(fig)


def test_crowded_tiers_are_drawn_as_dots_not_radars(current):
    assert current.overall["tier"].value_counts().max() > charts.RADAR_MAX_PER_TIER  # some tier is crowded
    fig = charts.radar_by_tier(current.categories, current.overall, current.method, load_registry())
    assert len(fig.axes) == 1 and fig.axes[0].name != "polar"
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == len(current.overall)
    plt.close(fig)
    r2018 = score_edition("2018")
    fig = charts.radar_by_tier(r2018.categories, r2018.overall, r2018.method, load_registry())
    if (r2018.overall["tier"].value_counts().max()) <= charts.RADAR_MAX_PER_TIER:
        assert all(ax.name == "polar" for ax in fig.axes)
    plt.close(fig)


def test_hardware_chart_draws_the_running_maximum():
    cores = pd.DataFrame({"year": [2010, 2011, 2012, 2013], "cores": [100.0, 300.0, 200.0, np.nan], "gpu": ["a", "b", "c", "d"]})
    releases = pd.DataFrame({"year": [2010, 2011, 2012, 2013], "releases": [1, 2, 3, 4]})
    fig = charts.hardware_gap(cores, releases)
    ax2 = fig.axes[1]
    running = [ln for ln in ax2.lines if "running maximum" in ln.get_label()]
    assert len(running) == 1
    assert list(running[0].get_ydata()) == [100.0, 300.0, 300.0]
    assert "2010-2013" in fig.axes[0].get_title()
    plt.close(fig)


def test_real_hardware_data_running_maximum_never_falls():
    cores = comparisons.gpu_cores()
    fig = charts.hardware_gap(cores, pd.read_csv(paths.processed_dir("current") / "releases_per_year.csv"))
    y = [ln for ln in fig.axes[1].lines if "running maximum" in ln.get_label()][0].get_ydata()
    assert all(b >= a for a, b in zip(y, y[1:]))
    plt.close(fig)


def test_table_style_shows_full_text_links_percentages_and_units():
    long = "a rule that is much longer than fifty characters, so pandas would cut it by default"
    frame = pd.DataFrame({"rule": [long, "<b>"], "source": ["see https://example.org/a?b=1&c=2.", None],
                          "share": [0.0000123, 0.5], "score": [12.345, np.nan]})
    out = charts.table_style(frame, percent=("share",), units={"score": "points"}).to_html()
    assert long in out and "&lt;b&gt;" in out
    assert '<a href="https://example.org/a?b=1&amp;c=2">https://example.org/a?b=1&amp;c=2</a>.' in out
    assert "0.00123%" in out and "50%" in out and "e-05" not in out
    assert "score (points)" in out and "12.3" in out and "n/a" in out


def test_breakdown_names_the_basis_and_the_criteria_missing_for_everyone(current):
    fig = charts.criteria_breakdown(current.criteria, current.categories, "support_community", current.method, load_registry())
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    crit = current.criteria
    basis = crit.loc[crit.criterion == "activity", "basis"].dropna().unique()
    assert len(basis) == 1 and f"Activity\n({basis[0]} basis)" in ticks
    none = [c for c in ("sponsor", "activity", "ecosystem", "documentation") if not (crit[crit.criterion == c]["status"] == "value").any()]
    names = ", ".join(current.method.criterion(c).name for c in none)
    assert ("n/a for every framework: " + names in ax.get_title()) if none else ("n/a for every" not in ax.get_title())
    plt.close(fig)


def test_styled_tables_render_the_same_html_twice():
    frame = pd.DataFrame({"framework": ["a", "b"], "share": [0.5, 0.25]})
    assert charts.table_style(frame, percent=("share",)).to_html() == charts.table_style(frame.copy(), percent=("share",)).to_html()


def test_a_table_in_a_notebook_has_plain_text_without_an_address():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        styler = charts.table_style(pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [0.5, 0.25]}))
        data, _ = shell.display_formatter.format(styler)
        assert data["text/plain"] == "<table: 2 rows x 3 columns>"
        assert "<table" in data["text/html"] and "0x" not in data["text/plain"]
    finally:
        InteractiveShell.clear_instance()
