"""Sentences of notebooks 06-09, each checked against the small table it describes."""
from __future__ import annotations

import numpy as np
import pandas as pd

from showdown_lib.method import comparisons, scoring_step
from showdown_lib.present import narrative_comparisons as nb
from showdown_lib.method.edition_scores import score_edition

NAMES = {"a": "Alpha", "b": "Beta", "c": "Gamma", "d": "Delta", "e": "Epsilon", "f": "Zeta"}


def movement(rows):
    t = pd.DataFrame(rows, columns=["framework", "rank_then", "rank_now"]).astype({"rank_then": float, "rank_now": float})
    both = t["rank_then"].notna() & t["rank_now"].notna()
    for when in ("then", "now"):  # ranks among the frameworks of both editions, as comparisons.then_vs_now gives them
        t[f"rank_{when}_common"] = t.loc[both, f"rank_{when}"].rank(method="min")
    t["rank_change"] = t["rank_then_common"] - t["rank_now_common"]
    return t


# ------------------------------------------------------------------------------ 06 then vs now

def test_furthest_fall_names_every_framework_tied_at_it():
    t = movement([("a", 1, 1), ("b", 2, 5), ("c", 3, 6), ("d", 5, 2), ("e", 4, 4), ("f", None, 3)])
    text = nb.movement_sentences(t, NAMES)
    # ranks among the 5 frameworks of both editions: Zeta's arrival at 3 does not count as anybody's fall
    assert "Beta (2 → 4) and Gamma (3 → 5) fell furthest, 2 places each" in text
    assert "Delta (5 → 2) climbed most, 3 places" in text


def test_no_fall_and_no_climb_are_said_as_such():
    t = movement([("a", 1, 1), ("b", 2, 2), ("c", 3, 3)])
    text = nb.movement_sentences(t, NAMES)
    assert "fell furthest" not in text and "climbed most" not in text
    assert "No framework of the 3 ranked in both changed rank" in text


def test_one_newcomer_and_rank_out_of_the_number_ranked():
    t = movement([("a", 2, 1), ("b", 1, 3), ("c", 3, 4), ("d", 4, 4), ("e", None, 2)])
    text = nb.movement_sentences(t, NAMES)
    assert "The one newcomer, Epsilon, ranks 2 of 5." in text


def test_shared_lead_is_named_in_full():
    t = movement([("a", 1, 1), ("b", 1, 2), ("c", 3, 3)])
    assert nb.movement_sentences(t, NAMES).startswith("Alpha and Beta shared the lead in the first edition; Alpha leads now.")


# ------------------------------------------------------------------------------ 06 fates

def test_last_release_is_the_newest_final_release():
    rel = pd.DataFrame([
        ("tf", "tensorflow", "2.21.0", "2026-03-06T00:00:00Z", 0),
        ("tf", "tensorflow", "2.20.1", "2026-05-01T00:00:00Z", 0),  # a patch of an older line, released later
        ("tf", "tensorflow", "2.22.0rc0", "2026-09-22T00:00:00Z", 0),
        ("bigdl", "bigdl", "2.4.0", "2023-11-09T00:00:00Z", 0),
        ("bigdl", "bigdl", "2.5.0b20240324", "2024-03-24T00:00:00Z", 0),
        ("cntk", "cntk", "2.7", "2019-04-19T00:49:38Z", 0),
        ("cntk", "cntk", "2.7.post2", "2020-12-09T22:21:57Z", 0),
        ("x", "x", "1.0", "2020-01-01T00:00:00Z", 0),
        ("x", "x", "1.1", "2021-01-01T00:00:00Z", 1),  # yanked
        ("y", "y", "0.1.dev3", "2021-01-01T00:00:00Z", 0),  # nothing final
    ], columns=["framework", "project", "version", "upload_time", "yanked"])
    last = scoring_step.last_final_releases(rel).set_index("framework")
    assert last.loc["tf", "last_release"] == "2.20.1" and last.loc["tf", "last_release_date"] == "2026-05-01"
    assert last.loc["tf", "newest_release"] == "2.21.0" and last.loc["tf", "newest_release_date"] == "2026-03-06"
    assert last.loc["bigdl", "newest_release"] == "2.4.0"
    assert last.loc["bigdl", "last_release"] == "2.4.0" and last.loc["bigdl", "last_release_date"] == "2023-11-09"
    assert last.loc["cntk", "last_release"] == "2.7" and last.loc["cntk", "last_release_date"] == "2019-04-19"
    assert last.loc["x", "last_release"] == "1.0"
    assert "y" not in last.index


def test_fates_of_today_never_give_a_pre_release_as_last_release():
    fates = scoring_step.fates(score_edition("current")).set_index("framework")
    released = fates[fates.last_release != ""]
    assert len(released) >= 8
    from showdown_lib.acquire.sources.pypi import is_final

    assert all(is_final(v) for v in released.last_release)
    assert fates.loc["tensorflow", "last_release"] == "2.21.0" and fates.loc["tensorflow", "last_release_date"] == "2026-03-06"
    assert fates.loc["bigdl", "last_release"] == "2.4.0"
    text = nb.fate_sentences(fates.reset_index(), {f: f for f in fates.index})
    assert "rc0" not in text and "b2024" not in text
    assert "- **tensorflow**: status **active**; last final release 2.21.0 on 2026-03-06" in text
    # keras 3.12.4 (a patch of an older line) came out hours after 3.15.1: both are named
    assert "newest final release 3.15.1 (2026-07-29); the most recent, 3.12.4, on 2026-07-29" in text


# ------------------------------------------------------------------------------ 07 rank stability

