"""Declared bases, lifecycle values, origins and measured-versus-curated, on small synthetic editions."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import yaml

from showdown_lib.acquire import edition_inputs
from showdown_lib.method import comparisons, edition_scores, raw_values
from showdown_lib.method.edition_scores import score_edition, write_processed
from showdown_lib.core.errors import DataError
from showdown_lib.method.scoring import ORIGINS, contract_origin
from showdown_lib.acquire.sources.base import Observation, SourceResult, missing
from showdown_lib.acquire.snapshots import write_snapshot

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-01-31"


def snap(source, as_of, rows, tables=None):
    obs = [Observation(fw, m, v, "u", as_of, source, f"{source} detail") if v is not None
           else missing(fw, m, "u", as_of, source, f"{m} unknown") for fw, m, v in rows]
    write_snapshot(SourceResult(source, as_of, obs, "{x}", "test", "1", tables=tables or {}))


def release(fw, project, version, when, yanked=0):
    return {"framework": fw, "project": project, "version": version, "upload_time": when, "yanked": yanked, "n_files": 1}


def edition(root, inputs, cast=("jax", "tinygrad", "mxnet", "caffe2", "caffe"), as_of=AS_OF, name="toy"):
    folder = root / "data/raw/editions" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "edition.yaml").write_text(yaml.safe_dump({
        "id": name, "title": "Toy", "as_of": as_of, "kind": "collected", "cast": list(cast), "n_tiers": 2, "inputs": inputs}))
    return folder / "edition.yaml"


@pytest.fixture
def toy(scratch_root):
    """jax and tinygrad live, mxnet archived (2023), caffe2 merged (2018), caffe not on the index."""
    snap("pypi", AS_OF, [("jax", "os_count", 3), ("tinygrad", "os_count", 3), ("mxnet", "os_count", 2), ("caffe2", "os_count", None),
                         ("jax", "architectures", "arm64;x86_64"), ("tinygrad", "architectures", "any"),
                         ("mxnet", "architectures", "x86_64")], tables={
        "releases": [
            release("jax", "jax", "0.5.0", "2025-03-01T00:00:00Z"),
            release("jax", "jaxlib", "0.5.0", "2025-03-02T00:00:00Z"),      # same version, second package: once
            release("jax", "jax", "0.4.0", "2024-12-01T00:00:00Z"),         # before the 12-month window
            release("jax", "jax", "0.6.0rc1", "2026-01-10T00:00:00Z"),      # pre-release: not final
            release("jax", "jax", "0.6.0.dev3", "2026-01-11T00:00:00Z"),    # dev release
            release("jax", "jax", "0.5.0.post1", "2026-01-12T00:00:00Z"),   # post-release: not a new release
            release("jax", "jax", "0.5.1+cpu", "2026-01-13T00:00:00Z"),     # local version
            release("jax", "jax", "0.5.2", "2026-01-14T00:00:00Z", yanked=1),
            release("tinygrad", "tinygrad", "0.9.0", "2026-01-17T00:00:00Z"),
            release("tinygrad", "tinygrad", "0.9.1", "2026-01-24T00:00:00Z"),
            release("mxnet", "mxnet", "1.9.1", "2022-05-10T00:00:00Z"),
        ]})
    snap("git", AS_OF, [("jax", "weeks_since_last_commit", 0.5), ("jax", "merged_prs_30d", 10),
                        ("tinygrad", "weeks_since_last_commit", 2.0), ("tinygrad", "merged_prs_30d", 4),
                        ("mxnet", "weeks_since_last_commit", 1.0), ("mxnet", "merged_prs_30d", 50)])
    return scratch_root


def raw_of(result):
    return result.raw.set_index(["framework", "criterion"])


def test_feature_release_basis_counts_new_major_minor_lines_not_patches(toy):
    """tinygrad's 0.9.0 and 0.9.1 are one feature release; the recency term still sees 0.9.1."""
    edition(toy, {"pypi": {"snapshot": AS_OF}, "basis": {"activity": "feature_releases"}})
    raw = raw_of(score_edition("toy"))
    assert raw.loc[("tinygrad", "activity"), "raw_value"] == pytest.approx(1 / (8 / 7) + 1)
    weeks = (pd.Timestamp("2026-02-01", tz="UTC") - pd.Timestamp("2025-03-01", tz="UTC")).days / 7
    assert raw.loc[("jax", "activity"), "raw_value"] == pytest.approx(1 / weeks + 1)
    assert "1 new feature lines (major.minor) in the 12 months before 2026-01-31: 0.9" in raw.loc[("tinygrad", "activity"), "source"]


