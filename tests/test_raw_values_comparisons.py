"""Collected editions: observations become raw values by the documented rules; the 'beyond' analyses."""
from __future__ import annotations

import math

import pandas as pd
import pytest
import yaml

from showdown_lib.method import comparisons
from showdown_lib.method.edition_scores import score_edition
from showdown_lib.core.errors import DataError
from showdown_lib.acquire.sources.base import Observation, SourceResult, missing
from showdown_lib.acquire.snapshots import write_snapshot


def snap(source, as_of, rows, tables=None):
    obs = [Observation(fw, m, v, "u", as_of, source, f"{source} detail") if v is not None
           else missing(fw, m, "u", as_of, source, f"{m} unknown") for fw, m, v in rows]
    write_snapshot(SourceResult(source, as_of, obs, "{x}", "test", "1", tables=tables or {}))


@pytest.fixture
def toy_edition(scratch_root):
    """An edition of two frameworks with git, pypi and ops-probe snapshots and no curated set."""
    folder = scratch_root / "data/raw/editions/toy"
    folder.mkdir(parents=True)
    (folder / "edition.yaml").write_text(yaml.safe_dump({
        "id": "toy", "title": "Toy", "as_of": "2026-01-31", "kind": "collected", "cast": ["jax", "tinygrad"], "n_tiers": 2,
        "inputs": {"git": {"snapshot": "latest"}, "pypi": {"snapshot": "2026-01-31"}, "ops_probe": {"snapshot": "latest"},
                   "github": {"snapshot": None, "unavailable": "offline in the test"}},
    }))
    snap("git", "2026-01-31", [("jax", "weeks_since_last_commit", 0.2), ("jax", "merged_prs_30d", 40),
                               ("tinygrad", "weeks_since_last_commit", 4.0), ("tinygrad", "merged_prs_30d", 9)])
    snap("git", "2026-03-01", [("jax", "weeks_since_last_commit", 99), ("jax", "merged_prs_30d", 0)])  # after as_of: ignored
    snap("pypi", "2026-01-31", [("jax", "os_count", 3), ("jax", "architectures", "x86_64"), ("tinygrad", "os_count", None)],
         tables={"releases": [{"framework": "jax", "project": "jax", "version": "0.4.1", "upload_time": "2023-01-02T00:00:00Z", "yanked": 0, "n_files": 1},
                              {"framework": "jax", "project": "jaxlib", "version": "0.4.1", "upload_time": "2023-01-03T00:00:00Z", "yanked": 0, "n_files": 1},
                              {"framework": "jax", "project": "jax", "version": "0.4.2rc1", "upload_time": "2023-02-01T00:00:00Z", "yanked": 0, "n_files": 1},
                              {"framework": "tinygrad", "project": "tinygrad", "version": "0.9.0", "upload_time": "2024-05-01T00:00:00Z", "yanked": 0, "n_files": 1},
                              {"framework": "tinygrad", "project": "tinygrad", "version": "0.9.0.post1", "upload_time": "2025-01-02T00:00:00Z", "yanked": 0, "n_files": 1}]})
    snap("ops_probe", "2026-01-30", [("jax", "ootb_ops", 30.5), ("tinygrad", "ootb_ops", 24)])
    return scratch_root


def test_activity_rule_latest_snapshot_and_relative_score(toy_edition):
    r = score_edition("toy")
    raw = r.raw.set_index(["framework", "criterion"])
    # 1 / max(weeks, 1) + PRs: jax 1/1 + 40 = 41 ; tinygrad 1/4 + 9 = 9.25
    assert raw.loc[("jax", "activity"), "raw_value"] == pytest.approx(41.0)
    assert raw.loc[("tinygrad", "activity"), "raw_value"] == pytest.approx(9.25)
    s = r.criteria.set_index(["framework", "criterion"])["score"]
    assert s[("tinygrad", "activity")] == pytest.approx(9.25 / 41 * 100)
    assert raw.loc[("jax", "activity"), "origin"] == "collected"


def test_probe_os_and_missing_reasons(toy_edition):
    r = score_edition("toy")
    raw = r.raw.set_index(["framework", "criterion"])
    assert raw.loc[("jax", "ootb_ops"), "origin"] == "probed" and raw.loc[("jax", "ootb_ops"), "raw_value"] == 30.5
    assert raw.loc[("jax", "os_support"), "raw_value"] == 3
    assert math.isnan(raw.loc[("tinygrad", "os_support"), "raw_value"])
    assert "os_count unknown" in raw.loc[("tinygrad", "os_support"), "note"]
    assert "offline in the test" in raw.loc[("jax", "ecosystem"), "note"]
    crit = r.criteria.set_index(["framework", "criterion"])
    assert crit.loc[("jax", "ecosystem"), "status"] == "not_available"
    # platform mean of jax is over the one available criterion (os 100)
    cats = r.categories.set_index(["framework", "category"])
    assert cats.loc[("jax", "platform"), "n_criteria"] == 1 and cats.loc[("jax", "platform"), "score"] == pytest.approx(100)


