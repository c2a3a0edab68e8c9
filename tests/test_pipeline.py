"""The papermill pipeline: parameters, a real run, and a failure that names notebook and cell."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from showdown_lib.pipeline import NotebookFailure, PipelineError, notebooks, parse_overrides, run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def project(scratch_root):
    shutil.copytree(ROOT / "notebooks", scratch_root / "notebooks")
    return scratch_root


def test_parse_overrides_reads_yaml_values():
    got = parse_overrides(["n_tiers=4", "category_weights={platform: 2}", "edition=current", "save_figures=false"])
    assert got == {"n_tiers": 4, "category_weights": {"platform": 2}, "edition": "current", "save_figures": False}
    with pytest.raises(PipelineError, match="key=value"):
        parse_overrides(["n_tiers"])


def test_notebooks_run_in_numbered_order():
    names = [p.stem for p in notebooks()]
    assert names[:6] == ["00_collect", "01_support_community", "02_api_internals", "03_platform", "04_aggregate", "05_discussion"]
    assert names == sorted(names)
    with pytest.raises(PipelineError, match="no notebook matches"):
        notebooks(["99"])


def test_unknown_parameter_is_refused_before_running(project, tmp_path):
    with pytest.raises(PipelineError, match="unknown parameter"):
        run("2018", {"categroy_weights": {"platform": 2}}, ["04"], output_dir=tmp_path, log=lambda *a: None)
    assert not list(tmp_path.glob("*.ipynb"))


@pytest.mark.slow
def test_weights_flow_from_parameters_to_processed_tables(project, tmp_path):
    out = tmp_path / "executed"
    written = run("2018", {"category_weights": {"platform": 0}, "save_figures": False}, ["04"], output_dir=out, log=lambda *a: None)
    assert [p.name for p in written] == ["04_aggregate.ipynb"]
    book = json.loads(written[0].read_text())
    assert not [o for c in book["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    overall = pd.read_csv(project / "data/processed/2018/overall_scores.csv").set_index("framework")
    cats = pd.read_csv(project / "data/processed/2018/category_scores.csv").pivot(index="framework", columns="category", values="score")
    expected = (cats["support_community"] + cats["api_internals"]) / 2
    assert (overall["score"] - expected).abs().max() < 1e-3
    assert overall["score"].idxmax() == "pytorch"  # without Platform, MXNet loses the crown
    assert not (project / "reports/figures/2018").exists()  # save_figures=False


@pytest.mark.slow
def test_failure_names_notebook_and_cell_and_keeps_the_record(project, tmp_path):
    with pytest.raises(NotebookFailure) as err:
        run("no-such-edition", {}, ["00"], output_dir=tmp_path, log=lambda *a: None)
    failure = err.value
    assert failure.notebook == "00_collect.ipynb" and failure.cell is not None
    assert "unknown edition" in str(failure) and "runs/no-such-edition/00_collect.ipynb" in str(failure)
    record = json.loads(Path(failure.record).read_text())
    assert any(o.get("output_type") == "error" for c in record["cells"] for o in c.get("outputs", []))
    assert not (tmp_path / "00_collect.ipynb").exists()  # a failed run is never copied to the destination


def test_run_all_exits_non_zero_with_the_message(project, capsys):
    import run_all

    assert run_all.main(["--only", "04", "-p", "bogus=1"]) == 1
    assert "unknown parameter" in capsys.readouterr().err


def test_notebooks_without_an_edition_parameter_can_run_alone(project, tmp_path):
    """--only on notebooks that take no edition must not trip the unknown-parameter check."""
    from showdown_lib.pipeline import declared_parameters

    books = notebooks(["09"])
    assert "edition" not in declared_parameters(books[0])
    written = run("current", {"save_figures": False}, ["09"], output_dir=tmp_path, log=lambda *a: None)
    assert [p.name for p in written] == ["09_hardware_gap.ipynb"]
    with pytest.raises(PipelineError, match="--edition"):
        run("2018", {"edition": "current"}, ["04"], output_dir=tmp_path, log=lambda *a: None)