def test_a_pure_python_wheel_is_not_a_measurement_of_os_support(toy):
    edition(toy, {"pypi": {"snapshot": AS_OF}})
    raw = raw_of(score_edition("toy"))
    assert raw.loc[("jax", "os_support"), "raw_value"] == 3 and "native code: arm64, x86_64" in raw.loc[("jax", "os_support"), "source"]
    assert math.isnan(raw.loc[("tinygrad", "os_support"), "raw_value"])
    assert "pure-Python (py3-none-any)" in raw.loc[("tinygrad", "os_support"), "note"]


def test_release_basis_counts_final_releases_only(toy):
    edition(toy, {"pypi": {"snapshot": AS_OF}, "basis": {"activity": "releases"}})
    r = score_edition("toy")
    raw = raw_of(r)
    # jax: finals by 2026-01-31 are 0.4.0 and 0.5.0; only 0.5.0 is in the 12 months; last final 0.5.0 on 2025-03-01
    weeks = (pd.Timestamp("2026-02-01", tz="UTC") - pd.Timestamp("2025-03-01", tz="UTC")).days / 7
    assert raw.loc[("jax", "activity"), "raw_value"] == pytest.approx(1 / weeks + 1)
    # tinygrad: two finals in the window, the last one 8 days before the end of the as-of day
    assert raw.loc[("tinygrad", "activity"), "raw_value"] == pytest.approx(1 / (8 / 7) + 2)
    assert raw.loc[("jax", "activity"), "source"].startswith("releases basis: package index: last final release 0.5.0")
    assert (r.criteria[r.criteria.criterion == "activity"]["basis"] == "releases").all()
    assert raw.loc[("jax", "activity"), "basis"] == "releases"


def test_not_on_the_index_is_read_from_its_cited_release_or_na_with_the_reason(toy):
    """Caffe releases on GitHub: frameworks.yaml cites its latest release (1.0, 2017-04-18), older than the window, so
    it had no release in it (cited, not measured); before that release's date there is nothing cited to read."""
    from showdown_lib.core.registry import load_registry

    cited = {fw.id: fw.lifecycle.release_outside_index for fw in load_registry()}["caffe"]
    assert cited is not None and cited.date < "2025-01-31"
    edition(toy, {"pypi": {"snapshot": AS_OF}, "basis": {"activity": "releases"}})
    row = raw_of(score_edition("toy")).loc[("caffe", "activity")]
    weeks = (pd.Timestamp(AS_OF) + pd.Timedelta(days=1) - pd.Timestamp(cited.date)).total_seconds() / (7 * 86400)
    assert row["raw_value"] == pytest.approx(1 / weeks) and row["origin"] == "curated"
    assert f"latest release {cited.version} on {cited.date}" in row["source"] and cited.citation["url"] in row["source"]
    # caffe2 (merged, no package of its own) cites no release elsewhere: n/a with both reasons
    merged = raw_of(score_edition("toy")).loc[("caffe2", "activity")]
    assert math.isnan(merged["raw_value"]) and "frameworks.yaml cites no release outside the package index" in merged["note"]
    # as of a date before the cited release, nothing before it is cited: n/a
    edition(toy, {"pypi": {"snapshot": None}, "basis": {"activity": "releases"}}, as_of="2017-01-31", name="early")
    early = raw_of(score_edition("early")).loc[("caffe", "activity")]
    assert math.isnan(early["raw_value"]) and "is after 2017-01-31" in early["note"]


