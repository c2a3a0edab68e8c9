"""Round four (Modern stack): scored by current only, the ranking with and without it, the spread table and the
sentences about them, each checked against the table it describes."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from showdown_lib.method import comparisons, modern_stack as ms
from showdown_lib.present import narrative_modern
from showdown_lib.method.edition_scores import score_edition
from showdown_lib.core.registry import load_registry

NAMES = {fw.id: fw.name for fw in load_registry()}


@pytest.fixture(scope="module")
def current():
    return score_edition("current")


def test_only_current_scores_the_round(current):
    assert "modern_stack" in current.method.round_ids
    assert set(current.criteria[current.criteria["round"] == "modern_stack"]["criterion"]) == {
        "accelerator_reach", "compiler", "scale_out", "deployment", "model_hub_reach", "cpu_speed"}
    for eid in ("2018", "2018-remeasured"):
        r = score_edition(eid)
        assert r.method.round_ids == ["support_community", "api_internals", "platform"] and len(r.method.criteria) == 12


def test_round_is_measured_with_origin_and_basis(current):
    crit = current.criteria[(current.criteria["round"] == "modern_stack") & current.criteria["framework"].isin(["pytorch", "jax", "tensorflow"])]
    measured = crit[crit["origin"] == "measured"].groupby("criterion").size()
    assert all(measured.get(c, 0) == 3 for c in ("accelerator_reach", "compiler", "scale_out", "deployment", "model_hub_reach"))
    cuda = current.raw.set_index(["framework", "criterion"]).loc[("paddlepaddle", "accelerator_reach")]
    assert cuda["raw_value"] == 3 and "package index metadata" in cuda["source"]
    not_probed = current.criteria.set_index(["framework", "criterion"]).loc[("paddlepaddle", "compiler")]
    assert not_probed["status"] == "not_available"  # not attempted: n/a, never 0
    assert "not attempted" in current.raw.set_index(["framework", "criterion"]).loc[("paddlepaddle", "compiler"), "note"]


def test_cpu_speed_weighs_nothing_by_default(current):
    cats = current.categories.set_index(["framework", "category"])["score"]
    crit = current.criteria[(current.criteria["framework"] == "pytorch") & (current.criteria["round"] == "modern_stack")]
    scored = crit[(crit["status"] == "value") & (crit["criterion"] != "cpu_speed")]
    assert cats[("pytorch", "modern_stack")] == pytest.approx(scored["score"].mean())
    weighed = score_edition("current", criterion_weights={"cpu_speed": 1})
    assert weighed.categories.set_index(["framework", "category"])["score"][("pytorch", "modern_stack")] == pytest.approx(
        crit[crit["status"] == "value"]["score"].mean())
    # a weight for a round the edition does not score is ignored there, not an error
    assert score_edition("2018", criterion_weights={"cpu_speed": 2}).method.round_ids[-1] == "platform"


def test_with_and_without_the_round(current):
    table = ms.with_without(current)
    cats = current.categories.pivot(index="framework", columns="category", values="score")
    three = cats[["support_community", "api_internals", "platform"]].mean(axis=1)
    t = table.set_index("framework")
    assert np.allclose(t.loc[three.index, "score_without"], three)
    assert np.allclose(t["score_with"], current.overall.set_index("framework").loc[t.index, "score"])
    assert (t["rank_change"] == t["rank_without"] - t["rank_with"]).all()
    text = narrative_modern.with_without_sentences(table, NAMES, "Modern stack")
    best_without = t.sort_values(["rank_without"]).index[0]
    assert f"On the post's three rounds alone: 1. {NAMES[best_without]} {t.loc[best_without, 'score_without']:.1f}" in text
    moved = int((t["rank_change"] != 0).sum())
    assert f"changes the rank of {moved} of {len(t)} frameworks" in text


def test_then_vs_now_compares_like_with_like(current):
    then = score_edition("2018")
    a, b = comparisons.like_with_like(then, current)
    assert b.method.round_ids == a.method.round_ids == ["support_community", "api_internals", "platform"]
    table = comparisons.then_vs_now(a, b).set_index("framework")
    assert table.loc["keras", "score_now"] == pytest.approx(ms.with_without(current).set_index("framework").loc["keras", "score_without"])


def test_spread_table_and_sentence(current):
    spread = ms.criterion_spread(current)
    active = ms.active_ids(current)
    row = spread.set_index("criterion").loc["os_support"]
    scores = current.criteria[(current.criteria["criterion"] == "os_support") & current.criteria["framework"].isin(active)]["score"].dropna()
    assert row["std"] == pytest.approx(float(np.std(scores))) and row["distinct_scores"] == scores.nunique()
    assert row["saturated"] == (row["std"] < ms.SATURATED_STD or row["distinct_scores"] <= 1)
    text = narrative_modern.spread_sentences(spread, current.method.standing_round_ids)
    post = spread[spread["round"].isin(current.method.standing_round_ids) & (spread["n_scored"] >= 2)]
    sat = post[post["saturated"]]
    assert f"{len(sat)} of the post's {len(post)} criteria" in text
    for name in sat["name"]:
        assert name in text
    widest = spread.loc[spread["std"].idxmax()]
    assert f"The widest spread: {widest['name']}" in text


def test_spread_on_a_small_table():
    crit = pd.DataFrame({"framework": ["a", "b", "c"] * 2, "criterion": ["x"] * 3 + ["y"] * 3, "round": ["r"] * 6,
                         "score": [50, 50, 50, 0, 50, 100], "status": ["value"] * 6})

    class M:
        criteria = [type("C", (), {"id": "x", "round": "r", "name": "X", "weight": 1.0})(),
                    type("C", (), {"id": "y", "round": "r", "name": "Y", "weight": 1.0})()]

    class R:
        criteria, method = crit, M

    out = ms.criterion_spread(R, ["a", "b", "c"]).set_index("criterion")
    assert out.loc["x", "saturated"] and out.loc["x", "distinct_scores"] == 1
    assert not out.loc["y", "saturated"] and out.loc["y", "std"] == pytest.approx(np.std([0, 50, 100]))


def test_podiums_and_sentence(current):
    pods = ms.round_podiums(current)
    full = ms.podium_of(current.overall, ms.active_ids(current))
    assert (pods["podium"] == " > ".join(full)).all()
    modern = pods.set_index("round").loc["modern_stack"]
    without = ms.podium_of(comparisons.on_rounds(current, current.method.standing_round_ids).overall, ms.active_ids(current))
    assert modern["podium_without"] == " > ".join(without) and modern["podium_changes"] == (without != full)
    text = narrative_modern.podium_sentences(pods)
    for _, r in pods[pods["podium_changes"]].iterrows():
        assert f"without {r['name']} it is {r['podium_without']}" in text


def test_cpu_speed_sentence_is_cpu_only_and_matches_the_table():
    table = pd.DataFrame({"framework": ["pytorch", "jax", "mlx"], "median_ms": [10.0, 20.0, np.nan], "steps_per_s": [100.0, 50.0, np.nan],
                          "detail": ["", "", "not attempted"]})
    text = narrative_modern.cpu_speed_sentence(table, NAMES)
    assert "PyTorch ran the fixed training step fastest (100 steps per second, median 10.00 ms)" in text
    assert "JAX slowest (50 steps per second), a ratio of 2.0; 1 framework n/a" in text
    assert "CPU-only" in text and "GPU" in text
    assert narrative_modern.cpu_speed_sentence(table.iloc[2:], NAMES).startswith("No framework")


def test_accelerator_grid_counts_match_the_observations(current):
    from showdown_lib.method.scoring_step import modern_tables
    from showdown_lib.acquire.observations import resolve_snapshots

    snap = resolve_snapshots(current.edition)["index_reach"]
    acc = modern_tables(snap, None)["modern_accelerators"]
    grid = ms.accelerator_grid(acc, ["pytorch", "jax", "tensorflow", "paddlepaddle"])
    raw = current.raw.set_index(["framework", "criterion"])["raw_value"]
    for fw in grid.index:
        assert grid.loc[fw, "on the index"] + grid.loc[fw, "curated"] == raw[(fw, "accelerator_reach")]
    assert (grid["cuda"] == "index").all() and grid.loc["jax", "tpu"] == "index"
    assert re.fullmatch(r"2026-\d\d-\d\d", snap)


def test_a_front_end_reaches_what_the_backend_it_is_measured_on_reaches(current):
    """Keras (JAX backend) is measured on JAX: an accelerator its snapshot shows only through another backend is
    marked and not counted, and the accelerator grid counts what the score counts (for every framework)."""
    from showdown_lib.core import paths

    keras = {fw.id: fw for fw in load_registry()}["keras"]
    assert keras.front_end is not None and keras.front_end.measured_on == "jax"
    snap = sorted(paths.snapshots_dir("index_reach").iterdir())[-1]
    raw_acc = pd.read_csv(snap / "accelerators.csv")
    mine = raw_acc[(raw_acc["framework"] == "keras") & (raw_acc["how"] == "index")]
    through_other = mine["evidence"].str.match(r"through its (?!jax )\w+ backend")
    assert through_other.any(), "the committed snapshot shows an accelerator through another backend"
    raw = current.raw.set_index(["framework", "criterion"])
    assert raw.loc[("keras", "accelerator_reach"), "raw_value"] == (~through_other).sum()
    acc = pd.read_csv(paths.processed_dir("current") / "modern_accelerators.csv")
    grid = ms.accelerator_grid(acc, list(current.edition.cast))
    for fw in grid.index:
        assert grid.loc[fw, "on the index"] + grid.loc[fw, "curated"] == raw.loc[(fw, "accelerator_reach"), "raw_value"] or \
            raw.loc[(fw, "accelerator_reach"), "source"].startswith("lifecycle:"), fw


def test_the_round_says_when_its_scores_rest_on_unequal_sets(current):
    method = current.method
    weighted = [c.id for c in method.criteria_of("modern_stack") if c.weight > 0]
    crit = current.criteria[current.criteria["round"] == "modern_stack"]
    active = ms.active_ids(current, None)
    text = narrative_modern.coverage_sentence(crit, method, active, NAMES)
    valued = crit[crit["criterion"].isin(weighted) & (crit["status"] == "value")].groupby("framework").size()
    counts = valued.reindex(active, fill_value=0)
    assert counts.nunique() > 1 and f"its {len(weighted)} weighted criteria" in text
    for k in counts.unique():
        said = re.search(rf"(?:: |; )([^;:]*?) on {k}[;.]", text).group(1)
        assert sorted(said.replace(" and ", ", ").split(", ")) == sorted(NAMES[f] for f in active if counts[f] == k)
    # all on the same criteria: nothing to say
    same = crit.assign(status="value")
    assert narrative_modern.coverage_sentence(same, method, active, NAMES) == ""
