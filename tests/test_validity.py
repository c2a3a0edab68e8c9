"""The validity check of every measured basis, recomputed from the committed data, and the fixes it decided.

The agreements are computed by showdown_lib.method.validity from the committed snapshots, curated facts and the post's
published figures; the tests compare them with independent computations, never with numbers written here.
"""
from __future__ import annotations

import copy
import re

import pandas as pd
import pytest

from showdown_lib.acquire import observations
from showdown_lib.method import comparisons, raw_values, validity
from showdown_lib.method.edition_scores import score_edition
from showdown_lib.core.errors import DataError
from showdown_lib.core.fileio import read_yaml
from showdown_lib.core.methodology import load_methodology


@pytest.fixture(scope="module")
def current():
    return score_edition("current")


@pytest.fixture(scope="module")
def remeasured():
    return score_edition("2018-remeasured")


@pytest.fixture(scope="module")
def table():
    return validity.validity_table()


def cell(result, fw, crit):
    return result.raw.set_index(["framework", "criterion"]).loc[(fw, crit)]


def score(result, fw, crit):
    return result.criteria.set_index(["framework", "criterion"]).loc[(fw, crit), "score"]


# ---------------------------------------------------------------- the table and its rules
def test_every_measured_basis_of_both_editions_has_an_accepted_row(current, remeasured):
    v = validity.load_validity()
    for result in (current, remeasured):
        assert validity.edition_bases(result), result.edition.id
        assert validity.missing_rows(result, v) == []
    assert ("activity", "feature_releases") in validity.edition_bases(current)
    assert ("activity", "git") in validity.edition_bases(remeasured)


def test_an_edition_using_a_basis_without_a_row_fails(current):
    v = validity.load_validity()
    fewer = validity.Validity(v.min_spearman, tuple(r for r in v.rows if r.criterion != "os_support"))
    assert any("os_support/pypi.os_count_native" in p for p in validity.missing_rows(current, fewer))
    rejected = validity.Validity(v.min_spearman, tuple(
        validity.Row(r.criterion, r.basis, r.stands_for, r.checks, "not default", r.reason, r.disagreements)
        if r.criterion == "activity" else r for r in v.rows))
    assert any("does not accept" in p for p in validity.missing_rows(current, rejected))


def test_a_disagreeing_default_needs_a_stated_reason(table):
    v = validity.load_validity()
    assert validity.problems(v, table) == []
    silent = validity.Validity(v.min_spearman, tuple(
        validity.Row(r.criterion, r.basis, r.stands_for, r.checks, r.decision, "", r.disagreements) for r in v.rows))
    found = validity.problems(silent, table)
    disagreeing_defaults = {(c, b) for c, b, ok, d in zip(table.criterion, table.basis, table.agrees, table.decision)
                            if not ok and d == "default"}
    assert disagreeing_defaults and len(found) == len(disagreeing_defaults)


def test_every_disagreeing_cell_has_its_reason(table):
    cells = table[table["agreement"].str.contains("cells agree")]
    assert len(cells) and cells["agrees"].all()
    assert not table["disagreements"].str.contains("no reason stated").any()


def test_rows_are_checked_on_load(tmp_path):
    data = copy.deepcopy(read_yaml(validity.validity_file()))
    data["rows"][0]["basis"] = "stars"
    with pytest.raises(DataError) as err:
        validity.parse_validity(data, load_methodology(), tmp_path / "validity.yaml")
    assert "rows[0]" in str(err.value) and "basis" in str(err.value)



def test_a_documented_level_belongs_to_a_documented_cells_check(tmp_path):
    data = copy.deepcopy(read_yaml(validity.validity_file()))
    row = next(i for i, r in enumerate(data["rows"]) if r["criterion"] == "compiler")
    data["rows"][row]["documented"]["jax"] = "yes"
    with pytest.raises(DataError, match=rf"rows\[{row}\].*documented.jax"):
        validity.parse_validity(data, load_methodology(), tmp_path / "validity.yaml")
    data["rows"][row]["checks"] = [{"kind": "curated_cells", "edition": "current"}]
    data["rows"][row]["documented"] = {"jax": 1}
    with pytest.raises(DataError, match="documented"):
        validity.parse_validity(data, load_methodology(), tmp_path / "validity.yaml")

