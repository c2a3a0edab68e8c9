"""Tests of the curated-facts loader and its strict validator (no network)."""
from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from showdown_lib.core import paths
from showdown_lib.core.errors import DataError
from showdown_lib.acquire.sources import curated
from showdown_lib.acquire.sources.base import SourceResult

CITE = {"url": "https://example.org/docs", "title": "Example docs", "accessed": dt.date(2026, 11, 1)}


def _fact(value, note="Justified in the curator's words."):
    return {"value": value, "note": note, "citation": dict(CITE)}


def valid_doc(framework="pytorch"):
    return {
        "framework": framework,
        "as_of": dt.date(2026, 11, 25),
        "curator": "showdown-team",
        "facts": {
            "sponsor": _fact(3),
            "documentation": _fact(3),
            "graph_building": _fact(2),
            "numerics_maturity": _fact(5),
            "numerics_ease": _fact(4),
            "ootb_ops": _fact(30.5),
            "languages": _fact(1.6),
            "scalability": _fact(2),
            "os_support": _fact(3),
            "aws_support": _fact(2),
            "onnx_support": {"value": None, "reason": "Could not be established."},
            "status": _fact("active"),
        },
    }


def write(root: Path, doc, name=None, edition="current") -> Path:
    folder = root / edition
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or doc['framework']}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def check_error(tmp_path, doc, entry, field, match=None, name=None):
    path = write(tmp_path, doc, name=name)
    with pytest.raises(DataError) as info:
        curated.load_curated(root=tmp_path)
    err = info.value
    assert err.path == str(path)
    assert err.entry == entry
    assert err.field == field
    assert path.name in str(err)
    if match:
        assert match in str(err)
    return err


# ------------------------------------------------------------------ loading


def test_valid_file_loads_into_observations(tmp_path):
    write(tmp_path, valid_doc())
    rows = curated.load_curated(root=tmp_path)
    by_metric = {r.metric: r for r in rows}
    # 11 required facts + the optional status fact that the file states
    assert len(rows) == 12
    assert by_metric["sponsor"].value == 3 and by_metric["sponsor"].unit == "level 0-3"
    assert by_metric["ootb_ops"].value == 30.5 and by_metric["ootb_ops"].unit == "points of 32"
    assert by_metric["status"].value == "active"
    assert by_metric["sponsor"].detail == CITE["url"]
    assert by_metric["sponsor"].source == "curated"
    assert by_metric["sponsor"].as_of == "2026-11-25"
    assert "status_date" not in by_metric


def test_null_with_reason_becomes_missing_observation(tmp_path):
    write(tmp_path, valid_doc())
    rows = {r.metric: r for r in curated.load_curated(root=tmp_path)}
    onnx = rows["onnx_support"]
    assert onnx.status == "missing"
    assert onnx.value is None
    assert onnx.reason == "Could not be established."


def test_frameworks_without_file_are_missing_rows(tmp_path):
    write(tmp_path, valid_doc())
    rows = curated.load_curated(root=tmp_path, frameworks=["pytorch", "theano"])
    theano = [r for r in rows if r.framework == "theano"]
    assert len(theano) == 11
    assert all(r.status == "missing" and r.reason == "no curated facts for theano" for r in theano)
    assert [r.framework for r in rows][0] == "pytorch"


def test_collect_returns_source_result_with_citations(tmp_path):
    write(tmp_path, valid_doc())
    result = curated.collect(["pytorch", "theano"], "2026-11-25", root=tmp_path)
    assert isinstance(result, SourceResult)
    assert result.source == "curated"
    assert result.as_of == "2026-11-25"
    assert result.failures == ["no curated facts for theano"]
    assert {r["fact"] for r in result.tables["citations"]} >= {"sponsor", "onnx_support"}
    assert all(r.as_of == "2026-11-25" for r in result.observations)
    assert sum(r.status == "ok" for r in result.observations) == 11


def test_citations_table(tmp_path):
    write(tmp_path, valid_doc())
    table = curated.citations_table(root=tmp_path)
    assert list(table.columns) == ["framework", "fact", "value", "url", "title", "accessed"]
    assert len(table) == 12
    row = table[table["fact"] == "sponsor"].iloc[0]
    assert row["url"] == CITE["url"] and row["accessed"] == "2026-11-01" and row["value"] == 3


def test_null_with_citation_is_allowed_and_checked(tmp_path):
    doc = valid_doc()
    doc["facts"]["onnx_support"]["citation"] = {"url": "ftp://example.org/x", "title": "t", "accessed": dt.date(2026, 1, 1)}
    check_error(tmp_path, doc, "onnx_support", "citation.url")


