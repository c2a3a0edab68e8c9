"""Loading collected values: ranges and types, duplicates, provenance, checksums, pinned snapshots,
edition ids and dates. Every bad input is an error naming the file, the row or field, and the value."""
from __future__ import annotations

import json
import re
from pathlib import Path
import warnings

import pytest
import yaml

from showdown_lib.acquire import editions, snapshots
from showdown_lib.method.edition_scores import score_edition
from showdown_lib.acquire.editions import load_edition
from showdown_lib.core.errors import DataError, UsageError
from showdown_lib.acquire.sources import base
from showdown_lib.acquire.sources.base import Observation, SourceResult
from showdown_lib.acquire.snapshots import read_snapshot, write_snapshot

PYPI = "data/raw/snapshots/pypi/2026-11-25"


def _edit_row(path, framework, metric, value):
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"{framework},{metric},"):
            parts = line.split(",")
            parts[2] = value
            lines[i] = ",".join(parts)
            path.write_text("\n".join(lines) + "\n")
            return i + 1
    raise AssertionError(f"{framework}/{metric} not in {path}")


def _drop_checksums(folder):
    """Reseal: record the checksums of the edited files, as a hostile editor could, so the row checks are what is tried."""
    from showdown_lib.acquire.snapshots import file_checksums

    prov = json.loads((folder / "provenance.json").read_text())
    prov["checksums"] = file_checksums(folder)
    (folder / "provenance.json").write_text(json.dumps(prov))


def test_every_committed_snapshot_passes_the_checks():
    for source in ("pypi", "git", "ops_probe", "github", "stackexchange"):
        for day in snapshots.snapshot_dates(source):
            obs, prov = read_snapshot(source, day)
            assert len(obs) == prov["n_observations"]


def test_an_out_of_range_value_names_file_row_and_column(scratch_root):
    folder = scratch_root / PYPI
    line = _edit_row(folder / "observations.csv", "pytorch", "os_count", "99")
    _drop_checksums(folder)  # the range check, not the checksum, must catch it
    with pytest.raises(DataError) as err:
        score_edition("current")
    msg = str(err.value)
    assert "observations.csv" in msg and f"row {line}" in msg and "'value'" in msg and "99" in msg and "0-3" in msg


@pytest.mark.parametrize("metric, value, words", [
    ("n_releases", "many", "not a number"),
    ("n_releases", "-4", "out of range"),
    ("n_releases", "2.5", "whole number"),
    ("os_linux", "2", "out of range"),
    ("first_release_date", "2016-02-30", "not a date"),
    ("latest_release_date", "2027-01-01", "after the snapshot's as-of date"),
])
def test_values_of_the_wrong_type_or_range_are_errors(scratch_root, metric, value, words):
    folder = scratch_root / PYPI
    line = _edit_row(folder / "observations.csv", "pytorch", metric, value)
    _drop_checksums(folder)
    with pytest.raises(DataError, match=words) as err:
        read_snapshot("pypi", "2026-11-25")
    assert f"row {line}" in str(err.value)


def test_ootb_points_follow_the_criterion_scale(scratch_root):
    folder = scratch_root / "data/raw/snapshots/ops_probe/2026-11-25"
    _edit_row(folder / "observations.csv", "jax", "ootb_ops", "30.25")
    _drop_checksums(folder)
    with pytest.raises(DataError, match="multiple of 0.5"):
        read_snapshot("ops_probe", "2026-11-25")


def test_conflicting_duplicate_rows_are_errors(scratch_root):
    folder = scratch_root / PYPI
    path = folder / "observations.csv"
    row = next(line for line in path.read_text().splitlines() if line.startswith("jax,n_releases,"))
    parts = row.split(",")
    parts[2] = str(int(parts[2]) + 1)
    path.write_text(path.read_text() + ",".join(parts) + "\n")
    _drop_checksums(folder)
    with pytest.raises(DataError, match=r"jax/n_releases appears twice \(rows \d+ and \d+\) with different values"):
        read_snapshot("pypi", "2026-11-25")


