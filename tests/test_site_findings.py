"""The key-finding sentences (narrative, appended builders) checked against the tables they describe."""
from __future__ import annotations

import pandas as pd
import pytest

from showdown_lib import narrative_findings
from showdown_lib.site import findings

NAMES = {k: k.upper() for k in ["a", "b", "c", "d", "e", "f", "mxnet", "pytorch"]}


def test_origin_shares_group_measured_sources_and_na():
    t = pd.DataFrame({"origin": ["collected", "probed", "curated", "curated", "missing", "published", "curated", "not_available"]})
    shares = narrative_findings.origin_shares(t)
    assert list(shares.index) == ["measured", "curated", "published", "n/a"]
    assert shares["measured"] == 2 / 8 and shares["curated"] == 3 / 8 and shares["n/a"] == 2 / 8
    line = narrative_findings.coverage_line(t, "x")
    assert line == "Of the 8 framework × criterion cells of edition x: 25% measured (2), 38% curated (3), 12% published (1) and 25% n/a (2)."


def test_coverage_line_on_the_committed_current_edition():
    cov = findings.origin_table("current")
    line = narrative_findings.coverage_line(cov, "current")
    n = len(cov)
    na = int(cov["origin"].isin(["missing", "not_available"]).sum())
    assert f"Of the {n} framework" in line and f"n/a ({na})" in line


LIFE = pd.DataFrame({"framework": ["a", "b", "c"], "status": ["active", "archived", "maintenance"], "since": ["", "2023-11-17", "2019-12-05"]})


def test_podium_line_marks_frameworks_no_longer_developed():
    overall = pd.DataFrame({"framework": ["a", "b", "c", "d"], "score": [90.0, 80.0, 70.0, 60.0], "rank": [1, 2, 3, 4]})
    text = narrative_findings.podium_line(overall, NAMES, LIFE)
    assert text.startswith("1. **A** 90.0; 2. **B** 80.0 (archived since 2023-11-17); 3. **C** 70.0 (maintenance since 2019-12-05).")
    assert "1 of the 4 frameworks ranked are no longer developed: B (archived since 2023-11-17)." in text
    assert narrative_findings.podium_line(overall, NAMES) == "1. **A** 90.0; 2. **B** 80.0; 3. **C** 70.0."


def test_changes_since_names_leader_movers_and_newcomers():
    t = pd.DataFrame({"framework": ["a", "b", "c", "d", "e"],
                      "score_then": [90, 80, 70, None, 60], "rank_then": [1, 2, 3, None, 4], "tier_then": [1, 1, 2, None, 3],
                      "score_now": [60, 85, 95, 92, 40], "rank_now": [4, 3, 1, 2, 5], "tier_now": [2, 1, 1, 1, 3]})
    s1, s2, s3 = narrative_findings.changes_since(t, NAMES)
    assert s1 == "The 2018 leader, A, now ranks 4 of 5 (90.0 → 60.0); C leads with 95.0."
    assert s2 == "Of the 4 frameworks in both editions, C climbed most (3 → 1) and A fell furthest (1 → 4)."
    assert s3 == "1 framework not scored in 2018 joined; 1 of today's 3 tier-1 frameworks are among them (D)."


def test_field_shape_reads_the_size_of_tier_one():
    then = pd.DataFrame({"framework": ["a", "b", "c", "d"], "score": [90.0, 88, 86, 50], "tier": [1, 1, 1, 2]})
    now = pd.DataFrame({"framework": ["a", "b", "c", "d", "e"], "score": [95.0, 93, 91, 90, 70], "tier": [1, 1, 1, 1, 2]})
    text = narrative_findings.field_shape(now, then, NAMES)
    assert "In 2018 tier 1 held 3 frameworks (A, B and C): a triumvirate." in text
    assert "Today it holds 4, from A (95.0) down to D (90.0), a spread of 5.0 points with a gap of 20.0" in text
    assert text.endswith("a plurality.")
    solo = now.assign(tier=[1, 2, 2, 2, 3])
    assert narrative_findings.field_shape(solo, then, NAMES).endswith("a monoculture.")


def test_onnx_takeaway_skips_retired_frameworks_and_finds_the_split():
    crit = pd.DataFrame({"framework": ["mxnet", "pytorch", "e", "f"], "criterion": ["onnx_support"] * 4, "score": [100.0, 100, 100, 50]})
    cats = pd.DataFrame([(f, c, v) for f, vals in {"mxnet": (70, 80, 99), "pytorch": (95, 99, 80), "e": (60, 70, 90), "f": (50, 50, 95)}.items()
                         for c, v in zip(["support_community", "api_internals", "platform"], vals)], columns=["framework", "category", "score"])
    life = pd.DataFrame({"framework": ["mxnet"], "status": ["archived"], "since": ["2023-11-17"]})
    text = narrative_findings.onnx_takeaway(crit, cats, NAMES, life)
    assert "MXNET (archived since 2023-11-17), scores 99.0 on Platform today, rank 1 of 4." in text
    assert "2 active frameworks have built-in ONNX support (PYTORCH and E)" in text
    assert "E leads Platform (90.0) and PYTORCH leads API & Internals (99.0)" in text
    assert text.endswith("prototype in PYTORCH, deploy through ONNX in E.")


def test_lifecycle_is_the_registrys():
    from showdown_lib.registry import load_registry

    life = findings.lifecycle().set_index("framework")
    registry = {fw.id: fw.lifecycle for fw in load_registry() if fw.lifecycle is not None}
    assert set(life.index) == set(registry)
    for fw, lc in registry.items():
        assert (life.loc[fw, "status"], life.loc[fw, "since"], life.loc[fw, "into"]) == (lc.status, lc.since or "", lc.into or "")
        assert life.loc[fw, "citation"] == lc.citation["url"]
    assert life.loc["mxnet", "status"] == "archived"


def test_committed_findings_are_consistent_with_the_tables():
    f = findings.load()
    top = f.now.sort_values("rank").iloc[0]
    assert f.today().startswith(f"1. **{f.names[top.framework]}** {top.score:.1f}")
    assert len(f.changes()) == 3
    n1 = int((f.now["tier"] == 1).sum())
    assert f"Today it holds {n1}," in f.closing_questions()


@pytest.mark.parametrize("origin", ["collected", "probed", "measured"])
def test_every_measured_origin_counts_as_measured(origin):
    assert narrative_findings.ORIGIN_GROUPS[origin] == "measured"
