"""Data flows one way: only the scoring step opens an edition's snapshots; every later step, and the site,
reads the processed tables it wrote, each checked against its declared schema."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from showdown_lib.core import fileio, paths, tables
from showdown_lib.core.errors import DataError
from showdown_lib.pipeline.step_context import open_step
from showdown_lib.pipeline.steps import StepError, load_steps

SCORING_STEP = "score"  # a plain Python step: showdown_lib.method.scoring_step.write_products


def test_no_step_after_the_scoring_step_declares_a_snapshot_or_an_editions_raw_inputs():
    table = load_steps()
    assert table.steps[0].name == SCORING_STEP
    assert table.steps[0].task == "showdown_lib.method.scoring_step:write_products"
    for step in table.steps[1:]:
        for ref in step.all_reads():
            assert not ref.startswith(("edition:", "snapshot:")), (step.name, ref)
            assert not ref.startswith(("raw:snapshots", "project:data/raw/snapshots")), (step.name, ref)


def _snapshot_files() -> list[Path]:
    return sorted(p for p in paths.snapshots_dir().rglob("*.csv"))


@pytest.mark.parametrize("notebook, edition, params", [
    ("inputs", "current", {}),
    ("02_api_internals", "current", {}),
    ("06_then_vs_now", None, {}),
    ("08_remeasured_2018", None, {}),
    ("09_hardware_gap", None, {}),
])
def test_a_later_step_cannot_open_a_snapshot_even_with_plain_pandas(notebook, edition, params, tmp_path, monkeypatch):
    monkeypatch.setenv("SHOWDOWN_ROOT", str(_scratch(tmp_path)))
    step = open_step(notebook, edition=edition, save_figures=False, **params)
    try:
        for path in _snapshot_files()[:3]:
            path = paths.snapshots_dir() / path.relative_to(paths.snapshots_dir())
            with pytest.raises(StepError, match="does not declare"):
                pd.read_csv(path)  # what comparisons.py used to do
            with pytest.raises(StepError, match="does not declare"):
                open(path, encoding="utf-8").close()
        # what it declares it may read
        for ref in step.reads:
            if ref.kind == "processed":
                pd.read_csv(ref.files()[0], nrows=1)
    finally:
        fileio.set_read_guard(None)


def _scratch(tmp_path: Path) -> Path:
    """A scratch root sharing the real data (read only here) and notebooks."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("data", "notebooks"):
        (root / name).symlink_to(paths.project_root() / name)
    (root / "pyproject.toml").write_text("")
    return root


def test_the_scoring_step_may_open_its_snapshots(tmp_path, monkeypatch):
    step = open_step(SCORING_STEP, edition="current", save_figures=False)
    try:
        pypi = [r for r in step.reads if r.kind == "edition"][0].files()
        snap = [p for p in pypi if paths.snapshots_dir() in p.parents][0]
        pd.read_csv(snap, nrows=1)
    finally:
        fileio.set_read_guard(None)


def test_the_site_opens_no_snapshot(tmp_path, monkeypatch):
    from showdown_lib.present.site import build

    snapshots = paths.snapshots_dir().resolve()
    opened: list[Path] = []

    def guard(path: Path) -> None:
        path = Path(path).resolve()
        if snapshots in path.parents:
            opened.append(path)
            raise StepError(f"the site opened {path}")

    fileio.set_read_guard(guard)
    try:
        build(tmp_path / "site")
    finally:
        fileio.set_read_guard(None)
    assert opened == []


def test_the_guard_sees_what_it_should():
    seen: list[Path] = []
    fileio.set_read_guard(seen.append)
    try:
        pd.read_csv(paths.processed_dir("2018") / "overall_scores.csv")
    finally:
        fileio.set_read_guard(None)
    assert paths.processed_dir("2018") / "overall_scores.csv" in seen


# -- the registry of processed tables ------------------------------------------------------------

def _written() -> list[Path]:
    return sorted(paths.processed_dir().rglob("*.csv"))


def test_every_processed_table_is_declared_valid_and_has_its_schema_beside_it():
    written = _written()
    assert len(written) > 40
    for path in written:
        frame = tables.read(path)
        schema = json.loads(tables.schema_path(path).read_text(encoding="utf-8"))
        assert [f["name"] for f in schema["fields"]] == list(frame.columns), path
        assert all(f["type"] in tables.TYPES and f["description"] for f in schema["fields"])
        assert schema["description"]


def test_every_table_a_step_writes_has_a_schema():
    for step in load_steps().steps:
        for ref in step.writes:
            if ref.startswith("processed:"):
                tables.schema(ref.rsplit("/", 1)[1])


