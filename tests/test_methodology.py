"""The methodology table: the post's 12 criteria in 3 rounds, our opt-in Modern stack round, and validation."""
from __future__ import annotations

import copy

import pytest

from showdown_lib.core.errors import DataError
from showdown_lib.core.methodology import parse_methodology
from showdown_lib.core.paths import criteria_file
from showdown_lib.core.fileio import read_yaml


def test_the_post_structure(method):
    assert method.standing_round_ids == ["support_community", "api_internals", "platform"]
    post = method.for_rounds(None)
    assert [len(post.criteria_of(r)) for r in post.round_ids] == [4, 3, 5]
    assert method.criterion("ootb_ops").max == 32 and method.criterion("ootb_ops").step == 0.5
    assert method.criterion("sponsor").max == 3  # the figures' four levels, not the text's three
    table = post.table()
    assert list(table.columns) == ["round", "criterion", "id", "question", "rule", "scale", "measured vs cited"] and len(table) == 12


def test_modern_stack_is_an_opt_in_fourth_round(method):
    assert method.round_ids == ["support_community", "api_internals", "platform", "modern_stack"]
    assert [c.id for c in method.criteria_of("modern_stack")] == [
        "accelerator_reach", "compiler", "scale_out", "deployment", "model_hub_reach", "cpu_speed"]
    assert method.default_criterion_weights["cpu_speed"] == 0 and method.default_criterion_weights["compiler"] == 1
    assert "default weight 0" in method.table().set_index("id").loc["cpu_speed", "scale"]
    with pytest.raises(KeyError, match="unknown round"):
        method.for_rounds(["nope"])


def test_round_keys_are_checked():
    data = copy.deepcopy(read_yaml(criteria_file()))
    data["rounds"][3]["opt_in"] = "yes"
    with pytest.raises(DataError, match="field 'opt_in'"):
        parse_methodology(data, "criteria.yaml")
    data["rounds"][3] = {"id": "modern_stack", "name": "x", "order": 4, "colour": "red"}
    with pytest.raises(DataError, match="a round needs id, name and order"):
        parse_methodology(data, "criteria.yaml")


@pytest.mark.parametrize("mutate, field", [
    (lambda c: c.update(kind="vibes"), "kind"),
    (lambda c: c.update(round="elsewhere"), "round"),
    (lambda c: c.pop("max"), "max"),
    (lambda c: c.update(weight=-1), "weight"),
    (lambda c: c.update(colour=2), "colour"),
    (lambda c: c.update(max="three"), "max"),
])
def test_bad_criterion_is_named(mutate, field):
    data = copy.deepcopy(read_yaml(criteria_file()))
    mutate(data["criteria"][0])
    with pytest.raises(DataError) as err:
        parse_methodology(data, "criteria.yaml")
    assert "criteria.yaml" in str(err.value) and "'sponsor'" in str(err.value) and f"field {field!r}" in str(err.value)


# ---------------------------------------------------------------- the table owns inputs, formulas and scales
def test_every_criterion_names_its_inputs_and_formula(method):
    for crit in method.criteria:
        assert crit.bases, crit.id
        for basis in crit.bases.values():
            assert {i.name for i in basis.inputs} and basis.formula
    eco = method.criterion("ecosystem").basis()
    # one formula, with the 1 + that keeps zero counts finite (text and computation are the same string)
    assert eco.formula == "log10(1 + repos_mentioning) + log10(1 + questions)"
    assert eco.evaluate({"repos_mentioning": 99, "questions": 9}) == pytest.approx(3.0)
    assert eco.evaluate({"repos_mentioning": 0, "questions": 0}) == 0.0
    assert "log10(1 + " in method.criterion("ecosystem").rule
    assert set(method.criterion("activity").bases) == {"git", "github", "releases", "feature_releases"}
    assert method.criterion("activity").when_inactive == {"archived": 0.0}
    assert method.criterion("os_support").when_inactive == {"merged": 0.0}


def test_curated_fact_scales_come_from_the_table(method):
    from showdown_lib.acquire.sources.curated import FROM_REGISTRY, fact_specs

    specs = fact_specs()
    assert not set(FROM_REGISTRY) & set(specs)  # read from frameworks.yaml: no curated file may write them
    for crit in method.criteria:
        for basis in crit.bases.values():
            for item in basis.inputs:
                for ref in item.refs:
                    if ref.startswith("curated.") and ref.split(".", 1)[1] not in FROM_REGISTRY:
                        spec = specs[ref.split(".", 1)[1]]
                        assert (spec.lo, spec.hi, spec.step) == (item.lo, item.hi, item.step), ref
    assert specs["sponsor"].hi == method.criterion("sponsor").max
    assert "dedicated team" in specs["sponsor"].description  # the level meanings, from the table