# ------------------------------------------------------------------ validation errors


def test_unknown_top_level_key(tmp_path):
    doc = valid_doc()
    doc["editor"] = "someone"
    check_error(tmp_path, doc, None, "editor", "unknown key 'editor' in the top level")


def test_missing_top_level_key(tmp_path):
    doc = valid_doc()
    del doc["curator"]
    check_error(tmp_path, doc, None, "curator")


def test_unknown_fact(tmp_path):
    doc = valid_doc()
    doc["facts"]["speed"] = _fact(3)
    check_error(tmp_path, doc, "speed", "facts", "unknown fact")


def test_missing_required_fact(tmp_path):
    doc = valid_doc()
    del doc["facts"]["languages"]
    check_error(tmp_path, doc, "languages", "facts")


def test_unknown_key_inside_fact(tmp_path):
    doc = valid_doc()
    doc["facts"]["sponsor"]["source"] = "x"
    check_error(tmp_path, doc, "sponsor", "source")


@pytest.mark.parametrize(
    "fact, value, match",
    [
        ("sponsor", 4, "out of range"),
        ("sponsor", -1, "out of range"),
        ("documentation", 0, "out of range"),
        ("sponsor", 2.5, "integer"),
        ("sponsor", True, "integer"),
        ("sponsor", "high", "integer"),
        ("graph_building", 3, "out of range"),
        ("ootb_ops", 32.5, "out of range"),
        ("ootb_ops", 30.25, "not on the step"),
        ("ootb_ops", -0.5, "out of range"),
        ("languages", -0.1, "out of range"),
        ("languages", "two", "number"),
        ("os_support", 4, "out of range"),
        ("aws_support", 1.0, "integer"),
        ("onnx_support", 3, "out of range"),
        ("numerics_ease", 6, "out of range"),
        ("status", "dormant", "one of"),
        ("status_date", "last year", "ISO date"),
    ],
)
def test_value_off_scale(tmp_path, fact, value, match):
    doc = valid_doc()
    doc["facts"][fact] = _fact(value)
    check_error(tmp_path, doc, fact, "value", match)


def test_scale_accepts_edges_and_half_points(tmp_path):
    doc = valid_doc()
    doc["facts"]["ootb_ops"] = _fact(0.5)
    doc["facts"]["languages"] = _fact(7.35)
    doc["facts"]["documentation"] = _fact(1)
    doc["facts"]["status_date"] = _fact(dt.date(2023, 2, 1))
    write(tmp_path, doc)
    rows = {r.metric: r.value for r in curated.load_curated(root=tmp_path)}
    assert rows["ootb_ops"] == 0.5 and rows["languages"] == 7.35 and rows["status_date"] == "2023-02-01"


def test_null_without_reason(tmp_path):
    doc = valid_doc()
    doc["facts"]["onnx_support"] = {"value": None}
    check_error(tmp_path, doc, "onnx_support", "reason")


def test_reason_with_a_value_is_rejected(tmp_path):
    doc = valid_doc()
    doc["facts"]["sponsor"]["reason"] = "should be a note"
    check_error(tmp_path, doc, "sponsor", "reason")


def test_missing_note(tmp_path):
    doc = valid_doc()
    del doc["facts"]["sponsor"]["note"]
    check_error(tmp_path, doc, "sponsor", "note")


def test_missing_citation(tmp_path):
    doc = valid_doc()
    del doc["facts"]["documentation"]["citation"]
    check_error(tmp_path, doc, "documentation", "citation", "missing citation")


@pytest.mark.parametrize("url", ["ftp://example.org/file", "example.org/page", "https://", "file:///tmp/x"])
def test_citation_not_http(tmp_path, url):
    doc = valid_doc()
    doc["facts"]["sponsor"]["citation"]["url"] = url
    check_error(tmp_path, doc, "sponsor", "citation.url")


def test_citation_missing_title(tmp_path):
    doc = valid_doc()
    del doc["facts"]["sponsor"]["citation"]["title"]
    check_error(tmp_path, doc, "sponsor", "citation.title")


def test_citation_missing_accessed(tmp_path):
    doc = valid_doc()
    del doc["facts"]["graph_building"]["citation"]["accessed"]
    check_error(tmp_path, doc, "graph_building", "citation.accessed", "missing required field")


def test_citation_accessed_not_a_date(tmp_path):
    doc = valid_doc()
    doc["facts"]["graph_building"]["citation"]["accessed"] = "yesterday"
    check_error(tmp_path, doc, "graph_building", "citation.accessed")


