"""The post's summary figures beside the reproduction: loading, comparison, self-consistency, tier rules."""
from __future__ import annotations

import pandas as pd
import pytest

from showdown_lib.present import narrative_findings
from showdown_lib.method import published_check as pc
from showdown_lib.core.errors import DataError


def _summary(rows):
    return pd.DataFrame(rows, columns=pc.SUMMARY_COLUMNS).astype({"published_score": float, "published_tier": "Int64"})


def test_committed_summary_loads_with_its_checksum_and_flags_two_frameworks():
    s = pc.load_summary("2018")
    assert len(s) == 13 * 4
    bad = pc.self_consistency(s)
    assert sorted(pc.flagged(bad)) == ["chainer", "theano"]
    theano = bad.set_index("framework").loc["theano"]
    assert theano.published_overall == 55 and theano.mean_of_categories == pytest.approx((50 + 73 + 58) / 3)


def test_checksum_mismatch_is_an_error(tmp_path, monkeypatch):
    import shutil

    from showdown_lib.core import paths

    root = tmp_path / "proj"
    shutil.copytree(paths.raw_dir(), root / "data" / "raw")
    (root / "pyproject.toml").write_text("")
    target = root / "data" / "raw" / "editions" / "2018" / "published_summary.csv"
    target.write_text(target.read_text().replace("mxnet,overall,90,1", "mxnet,overall,91,1"))
    monkeypatch.setenv("SHOWDOWN_ROOT", str(root))
    with pytest.raises(DataError, match="checksum"):
        pc.load_summary("2018")


def test_published_vs_reproduced_differences_and_tiers():
    summary = _summary([("a", "platform", 80, 1), ("b", "platform", 40, pd.NA), ("a", "overall", 70, 1), ("b", "overall", 50, 2)])
    cats = pd.DataFrame({"framework": ["a", "b"], "category": ["platform"] * 2, "score": [82.0, 40.0], "tier": [1, 2]})
    overall = pd.DataFrame({"framework": ["a", "b"], "score": [71.0, 45.0], "tier": [1, 2]})
    out = pc.published_vs_reproduced(summary, cats, overall).set_index(["framework", "category"])
    assert out.loc[("a", "platform"), "difference"] == pytest.approx(2.0)
    assert out.loc[("b", "overall"), "difference"] == pytest.approx(-5.0)
    assert out.loc[("a", "platform"), "tier_agrees"]
    assert not out.loc[("b", "platform"), "tier_agrees"]  # the post left b untiered; we tier everyone
    assert out.loc[("b", "overall"), "tier_agrees"]


def test_self_consistency_uses_the_tolerance():
    rows = [("x", c, 60, 1) for c in pc.CATEGORIES] + [("x", "overall", 63.5, 1)]
    s = _summary(rows)
    assert pc.self_consistency(s, tolerance=3.0)["disagrees"].tolist() == [True]
    assert pc.self_consistency(s, tolerance=4.0)["disagrees"].tolist() == [False]


def test_pair_agreement_is_the_rand_index():
    a = pd.Series([1, 1, 2, 2], index=list("abcd"))
    assert pc.pair_agreement(a, a) == 1.0
    b = pd.Series([1, 2, 3, 4], index=list("abcd"))  # 2 of 6 pairs differ in being grouped
    assert pc.pair_agreement(a, b) == pytest.approx(4 / 6)


def test_tier_rule_comparison_counts_exact_matches():
    # gaps 2, 28, 2, 13, 15: three tiers cut at 28 and 15; four groups also at 13
    scores = [("p", 90, 1), ("q", 88, 1), ("r", 60, 2), ("s", 58, 2), ("u", 45, 3), ("t", 30, pd.NA)]
    rows = [(f, c, v, t) for c in pc.CATEGORIES + ["overall"] for f, v, t in scores]
    table = pc.tier_rule_comparison(_summary(rows)).set_index(["rule", "figure"])
    ours = table.loc[("largest gaps, 3 tiers (ours)", "overall")]
    assert ours.exact == 4 and ours.n == 6  # u falls in tier 2 and t in tier 3 for us
    alt = table.loc[("largest gaps, 3 tiers + no tier below", "all")]
    assert alt.exact == 24 and alt.n == 24 and alt.pair_agreement == 1.0


def test_summary_sentences_name_the_disagreeing_frameworks():
    s = pc.load_summary("2018")
    from showdown_lib.method.edition_scores import score_edition

    r = score_edition("2018")
    text = narrative_findings.summary_sentences(pc.published_vs_reproduced(s, r.categories, r.overall), pc.self_consistency(s),
                                pc.tier_rule_comparison(s), {"theano": "Theano", "chainer": "Chainer"})
    assert "Theano (overall 55" in text and "Chainer (overall 72" in text
    assert "gives back 29 of 52 tiers exactly" in text and "gives back 37 of 52 tiers exactly" in text
