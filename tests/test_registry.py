"""The framework registry: the real file loads, and bad entries are named precisely."""
from __future__ import annotations

import copy

import pytest
import yaml

from showdown_lib.errors import DataError
from showdown_lib.registry import load_registry, parse_registry

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