def test_archived_is_zero_on_every_basis_and_merged_follows_the_table(toy):
    for basis in ("releases", "git"):
        edition(toy, {"pypi": {"snapshot": AS_OF}, "git": {"snapshot": AS_OF}, "basis": {"activity": basis}})
        r = score_edition("toy")
        raw = raw_of(r)
        # mxnet has 50 merged PRs in the git snapshot, but its repository is archived since 2023-11-17
        assert raw.loc[("mxnet", "activity"), "raw_value"] == 0
        assert raw.loc[("mxnet", "activity"), "source"].startswith("lifecycle: archived since 2023-11-17")
        crit = r.criteria.set_index(["framework", "criterion"])
        assert crit.loc[("mxnet", "activity"), "origin"] == "measured"
        # merged: activity is measured as the basis finds it (no caffe2 data here, so n/a with the reason)
        assert crit.loc[("caffe2", "activity"), "origin"] == "not_available" and raw.loc[("caffe2", "activity"), "note"]
    # merged: OS support 0 by the table's rule, a cited judgement; archived keeps its wheels' OS count
    assert raw.loc[("caffe2", "os_support"), "raw_value"] == 0 and raw.loc[("mxnet", "os_support"), "raw_value"] == 2
    assert crit.loc[("caffe2", "os_support"), "origin"] == "curated" and raw.loc[("caffe2", "os_support"), "source"].startswith(
        "lifecycle: merged into pytorch since 2018-03-30")
    assert raw.loc[("mxnet", "activity"), "basis"] == "git"


def test_lifecycle_counts_from_its_date(toy):
    snap("git", "2020-01-31", [("mxnet", "weeks_since_last_commit", 1.0), ("mxnet", "merged_prs_30d", 50)])
    edition(toy, {"git": {"snapshot": "2020-01-31"}}, cast=("mxnet",), as_of="2020-01-31", name="old")
    assert raw_of(score_edition("old")).loc[("mxnet", "activity"), "raw_value"] == pytest.approx(51)


def test_one_basis_per_edition_and_bad_declarations(toy):
    edition(toy, {"pypi": {"snapshot": AS_OF}, "git": {"snapshot": AS_OF}})
    r = score_edition("toy")  # no declaration: the default basis (git) for the whole cast
    act = r.raw[r.raw.criterion == "activity"].set_index("framework")
    assert set(act["basis"]) == {"git"} and math.isnan(act.loc["caffe", "raw_value"])  # never patched from releases
    for declared, field, words in [({"activity": "stars"}, "inputs.basis.activity", "unknown basis"),
                                   ({"sponsor": "git"}, "inputs.basis.sponsor", "no bases"),
                                   ("releases", "inputs.basis", "must map")]:
        edition(toy, {"pypi": {"snapshot": AS_OF}, "basis": declared})
        with pytest.raises(DataError) as err:
            score_edition("toy")
        assert "data/raw/editions/toy/edition.yaml" in str(err.value) and f"field {field!r}" in str(err.value) and words in str(err.value)


def probe(rows):
    snap("ops_probe", AS_OF, [(fw, m, v) for fw, m, v in rows])


def test_numerics_basis_preference_never_mixes(toy):
    inputs = {"ops_probe": {"snapshot": AS_OF}, "curated": {"set": "current"}, "basis": {"numerics": ["coverage", "curated"]}}
    edition(toy, inputs)
    probe([("jax", "ootb_ops", 30)])  # no coverage anywhere: curated for the whole cast
    raw = raw_of(score_edition("toy"))
    assert raw.loc[("jax", "numerics"), "basis"] == "curated" and raw.loc[("tinygrad", "numerics"), "origin"] == "curated"
    probe([("jax", "numerics_coverage", 0.8), ("tinygrad", "numerics_coverage", None)])
    r = score_edition("toy")
    raw = raw_of(r)
    assert raw.loc[("jax", "numerics"), "raw_value"] == 0.8 and raw.loc[("jax", "numerics"), "basis"] == "coverage"
    # tinygrad has curated maturity and ease, but the edition measures coverage: n/a, not a mix
    assert math.isnan(raw.loc[("tinygrad", "numerics"), "raw_value"])
    assert r.criteria.set_index(["framework", "criterion"]).loc[("jax", "numerics"), "origin"] == "measured"