# ---------------------------------------------------------------- agreements, recomputed independently
def test_activity_agreements_match_the_remeasured_comparison(table):
    from showdown_lib.method.scoring_step import basis_scores

    published = score_edition("2018")
    by_basis = comparisons.activity_by_basis(published, basis_scores(score_edition("2018-remeasured")),
                                             bases=("git", "releases", "feature_releases"))
    agreement = comparisons.activity_bases_agreement(by_basis).set_index("basis")
    rows = table[table["reference"].str.startswith("the post's published Activity")].set_index("basis")
    for basis in ("git", "releases", "feature_releases"):
        assert rows.loc[basis, "value"] == pytest.approx(agreement.loc[basis, "spearman"])
        assert rows.loc[basis, "n"] == agreement.loc[basis, "n_compared"]
    assert rows.loc["git", "agrees"] and rows.loc["git", "value"] > rows.loc["releases", "value"]


def test_os_cells_that_disagree_with_the_post_are_the_ones_the_data_shows(table, remeasured):
    published = score_edition("2018").criteria.set_index(["framework", "criterion"])
    raw = remeasured.raw[(remeasured.raw.criterion == "os_support") & (remeasured.raw.origin == "collected")]
    expected = sorted(fw for fw, v in zip(raw.framework, raw.raw_value)
                      if round(published.loc[(fw, "os_support"), "score"] / 100 * 3) != v)
    row = table[(table.criterion == "os_support") & table.reference.str.contains("published")].iloc[0]
    assert expected and row["agreement"].endswith("differ: " + ", ".join(expected))


def test_numerics_coverage_is_not_the_default_and_current_scores_curated(table, current):
    row = table[(table.criterion == "numerics")].iloc[0]
    assert row["decision"] == "not default" and not row["agrees"]
    assert current.bases["numerics"] == "curated"
    # with the curated basis PyTorch's numerics are not below JAX's, as its NumPy-name coverage had them
    assert score(current, "pytorch", "numerics") >= score(current, "jax", "numerics")


# ---------------------------------------------------------------- the claims of the issue, on the real snapshot
def test_keras_os_support_follows_its_cited_wsl2_fact_not_its_pure_python_wheel(current):
    keras = cell(current, "keras", "os_support")
    assert keras["raw_value"] == 2 and keras["origin"] == "curated"
    assert pd.isna(keras["measured_value"])  # py3-none-any is not a measurement of OS support
    mlx = cell(current, "mlx", "os_support")
    assert mlx["raw_value"] == 2 and mlx["measured_value"] == 3 and mlx["chosen"] == "curated"


def test_import_only_frameworks_never_score_the_top_onnx_level(current):
    for fw in ("tinygrad", "deeplearning4j"):
        assert cell(current, fw, "onnx_support")["raw_value"] == 1 and score(current, fw, "onnx_support") == 50


def test_one_converter_rule_for_keras_jax_tensorflow_and_paddle(current):
    third_party = {fw: cell(current, fw, "onnx_support") for fw in ("keras", "jax", "tensorflow")}
    assert {fw: c["raw_value"] for fw, c in third_party.items()} == {"keras": 1, "jax": 1, "tensorflow": 1}
    assert all(c["origin"] == "probed" for c in third_party.values())
    paddle = cell(current, "paddlepaddle", "onnx_support")
    assert paddle["raw_value"] == 2 and "official (2)" in paddle["source"]  # paddle2onnx: PaddlePaddle's own, in its docs


def test_scalability_comes_from_the_all_reduce_result(current):
    obs = pd.read_csv("data/raw/snapshots/ops_probe/2026-11-25/observations.csv", dtype=str, keep_default_na=False)
    ran = set(obs[(obs.metric == "allreduce_ok") & (obs.value == "1")].framework)
    declared = set(obs[(obs.metric == "dist_api") & (obs.value == "1")].framework)
    assert {"keras", "chainer"} <= declared - ran
    for fw in declared:
        c = cell(current, fw, "scalability")
        if fw in ran:
            assert c["origin"] == "probed" and c["raw_value"] == 2
        else:  # API declared, no collective ran: the cited fact scores, never the declared API
            assert c["origin"] == "curated" and pd.isna(c["measured_value"])


