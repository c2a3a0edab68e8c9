"""The framework registry: the real file loads, and bad entries are named precisely."""
from __future__ import annotations

import copy

import pytest
import yaml

from showdown_lib.core.errors import DataError
from showdown_lib.core.registry import load_registry, parse_registry

GOOD = {"frameworks": [{
    "id": "alpha", "name": "Alpha", "association": "Lab", "first_release": 2015,
    "repositories": [{"url": "https://github.com/o/alpha"}], "pypi": ["alpha"], "so_tags": ["alpha"], "numerics": "NumPy",
}]}


def test_committed_registry_loads_with_the_2018_cast():
    ids = [fw.id for fw in load_registry()]
    for fid in ["bigdl", "caffe", "caffe2", "chainer", "cntk", "deeplearning4j", "mxnet", "neon",
                "paddlepaddle", "pytorch", "tensorflow", "torch", "theano"]:
        assert fid in ids
    assert len(ids) == len(set(ids))


def test_repository_slug_and_subtree():
    caffe2 = {fw.id: fw for fw in load_registry()}["caffe2"]
    assert caffe2.repositories[0].slug == "pytorch/pytorch" and caffe2.repositories[0].path == "caffe2"


def bad(mutator):
    data = copy.deepcopy(GOOD)
    mutator(data["frameworks"][0], data)
    return data


@pytest.mark.parametrize("mutate, entry, field, words", [
    (lambda e, d: e.update(colour="#000000"), "alpha", "colour", "unknown key"),
    (lambda e, d: e.pop("name"), "alpha", "name", "missing required"),
    (lambda e, d: e.update(first_release="2015"), "alpha", "first_release", "year"),
    (lambda e, d: e.update(pypi="alpha"), "alpha", "pypi", "list"),
    (lambda e, d: e.update(id="Alpha!"), "Alpha!", "id", "identifier"),
    (lambda e, d: e.update(repositories=[{"url": "not a url"}]), "alpha", "repositories[0].url", "URL"),
    (lambda e, d: e.update(color="red"), "alpha", "color", "hex"),
    (lambda e, d: d["frameworks"].append(copy.deepcopy(e)), "alpha", "id", "duplicate"),
])
def test_bad_entries_name_file_entry_and_field(tmp_path, mutate, entry, field, words):
    path = tmp_path / "frameworks.yaml"
    path.write_text(yaml.safe_dump(bad(mutate)))
    with pytest.raises(DataError) as err:
        load_registry(path)
    msg = str(err.value)
    assert str(path) in msg and f"entry {entry!r}" in msg and f"field {field!r}" in msg and words in msg


def test_top_level_shape(tmp_path):
    with pytest.raises(DataError, match="top level"):
        parse_registry([1, 2], tmp_path / "x.yaml")
    path = tmp_path / "broken.yaml"
    path.write_text("frameworks: [\n")
    with pytest.raises(DataError, match="not valid YAML"):
        load_registry(path)


# ---------------------------------------------------------------- lifecycle
LIFE = {"status": "archived", "since": "2023-11-17", "citation": {"url": "https://example.org/attic", "title": "Retired", "accessed": "2026-11-25"}}


def test_committed_registry_has_a_cited_lifecycle_for_every_framework():
    from showdown_lib.core.registry import inactive

    frameworks = load_registry()
    assert all(fw.lifecycle is not None and fw.lifecycle.citation["url"].startswith("http") for fw in frameworks)
    by_id = {fw.id: fw for fw in frameworks}
    assert by_id["caffe2"].lifecycle.status == "merged" and by_id["caffe2"].lifecycle.into == "pytorch"
    assert by_id["mxnet"].lifecycle.status == "archived" and by_id["chainer"].lifecycle.status == "maintenance"
    today = inactive(frameworks, "2026-11-25")
    assert {"mxnet", "caffe2", "chainer", "neon"} <= set(today) and "pytorch" not in today
    # a status counts from its date on: in 2018 MXNet and Chainer were active, Caffe2 had merged
    assert by_id["mxnet"].is_active("2018-06-26") and by_id["chainer"].is_active("2018-06-26")
    assert not by_id["caffe2"].is_active("2018-06-26") and by_id["caffe2"].is_active("2018-03-29")
    assert by_id["caffe2"].status_on("2026-11-25") == "merged"


def test_framework_without_lifecycle_counts_as_active(tmp_path):
    path = tmp_path / "frameworks.yaml"
    path.write_text(yaml.safe_dump(GOOD))
    fw = load_registry(path)[0]
    assert fw.lifecycle is None and fw.is_active("2026-01-01")


