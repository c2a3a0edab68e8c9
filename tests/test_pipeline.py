"""The declared pipeline: the step table, parameter checks, incremental runs, staged outputs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from showdown_lib.core.errors import DataError

from conftest import digest
from showdown_lib.pipeline.runner import PipelineError, parse_overrides, plan, run
from showdown_lib.core.errors import UsageError
from showdown_lib.pipeline.steps import StepError, check_edition_id, check_parameters, load_steps

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(pipeline_project):
    return pipeline_project


# ------------------------------------------------------------------------------ the table


def test_the_step_table_lists_every_notebook_once():
    table = load_steps()
    listed = [s.notebook for s in table.steps if s.notebook]
    on_disk = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(listed) == on_disk
    assert table.default_edition in table.editions


def test_each_notebook_declares_exactly_its_steps_parameters_with_the_tables_defaults():
    import papermill as pm

    table = load_steps()
    for step in [s for s in table.steps if s.notebook]:
        declared = pm.inspect_notebook(str(step.path))
        expected = set(step.parameters) | ({"edition"} if step.scope == "edition" else set())
        assert set(declared) == expected, step.notebook
        for name in step.parameters:
            assert json.loads(declared[name]["default"].replace("True", "true").replace("False", "false")) == table.parameters[name].default, (step.notebook, name)
            assert declared[name]["inferred_type_name"] == table.parameters[name].annotation(), (step.notebook, name)


def test_each_notebook_opens_its_step_and_publishes_last():
    for step in [s for s in load_steps().steps if s.notebook]:
        cells = [c for c in json.loads(step.path.read_text())["cells"] if c["cell_type"] == "code"]
        sources = ["".join(c["source"]) for c in cells]
        assert any(f'open_step("{step.notebook}"' in s for s in sources[:3]), step.notebook
        assert sources[-2].strip() == "step.publish()", step.notebook


def test_a_bad_step_table_names_the_file_and_the_step(tmp_path, monkeypatch):
    nb = tmp_path / "notebooks"
    nb.mkdir()
    (nb / "00_x.ipynb").write_text("{}")
    (nb / "steps.yaml").write_text("parameters: {}\nsteps:\n  - {notebook: 00_x, scope: weekly}\n")
    monkeypatch.setenv("SHOWDOWN_ROOT", str(tmp_path))
    with pytest.raises(StepError, match=r"steps.yaml, step '00_x', field 'scope'"):
        load_steps()
    (nb / "steps.yaml").write_text("parameters: {}\nsteps:\n  - {notebook: 00_x, writes: ['raw:frameworks.yaml']}\n")
    with pytest.raises(StepError, match="writes only processed tables, figures and the site"):
        load_steps()
    (nb / "steps.yaml").write_text("parameters: {}\nsteps:\n  - {notebook: 00_x, reads_by_kind: {measured: ['raw:curated']}}\n")
    with pytest.raises(StepError, match=r"step '00_x', field 'reads_by_kind': .*\('published', 'collected'\).*measured"):
        load_steps()
    (nb / "steps.yaml").write_text("parameters: {}\nsteps:\n  - {notebook: 00_x, reads_by_kind: {collected: ['curated']}}\n")
    with pytest.raises(StepError, match=r"step '00_x': 'curated' must be KIND:ARG"):
        load_steps()


# ------------------------------------------------------------------------------ parameters


def test_parse_overrides_reads_yaml_values():
    got = parse_overrides(["n_tiers=4", "category_weights={platform: 2}", "save_figures=false", "concentration=1e3",
                           "criterion_weights={ecosystem: 1e308}", "then_edition=2018"])
    assert got == {"n_tiers": 4, "category_weights": {"platform": 2}, "save_figures": False, "concentration": 1000.0,
                   "criterion_weights": {"ecosystem": 1e308}, "then_edition": 2018}
    with pytest.raises(PipelineError, match="key=value"):
        parse_overrides(["n_tiers"])


@pytest.mark.parametrize("given, message", [
    ({"categroy_weights": {"platform": 2}}, "unknown parameter 'categroy_weights'"),
    ({"n_tiers": "three"}, r"n_tiers='three': n_tiers must be integer"),
    ({"n_tiers": True}, "n_tiers=True: n_tiers must be integer"),
    ({"seed": -1}, r"seed=-1: seed must be bigger than or equal to 0"),
    ({"n_samples": 0}, r"n_samples=0: n_samples must be bigger than or equal to 100"),
    ({"save_figures": "maybe"}, r"save_figures='maybe': save_figures must be boolean"),
    ({"category_weights": [1, 2, 3]}, r"category_weights=\[1, 2, 3\]: category_weights must be object"),
    ({"category_weights": {"platform": 1e308, "api_internals": 1e308}}, r"category_weights\.(platform|api_internals) must be smaller than or equal to 1000000"),
    ({"category_weights": {"platfrom": 2}}, r"unknown id\(s\) \['platfrom'\]"),
    ({"criterion_weights": {"ecosystem": -1}}, "criterion_weights.ecosystem must be bigger than or equal to 0"),
    ({"category_weights": {"support_community": 0, "api_internals": 0, "platform": 0}}, "every weight is zero"),
    ({"concentration": 0}, "concentration must be bigger than 0"),
    ({"edition": "current"}, "--edition"),
])
def test_bad_parameters_are_refused_with_name_value_and_rule(given, message):
    with pytest.raises(StepError, match=message):
        check_parameters(load_steps(), given)


def test_an_edition_name_given_as_a_number_is_a_name():
    assert check_parameters(load_steps(), {"then_edition": 2018}) == {"then_edition": "2018"}


def test_good_parameters_pass():
    assert check_parameters(load_steps(), {"category_weights": {"platform": 0}, "n_tiers": 4, "concentration": 20}) == {
        "category_weights": {"platform": 0}, "n_tiers": 4, "concentration": 20}


@pytest.mark.parametrize("edition", ["../../../tmp/x", "/etc", "a b", "..", "current@yesterday"])
def test_edition_ids_are_never_paths(edition):
    with pytest.raises(UsageError, match="is not allowed|must be|date"):
        check_edition_id(edition)


def test_a_rejected_run_writes_nothing(project):
    before = digest(project)
    with pytest.raises(StepError):
        run(["2018"], {"n_samples": 0}, log=lambda *a: None)
    with pytest.raises(UsageError, match="is not allowed"):
        run(["../../../tmp/x"], {}, log=lambda *a: None)
    with pytest.raises(Exception, match="unknown edition"):
        run(["no-such-edition"], {}, log=lambda *a: None)
    assert digest(project) == before


def test_a_missing_input_is_named_before_anything_runs(project):
    (project / "data" / "processed" / "2018" / "overall_scores.csv").unlink()
    with pytest.raises(PipelineError, match=r"2018:04_aggregate reads processed:2018/overall_scores, but data/processed/2018/overall_scores.csv does not exist"):
        plan(load_steps(), ["2018"], ["04"], {})
    # with the step that writes it in the same run, the plan is fine
    assert [r.name for r in plan(load_steps(), ["2018"], ["score", "04"], {})] == ["2018:score", "2018:04_aggregate"]


def test_once_steps_are_planned_once_whatever_the_editions():
    runs = plan(load_steps(), ["2018", "current"], None, {})
    names = [r.name for r in runs]
    assert names.count("once:06_then_vs_now") == 1
    assert "2018:score" in names and "current:inputs" in names and names.count("once:site") == 1
    assert not any(n.startswith("current:06") for n in names)
    dest = {r.name: r.destination for r in runs}
    from showdown_lib.core import paths
    assert dest["2018:01_support_community"].parent == paths.notebooks_dir()
    assert dest["current:01_support_community"].parent == paths.project_root() / "reports" / "notebooks" / "current"
    assert dest["once:09_hardware_gap"].parent == paths.notebooks_dir()


# ------------------------------------------------------------------------------ the step context


def test_an_open_step_refuses_undeclared_reads_and_writes(project):
    import pandas as pd

    from showdown_lib.core import fileio
    from showdown_lib.pipeline.step_context import open_step

    step = open_step("01_support_community", edition="2018")
    try:
        assert len(step.table("criteria_scores")) == 13 * 12
        with pytest.raises(StepError, match="does not declare the input processed:2018/overall_scores"):
            step.table("overall_scores")
        with pytest.raises(StepError, match=r"reads data/processed/2018/overall_scores.csv, which it does not declare"):
            fileio.read_csv(project / "data" / "processed" / "2018" / "overall_scores.csv")
        with pytest.raises(StepError, match="does not declare the output processed:2018/claims"):
            step.write_table(pd.DataFrame({"a": [1]}), "claims")
        with pytest.raises(DataError, match="round_support_community.csv, field 'framework': a required column is missing"):
            step.write_table(pd.DataFrame({"a": [1.123456789]}), "round_support_community")  # its schema says otherwise
        row = step.table("criteria_scores").head(1).assign(score=1.123456789)
        step.write_table(row, "round_support_community")
        target = project / "data" / "processed" / "2018" / "round_support_community.csv"
        with pytest.raises(StepError, match="which it does not declare"):
            target.read_text()  # the guard sees a plain open too
        assert "published 1 table" in step.publish()
        assert pd.read_csv(target)["score"].tolist() == [1.1235]
        assert (target.parent / "round_support_community.schema.json").exists()
    finally:
        fileio.set_read_guard(None)


def test_a_step_rebuilds_the_scored_edition_from_its_tables_without_scoring(project, monkeypatch):
    from showdown_lib.method import edition_scores
    from showdown_lib.core.fileio import set_read_guard
    from showdown_lib.pipeline.step_context import open_step

    monkeypatch.setattr(edition_scores, "score_edition", lambda *a, **k: pytest.fail("a later step must not score again"))
    try:
        result = open_step("05_discussion", edition="2018").result()
    finally:
        set_read_guard(None)
    assert result.overall.sort_values("rank").framework.tolist()[:3] == ["mxnet", "pytorch", "tensorflow"]
    assert result.weights["category"] == {"support_community": 1.0, "api_internals": 1.0, "platform": 1.0}


def test_a_whole_number_written_with_a_decimal_point_is_read_as_an_integer():
    table = load_steps()
    assert check_parameters(table, {"n_tiers": 3.0}) == {"n_tiers": 3}
    assert type(check_parameters(table, {"n_tiers": 3.0})["n_tiers"]) is int
    with pytest.raises(StepError, match=r"n_tiers=3\.5: n_tiers must be integer"):
        check_parameters(table, {"n_tiers": 3.5})
