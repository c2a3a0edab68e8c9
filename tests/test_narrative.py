"""Sentences of the edition notebooks, each checked against the small table it describes."""
from __future__ import annotations

import pandas as pd
import pytest

from showdown_lib.core import paths
from showdown_lib.present import narrative
from showdown_lib.method.scoring import category_scores, overall_scores

NAMES = {"a": "Alpha", "b": "Beta", "c": "Gamma", "d": "Delta", "e": "Epsilon"}


def criteria_table(method, scores: dict[str, dict[str, float | None]]) -> pd.DataFrame:
    """framework -> {criterion: score or None (n/a)}; criteria not given score 50 for everybody."""
    rows = []
    for fw, given in scores.items():
        for c in method.criteria:
            value = given.get(c.id, 50.0)
            rows.append({"framework": fw, "round": c.round, "criterion": c.id, "raw_value": value,
                         "score": float("nan") if value is None else float(value),
                         "status": "not_available" if value is None else "value", "source": "test", "note": ""})
    return pd.DataFrame(rows)


def scored(method, scores):
    crit = criteria_table(method, scores)
    cats = category_scores(crit, method, None, 2)
    return crit, cats, overall_scores(cats, method, None, 2)


# ------------------------------------------------------------------------------ probe (02)

def probe_tables(points: dict[str, float | None], failed: dict[str, str], not_attempted: dict[str, str]):
    ops, obs = [], []
    for fw, p in points.items():
        ops += [{"framework": fw, "op": f"op{i}", "points": p / 32} for i in range(32)]
        obs.append({"framework": fw, "metric": "ootb_ops", "value": p, "status": "ok", "reason": ""})
    for fw, why in {**failed, **not_attempted}.items():
        ops += [{"framework": fw, "op": f"op{i}", "points": float("nan")} for i in range(32)]
        obs.append({"framework": fw, "metric": "ootb_ops", "value": float("nan"), "status": "missing", "reason": why})
    return pd.DataFrame(ops), pd.DataFrame(obs)


def test_probe_sentence_counts_only_the_frameworks_it_probed():
    ops, obs = probe_tables({"a": 32.0, "b": 24.5}, {"c": "pip install failed: no wheel for this Python"},
                            {"d": "not attempted: a JVM library", "e": "not attempted: built from source"})
    text = narrative.probe_summary(ops, obs, "2026-01-01", NAMES)
    assert "probed 2 frameworks" in text and "Alpha 32, Beta 24.5 points of 32" in text
    assert "Gamma" in text and "pip install failed" in text  # attempted, failed, said so
    assert "not attempted for 2 frameworks (n/a): Delta and Epsilon" in text
    for name in ("Gamma", "Delta", "Epsilon"):
        assert f"{name} 0" not in text


def test_probe_sentence_on_the_committed_snapshot_names_only_the_probed_frameworks():
    folder = paths.snapshots_dir("ops_probe") / "2026-11-25"
    ops, obs = pd.read_csv(folder / "ops.csv"), pd.read_csv(folder / "observations.csv")
    names = {fw: fw for fw in ops.framework.unique()}
    text = narrative.probe_summary(ops, obs, "2026-11-25", names)
    probed = sorted(obs[(obs.metric == "ootb_ops") & (obs.status == "ok")].framework)
    assert probed and f"probed {len(probed)} frameworks" in text
    for fw in ("caffe", "bigdl", "torch"):
        assert f"{fw} 0" not in text and fw in text.split("not attempted")[1]


# ------------------------------------------------------------------------------ deciding criteria (05)