def test_backport_patches_add_nothing_to_activity(current):
    rel = pd.read_csv("data/raw/snapshots/pypi/2026-11-25/releases.csv")
    keras = rel[(rel.framework == "keras") & rel.version.astype(str).map(observations.is_final_release)]
    keras = keras.assign(when=pd.to_datetime(keras.upload_time, utc=True, format="mixed"))
    window = keras[keras.when >= pd.Timestamp("2025-11-26", tz="UTC")]
    backports = window[window.version.str.startswith("3.12.")]
    assert len(backports) >= 1  # patches of an older line shipped in the window
    feature = current.raw.set_index(["framework", "criterion"]).loc[("keras", "activity"), "raw_value"]
    lines = {tuple(v.split(".")[:2]) for v in window.version} - {tuple(v.split(".")[:2]) for v in keras[keras.when < pd.Timestamp("2025-11-26", tz="UTC")].version}
    assert int(feature) == len(lines) < len(window)


def test_unsettled_disagreements_are_a_data_issue_never_silently_measured(current):
    issues = raw_values.data_issues(current)
    both = raw_values.measured_vs_curated(current)
    differ = both[both["differs"]]
    # every disagreement is either settled by its criterion's rule (named) or listed as a data issue
    assert (differ["rule"] != "").all()
    assert set(zip(issues.framework, issues.criterion)) == set(zip(differ[differ.data_issue].framework, differ[differ.data_issue].criterion))
    assert ("mlx", "onnx_support") in set(zip(issues.framework, issues.criterion))


def test_readme_figures_on_bases_are_the_computed_ones(table):
    import re
    from pathlib import Path

    text = re.sub(r"\s+", " ", (Path(__file__).resolve().parents[1] / "README.md").read_text())
    pub = table[table["reference"].str.startswith("the post's published Activity")].set_index("basis")
    git, rel = pub.loc["git"], pub.loc["releases"]
    assert f"(Spearman {git['value']:.2f} over {git['n']} frameworks)" in text
    assert f"({rel['value']:.2f} over {rel['n']})" in text
    newcomers = table[table["reference"].str.startswith("the git basis")]
    assert len(newcomers) and (newcomers["value"] < 0).all()  # every release basis inverts git on the newcomers
    git_obs = {d: pd.read_csv(f"data/raw/snapshots/git/{d}/observations.csv", dtype=str, keep_default_na=False)
               for d in ("2026-08-08", "2026-11-25")}
    reach = {d: set(o[(o.metric == "merged_prs_30d") & (o.status == "ok")].framework) for d, o in git_obs.items()}
    n_cast = len(score_edition("current").edition.cast)
    assert f"git histories at hand reach {len(reach['2026-08-08'])} of {n_cast} frameworks, none at the edition's date" in text
    assert not reach["2026-11-25"]
    num = pd.read_csv("data/raw/snapshots/ops_probe/2026-11-25/numerics.csv", dtype=str, keep_default_na=False)
    assert num[(num.framework == "pytorch") & (num.function == "power")]["ok"].tolist() == ["0"]


def test_method_page_is_generated_from_each_editions_declared_bases():
    from showdown_lib.present.site import method_bases

    method = load_methodology()
    assert method_bases.collected_editions() == ["current", "2018-remeasured"]
    for edition in method_bases.collected_editions():
        result = score_edition(edition)
        items = method_bases.edition_section(edition, method, {})
        rules = next(c for k, c in items if k == "table")
        shown = dict(zip(rules["criterion"], rules["rule"]))
        for cid, basis in result.bases.items():
            if cid in set(result.edition.inputs.get("measure", []) or method.criterion_ids):
                assert shown[method.criterion(cid).name] == f"[{basis} basis] {method.criterion(cid).basis(basis).rule}"
        texts = " ".join(c for k, c in items if k == "md")
        assert "Is each measured basis valid?" in texts
    current = dict(zip(*(lambda t: (t["criterion"], t["basis"]))(
        next(c for k, c in method_bases.edition_section("current", method, {}) if k == "table"))))
    assert current["Activity"] == "feature_releases" and current["Numerics"] == "curated"