def test_changing_the_table_changes_the_validator(scratch_root):
    """Drift is impossible: the validator has no scale of its own."""
    from showdown_lib.acquire.sources.curated import fact_specs

    path = scratch_root / "data/raw/criteria.yaml"
    data = read_yaml(path)
    sponsor = next(c for c in data["criteria"] if c["id"] == "sponsor")
    sponsor["max"] = 4
    sponsor["levels"][4] = "a consortium"
    path.write_text(__import__("yaml").safe_dump(data, sort_keys=False))
    assert fact_specs()["sponsor"].hi == 4


@pytest.mark.parametrize("formula, words", [
    ("__import__('os').system('true')", "not a plain arithmetic"),
    ("sponsor.real", "not a plain arithmetic"),
    ("sponsor + other", "uses ['other', 'sponsor']"),
    ("sponsor +", "not a plain arithmetic"),
])
def test_bad_formula_is_named(formula, words):
    data = copy.deepcopy(read_yaml(criteria_file()))
    data["criteria"][0]["formula"] = formula
    with pytest.raises(DataError) as err:
        parse_methodology(data, "criteria.yaml")
    assert "'sponsor'" in str(err.value) and "field 'formula'" in str(err.value) and words in str(err.value)


@pytest.mark.parametrize("mutate, field, words", [
    (lambda c: c["levels"].pop(3), "levels", "do not match the scale"),
    (lambda c: c.update(inputs=["nowhere.sponsor"]), "inputs[0].from", "source.metric"),
    (lambda c: c.update(inputs=[{"from": ["curated.sponsor"], "colour": 1}]), "inputs[0].colour", "unknown key"),
    (lambda c: c.update(when_inactive={"retired": 0}), "when_inactive", "lifecycle statuses"),
    (lambda c: c.update(bases={"a": {"inputs": ["curated.sponsor"], "formula": "sponsor", "rule": "x"},
                               "b": {"inputs": ["curated.sponsor"], "formula": "sponsor", "rule": "y"}}), "bases", "not both"),
])
def test_bad_inputs_levels_and_bases_are_named(mutate, field, words):
    data = copy.deepcopy(read_yaml(criteria_file()))
    mutate(data["criteria"][0])
    with pytest.raises(DataError) as err:
        parse_methodology(data, "criteria.yaml")
    assert f"field {field!r}" in str(err.value) and words in str(err.value)


def test_default_basis_must_exist():
    data = copy.deepcopy(read_yaml(criteria_file()))
    activity = next(c for c in data["criteria"] if c["id"] == "activity")
    activity["default_basis"] = "vibes"
    with pytest.raises(DataError, match="default_basis must be one of"):
        parse_methodology(data, "criteria.yaml")


def test_table_shows_the_rule_of_the_chosen_basis(method):
    table = method.table({"activity": "releases"}).set_index("id")
    assert table.loc["activity", "rule"].startswith("[releases basis]") and "final release" in table.loc["activity", "rule"]
    assert method.table().set_index("id").loc["activity", "rule"].startswith("[git basis]")


def test_sensitivity_steps_come_from_the_table():
    data = copy.deepcopy(read_yaml(criteria_file()))
    method = parse_methodology(data, "criteria.yaml")
    assert method.criterion("activity").basis("releases").sensitivity_step == 1
    assert method.criterion("numerics").basis("coverage").sensitivity_step == pytest.approx(1 / 40)
    assert method.published_step == data["sensitivity"]["published_step"]
    bad = copy.deepcopy(data)
    bad["criteria"][1]["bases"]["releases"]["sensitivity_step"] = -1
    with pytest.raises(DataError, match="sensitivity_step must be a positive number"):
        parse_methodology(bad, "criteria.yaml")
    bad = copy.deepcopy(data)
    bad["sensitivity"] = {"published_step": 0}
    with pytest.raises(DataError, match="published_step"):
        parse_methodology(bad, "criteria.yaml")


def test_reconcile_rule_is_read_from_the_table_and_checked(method):
    os_rule = method.criterion("os_support")
    assert os_rule.settle(3, 2) == "curated" and os_rule.settle(2, 3) == "issue" and os_rule.settle(2, 2) == "measured"
    assert method.criterion("sponsor").settle(1, 2) == "issue"  # no rule: never silently the measurement
    data = copy.deepcopy(read_yaml(criteria_file()))
    data["criteria"][-1]["reconcile"] = {"higher": "loudest", "why": "x"}
    with pytest.raises(DataError) as err:
        parse_methodology(data, "criteria.yaml")
    assert "reconcile.higher" in str(err.value)