def test_deciding_criteria_never_name_a_tied_or_missing_criterion(method):
    # Beta has no activity value; sponsor and documentation are tied at 100
    crit, cats, over = scored(method, {
        "a": {"sponsor": 100, "documentation": 100, "activity": 90, "graph_building": 100, "onnx_support": 0},
        "b": {"sponsor": 100, "documentation": 100, "activity": None, "graph_building": 50, "onnx_support": 100},
    })
    text, diff = narrative.deciding_criteria(crit, cats, over, method, NAMES)
    first, second = over.framework.iloc[0], over.framework.iloc[1]
    assert text.startswith(f"{NAMES[first]} leads {NAMES[second]} by")
    deciding = text.split("not compared")[0]
    for tied_or_missing in ("Sponsor", "Documentation", "Activity"):
        assert tied_or_missing not in deciding
    assert "Graph building" in deciding and "ONNX support" in deciding
    assert "Activity (n/a for Beta)" in text
    d = diff.set_index("criterion_name")["difference"]
    assert d["Sponsor"] == 0 and pd.isna(d["Activity"])
    # like with like: over the criteria both have, the differences add up to their gap on that basis
    assert (first, second) == ("b", "a")  # Beta's support mean leaves its missing activity out
    assert d["ONNX support"] > 0 > d["Graph building"]


def test_deciding_criteria_on_full_tables_add_up_to_the_gap(method):
    crit, cats, over = scored(method, {"a": {"sponsor": 100, "ootb_ops": 90}, "b": {"sponsor": 40, "ootb_ops": 100}})
    text, diff = narrative.deciding_criteria(crit, cats, over, method, NAMES)
    gap = over.score.iloc[0] - over.score.iloc[1]
    assert diff["difference"].sum() == pytest.approx(gap)
    assert "The criterion that opens the gap: Sponsor" in text
    assert "The one that pulls the other way: Out-of-the-box ops" in text


def test_a_criterion_that_weighs_nothing_is_not_said_to_score_the_same(method):
    """CPU speed is informative (weight 0 in criteria.yaml): different scores there move nothing, and the sentence
    says that rather than counting it among the criteria that score the same."""
    assert method.criterion("cpu_speed").weight == 0
    crit, cats, over = scored(method, {"a": {"sponsor": 100, "cpu_speed": 100}, "b": {"sponsor": 40, "cpu_speed": 82.8}})
    text, diff = narrative.deciding_criteria(crit, cats, over, method, NAMES)
    n_same = len(method.criterion_ids) - 2  # all but sponsor and CPU speed
    assert f"{n_same} criteria score the same for both." in text
    assert "CPU speed (informative) (100.0 against 82.8) differs but weighs nothing in the overall score." in text
    assert diff.set_index("criterion_name")["difference"]["CPU speed (informative)"] == 0


def test_deciding_criteria_when_the_first_two_tie(method):
    crit, cats, over = scored(method, {"a": {}, "b": {}})
    text, _ = narrative.deciding_criteria(crit, cats, over, method, NAMES)
    assert text.startswith("Alpha and Beta tie") and "leads" not in text


# ------------------------------------------------------------------------------ podium, leaders, profiles

def test_podium_names_everybody_tied_at_third_and_at_last():
    o = pd.DataFrame({"framework": list("abcde"), "score": [90.0, 80.0, 70.0, 70.0, 70.0],
                      "rank": [1, 2, 3, 3, 3], "tier": [1, 1, 2, 2, 2]})
    text = narrative.podium(o, NAMES)
    assert "Gamma, Delta and Epsilon share third place at 70.0" in text
    assert "completes the podium" not in text
    assert "from first to last (Gamma, Delta and Epsilon, 70.0) is 20.0 points" in text


def test_podium_names_everybody_tied_at_second():
    o = pd.DataFrame({"framework": list("abc"), "score": [90.0, 80.0, 80.0], "rank": [1, 2, 2], "tier": [1, 2, 2]})
    text = narrative.podium(o, NAMES)
    assert "10.0 points ahead of Beta and Gamma (80.0)" in text


def test_category_leader_names_every_runner_up_tied(method):
    cats = pd.DataFrame({"framework": list("abc"), "category": "platform", "score": [90.0, 80.0, 80.0], "n_criteria": 5, "tier": 1})
    text = narrative.category_leaders(cats, method, NAMES)
    assert "Alpha leads with 90.0, 10.0 ahead of Beta and Gamma" in text