def test_write_snapshot_records_checksums_and_a_changed_file_is_named(scratch_root):
    obs = [Observation("jax", "stars", 5, "count", "2026-01-01", "github")]
    folder = write_snapshot(SourceResult("github", "2026-01-01", obs, "{api}", "m", "1", tables={"repositories": [{"framework": "jax"}]}))
    prov = json.loads((folder / "provenance.json").read_text())
    assert set(prov["checksums"]) == {"observations.csv", "repositories.csv"}
    read_snapshot("github", "2026-01-01")
    (folder / "repositories.csv").write_text("framework\npytorch\n")
    with pytest.raises(DataError, match=r"repositories\.csv.*checksum mismatch"):
        read_snapshot("github", "2026-01-01")


def test_committed_checksums_catch_an_edited_value(scratch_root):
    folder = scratch_root / "data/raw/snapshots/git/2026-11-25"
    assert "checksums" in json.loads((folder / "provenance.json").read_text())
    _edit_row(folder / "observations.csv", "keras", "first_commit_date", "2015-03-29")
    with pytest.raises(DataError, match=r"observations\.csv, field 'checksums': checksum mismatch"):
        read_snapshot("git", "2026-11-25")


@pytest.mark.parametrize("content", ["[1, 2]", '"text"', "{not json"])
def test_malformed_provenance_is_a_data_error_naming_the_file(scratch_root, content):
    (scratch_root / PYPI / "provenance.json").write_text(content)
    with pytest.raises(DataError, match=r"provenance\.json"):
        read_snapshot("pypi", "2026-11-25")


def _edition(scratch_root, name, **fields):
    data = {"id": name, "title": "T", "as_of": "2026-11-25", "kind": "collected", "cast": ["jax", "pytorch"], "inputs": {}}
    data.update(fields)
    folder = scratch_root / "data/raw/editions" / name
    folder.mkdir(parents=True)
    (folder / "edition.yaml").write_text(yaml.safe_dump(data))
    return folder / "edition.yaml"


def test_a_pinned_snapshot_that_is_missing_is_an_error(scratch_root):
    _edition(scratch_root, "pinned", inputs={"pypi": {"snapshot": "2026-11-24"}})
    with pytest.raises(DataError, match=r"inputs\.pypi\.snapshot.*2026-11-24, which does not exist"):
        score_edition("pinned")


def test_latest_with_no_snapshot_at_all_is_an_error(scratch_root):
    _edition(scratch_root, "nosnap", inputs={"github": {"snapshot": "latest"}})
    with pytest.raises(DataError, match=r"inputs\.github\.snapshot.*no github snapshot on or before 2026-11-25"):
        snapshots.resolve_edition_snapshots(load_edition("nosnap"))


def test_latest_older_than_the_edition_date_is_stated(scratch_root):
    import shutil

    shutil.rmtree(scratch_root / "data/raw/snapshots/git/2026-11-25")
    with pytest.warns(snapshots.SnapshotWarning, match="newest git snapshot on or before 2026-11-25 is of 2026-08-08, 109 days older"):
        dates, notes = snapshots.resolve_edition_snapshots(load_edition("current"))
    assert dates["git"] == "2026-08-08" and any("git" in n for n in notes)


def test_the_committed_current_edition_has_no_snapshot_notes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert snapshots.snapshot_notes(load_edition("current")) == []


def test_a_dated_edition_resolves_latest_on_or_before_its_date_and_keeps_the_file(scratch_root):
    text = (scratch_root / "data/raw/editions/current/edition.yaml").read_text()
    with pytest.warns(snapshots.SnapshotWarning):
        edition = load_edition("current@2024-06-30")
        dates, notes = snapshots.resolve_edition_snapshots(edition)
    assert edition.id == "current@2024-06-30" and edition.as_of == "2024-06-30" and edition.base_id == "current"
    assert dates["pypi"] == "2023-11-25" and dates["git"] == "2018-06-26" and dates["ops_probe"] is None
    assert any("ops_probe" in n and "missing" in n for n in notes) and any("2018-06-26" in n for n in notes)
    assert load_edition("current").as_of == "2026-11-25"
    assert (scratch_root / "data/raw/editions/current/edition.yaml").read_text() == text


