"""The scoring rules on cases computed by hand."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from showdown_lib.core.methodology import parse_methodology
from showdown_lib.method.scoring import (
    WeightError,
    assign_tiers,
    category_scores,
    normalise_weights,
    overall_scores,
    score_all,
    score_criteria,
)

# A small methodology: two rounds, a levels criterion and a relative one in round a, one in round b.
TOY = parse_methodology(
    {
        "rounds": [{"id": "a", "name": "Round A", "order": 1}, {"id": "b", "name": "Round B", "order": 2}],
        "criteria": [
            {"id": "lv", "round": "a", "name": "Levels", "question": "q", "rule": "r", "kind": "levels", "min": 0, "max": 4, "step": 1},
            {"id": "rel", "round": "a", "name": "Relative", "question": "q", "rule": "r", "kind": "relative"},
            {"id": "b1", "round": "b", "name": "B one", "question": "q", "rule": "r", "kind": "levels", "min": 0, "max": 2, "step": 0.5},
        ],
    }
)


def raw(rows):
    return pd.DataFrame(rows, columns=["framework", "criterion", "raw_value", "source"])


def test_levels_and_relative_scores():
    crit = score_criteria(raw([
        ("x", "lv", 3, ""), ("y", "lv", 1, ""),
        ("x", "rel", 5, ""), ("y", "rel", 20, ""),
        ("x", "b1", 1.5, ""), ("y", "b1", 2, ""),
    ]), TOY).set_index(["framework", "criterion"])["score"]
    assert crit[("x", "lv")] == pytest.approx(75.0)
    assert crit[("y", "lv")] == pytest.approx(25.0)
    assert crit[("x", "rel")] == pytest.approx(25.0)  # 5 / 20
    assert crit[("y", "rel")] == pytest.approx(100.0)
    assert crit[("x", "b1")] == pytest.approx(75.0)


def test_not_available_is_left_out_of_the_category_mean():
    crit = score_criteria(raw([
        ("x", "lv", 2, ""), ("x", "rel", np.nan, ""), ("x", "b1", 1, ""),
        ("y", "lv", 4, ""), ("y", "rel", 10, ""), ("y", "b1", 2, ""),
    ]), TOY)
    assert crit.set_index(["framework", "criterion"]).loc[("x", "rel"), "status"] == "not_available"
    cats = category_scores(crit, TOY).set_index(["framework", "category"])
    # x: only lv (50) is available in round a -> 50, not (50 + 0) / 2
    assert cats.loc[("x", "a"), "score"] == pytest.approx(50.0)
    assert cats.loc[("x", "a"), "n_criteria"] == 1
    assert cats.loc[("y", "a"), "score"] == pytest.approx(100.0)
    assert cats.loc[("y", "a"), "n_criteria"] == 2


def test_relative_uses_best_of_the_cast_even_when_some_are_missing():
    crit = score_criteria(raw([("x", "rel", 3, ""), ("y", "rel", np.nan, ""), ("z", "rel", 12, "")]), TOY)
    s = crit.set_index("framework")["score"]
    assert s["x"] == pytest.approx(25.0) and s["z"] == pytest.approx(100.0) and math.isnan(s["y"])


def test_published_scores_pass_through_unchanged():
    frame = raw([("x", "lv", 2, "")])
    frame["published_score"] = [67.0]
    assert score_criteria(frame, TOY)["score"].iloc[0] == 67.0


def test_weights_change_category_and_overall():
    frame = raw([("x", "lv", 4, ""), ("x", "rel", 5, ""), ("x", "b1", 0, ""),
                 ("y", "lv", 0, ""), ("y", "rel", 10, ""), ("y", "b1", 2, "")])
    crit, cats, overall = score_all(frame, TOY, criterion_weights={"lv": 3}, category_weights={"b": 0})
    c = cats.set_index(["framework", "category"])["score"]
    # x round a: (100*3 + 50*1) / 4 = 87.5 ; y: (0*3 + 100) / 4 = 25
    assert c[("x", "a")] == pytest.approx(87.5)
    assert c[("y", "a")] == pytest.approx(25.0)
    o = overall.set_index("framework")
    # round b has weight 0: overall is the round a score
    assert o.loc["x", "score"] == pytest.approx(87.5)
    assert o.loc["x", "rank"] == 1 and o.loc["y", "rank"] == 2


def test_equal_weights_overall_is_mean_of_categories():
    frame = raw([("x", "lv", 4, ""), ("x", "rel", 5, ""), ("x", "b1", 1, "")])
    _, cats, overall = score_all(frame, TOY)
    assert overall["score"].iloc[0] == pytest.approx((100 + 100) / 2 / 2 + 50 / 2)


@pytest.mark.parametrize("weights, message", [
    ({"nope": 1}, "unknown"), ({"lv": -1}, ">= 0"), ({"lv": float("nan")}, "finite"),
    ({"lv": 0, "rel": 0, "b1": 0}, "all zero"), ({"lv": "heavy"}, "must be a number"),
])
def test_bad_weights_are_named(weights, message):
    with pytest.raises(WeightError, match=message):
        normalise_weights(weights, ["lv", "rel", "b1"], "criterion")


def test_tiers_cut_at_largest_gaps():
    s = pd.Series({"a": 90, "b": 88, "c": 70, "d": 69, "e": 40})
    # gaps: 2, 18, 1, 29 -> two cuts at 29 (d|e) and 18 (b|c)
    assert assign_tiers(s, 3).to_dict() == {"a": 1, "b": 1, "c": 2, "d": 2, "e": 3}
    assert assign_tiers(s, 2).to_dict() == {"a": 1, "b": 1, "c": 1, "d": 1, "e": 2}
    assert assign_tiers(s, 1).to_dict() == {k: 1 for k in s.index}


def test_tied_scores_share_a_tier_and_equal_gaps_cut_the_top_first():
    s = pd.Series({"a": 80, "b": 80, "c": 70, "d": 60})
    # gaps 0, 10, 10: zero never cut; of the two equal gaps the upper one is cut first
    assert assign_tiers(s, 2).to_dict() == {"a": 1, "b": 1, "c": 2, "d": 2}
    assert assign_tiers(s, 3).to_dict() == {"a": 1, "b": 1, "c": 2, "d": 3}
    # more tiers than distinct scores: no empty tier
    assert set(assign_tiers(pd.Series({"a": 5, "b": 5}), 3)) == {1}


def test_tiers_ignore_float_noise_and_missing():
    s = pd.Series({"a": 0.1 + 0.2, "b": 0.3, "c": np.nan, "d": 0.1})
    t = assign_tiers(s, 2)
    assert t["a"] == t["b"] == 1 and t["d"] == 2 and pd.isna(t["c"])


def test_overall_rank_ties_share_the_better_rank():
    cats = pd.DataFrame({"framework": ["x", "x", "y", "y", "z", "z"], "category": ["a", "b"] * 3,
                         "score": [50, 50, 60, 40, 10, 10], "n_criteria": 1, "tier": 1})
    o = overall_scores(cats, TOY).set_index("framework")
    assert o.loc["x", "rank"] == 1 and o.loc["y", "rank"] == 1 and o.loc["z", "rank"] == 3
