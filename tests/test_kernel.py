"""The aggregation kernel: means with n/a left out, one tie rule for ranks and tiers, counts over draws."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from showdown_lib.method import kernel


def test_weighted_mean_leaves_na_out_and_shares_its_weight():
    values = np.array([[80.0, np.nan, 20.0], [np.nan, np.nan, np.nan], [10.0, 30.0, np.nan]])
    got = kernel.weighted_mean(values, np.array([1.0, 2.0, 3.0]))
    assert got[0] == pytest.approx((80 * 1 + 20 * 3) / 4)
    assert np.isnan(got[1])  # nothing available: n/a, never 0
    assert got[2] == pytest.approx((10 + 60) / 3)
    # the available criteria weigh 0: n/a
    assert np.isnan(kernel.weighted_mean(np.array([[50.0, np.nan]]), np.array([0.0, 1.0]))[0])


def test_cast_aggregates_categories_then_overall():
    scores = np.array([[100.0, 50.0, 80.0], [np.nan, np.nan, 40.0]])
    cast = kernel.Cast(scores, [[0, 1], [2]])
    cats, overall = cast.aggregate(np.array([1.0, 3.0, 1.0]), np.array([1.0, 1.0]))
    assert cats[0].tolist() == pytest.approx([62.5, 80.0])
    assert np.isnan(cats[1, 0]) and cats[1, 1] == 40
    assert overall.tolist() == pytest.approx([71.25, 40.0])  # an n/a category is left out of the overall mean
    assert cast.n_available.tolist() == [[2, 1], [0, 1]]


def test_combine_takes_a_weighting_per_draw():
    means = np.array([[[10.0, 20.0], [10.0, 20.0]], [[30.0, np.nan], [30.0, np.nan]]])  # K=2, D=2, F=2
    got = kernel.combine(means, np.array([[1.0, 1.0], [1.0, 3.0]]))
    np.testing.assert_allclose(got, [[20.0, 20.0], [25.0, 20.0]])


@pytest.mark.parametrize("n", [1, 2, 7, 18, 100])
def test_ranks_are_min_ranks_of_scores_rounded_to_six_decimals(n):
    rng = np.random.default_rng(n)
    values = np.round(rng.random((200, n)) * 10, 0)  # many ties
    values[rng.random(values.shape) < 0.05] = np.nan
    values[:, 0] += 1e-9  # float noise is not a difference
    expected = pd.DataFrame(values).round(6).T.rank(ascending=False, method="min").T.fillna(0).astype(int).to_numpy()
    got = kernel.ranks(values)
    assert got.tolist() == expected.tolist()
    counts = kernel.rank_counts(values)
    for f in range(n):
        assert counts[f].tolist() == np.bincount(got[:, f], minlength=n + 1)[1:].tolist()  # n/a (0) counts nowhere


def test_ranks_of_one_weighting():
    assert kernel.ranks(np.array([3.0, 1.0, 3.0, np.nan, 2.0])).tolist() == [1, 4, 1, 0, 3]


def test_tiers_cut_at_the_largest_gaps_and_keep_ties_together():
    values = np.array([90, 88, 70, 69, 40, np.nan])
    assert kernel.tiers(values, 3).tolist() == [1, 1, 2, 2, 3, 0]
    assert kernel.tiers(np.array([80, 80, 70, 60.0]), 2).tolist() == [1, 1, 2, 2]  # equal gaps: the top one first
    assert kernel.tiers(np.array([0.1 + 0.2, 0.3, 0.1]), 2).tolist() == [1, 1, 2]
    assert kernel.tiers(np.array([5.0, 5.0]), 3).tolist() == [1, 1]
    with pytest.raises(ValueError, match="at least 1"):
        kernel.tiers(values, 0)


def test_tied_ranks_never_split_across_tiers():
    rng = np.random.default_rng(4)
    for _ in range(200):
        v = np.round(rng.random(12) * 5, 0) + rng.choice([0, 1e-9], 12)
        r, t = kernel.ranks(v), kernel.tiers(v, 3)
        for a in range(12):
            for b in range(12):
                if r[a] == r[b]:
                    assert t[a] == t[b]
                if r[a] < r[b]:
                    assert t[a] <= t[b]


def test_contributions_add_up_to_the_overall_mean_whatever_is_missing():
    rng = np.random.default_rng(3)
    for _ in range(50):
        scores = rng.uniform(0, 100, (6, 5))
        scores[rng.random(scores.shape) < 0.3] = np.nan
        cast = kernel.Cast(scores, [[0, 1], [2], [3, 4]])
        cw, gw = rng.integers(0, 4, 5).astype(float), rng.integers(1, 4, 3).astype(float)
        _cats, overall = cast.aggregate(cw, gw)
        points = cast.contributions(cw, gw)
        np.testing.assert_allclose(points.sum(axis=1)[~np.isnan(overall)], overall[~np.isnan(overall)])
        assert (points[np.isnan(scores)] == 0).all()  # n/a adds nothing