@pytest.mark.parametrize("life, field, words", [
    ({**LIFE, "status": "retired"}, "lifecycle.status", "one of"),
    ({k: v for k, v in LIFE.items() if k != "since"}, "lifecycle.since", "needs the date"),
    ({**LIFE, "since": "last year"}, "lifecycle.since", "YYYY-MM-DD"),
    ({**LIFE, "status": "merged"}, "lifecycle.into", "merged only"),
    ({**LIFE, "into": "alpha"}, "lifecycle.into", "merged only"),
    ({**LIFE, "status": "merged", "into": "nosuch"}, "lifecycle.into", "another framework"),
    ({**LIFE, "status": "merged", "into": "alpha"}, "lifecycle.into", "another framework"),
    ({**LIFE, "citation": {"url": "https://example.org", "title": "T"}}, "lifecycle.citation.accessed", "exactly"),
    ({**LIFE, "citation": {**LIFE["citation"], "url": "example.org"}}, "lifecycle.citation.url", "http"),
    ({**LIFE, "citation": {**LIFE["citation"], "accessed": "2999-01-01"}}, "lifecycle.citation.accessed", "past date"),
    ({**LIFE, "reason": "x"}, "lifecycle.reason", "unknown key"),
])
def test_bad_lifecycle_names_file_entry_and_field(tmp_path, life, field, words):
    path = tmp_path / "frameworks.yaml"
    path.write_text(yaml.safe_dump(bad(lambda e, d: e.update(lifecycle=life))))
    with pytest.raises(DataError) as err:
        load_registry(path)
    msg = str(err.value)
    assert str(path) in msg and "entry 'alpha'" in msg and f"field {field!r}" in msg and words in msg


def test_registry_cache_sees_edits(tmp_path):
    path = tmp_path / "frameworks.yaml"
    path.write_text(yaml.safe_dump(GOOD))
    assert load_registry(path)[0].name == "Alpha"
    path.write_text(yaml.safe_dump(bad(lambda e, d: e.update(name="Alphabet"))))
    assert load_registry(path)[0].name == "Alphabet"


# ---------------------------------------------------------------- release outside the index, front end, the rule
REL = {"version": "1.0", "date": "2022-08-12", "where": "Maven Central",
       "citation": {"url": "https://example.org/rel", "title": "Releases", "accessed": "2026-11-25"}}


@pytest.mark.parametrize("release, field, words", [
    ({**REL, "date": "August 2022"}, "lifecycle.release_outside_index.date", "YYYY-MM-DD"),
    ({k: v for k, v in REL.items() if k != "where"}, "lifecycle.release_outside_index", "exactly"),
    ({**REL, "citation": {**REL["citation"], "url": "ftp://x"}}, "lifecycle.release_outside_index.citation.url", "http"),
])
def test_bad_release_outside_index_is_named(tmp_path, release, field, words):
    path = tmp_path / "frameworks.yaml"
    path.write_text(yaml.safe_dump(bad(lambda e, d: e.update(lifecycle={**LIFE, "release_outside_index": release}))))
    with pytest.raises(DataError) as err:
        load_registry(path)
    msg = str(err.value)
    assert str(path) in msg and "entry 'alpha'" in msg and f"field {field!r}" in msg and words in msg


def test_front_end_names_registry_backends(tmp_path):
    data = copy.deepcopy(GOOD)
    beta = {**data["frameworks"][0], "id": "beta", "name": "Beta"}
    data["frameworks"].append({**beta, "id": "gamma", "name": "Gamma", "front_end": {"backends": ["alpha", "beta"], "measured_on": "beta"}})
    data["frameworks"].append(beta)
    path = tmp_path / "frameworks.yaml"
    path.write_text(yaml.safe_dump(data))
    gamma = {fw.id: fw for fw in load_registry(path)}["gamma"]
    assert gamma.front_end.measured_on == "beta"
    data["frameworks"][1]["front_end"] = {"backends": ["alpha", "nosuch"], "measured_on": "alpha"}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(DataError, match="front_end.backends"):
        load_registry(path)
    data["frameworks"][1]["front_end"] = {"backends": ["alpha"], "measured_on": "beta"}
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(DataError, match="measured_on must be one of the backends"):
        load_registry(path)


@pytest.mark.parametrize("rule, words", [(None, "lifecycle_rule must be"), ({"dormant_after_days": "two years"}, "whole number"),
                                         ({"dormant_after_days": 730, "x": 1}, "exactly")])
def test_bad_lifecycle_rule_is_named(tmp_path, rule, words):
    from showdown_lib.core.registry import load_lifecycle_rule

    path = tmp_path / "frameworks.yaml"
    path.write_text(yaml.safe_dump({**GOOD, **({"lifecycle_rule": rule} if rule is not None else {})}))
    with pytest.raises(DataError) as err:
        load_lifecycle_rule(path)
    assert str(path) in str(err.value) and "lifecycle_rule" in str(err.value) and words in str(err.value)
    assert load_lifecycle_rule()["dormant_after_days"] == 730