@pytest.mark.parametrize("bad", ["../../../elsewhere/x", "..", ".hidden", "a/b", "current@", "current@2024-6-30", "x y", ""])
def test_edition_ids_outside_the_pattern_are_rejected(bad):
    with pytest.raises(UsageError) as err:
        load_edition(bad)
    assert "[A-Za-z0-9][A-Za-z0-9._-]*" in str(err.value) or "YYYY-MM-DD" in str(err.value)


@pytest.mark.parametrize("ref, words", [("current@2024-02-30", "not a calendar date"), ("current@2050-01-01", "in the future"),
                                        ("current@1990-01-01", "before 2000-01-01"), ("2018@2020-01-01", "only a collected edition")])
def test_dated_edition_ids_are_checked(ref, words):
    with pytest.raises(UsageError, match=words):
        load_edition(ref)


@pytest.mark.parametrize("as_of, words", [("2026-13-45", "not a valid date"), ("2050-01-01", "in the future"),
                                          ("1990-01-01", "before 2000-01-01"), ("soon", "YYYY-MM-DD")])
def test_a_bad_as_of_in_an_edition_file_names_the_file_and_field(scratch_root, as_of, words):
    path = scratch_root / "data/raw/editions/current/edition.yaml"
    path.write_text(re.sub(r"(?m)^as_of: .*$", f"as_of: {as_of}", path.read_text()))
    with pytest.raises(DataError, match=words) as err:
        load_edition("current")
    assert "data/raw/editions/current/edition.yaml" in str(err.value) and "'as_of'" in str(err.value)


def test_every_collector_metric_has_a_declared_range():
    from showdown_lib.acquire.sources import git, github, pypi, stackexchange

    names = [*pypi.METRICS, *github.METRICS, *stackexchange.METRICS, *git.metric_units(30), *git.metric_units(7), "ootb_ops", "framework_version"]
    assert [m for m in names if base.metric_rule(m) is None] == []


def test_criterion_linked_ranges_follow_criteria_yaml(method):
    linked = {m: r.criterion for m, r in base.METRIC_RULES.items() if r.criterion}
    assert set(linked) >= {"os_count", "ootb_ops"}
    crit = {c.id: c for c in method.criteria}
    low, high, step = base._bounds(base.METRIC_RULES["os_count"], "os_count")
    assert (low, high) == (crit["os_support"].min, crit["os_support"].max)
    assert base.check_value("os_count", crit["os_support"].max + 1, "2026-01-01") is not None
    assert base.check_value("os_count", crit["os_support"].max, "2026-01-01") is None
    for metric in linked:
        low, high, _ = base._bounds(base.METRIC_RULES[metric], metric)
        assert low is not None and high is not None and low < high, metric


DERIVED_AT_LOAD = {"weeks_since_push", "weeks_since_last_final_release", "final_releases_12m",  # computed by measures, not stored
                   "feature_releases_12m", "os_count_native", "onnx_level", "scalability_run"}  # showdown_lib.acquire.measured_bases


def test_every_collected_input_of_the_method_has_a_declared_range():
    text = (Path(__file__).resolve().parents[1] / "data/raw/criteria.yaml").read_text()
    refs = set(re.findall(r"\b(?:git|github|pypi|stackexchange|ops_probe)\.([a-z_0-9]+)", text))
    assert sorted(m for m in refs - DERIVED_AT_LOAD if base.metric_rule(m) is None) == []


def test_edition_id_pattern_is_documented_in_the_message():
    assert "@YYYY-MM-DD" in editions.EDITION_ID_RULE
