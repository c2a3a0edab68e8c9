"""The package-index collector, against recorded (trimmed) PEP 691 pages served from a made-up host."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import responses

from showdown_lib.core.errors import CollectionError
from showdown_lib.core.registry import Framework, Repository
from showdown_lib.acquire.sources import pypi
from showdown_lib.acquire.sources.http import make_session

FIXTURES = Path(__file__).parent / "fixtures" / "http" / "pypi"
INDEX = "https://index.test/simple"
JSON_TYPE = "application/vnd.pypi.simple.v1+json"


def fw(id_: str, projects: tuple[str, ...]) -> Framework:
    return Framework(id=id_, name=id_, association="x", first_release=2015,
                     repositories=(Repository(f"https://github.com/x/{id_}"),), pypi=projects, so_tags=(), numerics="x")


def page(project: str) -> dict:
    return json.loads((FIXTURES / f"{project}.json").read_text())


def serve(project: str, body: dict | None = None, status: int = 200) -> None:
    responses.get(f"{INDEX}/{project}/", json=body if body is not None else page(project), status=status, content_type=JSON_TYPE)


def values(result, framework: str) -> dict:
    return {o.metric: (o.value if o.status == "ok" else ("missing", o.reason)) for o in result.observations if o.framework == framework}


@pytest.fixture
def session(tmp_path):
    return make_session(tmp_path, use_cache=False)


# ---------------------------------------------------------------- index URL

def test_index_url_prefers_environment(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.test/simple/")
    assert pypi.index_url() == "https://mirror.test/simple"


def test_index_url_reads_pip_config(monkeypatch):
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)

    def fake_run(cmd, **kw):
        assert cmd[-3:] == ["config", "get", "global.index-url"]
        return subprocess.CompletedProcess(cmd, 0, stdout="https://configured.test/simple\n", stderr="")

    monkeypatch.setattr(pypi.subprocess, "run", fake_run)
    assert pypi.index_url() == "https://configured.test/simple"


def test_index_url_falls_back_to_pip_default(monkeypatch):
    from pip._internal.models.index import PyPI

    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    monkeypatch.setattr(pypi.subprocess, "run", lambda cmd, **kw: subprocess.CompletedProcess(cmd, 1, stdout="", stderr="ERROR: No such key"))
    assert pypi.index_url() == PyPI.simple_url.rstrip("/")

    def broken(cmd, **kw):
        raise OSError("no pip")

    monkeypatch.setattr(pypi.subprocess, "run", broken)
    assert pypi.index_url() == PyPI.simple_url.rstrip("/")


# ---------------------------------------------------------------- wheel tags

@pytest.mark.parametrize(
    "filename, oses, arches, pys",
    [
        ("torch-2.3.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", {"linux"}, {"x86_64"}, {"3.11"}),
        ("torch-2.3.0-cp312-cp312-manylinux2014_aarch64.whl", {"linux"}, {"aarch64"}, {"3.12"}),
        ("numpy-2.0.0-cp310-cp310-musllinux_1_1_x86_64.whl", {"linux"}, {"x86_64"}, {"3.10"}),
        ("torch-2.3.0-cp311-none-macosx_11_0_arm64.whl", {"macos"}, {"arm64"}, {"3.11"}),
        ("torch-1.0.0-cp37-none-macosx_10_7_x86_64.whl", {"macos"}, {"x86_64"}, {"3.7"}),
        ("mlx-0.1-cp39-cp39-macosx_10_9_universal2.whl", {"macos"}, {"arm64", "x86_64"}, {"3.9"}),
        ("torch-2.3.0-cp311-cp311-win_amd64.whl", {"windows"}, {"x86_64"}, {"3.11"}),
        ("x-1.0-cp38-cp38-win32.whl", {"windows"}, {"x86"}, {"3.8"}),
        ("tinygrad-0.9.0-py3-none-any.whl", {"linux", "macos", "windows"}, set(), {"3"}),
        ("six-1.16.0-py2.py3-none-any.whl", {"linux", "macos", "windows"}, set(), {"2", "3"}),
    ],
)
def test_wheel_tag_parsing(filename, oses, arches, pys):
    info = pypi.wheel_platforms([filename])
    assert set(info.os) == oses
    assert set(info.architectures) == arches
    assert set(info.python_versions) == pys
    assert info.pure == filename.endswith("none-any.whl")


def test_sdist_only_has_no_platform_info():
    assert pypi.wheel_platforms(["Theano-1.0.5.tar.gz", "foo-1.0.zip"]) is None


def test_combining_projects_keeps_what_all_offer():
    pure = pypi.wheel_platforms(["jax-0.4.30-py3-none-any.whl"])
    binary = pypi.wheel_platforms([
        "jaxlib-0.4.30-cp311-cp311-manylinux2014_x86_64.whl",
        "jaxlib-0.4.30-cp312-cp312-macosx_11_0_arm64.whl",
    ])
    combined = pypi.combine_platforms([pure, binary])
    assert set(combined.os) == {"linux", "macos"}
    assert set(combined.architectures) == {"x86_64", "arm64"}
    assert set(combined.python_versions) == {"3.11", "3.12"}


# ---------------------------------------------------------------- collector on recorded pages

@responses.activate
def test_as_of_ignores_later_uploads(session):
    serve("torch")
    result = pypi.collect([fw("pytorch", ("torch",))], "2019-06-01", session=session, index=INDEX)
    v = values(result, "pytorch")
    assert v["latest_version"] == "1.1.0"
    assert v["latest_release_date"] == "2019-04-30"
    assert v["first_release_date"] == "2018-12-07"
    assert v["n_releases"] == 3
    assert v["n_yanked"] == 0
    assert v["days_since_last_release"] == 32
    # torch 1.1.0 had Linux and macOS wheels but no Windows wheels on the index
    assert (v["os_linux"], v["os_macos"], v["os_windows"], v["os_count"]) == (1, 1, 0, 2)
    assert v["architectures"] == "x86_64"
    assert v["python_versions"] == "2.7;3.5;3.6;3.7"
    table = result.tables["releases"]
    assert [r["version"] for r in table] == ["1.0.0", "1.0.1", "1.1.0"]
    assert all(r["upload_time"] <= "2019-06-01T23:59:59.999999+00:00" for r in table)
    assert responses.calls[0].request.headers["Accept"] == JSON_TYPE
    assert result.endpoint == "{index}/{project}/"


@responses.activate
def test_later_date_sees_more_platforms(session):
    serve("torch")
    v = values(pypi.collect([fw("pytorch", ("torch",))], "2023-01-01", session=session, index=INDEX), "pytorch")
    assert v["latest_version"] == "1.13.1"
    assert v["os_count"] == 3
    assert v["architectures"] == "aarch64;arm64;x86_64"
    assert v["python_versions"] == "3.7;3.8;3.9;3.10;3.11"


@responses.activate
def test_two_projects_and_yanked_releases(session):
    serve("jax")
    serve("jaxlib")
    result = pypi.collect([fw("jax", ("jax", "jaxlib"))], "2024-06-30", session=session, index=INDEX)
    v = values(result, "jax")
    assert v["latest_version"] == "0.4.30"
    assert v["n_releases"] == 164  # jaxlib ships versions of the same releases
    assert v["n_yanked"] == 4  # jax 0.2.23, 0.3.18, 0.4.0 and 0.4.15: every file yanked
    assert v["os_count"] == 3
    assert v["architectures"] == "aarch64;arm64;x86_64"  # the pure jax wheel does not narrow jaxlib's CPUs
    assert v["python_versions"] == "3.9;3.10;3.11;3.12"
    yanked_rows = [r for r in result.tables["releases"] if r["yanked"]]
    assert {r["version"] for r in yanked_rows} == {"0.2.23", "0.3.18", "0.4.0", "0.4.15"}


@responses.activate
def test_yanked_latest_is_skipped(session):
    body = {
        "meta": {"api-version": "1.1"}, "name": "demo", "versions": ["1.0", "1.1", "2.0rc1"],
        "files": [
            {"filename": "demo-1.0-py3-none-any.whl", "upload-time": "2020-01-01T00:00:00Z", "yanked": False},
            {"filename": "demo-1.1-cp39-cp39-manylinux1_x86_64.whl", "upload-time": "2020-02-01T00:00:00Z", "yanked": "broken build"},
            {"filename": "demo-1.1.tar.gz", "upload-time": "2020-02-01T00:00:00Z", "yanked": True},
            {"filename": "demo-2.0rc1-cp39-cp39-win_amd64.whl", "upload-time": "2020-03-01T00:00:00Z", "yanked": False},
        ],
    }
    serve("demo", body)
    v = values(pypi.collect([fw("demo", ("demo",))], "2020-12-31", session=session, index=INDEX), "demo")
    assert v["latest_version"] == "1.0"  # 1.1 is yanked, 2.0rc1 is a pre-release
    assert v["latest_release_date"] == "2020-03-01"  # the pre-release still counts as activity
    assert v["n_yanked"] == 1 and v["n_releases"] == 3
    assert v["os_count"] == 3 and v["architectures"] == "any"


@responses.activate
def test_sdist_only_latest_gives_missing_platform_rows(session):
    body = {"meta": {"api-version": "1.1"}, "name": "theano", "versions": ["1.0.5"],
            "files": [{"filename": "Theano-1.0.5.tar.gz", "upload-time": "2020-07-27T17:20:15Z", "yanked": False}]}
    serve("theano", body)
    v = values(pypi.collect([fw("theano", ("Theano",))], "2024-01-01", session=session, index=INDEX), "theano")
    assert v["latest_version"] == "1.0.5"
    for metric in pypi.PLATFORM_METRICS:
        assert v[metric][0] == "missing" and "source distribution" in v[metric][1]


@responses.activate
def test_404_and_no_package_are_missing_with_reason(session):
    serve("ghost", {"message": "Not Found"}, status=404)
    result = pypi.collect([fw("ghost", ("ghost",)), fw("caffe", ())], "2024-01-01", session=session, index=INDEX)
    ghost = values(result, "ghost")
    caffe = values(result, "caffe")
    assert set(ghost) == set(caffe) == set(pypi.METRICS)
    assert all(val[0] == "missing" and "404" in val[1] for val in ghost.values())
    assert all(val == ("missing", "no package on the index") for val in caffe.values())
    assert any("ghost" in f for f in result.failures)


@responses.activate
def test_project_not_yet_released_is_missing(session):
    serve("tinygrad")
    v = values(pypi.collect([fw("tinygrad", ("tinygrad",))], "2018-12-31", session=session, index=INDEX), "tinygrad")
    assert all(val[0] == "missing" and "no release by 2018-12-31" in val[1] for val in v.values())


@responses.activate
def test_html_only_index_is_a_clear_error(session):
    responses.get(f"{INDEX}/torch/", body="<html><a href='x'>x</a></html>", content_type="text/html")
    with pytest.raises(CollectionError, match="PEP 691"):
        pypi.collect([fw("pytorch", ("torch",))], "2024-01-01", session=session, index=INDEX)


@responses.activate
def test_project_names_are_normalised_in_the_url(session):
    responses.get(f"{INDEX}/bigdl-dllib/", json={"meta": {"api-version": "1.1"}, "name": "bigdl-dllib", "versions": [], "files": []}, content_type=JSON_TYPE)
    v = values(pypi.collect([fw("bigdl", ("BigDL_dllib",))], "2024-01-01", session=session, index=INDEX), "bigdl")
    assert v["n_releases"][0] == "missing"
    assert responses.calls[0].request.url == f"{INDEX}/bigdl-dllib/"


def test_fixtures_hold_only_the_fields_used():
    for path in FIXTURES.glob("*.json"):
        data = json.loads(path.read_text())
        assert set(data) <= {"meta", "name", "files", "versions"}
        for f in data["files"]:
            assert set(f) == {"filename", "upload-time", "yanked"}
        assert "://" not in path.read_text()


# ---------------------------------------------------------------- what counts as a release

@responses.activate
def test_post_releases_and_local_versions_belong_to_their_release(session):
    # cntk's page as the index lists it: 2.7.post1 and 2.7.post2 re-ship 2.7, they are not new releases
    body = {
        "meta": {"api-version": "1.1"}, "name": "cntk", "versions": ["2.6", "2.7", "2.7.post2"],
        "files": [
            {"filename": "cntk-2.6-cp36-cp36m-win_amd64.whl", "upload-time": "2018-09-16T18:11:37Z", "yanked": False},
            {"filename": "cntk-2.7-cp36-cp36m-win_amd64.whl", "upload-time": "2019-04-19T00:49:38Z", "yanked": False},
            {"filename": "cntk-2.7.post1-cp36-cp36m-win_amd64.whl", "upload-time": "2019-04-24T21:59:15Z", "yanked": False},
            {"filename": "cntk-2.7.post2-cp36-cp36m-manylinux1_x86_64.whl", "upload-time": "2020-12-09T22:21:57Z", "yanked": False},
            {"filename": "cntk-2.7+gpu-cp36-cp36m-manylinux1_x86_64.whl", "upload-time": "2019-04-19T01:00:00Z", "yanked": False},
        ],
    }
    serve("cntk", body)
    result = pypi.collect([fw("cntk", ("cntk",))], "2024-01-01", session=session, index=INDEX)
    v = values(result, "cntk")
    assert v["n_releases"] == 2  # 2.6 and 2.7
    assert v["n_yanked"] == 0
    table = result.tables["releases"]
    assert {r["version"]: r["release"] for r in table} == {"2.6": "2.6", "2.7": "2.7", "2.7.post1": "2.7", "2.7.post2": "2.7", "2.7+gpu": "2.7"}


@responses.activate
def test_a_release_shipped_as_two_projects_counts_once(session):
    serve("jax")
    serve("jaxlib")
    v = values(pypi.collect([fw("jax", ("jax", "jaxlib"))], "2024-06-30", session=session, index=INDEX), "jax")
    assert v["n_releases"] == 164  # every jaxlib version of the recorded page is also a jax version


@responses.activate
def test_a_release_is_yanked_only_when_all_its_files_are(session):
    body = {
        "meta": {"api-version": "1.1"}, "name": "demo", "versions": ["1.0", "1.0.post1", "1.1"],
        "files": [
            {"filename": "demo-1.0-py3-none-any.whl", "upload-time": "2020-01-01T00:00:00Z", "yanked": True},
            {"filename": "demo-1.0.post1-py3-none-any.whl", "upload-time": "2020-01-02T00:00:00Z", "yanked": False},
            {"filename": "demo-1.1-py3-none-any.whl", "upload-time": "2020-02-01T00:00:00Z", "yanked": True},
        ],
    }
    serve("demo", body)
    v = values(pypi.collect([fw("demo", ("demo",))], "2020-12-31", session=session, index=INDEX), "demo")
    assert v["n_releases"] == 2 and v["n_yanked"] == 1  # 1.0 lives on in 1.0.post1; 1.1 is gone


@pytest.mark.parametrize("version, release, final", [
    ("2.7", "2.7", True), ("2.7.post2", "2.7", True), ("2.13.0+cpu", "2.13.0", True), ("1!2.0.post1+x", "1!2.0", True),
    ("2.22.0rc0", "2.22.0rc0", False), ("2.5.0b20240324", "2.5.0b20240324", False), ("1.0.dev3", "1.0.dev3", False),
    ("1.0rc1.post1", "1.0rc1", False), ("not a version", "not a version", False),
])
def test_release_of_and_is_final(version, release, final):
    assert pypi.release_of(version) == release
    assert pypi.is_final(version) is final