@pytest.mark.parametrize("change, message", [
    (lambda f: f.drop(columns="rank"), "required column is missing"),
    (lambda f: f.assign(extra=1), "not declared"),
    (lambda f: f[["score", "framework", "rank", "tier"]], "declared order"),
    (lambda f: f.assign(rank="first"), "type integer"),
    (lambda f: f.assign(rank=1.5), "whole numbers"),
    (lambda f: f.assign(score="high"), "type number"),
])
def test_a_table_that_breaks_its_schema_names_the_table_and_column(change, message, tmp_path):
    frame = pd.read_csv(paths.processed_dir("2018") / "overall_scores.csv")
    target = tmp_path / "overall_scores.csv"
    with pytest.raises(DataError, match=message) as err:
        tables.write(change(frame), "overall_scores", target)
    assert "overall_scores.csv" in str(err.value)
    assert not target.exists()  # nothing written


def test_an_undeclared_table_is_an_error():
    with pytest.raises(DataError, match="no declared schema"):
        tables.schema("mystery_table")


# -- what a step reads is what it declares ---------------------------------------------------------

def test_the_hardware_gap_step_opens_exactly_what_it_declares_and_no_lifecycle(tmp_path, monkeypatch):
    """09 marks no framework (its chart and sentences count the cast's releases, year by year), so it reads no
    lifecycle table: every file it opens is one it declares, and each declared input is opened."""
    from showdown_lib.present.presenters import common
    from showdown_lib.present.presenters.hardware_gap import HardwareGap

    monkeypatch.setenv("SHOWDOWN_ROOT", str(_scratch(tmp_path)))
    monkeypatch.setattr(common, "display", lambda obj: None)
    step = open_step("09_hardware_gap", save_figures=False)
    guard, opened = step._guard, []
    fileio.set_read_guard(lambda path: (opened.append(Path(path).resolve()), guard(path)))
    try:
        gap = HardwareGap(step)
        gap.chart(), gap.story(), gap.table()
    finally:
        fileio.set_read_guard(None)
    data = (paths.project_root() / "data").resolve()
    read = {p for p in opened if data in p.parents}
    declared = {f.resolve() for ref in step.reads for f in ref.files()}
    assert read == declared, (sorted(read - declared), sorted(declared - read))
    assert not any("lifecycle" in p.name for p in read)


def test_a_presenter_that_marks_frameworks_needs_the_lifecycle_declared(tmp_path, monkeypatch):
    """Marking "Chainer (dormant)" reads the edition's lifecycle table; a step that does not declare it gets an
    error naming that input, never a lifecycle recomputed behind its declarations."""
    from showdown_lib.acquire.editions import load_edition
    from showdown_lib.present.presenters.common import Presenter

    monkeypatch.setenv("SHOWDOWN_ROOT", str(_scratch(tmp_path)))
    step = open_step("09_hardware_gap", save_figures=False)
    try:
        with pytest.raises(StepError, match="does not declare the input processed:current/lifecycle"):
            Presenter(step).mark_lifecycle(load_edition("current"))
        marked = Presenter(open_step("07_weights_stability", edition="current", save_figures=False))
        marked.mark_lifecycle(load_edition("current"))
        assert marked.names["chainer"] == "Chainer (dormant)"
    finally:
        fileio.set_read_guard(None)


# -- scoring reads first, then computes -----------------------------------------------------------

def _data_reads(call) -> tuple[object, list[Path]]:
    """``call()``'s result and every file under ``data/`` it read: opened, or asked for through the read
    guard (a cached read asks too), as the step's read guard sees them."""
    data = (paths.project_root() / "data").resolve()
    seen: list[Path] = []
    fileio.set_read_guard(lambda p: seen.append(Path(p).resolve()))
    try:
        out = call()
    finally:
        fileio.set_read_guard(None)
    return out, [p for p in seen if data in p.parents]


@pytest.mark.parametrize("edition_id", ["2018", "current", "2018-remeasured", "current@2024-06-30"])
def test_scoring_reads_nothing_once_its_inputs_are_read(edition_id):
    """Every input of an edition is read by read_inputs, before a score is computed: scoring them, and scoring
    them again on another basis (the validity check and the input sensitivity do), opens no data file."""
    import warnings

    from showdown_lib.acquire.edition_inputs import read_inputs
    from showdown_lib.method.edition_scores import raw_inputs, score_edition, score_inputs

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a dated edition's missing snapshots warn
        inputs, read = _data_reads(lambda: read_inputs(edition_id))
        assert paths.editions_dir() / inputs.edition.base_id / "edition.yaml" in read  # the recorder sees reads
        result, during = _data_reads(lambda: score_inputs(inputs))
        assert during == []
        for crit in inputs.method.criteria:
            for basis in list(crit.bases)[1:] if inputs.published is None and crit.has_bases else []:
                _, during = _data_reads(lambda: raw_inputs(inputs, bases={crit.id: basis}))
                assert during == [], (crit.id, basis)
        pd.testing.assert_frame_equal(result.overall, score_edition(edition_id).overall)
    assert result.scored_from is inputs
