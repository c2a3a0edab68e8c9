"""Input sensitivity (issue 13, item 5): which single inputs move the podium or a tier boundary, recomputed here
independently of showdown_lib.method.sensitivity (a plain mean-of-means scorer over dictionaries), and the sentences checked
against the table."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from showdown_lib.present import narrative_findings
from showdown_lib.method.edition_scores import score_edition
from showdown_lib.method.lifecycle import display_names
from showdown_lib.core.registry import load_registry
from showdown_lib.method.scoring import assign_tiers
from showdown_lib.method.sensitivity import edition_changes, single_cell_changes


def naive_overall(raw: pd.DataFrame, method) -> dict[str, float]:
    """Default weights: a criterion's score (published, or raw over the scale's max / the cast's best), the mean of the
    available criteria of a round weighted by each criterion's default weight (1, or 0 for an informative criterion,
    which is left out), the mean of the available rounds."""
    kinds = {c.id: c for c in method.criteria}
    values: dict[str, dict[str, float]] = {}
    for r in raw.itertuples():
        v = float(r.raw_value) if pd.notna(r.raw_value) else math.nan
        values.setdefault(r.criterion, {})[r.framework] = v
    best = {cid: max([v for v in d.values() if not math.isnan(v)], default=math.nan) for cid, d in values.items()}
    per_round: dict[tuple[str, str], list[float]] = {}
    for r in raw.itertuples():
        c = kinds[r.criterion]
        if c.weight == 0:
            continue
        assert c.weight == 1, "this independent scorer knows default weights of 0 and 1 only"
        pub = getattr(r, "published_score", math.nan)
        v = values[r.criterion][r.framework]
        if pd.notna(pub):
            score = float(pub)
        elif math.isnan(v):
            continue
        elif c.kind == "levels":
            score = v / c.max * 100
        else:
            score = v / best[r.criterion] * 100 if best[r.criterion] > 0 else 0.0
        per_round.setdefault((r.framework, c.round), []).append(score)
    out: dict[str, list[float]] = {}
    for (fw, _rid), scores in per_round.items():
        out.setdefault(fw, []).append(sum(scores) / len(scores))
    return {fw: sum(v) / len(v) for fw, v in out.items()}


def podium(scores: dict[str, float]) -> str:
    return "|".join(sorted(scores, key=lambda f: (-round(scores[f], 9), f))[:3])


@pytest.fixture(scope="module")
def current():
    r = score_edition("current")
    n_tiers = int(r.overall["tier"].max())
    return r, n_tiers, single_cell_changes(r.raw, r.method, r.weights, n_tiers)


def test_every_cell_is_tried_one_step_each_way(current):
    r, _n, table = current
    expected = 0
    for row in r.raw.itertuples():
        c = r.method.criterion(row.criterion)
        if pd.isna(row.raw_value) or c.kind != "levels":
            continue
        expected += (row.raw_value + c.step <= c.max) + (row.raw_value - c.step >= c.min)
    levels = table[table["criterion"].map(lambda cid: r.method.criterion(cid).kind == "levels")]
    assert len(levels) == expected
    assert set(table["change"]) == {"one step up", "one step down"}


def test_podium_and_tier_changes_recomputed_independently(current):
    r, n_tiers, table = current
    base = naive_overall(r.raw, r.method)
    assert podium(base) == "|".join(r.overall.sort_values(["rank", "framework"])["framework"].head(3))
    base_tiers = assign_tiers(pd.Series(base), n_tiers)
    for row in table.itertuples():
        raw = r.raw.copy()
        i = raw.index[(raw["framework"] == row.framework) & (raw["criterion"] == row.criterion)][0]
        assert raw.loc[i, "raw_value"] == pytest.approx(row.raw_from)
        raw.loc[i, "raw_value"] = row.raw_to
        scores = naive_overall(raw, r.method)
        assert podium(scores) == row.podium, (row.framework, row.criterion, row.change)
        assert (podium(scores) != podium(base)) == row.podium_changed
        tiers = assign_tiers(pd.Series(scores), n_tiers)
        moved = [k for k in range(1, n_tiers) if set(base_tiers[base_tiers <= k].index) != set(tiers[tiers <= k].index)]
        assert "|".join(map(str, moved)) == (row.boundaries_changed if isinstance(row.boundaries_changed, str) else "")


def test_a_published_score_moves_in_score_points():
    from showdown_lib.core.methodology import load_methodology

    method = load_methodology().for_rounds(None)  # the post's three rounds
    rows = [(fw, c.id, np.nan, s) for fw, s in (("a", 90.0), ("b", 85.0), ("c", 40.0)) for c in method.criteria]
    raw = pd.DataFrame(rows, columns=["framework", "criterion", "raw_value", "published_score"]).assign(source="published")
    t = single_cell_changes(raw, method, {}, 2)
    act = t[(t["framework"] == "b") & (t["criterion"] == "activity")].set_index("change")
    assert act.loc["one step up", "raw_to"] == 85.0 + method.published_step
    sponsor = t[(t["framework"] == "c") & (t["criterion"] == "sponsor")].set_index("change")
    assert sponsor.loc["one step up", "raw_to"] == pytest.approx(40.0 + 100 / 3)
    assert "one step up" not in set(t.loc[(t["framework"] == "a") & (t["criterion"] == "sponsor"), "change"])  # 90 + 33 > 100
    for row in t.itertuples():  # the same podium as the plain scorer gives with that published score moved
        moved = raw.copy()
        moved.loc[(moved["framework"] == row.framework) & (moved["criterion"] == row.criterion), "published_score"] = row.raw_to
        assert podium(naive_overall(moved, method)) == row.podium
    assert t.loc[t["podium_changed"], "criterion"].tolist() == ["graph_building"]  # 50 points of a 3-criterion round


def test_sentences_list_exactly_the_changes_that_move_the_podium(current):
    r, _n, table = current
    names = display_names(load_registry())
    crit = {c.id: c.name for c in r.method.criteria}
    text = narrative_findings.podium_sensitivity(table, r.overall, names, crit)
    n = int(table["podium_changed"].sum())
    assert f"re-scored under {len(table)} single-input changes" in text
    assert (f"It holds unless one of these {n} changes is made:" in text) if n else ("holds under every one" in text)
    assert text.count("\n- ") == table.loc[table["podium_changed"], "podium"].nunique()
    tiers = narrative_findings.tier_sensitivity(table, r.overall, names, crit)
    for k in range(1, int(r.overall["tier"].max())):
        hits = table["boundaries_changed"].fillna("").str.split("|").map(lambda b: str(k) in b).sum()
        assert (f"tiers {k} and {k + 1} moves under {hits} of the {len(table)}" in tiers) if hits else \
            (f"tiers {k} and {k + 1} holds under every change" in tiers)


def test_committed_table_is_what_the_edition_gives():
    from showdown_lib.core import paths

    committed = pd.read_csv(paths.processed_dir("current") / "sensitivity.csv", dtype=str, keep_default_na=False)
    fresh = edition_changes(score_edition("current"))
    assert len(committed) == len(fresh)
    cols = ["framework", "criterion", "change", "podium", "podium_changed", "boundaries_changed", "moved"]
    assert committed[cols].values.tolist() == fresh[cols].astype(str).values.tolist()
    swaps = fresh[fresh["framework"].fillna("") == ""]
    assert set(swaps["criterion"]) <= {c.id for c in score_edition("current").method.criteria if c.has_bases}


@pytest.mark.parametrize("notebook", ["notebooks/05_discussion.ipynb", "reports/notebooks/current/05_discussion.ipynb",
                                      "reports/notebooks/2018-remeasured/05_discussion.ipynb"])
def test_published_tier_sentences_match_the_committed_table(notebook):
    """What the reader sees: each committed discussion's tier-boundary sentences against the sensitivity table its
    edition committed, read as text (a column of "2" read as a number once made "2" never match "2.0")."""
    import json
    import re

    from showdown_lib.core import paths

    root = paths.project_root()
    book = json.loads((root / notebook).read_text())
    edition = next(re.search(r'edition = "([^"]+)"', "".join(c["source"])).group(1) for c in book["cells"]
                   if "injected-parameters" in c.get("metadata", {}).get("tags", []))
    text = "".join("".join(o.get("data", {}).get("text/markdown", "")) for c in book["cells"] for o in c.get("outputs", []))
    table = pd.read_csv(paths.processed_dir(edition) / "sensitivity.csv", dtype=str, keep_default_na=False)
    n_tiers = int(pd.read_csv(paths.processed_dir(edition) / "overall_scores.csv")["tier"].max())
    assert n_tiers > 1
    for k in range(1, n_tiers):
        hits = table["boundaries_changed"].str.split("|").map(lambda b: str(k) in b).sum()
        said = (f"tiers {k} and {k + 1} moves under {hits} of the {len(table)} changes" if hits
                else f"tiers {k} and {k + 1} holds under every change")
        assert said in text, (edition, k, hits)


def test_a_boundary_read_as_a_number_is_still_that_boundary():
    assert narrative_findings._boundaries("1|2") == {1, 2}
    assert narrative_findings._boundaries(2.0) == {2} and narrative_findings._boundaries("2.0") == {2}
    assert narrative_findings._boundaries(float("nan")) == set() and narrative_findings._boundaries("") == set()
