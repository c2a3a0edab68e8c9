"""The series of editions over time (showdown_lib.method.series, charts_series): dates, ranks, the sentence, the charts."""
from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import dataclasses  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from showdown_lib.method import series  # noqa: E402
from showdown_lib.present import charts, charts_many, charts_series, narrative_comparisons
from showdown_lib.core.registry import load_registry  # noqa: E402
from showdown_lib.acquire.snapshots import snapshot_dates  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "data" / "processed" / "current"


def test_the_series_has_a_date_per_package_index_snapshot_and_at_least_five():
    dates = series.series_dates("current")
    assert dates == [d for d in snapshot_dates("pypi") if d <= "2026-11-25"]
    assert len(dates) >= 5 and len({d[:4] for d in dates}) >= 5  # at least five different years


def test_a_framework_has_no_rank_before_its_first_release():
    table = series.edition_series("current", ["2019-11-25", "2024-11-25"])
    ranks = series.ranks(table)
    first_release = {fw.id: fw.first_release for fw in load_registry()}
    assert first_release["mlx"] > 2019
    assert "mlx" not in set(table.loc[table.date == "2019-11-25", "framework"])
    assert ranks.loc["mlx", "2024-11-25"] >= 1
    for day in ranks.columns:  # ranks are 1..n among the frameworks scored that day
        col = ranks[day].dropna()
        assert col.min() == 1 and col.max() <= len(col)


def _synthetic(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["date", "framework", "rank"])
    return frame.assign(criterion="activity", score=50.0, origin="measured", basis="releases", overall=50.0, n_ranked=3)


def test_the_sentence_names_every_framework_tied_at_the_extremes():
    table = _synthetic([("2019-01-01", "a", 1), ("2019-01-01", "b", 2), ("2019-01-01", "c", 3),
                        ("2020-01-01", "a", 3), ("2020-01-01", "b", 1), ("2020-01-01", "c", 2), ("2020-01-01", "d", 4)])
    text = narrative_comparisons.series_sentences(table, {"a": "Alpha", "b": "Beta", "c": "Gamma", "d": "Delta"})
    assert "2 dates from 2019-01-01 to 2020-01-01; 3 frameworks ranked on both" in text and "1 joined the ranking" in text
    assert "Climbed furthest: Beta (2 → 1) and Gamma (3 → 2)." in text and "Fell furthest: Alpha (1 → 3)." in text
    assert "Delta" not in text


def test_the_committed_sentence_agrees_with_the_committed_rank_table():
    table = pd.read_csv(COMMITTED / "series.csv", dtype={"date": str})
    ranks = series.ranks(table)
    names = {fw.name: fw.id for fw in load_registry()}
    text = narrative_comparisons.series_sentences(table, {v: k for k, v in names.items()})
    pairs = re.findall(r"([A-Za-z0-9 ]+?) \((\d+) → (\d+)\)", text)
    assert pairs
    first, last = ranks.columns[0], ranks.columns[-1]
    moved = (ranks[first] - ranks[last]).dropna()
    for name, a, b in pairs:
        fw = names[re.sub(r"^and ", "", name.strip())]
        assert (ranks.loc[fw, first], ranks.loc[fw, last]) == (int(a), int(b))
    assert moved.max() == max(int(a) - int(b) for _n, a, b in pairs)


def test_charts_stay_readable_at_25_frameworks_with_distinct_colours():
    base = load_registry()
    fws = list(base) + [dataclasses.replace(base[0], id=f"extra{i}", name=f"Extra {i}", color=None) for i in range(25 - len(base))]
    assert len(set(charts.framework_colors(fws).values())) == 25
    dates = [f"{y}-11-25" for y in range(2018, 2027)]
    rng = np.random.default_rng(0)
    ranks = pd.DataFrame({d: rng.permutation(25) + 1.0 for d in dates}, index=[f.id for f in fws])
    ranks.iloc[3, :4] = np.nan  # not released yet: a gap
    fig = charts_series.rank_over_time(ranks, fws, {f.id: f.name for f in fws})
    width, height = fig.get_size_inches()
    assert height >= charts_many.ROW_IN * 25 + 1.5  # a row per rank that stays legible (a long cast's rows, as every chart's)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert sum(lbl.startswith(("1. ", "25. ")) for lbl in labels) == 2 and len(labels) >= 25
    rows = [(d, f.id, "activity", float(v), "measured", "releases", 50.0, 1.0, 25) for d in dates for f, v in zip(fws, rng.uniform(0, 100, 25))]
    table = pd.DataFrame(rows, columns=series.SERIES_COLUMNS)
    fig = charts_series.measured_over_time(table, ["activity"], {"activity": "Activity"}, fws, {f.id: f.name for f in fws})
    assert len(fig.legends[0].get_texts()) == 25
    matplotlib.pyplot.close("all")


@pytest.mark.parametrize("origin", ["curated", "not_available"])
def test_a_cell_that_is_not_measured_is_a_gap_never_a_zero(origin):
    fws = list(load_registry())[:2]
    rows = [("2019-11-25", fws[0].id, "activity", 0.0, "measured", "", 1.0, 1.0, 2),
            ("2020-11-25", fws[0].id, "activity", 40.0, origin, "", 1.0, 1.0, 2)]
    fig = charts_series.measured_over_time(pd.DataFrame(rows, columns=series.SERIES_COLUMNS), ["activity"], {}, fws, {})
    ys = fig.axes[0].lines[0].get_ydata()
    assert ys[0] == 0.0 and np.isnan(ys[1])
    matplotlib.pyplot.close("all")