def test_profile_names_tied_strongest_categories(method):
    method = method.for_rounds(None)  # the post's three rounds
    cats = pd.DataFrame({"framework": "a", "category": method.round_ids, "score": [80.0, 80.0, 40.0], "n_criteria": 3, "tier": 1})
    over = pd.DataFrame({"framework": ["a"], "score": [66.7], "rank": [1], "tier": [1]})
    text = narrative.profile("a", cats, over, method, NAMES)
    names = [method.round_name(r) for r in method.round_ids]
    assert f"strongest in {names[0]} and {names[1]} (80.0)" in text and f"weakest in {names[2]} (40.0)" in text


def test_round_story_ties_and_median_over_values_only(method):
    crit, cats, _ = scored(method, {"a": {"sponsor": 100, "activity": None}, "b": {"sponsor": 100, "activity": 20},
                                    "c": {"sponsor": 0, "activity": 60}})
    rid = "support_community"
    text = narrative.round_story(cats[cats.category == rid], crit[crit["round"] == rid], method.round_name(rid),
                                 {c.id: c.name for c in method.criteria_of(rid)}, NAMES)
    assert "- Sponsor: best Alpha and Beta (100), lowest Gamma (0); median 100." in text
    assert "- Activity: best Gamma (60), lowest Beta (20); median 40 (2 of 3 frameworks have a value)." in text
    assert "Alpha (Activity)" in text


# ------------------------------------------------------------------------------ counts and plurals

def test_singular_and_plural_follow_the_counts():
    one = pd.DataFrame({"framework": ["a"], "rank_published": [1], "rank_revised": [2]})
    two = pd.concat([one, pd.DataFrame({"framework": ["b"], "rank_published": [2], "rank_revised": [1]})])
    assert "moves 2 frameworks: Alpha 1 → 2; Beta 2 → 1" in narrative.doubt_impact(two, 2, NAMES)
    assert narrative.doubts_summary(pd.DataFrame({"x": [1]}), pd.DataFrame()).startswith("1 published value looks doubtful")
    assert "no fixed-scale score sits off its scale" in narrative.doubts_summary(pd.DataFrame({"x": [1]}), pd.DataFrame())
    claims = pd.DataFrame({"holds": ["yes"]})
    assert narrative.claims_summary(claims, "x").startswith("The 1 statement the post makes about its results holds")
    assert narrative.citations_summary(pd.DataFrame({"framework": ["a"]})).startswith("1 curated value from 1 framework,")


def test_doubt_impact_top_three_compares_sets_with_ties():
    table = pd.DataFrame({"framework": list("abcd"), "rank_published": [1, 2, 3, 4], "rank_revised": [1, 2, 3, 3]})
    text = narrative.doubt_impact(table, 1, NAMES)
    assert "moves 1 framework: Delta 4 → 3" in text
    assert "top three" in text and "the same" not in text  # Delta now shares third place


# ------------------------------------------------------------------------------ review checks and n/a summary

def test_a_superlative_claim_holds_only_for_a_unique_extreme(method):
    from types import SimpleNamespace

    from showdown_lib.method import published_review

    crit, cats, over = scored(method, {"a": {"sponsor": 0}, "b": {"sponsor": 0}, "c": {"sponsor": 100}})
    result = SimpleNamespace(criteria=crit, categories=cats, overall=over.assign(tier=[1, 2, 2]))
    ok, got = published_review._run_check({"type": "lowest_among", "category": "support_community", "frameworks": ["a", "b", "c"],
                                 "framework": "a"}, result)
    assert not ok and "a and b tie" in got
    ok, got = published_review._run_check({"type": "highest_beyond_tier", "criterion": "sponsor", "tier": 1, "framework": "b"}, result)
    assert not ok and "a and b tie" in got


def test_not_available_summary_agrees_in_number(method):
    crit, _, _ = scored(method, {"a": {"sponsor": None}, "b": {}})
    text = narrative.not_available(crit, method, NAMES)
    assert text.startswith(f"1 of {len(crit)} criterion values is not available; it is left out")


# ------------------------------------------------------------------------------ the other builders, on small tables