def test_citation_accessed_in_future(tmp_path):
    doc = valid_doc()
    doc["facts"]["sponsor"]["citation"]["accessed"] = dt.date.today() + dt.timedelta(days=1)
    check_error(tmp_path, doc, "sponsor", "citation.accessed", "future")


def test_citation_unknown_key(tmp_path):
    doc = valid_doc()
    doc["facts"]["sponsor"]["citation"]["quote"] = "copied text"
    check_error(tmp_path, doc, "sponsor", "citation.quote")


def test_citation_on_configured_index_host_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "https://index.test/simple")
    doc = valid_doc()
    doc["facts"]["sponsor"]["citation"]["url"] = "https://index.test/project/torch/"
    check_error(tmp_path, doc, "sponsor", "citation.url", "package registry")


def test_pip_default_index_host_is_in_the_digest_list(monkeypatch):
    pip_index = pytest.importorskip("pip._internal.models.index")
    host = urlsplit(pip_index.PyPI.simple_url).hostname
    files_host = pip_index.PyPI.file_storage_domain
    # Even when run-time configuration names another index, the digest list still knows these.
    monkeypatch.setattr(curated, "configured_index_hosts", lambda: {"index.test"})
    assert curated.is_registry_host(host)
    assert curated.is_registry_host("www." + host)
    assert curated.is_registry_host(files_host)
    assert curated.is_registry_host("index.test")
    assert not curated.is_registry_host("pytorch.org")
    assert not curated.is_registry_host("github.com")
    assert not curated.is_registry_host("not" + host)


def test_framework_must_match_file_name(tmp_path):
    doc = valid_doc("pytorch")
    check_error(tmp_path, doc, None, "framework", "does not match", name="tensorflow")


def test_framework_must_be_in_registry(tmp_path):
    doc = valid_doc("notaframework")
    check_error(tmp_path, doc, None, "framework", "not in the registry")


def test_as_of_must_be_a_date(tmp_path):
    doc = valid_doc()
    doc["as_of"] = "soon"
    check_error(tmp_path, doc, None, "as_of")


def test_validate_with_explicit_today_and_registry():
    doc = copy.deepcopy(valid_doc("x1"))
    out = curated.validate_curated(doc, "somewhere/x1.yaml", known_ids=["x1"], today=dt.date(2026, 11, 25))
    assert out["facts"]["sponsor"]["citation"]["accessed"] == "2026-11-01"
    doc["as_of"] = dt.date(2026, 9, 1)  # a future as_of is refused first; here the citation's date is what is tried
    with pytest.raises(DataError) as info:
        curated.validate_curated(doc, "somewhere/x1.yaml", known_ids=["x1"], today=dt.date(2026, 10, 1))
    assert info.value.field == "citation.accessed"


# ------------------------------------------------------------------ the committed data


def _committed_files():
    base = paths.curated_dir()
    return sorted(p for p in base.glob("*/*.yaml") if p.name != curated.SET_FILE) if base.is_dir() else []


def test_every_committed_curated_file_is_valid():
    files = _committed_files()
    if not files:
        pytest.skip("no curated files committed yet")
    from showdown_lib.core.registry import load_registry

    ids = [fw.id for fw in load_registry()]
    for path in files:
        content = curated.validate_curated(yaml.safe_load(path.read_text(encoding="utf-8")), path, ids)
        assert content["framework"] == path.stem


def test_every_edition_loads_through_the_public_api():
    base = paths.curated_dir()
    editions = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
    if not editions:
        pytest.skip("no curated editions committed yet")
    for edition in editions:
        rows = curated.load_curated(edition)
        assert rows, edition
        assert all(r.source == "curated" for r in rows)
        assert all(r.status == "ok" or r.reason for r in rows)


def test_curated_status_agrees_with_the_registry_lifecycle():
    """The lifecycle lives in frameworks.yaml; a curated status that is stated must not contradict it."""
    from showdown_lib.core.registry import load_registry
    from showdown_lib.acquire.sources.curated import citations_table

    fits = {"discontinued": {"archived", "maintenance"}}
    life = {fw.id: fw.lifecycle.status for fw in load_registry()}
    stated = citations_table("current")
    stated = stated[(stated.fact == "status") & stated.value.notna()]
    assert len(stated) >= 10
    for fid, value in zip(stated.framework, stated.value):
        assert life[fid] in fits.get(value, {value}), (fid, value, life[fid])