def test_probe_values_score_in_place_of_curated_and_conflicts_are_listed(toy):
    edition(toy, {"ops_probe": {"snapshot": AS_OF}, "curated": {"set": "current"}}, cast=("jax", "tinygrad"))
    curated = {fw: yaml.safe_load((toy / f"data/raw/curated/current/{fw}.yaml").read_text())["facts"] for fw in ("jax", "tinygrad")}
    # jax: export through jax2onnx (third-party by probe_checks.yaml) worked, no importer; all-reduce gave the right sum
    # tinygrad: nothing worked, so the probe's 0 is below the cited importer; no built-in API and no third-party tool
    probe([("jax", "graph_building", 1), ("jax", "onnx_export", 1), ("jax", "onnx_import", 0), ("jax", "dist_api", 1),
           ("jax", "allreduce_ok", 1), ("jax", "framework_version", "0.5.0"), ("tinygrad", "graph_building", None),
           ("tinygrad", "onnx_export", 0), ("tinygrad", "onnx_import", 0), ("tinygrad", "dist_api", 0),
           ("tinygrad", "allreduce_ok", None), ("tinygrad", "scalability", 0)])
    r = score_edition("toy")
    raw = raw_of(r)
    assert raw.loc[("jax", "graph_building"), "raw_value"] == 1 and raw.loc[("jax", "graph_building"), "origin"] == "probed"
    assert raw.loc[("jax", "graph_building"), "source"].startswith("ops probe (0.5.0)")
    assert raw.loc[("tinygrad", "graph_building"), "origin"] == "curated"  # probe failed: the curated value stays
    table = raw_values.measured_vs_curated(r).set_index(["framework", "criterion"])
    assert set(table.index) == {("jax", "graph_building"), ("jax", "onnx_support"), ("jax", "scalability"),
                                ("tinygrad", "onnx_support"), ("tinygrad", "scalability")}
    row = table.loc[("jax", "graph_building")]
    assert row["measured_value"] == 1 and row["curated_value"] == curated["jax"]["graph_building"]["value"]
    assert row["citation"] == curated["jax"]["graph_building"]["citation"]["url"] and row["measurement"].startswith("ops probe")
    assert table.loc[("jax", "onnx_support"), "measured_value"] == 1 and not table.loc[("jax", "onnx_support"), "differs"]
    assert table.loc[("jax", "scalability"), "measured_value"] == 2
    # the probe's 0 against tinygrad's cited importer: the rule cannot settle it, so it is a data issue
    tiny = table.loc[("tinygrad", "onnx_support")]
    assert tiny["differs"] and tiny["data_issue"] and tiny["rule"].startswith("A round trip")
    issues = raw_values.data_issues(r)
    assert list(zip(issues.framework, issues.criterion)) == [("tinygrad", "onnx_support")]
    crit = r.criteria.set_index(["framework", "criterion"])
    assert crit.loc[("jax", "graph_building"), "origin"] == "measured" and crit.loc[("tinygrad", "graph_building"), "origin"] == "curated"


def test_a_declared_api_without_a_collective_leaves_the_cited_level(toy):
    """Keras and Chainer: the API is there but no all-reduce ran, so the measurement is missing and the citation scores."""
    edition(toy, {"ops_probe": {"snapshot": AS_OF}, "curated": {"set": "current"}}, cast=("jax",))
    probe([("jax", "dist_api", 1), ("jax", "allreduce_ok", None), ("jax", "scalability", 2)])
    raw = raw_of(score_edition("toy"))
    assert raw.loc[("jax", "scalability"), "origin"] == "curated"
    assert math.isnan(raw.loc[("jax", "scalability"), "measured_value"])


def test_cited_os_support_scores_when_the_wheels_claim_more(toy):
    """MLX: wheels for three systems, its documentation two: official support is the documented one."""
    edition(toy, {"pypi": {"snapshot": AS_OF}, "curated": {"set": "current"}}, cast=("mlx",))
    snap("pypi", AS_OF, [("mlx", "os_count", 3), ("mlx", "architectures", "arm64;x86_64")],
         tables={"releases": [release("mlx", "mlx", "0.30.0", "2026-01-10T00:00:00Z")]})
    r = score_edition("toy")
    raw = raw_of(r)
    cited = yaml.safe_load((toy / "data/raw/curated/current/mlx.yaml").read_text())["facts"]["os_support"]["value"]
    assert cited < 3 and raw.loc[("mlx", "os_support"), "raw_value"] == cited
    assert raw.loc[("mlx", "os_support"), "origin"] == "curated" and raw.loc[("mlx", "os_support"), "chosen"] == "curated"
    assert len(raw_values.data_issues(r)) == 0


def test_current_declares_the_bases_its_validity_check_chose():
    result = score_edition("current")
    assert result.bases == {"activity": "feature_releases", "numerics": "curated"}


def test_origin_column_has_exactly_four_words(tmp_path):
    for eid in ("2018", "2018-remeasured", "current"):
        written = write_processed(score_edition(eid), tmp_path / eid)
        crit = pd.read_csv(written["criteria_scores"], keep_default_na=False)
        assert set(crit["origin"]) <= set(ORIGINS)
        assert ((crit["origin"] == "not_available") == (crit["status"] == "not_available")).all()
    assert set(crit["origin"]) == set(ORIGINS) - {"published"}  # current: measured, curated and n/a
    assert (crit[crit.criterion == "activity"]["basis"] == "feature_releases").all()


