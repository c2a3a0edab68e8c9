"""Edition 2018 reproduced from its published figures, and the edition files validated."""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest
import yaml

from showdown_lib.method.edition_scores import score_edition, write_processed
from showdown_lib.acquire.editions import load_edition
from showdown_lib.core.errors import DataError

ROOT = Path(__file__).resolve().parents[1]


def published_means():
    """Category means straight from the CSV, without any project code."""
    sums = defaultdict(list)
    with open(ROOT / "data/raw/editions/2018/published_criteria.csv") as fh:
        for row in csv.DictReader(fh):
            if row["status"] == "value":
                sums[(row["framework"], row["round"])].append(float(row["score_0_100"]))
    return {k: sum(v) / len(v) for k, v in sums.items()}


def test_2018_category_scores_are_means_of_published_criteria():
    result = score_edition("2018")
    expected = published_means()
    got = result.categories.set_index(["framework", "category"])["score"]
    assert len(got) == 13 * 3
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key


def test_2018_overall_is_mean_of_categories_and_mxnet_leads():
    result = score_edition("2018")
    means = published_means()
    o = result.overall.set_index("framework")
    for fw in o.index:
        cats = [means[(fw, r)] for r in ("support_community", "api_internals", "platform")]
        assert o.loc[fw, "score"] == pytest.approx(sum(cats) / 3, abs=1e-9)
    assert list(result.overall.framework[:3]) == ["mxnet", "pytorch", "tensorflow"]
    assert list(o.loc[["mxnet", "pytorch", "tensorflow"], "tier"]) == [1, 1, 1]


def test_2018_not_available_numerics_flagged_and_levels_inferred():
    crit = score_edition("2018").criteria.set_index(["framework", "criterion"])
    for fw in ("caffe", "caffe2", "paddlepaddle"):
        assert crit.loc[(fw, "numerics"), "status"] == "not_available"
        assert pd.isna(crit.loc[(fw, "numerics"), "score"])
    assert crit.loc[("caffe2", "sponsor"), "raw_value"] == 2  # 67 -> level 2 of 0-3
    assert crit.loc[("mxnet", "ootb_ops"), "raw_value"] == 29.5  # 92 -> 29.5 of 32
    assert pd.isna(crit.loc[("mxnet", "activity"), "raw_value"])  # relative: not recoverable


def test_processed_contract_columns(tmp_path):
    written = write_processed(score_edition("2018"), tmp_path)
    assert list(pd.read_csv(written["criteria_scores"]).columns)[:7] == ["framework", "round", "criterion", "raw_value", "score", "status", "source"]
    assert list(pd.read_csv(written["category_scores"]).columns) == ["framework", "category", "score", "n_criteria", "tier"]
    assert list(pd.read_csv(written["overall_scores"]).columns) == ["framework", "score", "rank", "tier"]
    assert set(pd.read_csv(written["category_scores"]).category) == {"support_community", "api_internals", "platform"}


def edit_published(root, fn):
    path = root / "data/raw/editions/2018/published_criteria.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = fn(frame)
    frame.to_csv(path, index=False)
    spec = yaml.safe_load((root / "data/raw/editions/2018/edition.yaml").read_text())
    spec["inputs"]["published_criteria"].pop("sha256")
    (root / "data/raw/editions/2018/edition.yaml").write_text(yaml.safe_dump(spec))
    return path


def test_checksum_mismatch_is_named(scratch_root):
    path = scratch_root / "data/raw/editions/2018/published_criteria.csv"
    path.write_text(path.read_text().replace("tensorflow,support_community,activity,90", "tensorflow,support_community,activity,91"))
    with pytest.raises(DataError, match="checksum mismatch") as err:
        score_edition("2018")
    assert "published_criteria.csv" in str(err.value)


@pytest.mark.parametrize("fn, field, words", [
    (lambda f: f.assign(score_0_100=f.score_0_100.where(f.index != 0, "150")), "score_0_100", "0-100"),
    (lambda f: f.assign(score_0_100=f.score_0_100.where(f.index != 1, "high")), "score_0_100", "number"),
    (lambda f: f.assign(framework=f.framework.where(f.index != 2, "keras")), "framework", "cast"),
    (lambda f: f.assign(criterion=f.criterion.where(f.index != 3, "vibes")), "criterion", "unknown criterion"),
    (lambda f: f.assign(round=f["round"].where(f.index != 0, "platform")), "round", "belongs to round"),
    (lambda f: f.assign(status=f.status.where(f.index != 0, "maybe")), "status", "status"),
    (lambda f: pd.concat([f, f.iloc[[0]]]), "criterion", "more than once"),
    (lambda f: f.drop(columns=["status"]), "status", "missing column"),
])
def test_bad_published_rows_name_file_and_field(scratch_root, fn, field, words):
    edit_published(scratch_root, fn)
    with pytest.raises(DataError) as err:
        score_edition("2018")
    msg = str(err.value)
    assert "published_criteria.csv" in msg and f"field {field!r}" in msg and words in msg


def test_edition_file_errors(scratch_root):
    path = scratch_root / "data/raw/editions/2018/edition.yaml"
    spec = yaml.safe_load(path.read_text())
    spec["cast"].append("nosuchframework")
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(DataError, match="nosuchframework") as err:
        load_edition("2018")
    assert "field 'cast'" in str(err.value)
    with pytest.raises(DataError, match="unknown edition"):
        load_edition("1999")


def test_an_editions_label_comes_from_its_file_and_a_dated_edition_adds_its_date(scratch_root):
    assert load_edition("2018").label == "2018 (as published)"
    assert load_edition("current").label == "today"
    assert load_edition("current@2024-06-30").label == "today (as of 2024-06-30)"
    path = scratch_root / "data/raw/editions/2018-remeasured/edition.yaml"
    spec = yaml.safe_load(path.read_text())
    spec["label"] = "the post's date, measured again"
    path.write_text(yaml.safe_dump(spec))
    assert load_edition("2018-remeasured").label == "the post's date, measured again"
    assert load_edition("2018-remeasured@2019-03-01").label == "the post's date, measured again (as of 2019-03-01)"
    del spec["label"]  # no label: the edition's id
    path.write_text(yaml.safe_dump(spec))
    assert load_edition("2018-remeasured").label == "2018-remeasured"
    assert load_edition("2018-remeasured@2019-03-01").label == "2018-remeasured (as of 2019-03-01)"
    spec["label"] = "  "
    path.write_text(yaml.safe_dump(spec))
    with pytest.raises(DataError, match="label") as err:
        load_edition("2018-remeasured")
    assert "edition.yaml" in str(err.value)