def stability(probs: dict[str, list[float]], n: int = 20_000):
    """A summary and rank-probability table from shares per rank (rows: frameworks in base order)."""
    prob = pd.DataFrame(probs, index=range(1, len(probs) + 1)).T
    rows = []
    for i, (fw, p) in enumerate(prob.iterrows(), start=1):
        cum = p.cumsum()
        rows.append({"framework": fw, "base_rank": i, "p_top1": p[1], "p_top3": p[[1, 2, 3]].sum() if len(p) >= 3 else p.sum(),
                     "rank_low": int((cum < 0.05 - 1e-12).sum() + 1), "rank_high": int((cum < 0.95 - 1e-12).sum() + 1),
                     "median_rank": int((cum < 0.5 - 1e-12).sum() + 1)})
    return pd.DataFrame(rows), prob, n


def test_never_move_holds_exactly_or_the_share_is_given():
    summary, prob, n = stability({"a": [1, 0, 0, 0], "b": [0, 0.9995, 0.0005, 0], "c": [0, 0.0005, 0.6, 0.3995],
                                  "d": [0, 0, 0.3995, 0.6005]})
    text = nb.stability_story(summary, prob, n, NAMES)
    assert "stays first in every one of the 20,000 draws" in text
    assert "never move" not in text
    assert "Alpha keeps rank 1 in every draw" in text
    assert "Beta keeps rank 2 in 99.95% of draws" in text
    assert "100%" not in text.replace("Alpha (100%)", "").replace("Beta (100%)", "")  # both exactly on the podium
    summary2, prob2, n2 = stability({"a": [0.99996, 0.00004], "b": [0.00004, 0.99996]}, n=100_000)
    text2 = nb.stability_story(summary2, prob2, n2, NAMES)
    assert "stays first in 99.996% of 100,000 draws" in text2 and "100%" not in text2.replace("(100%)", "")


def test_widest_interval_names_every_tie_and_plurals_follow_counts():
    summary, prob, n = stability({"a": [0.5, 0.5, 0, 0], "b": [0.5, 0.5, 0, 0], "c": [0, 0, 0.5, 0.5], "d": [0, 0, 0.5, 0.5]})
    text = nb.stability_story(summary, prob, n, NAMES)
    assert "The widest 90% rank intervals span 2 ranks: Alpha (1 to 2), Beta (1 to 2), Gamma (3 to 4) and Delta (3 to 4)" in text
    assert "No framework keeps its rank in every draw" in text
    summary1, prob1, n1 = stability({"a": [0.2, 0.8, 0], "b": [0.8, 0.2, 0], "c": [0, 0, 1]})
    text1 = nb.stability_story(summary1, prob1, n1, NAMES)
    assert "Others that take first place in more than 1% of draws" not in text1
    assert "Beta takes first place in 80% of draws" in text1


def test_share_never_rounds_to_always_or_never():
    assert nb.share(1.0) == "100%" and nb.share(0.0) == "0%"
    assert nb.share(0.99996) == "99.996%" and nb.share(0.0004) == "0.04%" and nb.share(0.5) == "50%"


# ------------------------------------------------------------------------------ 08 2018 re-measured

def test_overall_shift_separates_dropped_values_from_re_measured_ones():
    t = pd.DataFrame({"framework": list("abcd"), "rank_published": [1, 2, 3, 4], "rank_published_common": [1, 3, 2, 4],
                      "rank_remeasured_common": [1, 3, 2, 4], "rank_remeasured": [1, 3, 2, 4]})
    text = nb.overall_shift(t, n_common=40, n_dropped=6, names=NAMES)
    assert "on the 40 criterion values measured in both" in text
    assert "the re-measured values move no framework's rank" in text
    assert "Leaving out the 6 published values that could not be re-measured moves Beta 2 → 3 and Gamma 3 → 2" in text


def test_overall_shift_of_the_real_editions_compares_like_with_like():
    published, remeasured = score_edition("2018"), score_edition("2018-remeasured")
    t = comparisons.like_for_like(published, remeasured).set_index("framework")
    # the same cells in both scorings: the published scores on the common cells reproduce, cell for cell, the inputs
    assert set(t.index) == set(published.overall.framework)
    text = nb.overall_shift(t.reset_index(), *comparisons.common_cells(published, remeasured), {f: f for f in t.index})
    moved_by_remeasure = t[t.rank_published_common != t.rank_remeasured_common]
    for fw in t.index.difference(moved_by_remeasure.index):
        assert f"{fw} {int(t.loc[fw, 'rank_published_common'])} → " not in text.split("Leaving out")[0]


# ------------------------------------------------------------------------------ 08 reasons, 09 gap

def test_parting_reasons_and_description():
    c = pd.DataFrame({"framework": ["a", "b"], "criterion": ["activity", "activity"], "published": [65.0, 50.0],
                      "remeasured": [9.0, np.nan], "difference": [-56.0, np.nan], "source": ["git", ""], "reason": ["", "no copy"]})
    text = nb.parting_reasons(c, NAMES)
    assert "- Alpha, activity: re-measured 9 against 65 published (56 points lower); measured from git." in text
    assert "- Beta, activity: not re-measured: no copy." in text
    assert nb.describe_remeasured("r", "2018-06-26", "Git.", ["activity"]).endswith("Re-measured criteria: activity.")


def test_gap_sentence_names_every_peak_year():
    cores = pd.DataFrame({"year": [2010, 2020], "gpu": ["old", "new"], "cores": [100.0, 1000.0]})
    releases = pd.DataFrame({"year": [2018, 2019, 2020], "releases": [50, 30, 50], "frameworks_releasing": [5, 4, 1]})
    text = nb.gap_sentences(cores, releases)
    assert "10 times as many" in text
    assert "peaked in 2018 and 2020 with 50 releases each (2018: 5 frameworks; 2020: 1 framework)" in text