def test_contract_origin_rejects_an_unknown_raw_origin():
    frame = pd.DataFrame({"origin": ["collected", "guessed"], "score": [1.0, 2.0]})
    with pytest.raises(ValueError, match="guessed"):
        contract_origin(frame)
    assert list(contract_origin(pd.DataFrame({"score": [1.0, float("nan")]}))) == ["published", "not_available"]


def test_remeasured_loads_the_published_edition_once(monkeypatch):
    calls = []
    real = edition_inputs.load_edition
    monkeypatch.setattr(edition_inputs, "load_edition", lambda eid: calls.append(eid) or real(eid))
    score_edition("2018-remeasured")
    assert calls == ["2018-remeasured", "2018"]


def test_activity_bases_agreement_by_hand():
    table = pd.DataFrame({
        "framework": list("abcde") * 2, "basis": ["git"] * 5 + ["releases"] * 5,
        "published": [10, 20, 30, 40, 50] * 2,
        "score": [1, 2, 3, 4, None, 5, 4, 3, 2, 0],
        "lifecycle": [False] * 9 + [True],  # e's release value is set by its lifecycle: not a measurement
    })
    out = comparisons.activity_bases_agreement(table).set_index("basis")
    assert out.loc["git", "n_compared"] == 4 and out.loc["git", "spearman"] == pytest.approx(1.0)
    assert out.loc["releases", "n_compared"] == 4 and out.loc["releases", "spearman"] == pytest.approx(-1.0)
    assert out.loc["git", "n_common"] == 4 and out.loc["releases", "spearman_common"] == pytest.approx(-1.0)


def test_activity_of_2018_on_both_bases():
    from showdown_lib.method.scoring_step import basis_scores

    table = comparisons.activity_by_basis(score_edition("2018"), basis_scores(score_edition("2018-remeasured")))
    rel = table[table.basis == "releases"].set_index("framework")
    assert "no release of torch on the package index by 2018-06-26" in rel.loc["pytorch", "reason"]
    git = table[table.basis == "git"].set_index("framework")
    # merged, but measured as the basis finds it: here the snapshot has no copy of the PyTorch history
    assert not git.loc["caffe2", "lifecycle"] and git.loc["caffe2", "reason"].startswith("git: no local mirror")
    out = comparisons.activity_bases_agreement(table).set_index("basis")
    assert out.loc["git", "n_compared"] >= 5 and out.loc["releases", "n_compared"] >= 5


def test_github_basis_reads_the_last_push(toy):
    snap("github", AS_OF, [("jax", "pushed_at", "2026-01-18T00:00:00Z"), ("jax", "merged_prs_30d", 7),
                           ("tinygrad", "pushed_at", None), ("tinygrad", "merged_prs_30d", 3)])
    edition(toy, {"github": {"snapshot": AS_OF}, "basis": {"activity": "github"}}, cast=("jax", "tinygrad"))
    raw = raw_of(score_edition("toy"))
    assert raw.loc[("jax", "activity"), "raw_value"] == pytest.approx(1 / 2 + 7)  # pushed two weeks before the day's end
    assert raw.loc[("jax", "activity"), "source"].startswith("github basis: github")
    assert math.isnan(raw.loc[("tinygrad", "activity"), "raw_value"]) and "pushed_at unknown" in raw.loc[("tinygrad", "activity"), "note"]


def test_measures_follow_the_inputs_of_the_table(toy):
    """Criterion inputs are read, not restated: drop the wheel measurement from OS support and the curated value scores."""
    edition(toy, {"pypi": {"snapshot": AS_OF}, "curated": {"set": "current"}}, cast=("jax",))
    assert raw_of(score_edition("toy")).loc[("jax", "os_support"), "origin"] == "collected"
    path = toy / "data/raw/criteria.yaml"
    data = yaml.safe_load(path.read_text())
    os_support = next(c for c in data["criteria"] if c["id"] == "os_support")
    os_support["inputs"][0]["from"] = ["curated.os_support"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert raw_of(score_edition("toy")).loc[("jax", "os_support"), "origin"] == "curated"