def test_tiers_coverage_and_figure_notes():
    s = pd.DataFrame({"framework": list("abc"), "score": [90.0, 85.0, 40.0], "tier": [1, 1, 2]})
    text = narrative.tiers(s, NAMES)
    assert "- **Tier 1** (2): Alpha (90.0) and Beta (85.0); a gap of 45.0 points to tier 2." in text
    assert "- **Tier 2** (1): Gamma (40.0)." in text
    cov = pd.DataFrame({"framework": list("aab"), "origin": ["curated", "missing", "curated"]})
    assert narrative.coverage_summary(cov) == "3 framework x criterion inputs for 2 frameworks: 2 curated, 1 missing."
    assert narrative.figure_notes([("Sponsor", "")]).startswith("The published figures and the post's text agree")
    assert "- **Sponsor**: bars at thirds" in narrative.figure_notes([("Sponsor", "bars at thirds")])


def test_describe_edition_lists_sources_and_fallbacks():
    sources = [{"source": "pypi", "as_of": "2026-01-01", "retrieved_at": "2026-01-02", "collector_version": "1.0",
                "n_ok": 5, "n_missing": 1, "method": "wheel tags"}, {"source": "github", "reason": None}]
    text = narrative.describe_edition("x", "Test", "2026-01-01", 3, "collected", {"published_fallback": "2018"}, sources, ["sponsor"])
    assert text.startswith("**Edition `x`**: Test. As of 2026-01-01; 3 frameworks; kind: collected.")
    assert "- `pypi`: snapshot as of 2026-01-01, retrieved 2026-01-02 by collector v1.0 (5 values, 1 missing)." in text
    assert "- `github`: no snapshot; not used by this edition." in text
    assert "criteria not re-measured (sponsor) keep the published scores of edition `2018`" in text
    published = narrative.describe_edition("y", "Post", "2018-06-26", 2, "published", {"figures": {"source": "the post", "as_of": "2018"}})
    assert "- `figures`: source: the post; as of 2018" in published


def test_headline_and_profiles_follow_the_tables(method):
    crit, cats, over = scored(method, {"a": {"sponsor": 100}, "b": {"sponsor": 0}})
    text = narrative.headline(over, cats, method, NAMES)
    assert text.startswith("**Alpha** comes first overall") and "Category leaders:" in text
    assert narrative.profiles(cats, over, method, NAMES).count("\n") == 1


def test_active_ranking_leaves_out_the_retired_and_shares_tied_ranks():
    from showdown_lib.present.narrative import active_ranking

    overall = pd.DataFrame({"framework": ["a", "b", "c", "d"], "score": [90.0, 80.0, 80.0, 70.0]})
    names = {"a": "A (archived)", "b": "B", "c": "C", "d": "D"}
    text = active_ranking(overall, {"a": "archived"}, names, "2026-11-25")
    assert text == ("1 of the 4 frameworks are no longer developed on 2026-11-25 (A (archived)). Among the 3 frameworks "
                    "still developed (status active), the ranking is: 1. B (80.0); 1. C (80.0); 3. D (70.0).")
    assert active_ranking(overall, {}, names, "2026-11-25") == "Every framework of the cast was still developed (active) on 2026-11-25."


def test_probe_sentence_says_where_an_older_release_was_measured():
    """From the committed snapshot: the framework_version rows name the newest final release; a framework probed on
    an older one is named with both versions, and one on the newest is not."""
    from packaging.version import Version

    folder = paths.snapshots_dir("ops_probe") / "2026-11-25"
    ops, obs = pd.read_csv(folder / "ops.csv"), pd.read_csv(folder / "observations.csv", dtype={"value": str})
    text = narrative.probe_summary(ops, obs, "2026-11-25", {})
    versions = pd.read_csv(folder / "versions.csv", dtype=str)
    older = narrative.older_than_newest(obs)
    assert older, "the committed snapshot has a framework probed on an older release"
    for fw, (have, new) in older.items():
        assert Version(have).release < Version(new).release and f"{fw} {have} (the index's newest: {new})" in text
        assert ((versions["framework"] == fw) & (versions["installed"] == have.split("+")[0]) & (versions["newest_final"] == new)).any()
    assert "pytorch 2.15" not in text.split("older one")[-1]
