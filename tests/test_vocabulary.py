"""One vocabulary: the lifecycle rule, rank changes over one cast, the post's figures "as published", advice checked
against the facts it relies on, the 2018 re-measurement said correctly, Ecosystem n/a said where the answer is, and
a front end named with its backend. Each claim is checked against the table it describes (issue 13, items 4, 6, 7)."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from showdown_lib.core import paths
from showdown_lib.method import comparisons
from showdown_lib.present import narrative, narrative_comparisons, narrative_findings
from showdown_lib.method.edition_scores import score_edition
from showdown_lib.acquire.editions import load_edition
from showdown_lib.method.lifecycle import display_names, edition_table, is_developed, last_final_releases, status_table
from showdown_lib.core.methodology import load_methodology
from showdown_lib.core.registry import load_registry
from showdown_lib.present.site import findings


@pytest.fixture(scope="module")
def life_now():
    return edition_table(load_edition("current")).set_index("framework")


@pytest.fixture(scope="module")
def f():
    return findings.load()


# ------------------------------------------------------------------------------ the lifecycle rule
def test_no_release_for_two_years_is_dormant_unless_archived_or_merged(life_now):
    releases = pd.read_csv(paths.snapshots_dir("pypi") / "2026-11-25" / "releases.csv")
    last = last_final_releases(releases, "2026-11-25").set_index("framework")["last_release_date"]
    for fw, row in life_now.iterrows():
        if row["status"] in ("archived", "merged"):
            continue
        age = (pd.Timestamp("2026-11-25") - pd.Timestamp(row["last_release_date"])).days if row["last_release_date"] else None
        if fw in last.index:  # the index's date is the rule's evidence for a framework released there
            assert row["last_release_date"] >= last[fw]
        assert (row["status"] == "dormant") == (age is not None and age > 730), fw
    # the inconsistencies of the issue: DL4J "active" with no release since 2022 while Chainer (2022) was "maintenance";
    # Theano "maintenance" in 2026
    assert life_now.loc["deeplearning4j", "status"] == life_now.loc["chainer", "status"] == "dormant"
    assert life_now.loc["theano", "status"] == "dormant"


def test_a_cut_off_of_a_copy_is_never_an_event(life_now):
    repos = pd.read_csv(paths.snapshots_dir("git") / "2026-11-25" / "repositories.csv")
    cut = repos.dropna(subset=["history_through"]).groupby("framework")["history_through"].max()
    for fw, through in cut.items():
        if fw in life_now.index and life_now.loc[fw, "since"]:
            assert life_now.loc[fw, "since"] != str(through), f"{fw}: since is where the copy of its history stops"
    assert life_now.loc["bigdl", "since"] == "2023-11-09"  # its last final release, not 2024-03-28 (the copy's end)


def test_the_rule_reads_the_release_history_of_the_date():
    registry = {fw.id: fw for fw in load_registry()}
    rel = pd.DataFrame({"framework": ["chainer", "chainer"], "version": ["7.8.0", "7.8.1"],
                        "upload_time": ["2021-06-01T00:00:00Z", "2022-01-05T00:00:00Z"], "yanked": [0, 0]})
    on = lambda day: status_table([registry["chainer"]], day, rel, 730).iloc[0]  # noqa: E731
    assert on("2023-12-01")["status"] == "maintenance"  # cited since 2019-12-05; last release 23 months before
    assert (on("2024-01-06")["status"], on("2024-01-06")["since"]) == ("dormant", "2022-01-05")
    assert on("2019-01-01")["status"] == "active"  # before the cited date, with a release 7 months old
    archived = status_table([registry["mxnet"]], "2026-11-25", None, 730).iloc[0]
    assert (archived["status"], archived["since"]) == ("archived", "2023-11-17")


def test_every_count_and_mark_uses_the_one_rule(f, life_now):
    gone = [fw for fw in f.now["framework"] if not is_developed(life_now.loc[fw, "status"])]
    # index: "N of the 18 frameworks ranked are no longer developed"
    assert f"{len(gone)} of the {len(f.now)} frameworks ranked are no longer developed" in f.today()
    # 05: the ranking among the developed ones leaves out exactly those
    statuses = {fw: life_now.loc[fw, "status"] for fw in gone}
    text = narrative.active_ranking(f.now, statuses, f.names, "2026-11-25")
    assert text.startswith(f"{len(gone)} of the {len(f.now)} frameworks are no longer developed")
    assert f"Among the {len(f.now) - len(gone)} frameworks still developed" in text
    # the ONNX advice counts only developed frameworks: Chainer and CNTK are not among them
    advice = narrative_findings.onnx_advice(f.categories_now, f.lifecycle, f.directions)
    assert set(advice["developed"]) == set(f.now["framework"]) - set(gone)
    assert "chainer" not in advice["exporters"] and "cntk" not in advice["developed"]
    for fw in gone:  # and every chart/table name marks them
        assert f.marked[fw].endswith(f"({life_now.loc[fw, 'status']})")


# ------------------------------------------------------------------------------ advice checked against its facts
def test_deploy_through_onnx_only_in_a_framework_that_imports_onnx(f):
    text = f.closing_questions()
    d = f.directions.set_index("framework")
    m = re.search(r"prototype in (.+?) \(API & Internals [\d.]+\), export the model to ONNX", text)
    by_name = {v: k for k, v in f.marked.items()}
    assert m and d.loc[by_name[m.group(1)], "export"] >= 1
    q = re.search(r"imports ONNX (?:is|are .+?; the best on Platform is) (.+?) \(Platform", text)
    if q:
        assert d.loc[by_name[q.group(1)], "import"] >= 1
    assert "imports ONNX is PyTorch" not in text  # the probe: PyTorch ships no ONNX importer
    assert d.loc["pytorch", "import"] == 0


# ------------------------------------------------------------------------------ rank changes over one cast
def test_rank_changes_compare_ranks_over_the_same_cast():
    t = pd.read_csv(paths.processed_dir("2018-vs-current") / "then_vs_now.csv")
    both = t.dropna(subset=["rank_then", "rank_now"])
    assert both["rank_now_common"].max() == len(both) and both["rank_then_common"].max() == len(both)
    names = display_names(load_registry())
    text = narrative_comparisons.movement_sentences(t, names)
    rows = both.set_index("framework")
    found = 0
    for fw in rows.index:
        for a, b in re.findall(re.escape(names[fw]) + r" \((\d+) → (\d+)\)", text):
            found += 1
            assert (int(rows.loc[fw, "rank_then_common"]), int(rows.loc[fw, "rank_now_common"])) == (int(a), int(b)), fw
    assert found >= 2
    best = both["rank_change"].max()
    for fw in both.loc[both["rank_change"] == best, "framework"]:  # every framework tied at the largest climb is named
        assert f"{names[fw]} ({int(rows.loc[fw, 'rank_then_common'])} → " in text
    assert "PaddlePaddle (9 → 7)" not in text


def test_as_published_shows_the_posts_figures(f):
    text = f.first_edition()
    summary = pd.read_csv(paths.edition_dir("2018") / "published_summary.csv")
    top = summary[summary.category == "overall"].sort_values("published_score", ascending=False).head(3)
    for i, r in enumerate(top.itertuples(), 1):
        assert f"{i}. **{f.names[r.framework]}** {r.published_score:.0f}" in text
    published_part, ours = text.split(" These are the post's own overall figures")
    assert "89.9" not in published_part  # our reproduced mean is not the post's figure...
    repro = f.then.sort_values(["rank", "framework"]).head(3)["score"]
    assert ", ".join(f"{v:.1f}" for v in repro) in ours  # ...and is said as ours
    readme = (paths.project_root() / "README.md").read_text(encoding="utf-8")
    assert "it published " + " / ".join(f"{v:.0f}" for v in top["published_score"]) + " overall" in readme


# ------------------------------------------------------------------------------ 08 said correctly
@pytest.fixture(scope="module")
def remeasured():
    return comparisons.remeasured_comparison(score_edition("2018"), score_edition("2018-remeasured"))


def test_absent_from_the_index_is_not_never_released(remeasured):
    reg = {fw.id: fw for fw in load_registry()}
    for r in remeasured[remeasured["reason"].str.contains("uploaded by", na=False)].itertuples():
        assert reg[r.framework].first_release <= 2018
        assert "had no release by" not in r.reason and "not the same as never released" in r.reason
    torch_os = remeasured.set_index(["framework", "criterion"]).loc[("pytorch", "os_support"), "reason"]
    assert "no release of 'torch' uploaded by 2018-06-26" in torch_os


def test_relative_activity_is_compared_over_the_same_frameworks(remeasured):
    act = remeasured[remeasured["criterion"] == "activity"]
    measured = act.dropna(subset=["remeasured"])
    best = measured["published"].max()
    assert (measured["published_same_cast"] - measured["published"] / best * 100).abs().max() < 1e-9
    text = narrative_comparisons.parting_reasons(remeasured, {fw.id: fw.name for fw in load_registry()})
    assert f"the best of the {len(measured)} frameworks measured; published, against all {len(act)}" in text
    for r in act[act["remeasured"].isna() & (act["published"] > best)].itertuples():
        assert f"({r.published:.0f})" in text.split("\n")[0]  # the published leaders that were not re-measured
    mx = act.set_index("framework").loc["mxnet"]
    if abs(mx["remeasured"] - mx["published_same_cast"]) < 20:  # MXNet's "100" is not a disagreement on the same cast
        assert "Apache MXNet, activity: re-measured" not in text


# ------------------------------------------------------------------------------ Ecosystem missing, said where the answer is
def test_ecosystem_na_is_said_with_what_the_round_rests_on(f):
    method = load_methodology()
    gone = narrative.missing_everywhere(f.criteria_now, method)
    assert gone == {"support_community": ["ecosystem"]}
    assert "**Ecosystem** is n/a for every framework" in f.today()
    assert "so Support & Community rests on Sponsor, Activity and Documentation alone" in f.today()
    readme = (paths.project_root() / "README.md").read_text(encoding="utf-8").replace("\n", " ")
    assert "Ecosystem is n/a for every framework" in readme and "rests on Sponsor, Activity and Documentation" in readme


def test_round_chart_says_ecosystem_is_na():
    import matplotlib.pyplot as plt

    from showdown_lib.present import charts

    r = score_edition("current")
    fig = charts.category_strip(r.categories, "support_community", r.method, load_registry(), r.criteria)
    title = fig.axes[0].get_title()
    plt.close(fig)
    assert "Ecosystem n/a for every framework: rests on Sponsor, Activity and Documentation alone" in title


# ------------------------------------------------------------------------------ a front end named with its backend
def test_keras_is_named_with_the_backend_it_is_measured_on(f):
    from showdown_lib.core.fileio import read_yaml

    keras = {fw.id: fw for fw in load_registry()}["keras"]
    api = read_yaml(paths.raw_dir() / "ootb_ops_api.yaml")
    env = api["frameworks"]["keras"]["env"]
    assert env["KERAS_BACKEND"] == keras.front_end.measured_on == "jax"
    assert f.names["keras"] == "Keras (JAX backend)"
    texts = (f.today(), f.closing_questions())  # wherever the site's index names Keras, it names its backend
    assert any("Keras" in text for text in texts)
    for text in texts:
        assert text.count("Keras") == text.count("Keras (JAX backend)")