def test_releases_per_year_counts_final_versions_once(toy_edition):
    from showdown_lib.method.scoring_step import releases_per_year
    from showdown_lib.acquire.observations import resolve_snapshots

    r = score_edition("toy")
    per_year = releases_per_year(r, resolve_snapshots(r.edition)["pypi"]).set_index("year")
    assert per_year.loc[2023, "releases"] == 1  # jax + jaxlib 0.4.1 once; the rc is not final
    assert per_year.loc[2024, "frameworks_releasing"] == 1
    assert 2025 not in per_year.index  # tinygrad 0.9.0.post1 re-ships 0.9.0: no new release


def test_rank_correlations_by_hand():
    a = pd.Series([1, 2, 3, 4])
    assert comparisons.spearman(a, pd.Series([10, 20, 30, 40])) == pytest.approx(1.0)
    assert comparisons.spearman(a, pd.Series([4, 3, 2, 1])) == pytest.approx(-1.0)
    # one swapped pair of four: 5 concordant, 1 discordant -> tau = 4/6
    assert comparisons.kendall(a, pd.Series([1, 3, 2, 4])) == pytest.approx(4 / 6)
    assert math.isnan(comparisons.spearman(pd.Series([1, 2]), pd.Series([2, 1])))


def test_then_vs_now_marks_newcomers_and_rank_changes():
    table = comparisons.then_vs_now(score_edition("2018"), score_edition("current")).set_index("framework")
    assert pd.isna(table.loc["jax", "rank_then"]) and pd.notna(table.loc["jax", "rank_now"])
    row = table.loc["mxnet"]
    assert row["rank_change"] == row["rank_then_common"] - row["rank_now_common"]
    both = table.dropna(subset=["rank_then", "rank_now"])
    # ranks over the same cast: among the frameworks of both editions, by each edition's score
    assert both["rank_now_common"].tolist() == both["score_now"].rank(ascending=False, method="min").tolist()
    assert pd.isna(table.loc["jax", "rank_change"])


def test_gpu_cores_validation(tmp_path):
    good = comparisons.gpu_cores()
    assert good["year"].is_monotonic_increasing and good["cores"].dropna().gt(0).all()
    bad = tmp_path / "gpu.yaml"
    bad.write_text(yaml.safe_dump({"series": [{"year": 2010, "gpu": "x", "cores": None}]}))
    with pytest.raises(DataError, match="reason") as err:
        comparisons.gpu_cores(bad)
    assert "series[0]" in str(err.value)
    bad.write_text(yaml.safe_dump({"series": [{"year": 2010, "gpu": "x", "cores": 5}]}))
    with pytest.raises(DataError, match="citation"):
        comparisons.gpu_cores(bad)


def test_adding_a_framework_is_one_registry_entry(scratch_root):
    """A new entry in frameworks.yaml joins today's edition, with n/a where nothing is known yet."""
    path = scratch_root / "data/raw/frameworks.yaml"
    data = yaml.safe_load(path.read_text())
    data["frameworks"].append({"id": "newframe", "name": "NewFrame", "association": "Somebody", "first_release": 2026,
                               "repositories": [{"url": "https://github.com/example/newframe"}], "pypi": [], "so_tags": [],
                               "numerics": "NumPy"})
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    r = score_edition("current")
    assert "newframe" in set(r.overall.framework)
    crit = r.criteria[r.criteria.framework == "newframe"]
    assert len(crit) == len(r.method.criteria) == 18 and (crit.status == "not_available").all()
    assert (r.raw[r.raw.framework == "newframe"].note != "").all()  # every n/a says why
    from showdown_lib.present import charts
    from showdown_lib.core.registry import load_registry

    assert charts.framework_colors(load_registry())["newframe"] not in {fw.color for fw in load_registry() if fw.color}


def test_nothing_found_on_aws_scores_zero_not_na():
    """criteria.yaml: AWS support 0 means "nothing found"; looking and finding nothing is that level, not n/a."""
    r = score_edition("current")
    crit = r.criteria[r.criteria.criterion == "aws_support"].set_index("framework")
    assert crit.loc["deeplearning4j", "status"] == "value" and crit.loc["deeplearning4j", "score"] == 0
    raw = r.raw[(r.raw.criterion == "aws_support") & r.raw.raw_value.isna()]
    found_nothing = raw[raw["note"].str.contains(r"could not be found|nothing found|no aws", case=False, na=False)]
    assert found_nothing.empty, found_nothing[["framework", "note"]].to_string()