def test_the_scoring_step_writes_the_series_and_a_dated_edition_stops_at_its_date():
    from showdown_lib.method.edition_scores import score_edition
    from showdown_lib.method.scoring_step import products

    dated = products(score_edition("current@2021-06-30"))["series"]
    assert sorted(dated["date"].unique()) == [d for d in series.series_dates("current") if d <= "2021-06-30"]
    assert products(score_edition("2018"))["series"].empty  # a published edition has no history to score


def test_the_committed_series_is_the_scoring_steps():
    committed = pd.read_csv(COMMITTED / "series.csv", dtype={"date": str})
    again = series.edition_series("current")
    assert list(committed["date"].unique()) == list(again["date"].unique())
    pd.testing.assert_series_equal(committed["rank"], again["rank"].astype(float), check_names=False)
    np.testing.assert_allclose(committed["overall"], again["overall"], atol=5e-5)  # written to 4 decimals


def test_no_framework_is_ranked_before_its_first_release():
    """Each date ranks the frameworks released by then: an earlier first-release year, or within that year a final
    release on the package index by the date (read here from the newest release list, independently of the code)."""
    from packaging.version import InvalidVersion, Version

    from showdown_lib.core import paths
    from showdown_lib.core.registry import load_registry

    committed = pd.read_csv(COMMITTED / "series.csv", dtype={"date": str}).drop_duplicates(["date", "framework"])
    rel = pd.read_csv(sorted(paths.snapshots_dir("pypi").glob("*/releases.csv"))[-1])

    def final(v):
        try:
            x = Version(str(v))
        except InvalidVersion:
            return False
        return not (x.is_prerelease or x.is_devrelease)

    rel = rel[rel["version"].map(final) & ~rel["yanked"].astype(str).str.lower().isin(["true", "1"])]
    first_upload = rel.groupby("framework")["upload_time"].min().str[:10].to_dict()
    year = {fw.id: fw.first_release for fw in load_registry()}
    held_back = 0
    for r in committed.itertuples():
        released = year[r.framework] < int(r.date[:4]) or (
            year[r.framework] == int(r.date[:4]) and first_upload.get(r.framework, "9999") <= r.date)
        assert released or pd.isna(r.rank), (r.date, r.framework, "ranked before its first release")
    for d in committed["date"].unique():
        held_back += sum(1 for fw, y in year.items() if y == int(d[:4]) and first_upload.get(fw, "9999") > d)
    assert held_back > 0  # the committed series has such a case (JAX in 2018, MLX in 2023): the check is exercised


def test_the_over_time_step_reads_the_series_table_and_no_snapshot(tmp_path, monkeypatch):
    from showdown_lib.core import fileio, paths
    from showdown_lib.pipeline.step_context import open_step
    from showdown_lib.pipeline.steps import StepError

    root = tmp_path / "project"
    root.mkdir()
    for name in ("data", "notebooks"):
        (root / name).symlink_to(ROOT / name)
    (root / "pyproject.toml").write_text("")
    monkeypatch.setenv("SHOWDOWN_ROOT", str(root))
    step = open_step("11_over_time", save_figures=False)
    try:
        assert [r.arg for r in step.reads if r.kind == "processed"] == ["current/series", "current/lifecycle"]
        snapshot = next(paths.snapshots_dir("pypi").rglob("releases.csv"))
        with pytest.raises(StepError, match="does not declare"):
            pd.read_csv(snapshot)
    finally:
        fileio.set_read_guard(None)


def test_the_series_says_it_ranks_on_the_standing_rounds():
    """Its ranks leave the opt-in rounds out, so they can differ from the edition's headline ranking: the sentence
    and the chart title say so, from the method table."""
    import json

    from showdown_lib.core.methodology import load_methodology

    method = load_methodology()
    left = [method.round_name(r) for r in method.round_ids if r not in method.standing_round_ids]
    said = f"on the {len(method.standing_round_ids)} standing rounds ({', '.join(left)} left out)"
    book = json.loads((ROOT / "notebooks" / "11_over_time.ipynb").read_text())
    text = "".join("".join(o.get("data", {}).get("text/markdown", "")) for c in book["cells"] for o in c.get("outputs", []))
    assert left and f"ranked {said}" in text
    fws = load_registry()[:2]
    ranks = pd.DataFrame({"2020-11-25": [1.0, 2.0]}, index=[f.id for f in fws])
    fig = charts_series.rank_over_time(ranks, fws, {}, said)
    assert said in fig.axes[0].get_title()
    matplotlib.pyplot.close("all")


def test_then_vs_now_says_which_rounds_it_ranks_on():
    """06 ranks both editions on the rounds they share: it names them and the round it leaves out (from the method
    table and the editions' rounds), since its scores differ from today's headline ranking."""
    import json

    from showdown_lib.acquire.editions import edition_method, load_edition
    from showdown_lib.core.methodology import load_methodology

    method = load_methodology()
    then, now = (edition_method(load_edition(e), method) for e in ("2018", "current"))
    shared = [method.round_name(r) for r in now.round_ids if r in then.round_ids]
    left = [method.round_name(r) for r in now.round_ids if r not in then.round_ids]
    book = json.loads((ROOT / "notebooks" / "06_then_vs_now.ipynb").read_text())
    text = "".join("".join(o.get("data", {}).get("text/markdown", "")) for c in book["cells"] for o in c.get("outputs", []))
    assert left and f"on the {len(shared)} rounds they share ({', '.join(shared)}); {', '.join(left)} is left out" in text
