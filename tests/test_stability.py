"""Rank stability: every draw scored by the kernel equals the scorer, and the sampling does what it says."""
from __future__ import annotations

import numpy as np
import pytest

from showdown_lib.method import kernel
from showdown_lib.method.edition_scores import score_edition
from showdown_lib.method.scoring import cast_of, category_scores, overall_scores
from showdown_lib.method import stability as stab
from showdown_lib.method.stability import overall_for_weights, rank_stability, sample_weights


@pytest.fixture(scope="module")
def r2018():
    return score_edition("2018")


def test_vectorised_overall_equals_the_scorer_for_every_draw(r2018):
    method = r2018.method
    crit_w, cat_w = sample_weights(method, 5, concentration=3, rng=np.random.default_rng(7))
    fws, cast = cast_of(r2018.criteria, method)
    fast = overall_for_weights(cast, crit_w, cat_w)
    for i in range(5):
        cats = category_scores(r2018.criteria, method, dict(zip(method.criterion_ids, crit_w[i])))
        slow = overall_scores(cats, method, dict(zip(method.round_ids, cat_w[i]))).set_index("framework")["score"]
        assert np.allclose(fast[i], slow.reindex(fws).to_numpy())


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


def test_bad_concentration():
    with pytest.raises(ValueError, match="positive"):
        sample_weights(score_edition("2018").method, 10, concentration=0)


# --------------------------------------------------------------------------------------------
# scoring in blocks gives what scoring all draws at once gives; base ranks are the overall ranks
# --------------------------------------------------------------------------------------------
def loop_overall(criteria, method, crit_w, cat_w):
    """Each draw scored by the scorer's pandas path, one draw at a time (draws x frameworks)."""
    fws = list(dict.fromkeys(criteria["framework"]))
    rows = []
    for i in range(len(crit_w)):
        cats = category_scores(criteria, method, dict(zip(method.criterion_ids, crit_w[i])))
        rows.append(overall_scores(cats, method, dict(zip(method.round_ids, cat_w[i]))).set_index("framework")["score"].reindex(fws))
    return np.array(rows)


@pytest.mark.parametrize("edition, weights, concentration, n", [
    ("2018", {}, 50.0, 3_000),
    ("2018", {"criterion_weights": {"ecosystem": 0, "activity": 3}, "category_weights": {"platform": 0}}, 5.0, 3_001),
    ("current", {"category_weights": {"api_internals": 2}}, 20.0, 4_097),
    ("2018-remeasured", {}, 1.0, 2_500),
])
def test_blocked_rescoring_equals_all_draws_at_once(edition, weights, concentration, n, monkeypatch):
    r = score_edition(edition)
    method = r.method
    monkeypatch.setattr(stab, "_BLOCK_MNK", 3_000)  # many blocks, the last one short
    crit_w, cat_w = sample_weights(method, n, concentration=concentration, rng=np.random.default_rng(11), **weights)
    fws, cast = cast_of(r.criteria, method)
    assert stab._block_size(len(fws), 5) < n
    blocked = overall_for_weights(cast, crit_w, cat_w)
    at_once = cast.overall(cast.split(crit_w), cat_w)
    np.testing.assert_allclose(blocked, at_once, rtol=1e-12, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(blocked[:40], loop_overall(r.criteria, method, crit_w[:40], cat_w[:40]), rtol=1e-9, equal_nan=True)
    # the same seed gives the rank counts of the same draws ranked at once
    s = rank_stability(r.criteria, method, n_samples=n, concentration=concentration, seed=11, **weights)
    assert (s.rank_probability.to_numpy() * n).round().astype(int).tolist() == kernel.rank_counts(at_once).tolist()


@pytest.mark.parametrize("edition, weights", [
    ("2018", {}),
    ("current", {}),
    ("2018-remeasured", {}),
    ("current", {"criterion_weights": {"ecosystem": 0, "activity": 3}, "category_weights": {"platform": 0.5}}),
])
def test_base_ranks_are_the_overall_ranks_ties_included(edition, weights):
    r = score_edition(edition, **weights)
    s = rank_stability(r.criteria, r.method, n_samples=200, **weights)
    base = s.summary.set_index("framework")["base_rank"]
    overall = r.overall.set_index("framework")["rank"].fillna(0).astype(int)
    assert base.to_dict() == overall.to_dict()


def test_tied_frameworks_share_their_base_rank_and_every_drawn_rank():
    r = score_edition("2018")
    crit = r.criteria.copy()
    twin = crit[crit["framework"] == "pytorch"].assign(framework="pytorch_twin")
    crit = __import__("pandas").concat([crit, twin], ignore_index=True)
    s = rank_stability(crit, r.method, n_samples=2_000, concentration=10, seed=2)
    base = s.summary.set_index("framework")["base_rank"]
    assert base["pytorch"] == base["pytorch_twin"] == 2  # a tie shares the better rank; nobody is 3rd
    assert 3 not in set(base)
    p = s.rank_probability
    assert p.loc["pytorch"].tolist() == p.loc["pytorch_twin"].tolist()
    assert np.allclose(p.sum(axis=1), 1)  # every framework ranked in every draw


def _with_an_unscored_framework(r):
    """Edition 2018 with one more framework that has no score at all (a new registry entry, nothing measured)."""
    import pandas as pd

    crit = r.criteria
    ghost = crit[crit["framework"] == "theano"].assign(framework="ghostflow", score=np.nan, status="not_available")
    return pd.concat([crit, ghost], ignore_index=True)


def test_ranks_span_the_scored_frameworks_and_a_framework_without_a_score_takes_none(r2018):
    s = rank_stability(_with_an_unscored_framework(r2018), r2018.method, n_samples=2_000, concentration=10, seed=3)
    assert list(s.rank_probability.columns) == list(range(1, 14))  # 13 scored frameworks, 14 in the cast
    assert s.rank_probability.loc["ghostflow"].sum() == 0
    scored = s.rank_probability.drop(index="ghostflow")
    assert np.allclose(scored.sum(axis=1), 1) and np.allclose(scored.sum(axis=0), 1)
    assert s.summary.iloc[-1][["framework", "base_rank", "rank_low", "rank_high"]].tolist() == ["ghostflow", 0, 0, 0]


def test_the_heat_map_draws_one_column_per_rank_and_the_unscored_framework_as_na(r2018):
    import dataclasses

    import matplotlib.pyplot as plt

    from showdown_lib.core.registry import load_registry
    from showdown_lib.present import charts

    s = rank_stability(_with_an_unscored_framework(r2018), r2018.method, n_samples=2_000, concentration=10, seed=3)
    registry = load_registry()
    registry.append(dataclasses.replace(registry[0], id="ghostflow", name="GhostFlow", color="#FF00FF"))
    fig = charts.rank_stability(s.rank_probability, s.summary, registry, "Rank probabilities")
    heat, interval = fig.axes[0], fig.axes[1]
    assert [t.get_text() for t in heat.get_xticklabels()] == [str(r) for r in range(1, 14)]
    cells = heat.images[0].get_array()
    assert cells.shape == (14, 13)
    assert bool(cells.mask[13].all()) and not cells.mask[:13].any()  # the unscored row is n/a, not a row of zeros
    assert [t.get_text() for t in heat.texts if t.get_position()[1] == 13] == ["n/a: no score, so no rank"]
    assert [t.get_text() for t in heat.get_yticklabels()][-1] == "GhostFlow"
    assert interval.get_xlim() == (0.5, 13.5)
    plt.close(fig)
