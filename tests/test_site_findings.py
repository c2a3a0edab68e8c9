"""The key-finding sentences (narrative, appended builders) checked against the tables they describe."""
from __future__ import annotations

import pandas as pd
import pytest

from showdown_lib.present import narrative_findings
from showdown_lib.present.site import findings

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
    # one vocabulary: only active is developed, so maintenance counts as no longer developed too
    assert "2 of the 4 frameworks ranked are no longer developed: B (archived since 2023-11-17) and C (maintenance since 2019-12-05)." in text
    assert narrative_findings.podium_line(overall, NAMES) == "1. **A** 90.0; 2. **B** 80.0; 3. **C** 70.0."


def test_changes_since_names_leader_movers_and_newcomers():
    t = pd.DataFrame({"framework": ["a", "b", "c", "d", "e"],
                      "score_then": [90, 80, 70, None, 60], "rank_then": [1, 2, 3, None, 4], "tier_then": [1, 1, 2, None, 3],
                      "score_now": [60, 85, 95, 92, 40], "rank_now": [4, 3, 1, 2, 5], "tier_now": [2, 1, 1, 1, 3],
                      "rank_then_common": [1, 2, 3, None, 4], "rank_now_common": [3, 2, 1, None, 4]})
    t["rank_change"] = t["rank_then_common"] - t["rank_now_common"]
    s1, s2, s3 = narrative_findings.changes_since(t, NAMES)
    assert s1 == "The 2018 leader, A, now ranks 4 of 5 (90.0 → 60.0); C leads with 95.0."
    # ranks among the 4 frameworks of both editions, never a rank among 4 against a rank among 5
    assert s2 == "Ranked among themselves, the 4 frameworks of both editions move so: C (3 → 1) climbed most, 2 places; A (1 → 3) fell furthest, 2 places."
    assert s3 == "1 framework not scored in 2018 joined; 1 of today's 3 tier-1 frameworks are among them (D)."


def test_field_shape_reads_the_size_of_tier_one():
    then = pd.DataFrame({"framework": ["a", "b", "c", "d"], "score": [90.0, 88, 86, 50], "tier": [1, 1, 1, 2]})
    now = pd.DataFrame({"framework": ["a", "b", "c", "d", "e"], "score": [95.0, 93, 91, 90, 70], "tier": [1, 1, 1, 1, 2]})
    text = narrative_findings.field_shape(now, then, NAMES)
    assert "In 2018 tier 1 held 3 frameworks (A, B and C): a triumvirate." in text
    assert "Today it holds 4, from A (95.0) down to D (90.0), a spread of 5.0 points with a gap of 20.0" in text
    assert text.endswith("a plurality.")
    solo = now.assign(tier=[1, 2, 2, 2, 3])
    assert narrative_findings.field_shape(solo, then, NAMES).endswith(
        "Today it holds one, A (95.0), 2.0 points ahead of the next framework: by this measure a monoculture.")


def test_onnx_takeaway_needs_an_exporter_and_an_importer():
    cats = pd.DataFrame([(f, c, v) for f, vals in {"mxnet": (70, 80, 99), "pytorch": (95, 99, 80), "e": (60, 70, 90), "f": (50, 50, 95)}.items()
                         for c, v in zip(["support_community", "api_internals", "platform"], vals)], columns=["framework", "category", "score"])
    life = pd.DataFrame({"framework": ["mxnet", "pytorch", "e", "f"], "status": ["archived", "active", "active", "dormant"],
                         "since": ["2023-11-17", "", "", "2022-01-05"]})
    directions = pd.DataFrame({"framework": ["mxnet", "pytorch", "e", "f"], "export": [2, 2, 0, 2], "import": [2, 0, 2, 2]})
    text = narrative_findings.onnx_takeaway(cats, NAMES, life, directions)
    assert "MXNET (archived since 2023-11-17), scores 99.0 on Platform today, rank 1 of 4." in text
    marked = {**NAMES, "mxnet": "MXNET (archived)"}  # a name that carries its status is not marked twice
    assert "MXNET (archived), scores" in narrative_findings.onnx_takeaway(cats, marked, life, directions)
    assert "Of the 2 frameworks still developed, the probe checked ONNX export and import for 2 (a direction a framework does not claim counts as none, without a run): 1 export a model to ONNX (PYTORCH) and 1 imports one (E)." in text
    # F imports and leads Platform but is dormant; E is the only developed importer
    assert "prototype in PYTORCH (API & Internals 99.0), export the model to ONNX and serve it in an ONNX runtime" in text
    assert "The only developed framework that imports ONNX is E (Platform 90.0, rank 3 of 4)" in text
    no_importer = directions.assign(**{"import": [0, 0, 0, 0]})
    text = narrative_findings.onnx_takeaway(cats, NAMES, life, no_importer)
    assert "imports ONNX is" not in text and "No other developed framework imports ONNX." in text
    nobody = directions.assign(export=[0, 0, 0, 0])
    assert narrative_findings.onnx_takeaway(cats, NAMES, life, nobody).endswith("No developed framework exports to ONNX in this edition.")


def test_lifecycle_table_is_the_rule_over_the_registry():
    from showdown_lib.acquire.editions import load_edition
    from showdown_lib.method.lifecycle import edition_table

    life = findings.lifecycle().set_index("framework")
    expected = edition_table(load_edition("current")).set_index("framework").fillna("")
    assert list(life.index) == list(expected.index)
    for col in ("status", "since", "into", "last_release_date"):
        assert life[col].astype(str).tolist() == expected[col].astype(str).tolist(), col
    assert life.loc["mxnet", "status"] == "archived"


def test_committed_findings_are_consistent_with_the_tables():
    f = findings.load()
    top = f.now.sort_values("rank").iloc[0]
    assert f.today().startswith(f"1. **{f.names[top.framework]}** {top.score:.1f}")
    assert len(f.changes()) == 3
    n1 = int((f.now["tier"] == 1).sum())
    assert f"Today it holds {'one' if n1 == 1 else n1}," in f.closing_questions()


@pytest.mark.parametrize("origin", ["collected", "probed", "measured"])
def test_every_measured_origin_counts_as_measured(origin):
    assert narrative_findings.ORIGIN_GROUPS[origin] == "measured"


def test_onnx_directions_agree_with_the_onnx_score():
    """The directions the ONNX advice reads are levelled by the same converter rule as the ONNX score: where the
    probe measured both directions, the score's raw value is the criterion's level of those two directions."""
    from showdown_lib.acquire.probe.observe import onnx_support_level
    from showdown_lib.core import paths

    d = pd.read_csv(paths.processed_dir("current") / "onnx_directions.csv").set_index("framework")
    crit = pd.read_csv(paths.processed_dir("current") / "criteria_scores.csv")
    onnx = crit[crit["criterion"] == "onnx_support"].set_index("framework")
    both = d.dropna(subset=["export", "import"])
    probed = [fw for fw in both.index if onnx.loc[fw, "origin"] == "measured"]
    assert len(probed) >= 5
    for fw in probed:
        assert onnx.loc[fw, "raw_value"] == onnx_support_level(both.loc[fw, "export"], both.loc[fw, "import"]), fw
