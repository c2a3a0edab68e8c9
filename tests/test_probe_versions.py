"""Which release the probe installs, and whether a framework was attempted at all.

The committed snapshot once probed releases older than the index's newest: the spec pinned
``torch==2.13.0`` and handed other frameworks to pip as bare names, which pip leaves alone in a
reused venv. These tests pin the fix: bare names are bounded by the newest final release on the
index as of the date and pip runs with ``--upgrade``; exact pins are refused. No network: the index
is a dict of pages.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from packaging.tags import Tag

from showdown_lib.core.errors import DataError
from showdown_lib.acquire.probe import runner as runner_mod
from showdown_lib.acquire.probe.runner import InstallError, install_framework, probe
from showdown_lib.acquire.probe.spec import FrameworkSpec, load_api_spec, load_sample
from showdown_lib.acquire.probe.versions import bounded_requirements, compare_installed, newest_final

TAGS = {Tag("cp311", "cp311", "manylinux_2_17_x86_64"), Tag("py3", "none", "any")}


def _file(name, when, **kw):
    return {"filename": name, "upload-time": when, **kw}


PAGE = {
    "versions": ["1.0", "2.0", "2.0.1", "2.1rc1", "3.0"],
    "files": [
        _file("fakefw-1.0.tar.gz", "2024-01-01T00:00:00Z"),
        _file("fakefw-2.0-cp39-cp39-manylinux_2_17_x86_64.whl", "2025-01-01T00:00:00Z"),
        _file("fakefw-2.0.1-cp311-cp311-manylinux_2_17_x86_64.whl", "2025-02-01T00:00:00Z", yanked=True),
        _file("fakefw-2.1rc1-cp311-cp311-manylinux_2_17_x86_64.whl", "2025-03-01T00:00:00Z"),
        _file("fakefw-3.0-cp311-cp311-manylinux_2_17_x86_64.whl", "2026-11-26T00:00:00Z"),  # after the as-of date
    ],
}


def test_newest_final_skips_prereleases_yanked_and_later_uploads():
    info = newest_final(PAGE, "fakefw", "2026-11-25", tags=TAGS, python="3.11.7")
    assert info.newest == "2.0"
    assert info.installable == "1.0"  # 2.0 has only a cp39 wheel; 1.0 is an sdist
    assert "fakefw 2.0: no wheel for this Python and platform" == info.why_not
    later = newest_final(PAGE, "fakefw", "2026-11-26", tags=TAGS, python="3.11.7")
    assert later.newest == later.installable == "3.0"


def test_newest_final_honours_requires_python():
    page = {"versions": ["1.0", "2.0"], "files": [
        _file("purefw-1.0-py3-none-any.whl", "2024-01-01T00:00:00Z", **{"requires-python": ">=3.8"}),
        _file("purefw-2.0-py3-none-any.whl", "2025-01-01T00:00:00Z", **{"requires-python": ">=3.12"}),
    ]}
    info = newest_final(page, "purefw", "2026-11-25", tags=TAGS, python="3.11.7")
    assert (info.newest, info.installable) == ("2.0", "1.0")
    assert "requires Python >=3.12" in info.why_not


def test_bounded_requirements_bound_bare_names_and_keep_caps():
    newest = {"fakefw": newest_final(PAGE, "fakefw", "2026-11-25", tags=TAGS, python="3.11.7")}
    assert bounded_requirements(["fakefw[cpu]", "numpy<2", "other"], newest) == ["fakefw[cpu]<=2.0", "numpy<2", "other"]


def test_compare_installed_explains_an_older_install():
    newest = {"fakefw": newest_final(PAGE, "fakefw", "2026-11-25", tags=TAGS, python="3.11.7")}
    rows = compare_installed(newest, {"fakefw": "1.0"})
    assert rows["fakefw"]["installed"] == "1.0" and rows["fakefw"]["newest_final"] == "2.0"
    assert "not installable here" in rows["fakefw"]["note"]
    assert "note" not in compare_installed(newest, {"fakefw": "2.0+cpu"})["fakefw"]


def _specs(tmp_path: Path, requirements: list[str]) -> tuple[Path, Path, Path]:
    sample = tmp_path / "ops.yaml"
    sample.write_text(yaml.safe_dump({"sample_id": "s", "ops": [{"id": "relu", "kind": "k", "name": "relu"}]}))
    fw = {"requirements": requirements, "module": "fakefw", "ops": {"relu": {"candidates": ["fakefw.relu"]}}}
    api = tmp_path / "api.yaml"
    api.write_text(yaml.safe_dump({"sample_id": "s", "frameworks": {
        "fakefw": fw, "offindex": dict(fw, requirements=["offindex"]), "nowheel": dict(fw, requirements=["nowheel"]),
        "judged": {"skip": "needs a Java runtime"}}}))
    checks = tmp_path / "checks.yaml"
    checks.write_text(yaml.safe_dump({"frameworks": {"fakefw": {"requirements": ["onnx"]}}}))
    return sample, api, checks


def _pages(project):
    if project == "fakefw":
        return PAGE
    if project == "nowheel":
        return {"versions": ["2.7"], "files": [_file("nowheel-2.7-cp36-cp36m-win_amd64.whl", "2019-01-01T00:00:00Z")]}
    if project == "onnx":
        return {"versions": ["1.23.2"], "files": [_file("onnx-1.23.2.tar.gz", "2026-10-06T00:00:00Z")]}
    return None


def test_probe_hands_pip_the_newest_final_release_as_of_the_date(tmp_path):
    """Fails on the old behaviour, which passed the bare name and let a reused venv keep its old release."""
    sample, api, checks = _specs(tmp_path, ["fakefw"])
    seen = []

    def installer(spec, venv_dir):
        seen.append(spec.requirements)
        raise InstallError("stop here")

    probe(["fakefw"], venv_root=tmp_path / "v", as_of="2026-11-25", api_spec_path=api, sample_path=sample,
          checks_path=checks, index_pages=_pages, installer=installer)
    assert seen == [("fakefw<=2.0",)]


def test_spec_refuses_exact_pins(tmp_path):
    sample, api, _ = _specs(tmp_path, ["fakefw==1.0"])
    with pytest.raises(DataError) as err:
        load_api_spec(api, load_sample(sample))
    assert (err.value.entry, err.value.field) == ("fakefw", "requirements")
    assert "fakefw==1.0" in str(err.value) and str(api) in str(err.value)


def test_repository_spec_pins_no_framework_to_an_old_release():
    for fw, spec in load_api_spec().items():
        assert not any("==" in r for r in spec.requirements), (fw, spec.requirements)


def test_pip_runs_with_upgrade_and_without_machine_constraints(tmp_path):
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    log = tmp_path / "calls.txt"
    fake = bin_dir / "python"
    fake.write_text(f"#!/bin/sh\necho \"$PIP_CONSTRAINT|$@\" >> {log}\nexit 0\n")
    fake.chmod(0o755)
    install_framework(FrameworkSpec("fakefw", requirements=("fakefw<=2.0",), module="fakefw"), tmp_path / "venv", timeout=30)
    assert log.read_text().splitlines() == [f"{os.devnull}|-m pip install --disable-pip-version-check --upgrade fakefw<=2.0"]


def test_not_attempted_is_told_apart_from_attempted_and_failed(tmp_path):
    sample, api, checks = _specs(tmp_path, ["fakefw"])

    def installer(spec, venv_dir):
        raise InstallError("ERROR: No matching distribution found for fakefw<=2.0")

    result = probe(["fakefw", "offindex", "nowheel", "judged"], venv_root=tmp_path / "v", as_of="2026-11-25",
                   api_spec_path=api, sample_path=sample, checks_path=checks, index_pages=_pages, installer=installer)
    obs = {(o.framework, o.metric): o for o in result.observations}
    assert obs[("fakefw", "attempted")].value == 1
    assert obs[("fakefw", "graph_building")].reason == "install failed: ERROR: No matching distribution found for fakefw<=2.0"
    assert obs[("offindex", "attempted")].value == 0
    assert "offindex is not distributed on the package index" in obs[("offindex", "attempted")].detail
    assert obs[("nowheel", "attempted")].value == 0
    assert "no file of nowheel installs on this Python" in obs[("nowheel", "ootb_ops")].reason
    assert obs[("judged", "attempted")].value == 0 and obs[("judged", "onnx_support")].reason == "not attempted: needs a Java runtime"
    fws = result.extra["frameworks"]
    assert fws["fakefw"]["attempted"] is True and fws["nowheel"]["attempted"] is False
    assert fws["offindex"]["why_not"] == "offindex is not distributed on the package index"
    assert runner_mod.PIP_ENV == {"PIP_CONSTRAINT": os.devnull}
