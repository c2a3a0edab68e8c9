"""Rank stability: the vectorised rescoring equals the scorer, and the sampling does what it says."""
from __future__ import annotations

import numpy as np
import pytest

from showdown_lib.editions import score_edition
from showdown_lib.scoring import category_scores, overall_scores
from showdown_lib import stability as stab
from showdown_lib.stability import _matrices, overall_for_weights, rank_counts, rank_stability, ranks_of, sample_weights


@pytest.fixture(scope="module")
def r2018():
    return score_edition("2018")


def test_vectorised_overall_equals_the_scorer_for_every_draw(r2018):
    method = r2018.method
    crit_w, cat_w = sample_weights(method, 5, concentration=3, rng=np.random.default_rng(7))
    fws, scores, avail = _matrices(r2018.criteria, method)
    fast = overall_for_weights(scores, avail, method, crit_w, cat_w)
    for i in range(5):
        cats = category_scores(r2018.criteria, method, dict(zip(method.criterion_ids, crit_w[i])))
        slow = overall_scores(cats, method, dict(zip(method.round_ids, cat_w[i]))).set_index("framework")["score"]
        assert np.allclose(fast[:, i], slow.reindex(fws).to_numpy())


def test_draws_average_to_the_chosen_weights_and_zero_stays_zero(r2018):
    method = r2018.method
    crit_w, cat_w = sample_weights(method, 20_000, criterion_weights={"ecosystem": 0, "activity": 2},
                                   category_weights={"platform": 2}, concentration=40, rng=np.random.default_rng(3))
    ids = method.criterion_ids
    assert np.all(crit_w[:, ids.index("ecosystem")] == 0)
    # support round: sponsor 1, activity 2, documentation 1 -> shares 0.25, 0.5, 0.25
    assert crit_w[:, ids.index("activity")].mean() == pytest.approx(0.5, abs=0.01)
    assert cat_w[:, method.round_ids.index("platform")].mean() == pytest.approx(0.5, abs=0.01)
    assert np.allclose(cat_w.sum(axis=1), 1)


def test_tight_concentration_reproduces_the_base_ranking(r2018):
    s = rank_stability(r2018.criteria, r2018.method, n_samples=2_000, concentration=1e7)
    base = r2018.overall.set_index("framework")["rank"]
    for row in s.summary.itertuples():
        assert row.base_rank == base[row.framework]
        assert s.rank_probability.loc[row.framework, row.base_rank] == pytest.approx(1.0)
        assert row.rank_low == row.rank_high == row.base_rank


def test_probabilities_are_distributions_and_intervals_bracket_the_median(r2018):
    s = rank_stability(r2018.criteria, r2018.method, n_samples=20_000, concentration=10, seed=5)
    assert np.allclose(s.rank_probability.sum(axis=1), 1) and np.allclose(s.rank_probability.sum(axis=0), 1)
    assert (s.summary.rank_low <= s.summary.median_rank).all() and (s.summary.median_rank <= s.summary.rank_high).all()
    # looser weights spread the ranks: MXNet's lead is not certain with concentration 10
    assert 0 < s.summary.set_index("framework").loc["mxnet", "p_top1"] < 1


def test_ranks_of_handles_columns_independently():
    overall = np.array([[3.0, 1.0], [2.0, 3.0], [1.0, 2.0]])
    assert ranks_of(overall).tolist() == [[1, 3], [2, 1], [3, 2]]


def test_bad_concentration():
    with pytest.raises(ValueError, match="positive"):
        sample_weights(score_edition("2018").method, 10, concentration=0)


# --------------------------------------------------------------------------------------------
# scoring in blocks gives what scoring all draws at once gave (issue 7, item 8)
# --------------------------------------------------------------------------------------------
def unblocked_overall(scores, avail, method, crit_w, cat_w):
    """``overall_for_weights`` as it was before blocks: one product per round over all draws."""
    total = np.zeros((scores.shape[0], crit_w.shape[0]))
    wsum = np.zeros_like(total)
    round_of = [method.criterion(c).round for c in method.criterion_ids]
    with np.errstate(invalid="ignore", divide="ignore"):
        for k, rid in enumerate(method.round_ids):
            cols = [i for i, r in enumerate(round_of) if r == rid]
            w = np.ascontiguousarray(crit_w[:, cols].T)
            num, den, g = scores[:, cols] @ w, avail[:, cols] @ w, cat_w[:, k]
            has = den > 0
            np.divide(num, den, out=num, where=has)
            num[~has] = 0.0
            total += num * g
            wsum += has * g
        total /= wsum
    return total


def counts_from_ranks(ranks):
    n = ranks.shape[0]
    return np.stack([np.bincount(ranks[i], minlength=n + 1)[1:] for i in range(n)])


@pytest.mark.parametrize("edition, weights, concentration, n", [
    ("2018", {}, 50.0, 5_000),
    ("2018", {"criterion_weights": {"ecosystem": 0, "activity": 3}, "category_weights": {"platform": 0}}, 5.0, 3_001),
    ("current", {"category_weights": {"api_internals": 2}}, 20.0, 4_097),
    ("2018-remeasured", {}, 1.0, 2_500),
])
def test_blocked_rescoring_equals_all_draws_at_once(edition, weights, concentration, n, monkeypatch):
    r = score_edition(edition)
    method = r.method
    monkeypatch.setattr(stab, "_BLOCK_MNK", 3_000)  # many blocks, the last one short
    crit_w, cat_w = sample_weights(method, n, concentration=concentration, rng=np.random.default_rng(11), **weights)
    fws, scores, avail = _matrices(r.criteria, method)
    assert stab._block_size(len(fws), 5) < n
    blocked = overall_for_weights(scores, avail, method, crit_w, cat_w)
    np.testing.assert_allclose(blocked, unblocked_overall(scores, avail, method, crit_w, cat_w), rtol=1e-12, atol=1e-9, equal_nan=True)
    assert np.array_equal(rank_counts(blocked), counts_from_ranks(ranks_of(blocked)))
    # the same seed gives the same rank counts as the unblocked scoring of the same draws
    before = counts_from_ranks(ranks_of(unblocked_overall(scores, avail, method, crit_w, cat_w)))
    s = rank_stability(r.criteria, method, n_samples=n, concentration=concentration, seed=11, **weights)
    assert (s.rank_probability.to_numpy() * n).round().astype(int).tolist() == before.tolist()


def test_rank_counts_breaks_ties_by_framework_order_and_puts_nan_last():
    overall = np.array([[5.0, 1.0, np.nan, 2.0],
                        [5.0, 3.0, 1.0, 2.0],
                        [4.0, np.nan, 1.0, 2.0]])
    # draw 1: f0 f1 tie -> f0, f1, f2; draw 2: f1, f0, f2 (nan last); draw 3: f1 f2 tie, f0 nan last; draw 4: all tie
    assert rank_counts(overall).tolist() == [[2, 1, 1], [2, 2, 0], [0, 1, 3]]
    assert rank_counts(overall).tolist() == counts_from_ranks(ranks_of(overall)).tolist()