def test_chainer_is_never_scored_numpy_against_itself():
    from showdown_lib.acquire.edition_inputs import read_inputs
    from showdown_lib.method.edition_scores import raw_inputs

    raw = raw_inputs(read_inputs("current"), bases={"numerics": "coverage"}).set_index(["framework", "criterion"])
    chainer = raw.loc[("chainer", "numerics")]
    assert pd.isna(chainer["raw_value"]) and "NumPy itself" in chainer["note"]
    assert raw.loc[("jax", "numerics"), "raw_value"] == 1.0  # jax.numpy is JAX's own namespace: measured


@pytest.mark.parametrize("criterion", ["accelerator_reach", "compiler", "scale_out", "deployment", "model_hub_reach"])
def test_round_four_is_checked_against_what_the_frameworks_document(criterion, current):
    """The cells compared are the measured ones with a documented level; a difference agrees only with its reason."""
    import dataclasses

    v = validity.load_validity()
    row = next(r for r in v.rows if r.criterion == criterion)
    result = validity.run_check(row, row.checks[0], v.min_spearman)
    raw = current.raw[(current.raw["criterion"] == criterion) & current.raw["origin"].isin(["collected", "probed"])]
    measured = {fw: float(x) for fw, x in zip(raw["framework"], raw["raw_value"]) if fw in row.documented}
    differ = {fw for fw, x in measured.items() if x != row.documented[fw]}
    assert result["n"] == len(measured) > 0
    assert {c[0] for c in result["cells"]} == differ and differ <= set(row.disagreements)
    assert result["agrees"]
    bare = dataclasses.replace(row, disagreements={})
    assert validity.run_check(bare, row.checks[0], v.min_spearman)["agrees"] == (not differ)


def test_an_informative_criterion_needs_no_row_until_it_has_weight(current):
    used = {c for c, _ in validity.edition_bases(current)}
    assert "cpu_speed" not in used and current.method.criterion("cpu_speed").weight == 0
    assert current.raw[(current.raw["criterion"] == "cpu_speed") & (current.raw["origin"] == "probed")].shape[0] > 0


def test_readme_names_the_round_four_cells_that_differ_from_the_documentation():
    import re
    from pathlib import Path

    from showdown_lib.core.registry import load_registry

    names = {fw.id: fw.name for fw in load_registry()}
    text = re.sub(r"\s+", " ", (Path(__file__).resolve().parents[1] / "README.md").read_text())
    said = re.search(r"\*\*Round four\*\*.*?has no row\.", text).group(0)
    v = validity.load_validity()
    for criterion in ("compiler", "scale_out", "model_hub_reach", "accelerator_reach", "deployment"):
        row = next(r for r in v.rows if r.criterion == criterion)
        differ = {fw for fw, _, _ in validity.run_check(row, row.checks[0], v.min_spearman)["cells"]}
        label = load_methodology().criterion(criterion).name
        if not differ:
            assert label.lower() in said.lower().split(" agree everywhere")[0]
        else:
            part = said.split(f"{label} differs for ")[1].split(". ")[0]
            for fw in differ:
                assert names[fw].split(" ")[-1] in part, (criterion, fw)


def test_a_rank_check_names_only_reasons_about_the_frameworks_it_compared(table):
    """A reason for a framework the check did not compare explains nothing there (the 2018 reasons on the -0.80
    check against git of today's newcomers): each rank row lists the reasons of its compared frameworks, then them."""
    ranked = table[table["agreement"].str.startswith("Spearman") & ~table["agrees"]]
    assert len(ranked)
    for r in ranked.itertuples():
        parts = r.disagreements.split("; compared: ")
        compared = parts[-1].split(", ")
        assert len(compared) == r.n, r
        named = re.findall(r"(?:^|; )([a-z0-9_]+): ", parts[0]) if len(parts) > 1 else []
        assert set(named) <= set(compared), (r.criterion, r.basis, r.reference, named)
    git_check = ranked[(ranked["basis"] == "feature_releases") & ranked["reference"].str.startswith("the git basis")].iloc[0]
    assert "chainer:" not in git_check["disagreements"] and "tinygrad:" in git_check["disagreements"]
