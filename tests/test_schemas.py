"""Every raw data file is validated by a schema (showdown_lib.core.schemas): malformed variants of the committed
files, generated here, each end in one DataError naming the file and the field, never another exception."""
from __future__ import annotations

import copy
import json
import math

import pytest
import yaml

from showdown_lib.core.errors import DataError

PYPI = "data/raw/snapshots/pypi/2026-11-25"


def _load(kind: str):
    """Load the committed file of ``kind`` the way the pipeline does."""
    if kind == "frameworks":
        from showdown_lib.core.registry import load_registry
        return load_registry()
    if kind == "criteria":
        from showdown_lib.core.methodology import load_methodology
        return load_methodology()
    if kind == "edition":
        from showdown_lib.acquire.editions import load_edition
        return load_edition("current")
    if kind in ("curated", "curated_set"):
        from showdown_lib.acquire.sources.curated import load_curated_files
        return load_curated_files("current")
    if kind == "probe_checks":
        from showdown_lib.acquire.probe.checks_spec import load_checks_spec
        return load_checks_spec()
    if kind == "provenance":
        from showdown_lib.acquire.snapshots import read_snapshot
        return read_snapshot("pypi", "2026-11-25")
    raise AssertionError(kind)


FILES = {
    "frameworks": "data/raw/frameworks.yaml",
    "criteria": "data/raw/criteria.yaml",
    "edition": "data/raw/editions/current/edition.yaml",
    "curated": "data/raw/curated/current/pytorch.yaml",
    "curated_set": "data/raw/curated/current/_set.yaml",
    "probe_checks": "data/raw/probe_checks.yaml",
    "provenance": f"{PYPI}/provenance.json",
}


def _set(doc, path, value):
    *parents, last = path
    node = doc
    for p in parents:
        node = node[p]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value


_DELETE = object()
FUTURE = "2099-01-01"

# (file kind, where in the document, the bad value, the field the message must name)
VARIANTS = [
    ("frameworks", ["frameworks", 0, "first_release"], "2015", "first_release"),
    ("frameworks", ["frameworks", 0, "name"], _DELETE, "name"),
    ("frameworks", ["frameworks", 0, "pypi"], "bigdl", "pypi"),
    ("frameworks", ["frameworks", 0, "colour"], "#123456", "colour"),
    ("frameworks", ["frameworks", 0, "color"], "red", "color"),
    ("frameworks", ["frameworks", 0, "lifecycle", "since"], FUTURE, "lifecycle.since"),
    ("frameworks", ["frameworks", 0, "repositories", 0, "url"], "not a url", "repositories[0].url"),
    ("criteria", ["rounds", 2, "order"], "third", "order"),
    ("criteria", ["criteria", 0, "max"], math.inf, "max"),
    ("criteria", ["criteria", 0, "min"], math.nan, "min"),
    ("criteria", ["criteria", 0, "step"], 0, "step"),
    ("criteria", ["criteria", 0, "round"], _DELETE, "round"),
    ("edition", ["as_of"], "soon", "as_of"),
    ("edition", ["cast"], [], "cast"),
    ("edition", ["n_tiers"], 2.5, "n_tiers"),
    ("edition", ["inputs", "curated", "set"], "../../elsewhere", "inputs.curated.set"),
    ("edition", ["kind"], "measured", "kind"),
    ("edition", ["titel"], "typo", "titel"),
    ("curated", ["as_of"], FUTURE, "as_of"),
    ("curated", ["curator"], "", "curator"),
    ("curated", ["facts", "sponsor", "source"], "a blog", "source"),
    ("curated", ["facts", "sponsor", "citation", "url"], "ftp://example.org", "citation.url"),
    ("curated", ["facts", "sponsor", "citation", "accessed"], _DELETE, "citation.accessed"),
    ("curated_set", ["frameworks"], "all", "frameworks"),
    ("curated_set", ["frameworks", 0], "PyTorch!", "frameworks[0]"),
    ("probe_checks", ["frameworks", "pytorch", "requirements"], "onnx", "requirements"),
    ("probe_checks", ["frameworks", "pytorch", "graph"], [1, 2], "graph"),
    ("provenance", ["as_of"], 20261125, "as_of"),
    ("provenance", ["n_ok"], -1, "n_ok"),
    ("provenance", ["checksums", "observations.csv"], "not-a-digest", "checksums.observations.csv"),
    ("provenance", ["tables"], "releases", "tables"),
]


@pytest.mark.parametrize("kind,where,value,field", VARIANTS, ids=[f"{k}:{'.'.join(map(str, w))}" for k, w, _, _ in VARIANTS])
def test_a_malformed_file_ends_in_one_message_naming_file_and_field(scratch_root, kind, where, value, field):
    path = scratch_root / FILES[kind]
    is_json = path.suffix == ".json"
    doc = json.loads(path.read_text()) if is_json else yaml.safe_load(path.read_text())
    doc = copy.deepcopy(doc)
    _set(doc, where, value)
    if is_json:
        path.write_text(json.dumps(doc, allow_nan=True))
    else:
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    try:
        _load(kind)
    except DataError as exc:
        message = str(exc)
    else:
        raise AssertionError(f"{kind}: {where} = {value!r} was accepted")
    assert path.name in message, message
    assert f"field {field!r}" in message, message
    assert "\n" not in message and "Traceback" not in message


def test_there_are_twenty_variants_or_more_over_every_kind_of_raw_file():
    assert len(VARIANTS) >= 20 and {k for k, *_ in VARIANTS} == set(FILES)


def test_every_committed_raw_file_passes_its_schema():
    for kind in FILES:
        _load(kind)  # raises on any problem
