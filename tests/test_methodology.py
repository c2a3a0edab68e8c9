"""The methodology table: 12 criteria in 3 rounds, and validation of its fields."""
from __future__ import annotations

import copy

import pytest

from showdown_lib.errors import DataError
from showdown_lib.methodology import parse_methodology
from showdown_lib.paths import criteria_file
from showdown_lib.fileio import read_yaml


def test_the_post_structure(method):
    assert method.round_ids == ["support_community", "api_internals", "platform"]
    assert [len(method.criteria_of(r)) for r in method.round_ids] == [4, 3, 5]
    assert method.criterion("ootb_ops").max == 32 and method.criterion("ootb_ops").step == 0.5
    assert method.criterion("sponsor").max == 3  # the figures' four levels, not the text's three
    table = method.table()
    assert list(table.columns) == ["round", "criterion", "id", "question", "rule", "scale"] and len(table) == 12


@pytest.mark.parametrize("mutate, field", [
    (lambda c: c.update(kind="vibes"), "kind"),
    (lambda c: c.update(round="elsewhere"), "round"),
    (lambda c: c.pop("max"), "max"),
    (lambda c: c.update(weight=2), "weight"),
    (lambda c: c.update(max="three"), "max"),
])
def test_bad_criterion_is_named(mutate, field):
    data = copy.deepcopy(read_yaml(criteria_file()))
    mutate(data["criteria"][0])
    with pytest.raises(DataError) as err:
        parse_methodology(data, "criteria.yaml")
    assert "criteria.yaml" in str(err.value) and "'sponsor'" in str(err.value) and f"field {field!r}" in str(err.value)
