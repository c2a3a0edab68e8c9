"""Collection that fails safely: no value lost unless asked, nothing leaked, no silent waits."""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
import responses

from showdown_lib.acquire import collect
from showdown_lib.core.errors import CollectionError
from showdown_lib.acquire.sources import github, http, pypi
from showdown_lib.acquire.sources.base import Observation, SourceResult, missing
from showdown_lib.acquire.snapshots import write_snapshot

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "http" / "pypi"


def result(source, as_of, values, metric="stars"):
    obs = [Observation(fw, metric, v, "count", as_of, source, "d") if v is not None
           else missing(fw, metric, "count", as_of, source, "gone") for fw, v in values.items()]
    return SourceResult(source, as_of, obs, "{api}/x", "test", "1")


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def fake(values):
    return lambda source, fws, day, args: result(source, day.isoformat(), {f.id: values.get(f.id) for f in fws})


def test_a_collection_that_loses_a_value_is_refused_and_keeps_the_snapshot(scratch_root, monkeypatch, capsys):
    old = write_snapshot(result("github", "2026-02-01", {"pytorch": 1, "jax": 2}))
    before = digest(old)
    monkeypatch.setattr(collect, "_run_source", fake({"pytorch": 5, "jax": None}))
    assert collect.main(["--source", "github", "--as-of", "2026-02-01", "--framework", "pytorch", "jax"]) == 1
    err = capsys.readouterr().err
    assert "1 of the 2 values become missing" in err and "jax/stars (gone)" in err and "--accept-partial" in err
    assert digest(old) == before


def test_accept_partial_writes_the_partial_collection(scratch_root, monkeypatch):
    write_snapshot(result("github", "2026-02-01", {"pytorch": 1, "jax": 2}))
    monkeypatch.setattr(collect, "_run_source", fake({"pytorch": 5, "jax": None}))
    assert collect.main(["--source", "github", "--as-of", "2026-02-01", "--framework", "pytorch", "jax", "--accept-partial"]) == 0
    got = pd.read_csv(scratch_root / "data/raw/snapshots/github/2026-02-01/observations.csv").set_index("framework")
    assert got.loc["pytorch", "value"] == 5 and got.loc["jax", "status"] == "missing"
    prov = json.loads((scratch_root / "data/raw/snapshots/github/2026-02-01/provenance.json").read_text())
    assert any("--accept-partial" in f for f in prov["failures"])


def test_zero_values_never_replace_anything_even_with_accept_partial(scratch_root, monkeypatch, capsys):
    old = write_snapshot(result("github", "2026-02-01", {"pytorch": 1}))
    before = digest(old)
    monkeypatch.setattr(collect, "_run_source", fake({}))
    assert collect.main(["--source", "github", "--as-of", "2026-02-01", "--framework", "pytorch", "--accept-partial"]) == 1
    assert "collected 0 values" in capsys.readouterr().err and digest(old) == before
    assert collect.main(["--source", "github", "--as-of", "2026-02-02", "--framework", "pytorch"]) == 1
    assert not (scratch_root / "data/raw/snapshots/github/2026-02-02").exists()


def test_a_same_date_merge_never_erases_another_frameworks_value(scratch_root, monkeypatch):
    write_snapshot(result("github", "2026-02-01", {"pytorch": 1, "jax": 2, "keras": 3}))
    monkeypatch.setattr(collect, "_run_source", fake({"jax": 20}))
    assert collect.main(["--source", "github", "--as-of", "2026-02-01", "--framework", "jax"]) == 0
    got = pd.read_csv(scratch_root / "data/raw/snapshots/github/2026-02-01/observations.csv").set_index("framework")
    assert got["value"].to_dict() == {"jax": 20, "keras": 3, "pytorch": 1}


def test_a_crashing_collector_fails_only_its_source(scratch_root, monkeypatch, capsys):
    def run(source, fws, day, args):
        if source == "pypi":
            raise AttributeError("'str' object has no attribute 'get'")
        return result(source, day.isoformat(), {f.id: 1 for f in fws})

    monkeypatch.setattr(collect, "_run_source", run)
    assert collect.main(["--source", "pypi", "github", "--as-of", "2026-02-03", "--framework", "jax"]) == 1
    captured = capsys.readouterr()
    assert "unexpected AttributeError in the pypi collector" in captured.err and "Traceback" not in captured.err + captured.out
    assert (scratch_root / "data/raw/snapshots/github/2026-02-03/observations.csv").exists()


def test_ctrl_c_exits_130_with_one_line(scratch_root, monkeypatch, capsys):
    old = write_snapshot(result("github", "2026-02-01", {"pytorch": 1}))
    before = digest(old)

    def interrupted(*a):
        raise KeyboardInterrupt

    monkeypatch.setattr(collect, "_run_source", interrupted)
    assert collect.main(["--source", "github", "--as-of", "2026-02-01", "--framework", "pytorch"]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("collect: interrupted") and digest(old) == before


def test_a_collector_value_out_of_range_never_reaches_the_disk(scratch_root, monkeypatch, capsys):
    monkeypatch.setattr(collect, "_run_source", lambda s, fws, d, a: result(s, d.isoformat(), {"pytorch": 99}, metric="os_count"))
    assert collect.main(["--source", "pypi", "--as-of", "2018-08-01", "--framework", "pytorch"]) == 1  # no stored history of pytorch before it: only the range check speaks
    assert "out of range" in capsys.readouterr().err
    assert not (scratch_root / "data/raw/snapshots/pypi/2018-08-01").exists()


@pytest.mark.parametrize("argv, words", [
    (["--as-of", "2050-01-01"], "in the future"), (["--as-of", "1990-01-01"], "before 2000-01-01"),
    (["--as-of", "yesterday"], "YYYY-MM-DD"), (["--as-of", "2018-02-30"], "not a calendar date"),
    (["--edition", "../../../elsewhere/x"], "not allowed"), (["--edition", "current@2024-06-30", "--as-of", "2024-07-01"], "contradicts"),
])
def test_bad_dates_and_editions_give_one_line_and_status_2(scratch_root, capsys, argv, words):
    assert collect.main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_a_dated_edition_collects_as_of_its_date(scratch_root, monkeypatch):
    seen = []
    monkeypatch.setattr(collect, "_run_source", lambda s, fws, d, a: seen.append(d) or result(s, d.isoformat(), {f.id: 1 for f in fws}))
    assert collect.main(["--edition", "current@2024-06-30", "--source", "github", "--framework", "jax"]) == 0
    assert [d.isoformat() for d in seen] == ["2024-06-30"]


# ---------------------------------------------------------------- secrets, Retry-After, the GitHub base, the cache

SECRET = "Pa55-w0rd-x91"


def test_credentials_in_a_url_never_reach_the_cache_or_messages(tmp_path, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", f"https://ci-user:{SECRET}@index.invalid/simple")
    session = http.make_session(cache_dir=tmp_path)
    with responses.RequestsMock() as mock:
        mock.get("https://index.invalid/simple/tinygrad/", json=json.loads((FIXTURES / "tinygrad.json").read_text()))
        mock.get("https://index.invalid/simple/nosuch/", status=503, body="upstream https://ci-user:" + SECRET + "@index.invalid broke")
        data, _ = pypi.fetch_project(session, f"https://ci-user:{SECRET}@index.invalid/simple", "tinygrad")
        assert data["files"]
        sent = mock.calls[0].request
        assert SECRET not in sent.url and sent.headers["Authorization"].startswith("Basic ")
        with pytest.raises(CollectionError) as err:
            http.get_json(session, f"https://ci-user:{SECRET}@index.invalid/simple/nosuch/", what="x")
    assert SECRET not in str(err.value)
    basic = base64.b64encode(f"ci-user:{SECRET}".encode())
    for f in tmp_path.rglob("*"):
        if f.is_file():
            blob = f.read_bytes()
            assert SECRET.encode() not in blob and basic not in blob, f
    assert http.redact(f"see https://ci-user:{SECRET}@h/x and {SECRET}") == "see https://***@h/x and ***"


def test_the_cache_scan_would_find_a_leak(tmp_path, monkeypatch):
    """The check above is not vacuous: without the scrubbing, a URL with credentials stored as-is lands in the cache file."""
    monkeypatch.setattr(http, "_scrub_response", lambda response: None)
    session = http.make_session(cache_dir=tmp_path)
    url = f"https://ci-user:{SECRET}@index.invalid/simple/x/"
    with responses.RequestsMock() as mock:
        mock.get(url, json={"files": []})
        assert session.get(url).status_code == 200
    assert any(SECRET.encode() in f.read_bytes() for f in tmp_path.rglob("*") if f.is_file())


@pytest.fixture
def slept(monkeypatch):
    waits = []
    monkeypatch.setattr("time.sleep", lambda s: waits.append(s))
    return waits


def test_retry_after_over_the_cap_fails_at_once(slept):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class H(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(429)
            self.send_header("Retry-After", "3600")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        session = http.make_session(use_cache=False)
        with pytest.raises(CollectionError, match=r"HTTP 429.*3600 s \(Retry-After\), more than the 60 s"):
            http.get_json(session, f"http://127.0.0.1:{srv.server_address[1]}/x", what="index")
    finally:
        srv.shutdown()
        srv.server_close()
    assert all(s < 60 for s in slept)


def test_retry_after_within_the_cap_is_announced(capsys):
    retry = http.make_retry()

    class R:
        status = 429
        url = "https://user:pw123456@h.invalid/p?q=1"
        headers = {"Retry-After": "2"}

    import time as _time

    waits = []
    real = _time.sleep
    _time.sleep = waits.append
    try:
        retry.sleep_for_retry(R())
    finally:
        _time.sleep = real
    err = capsys.readouterr().err
    assert waits == [2.0] and "waiting 2 s" in err and "pw123456" not in err and "?q=1" not in err


def test_github_api_base_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.invalid/api/v3/")
    assert github.api_base() == "https://ghe.invalid/api/v3"
    monkeypatch.setenv("GITHUB_API_URL", "file:///etc/passwd")
    with pytest.raises(CollectionError, match="must be an http"):
        github.api_base()


@pytest.mark.parametrize("body, words", [({}, "no 'stargazers_count'"), ([], "not a JSON object"),
                                         ({"stargazers_count": "many", "forks_count": 1}, "'stargazers_count' is str")])
def test_a_github_response_without_a_field_fails_the_source(monkeypatch, body, words):
    from showdown_lib.core.registry import load_registry, select

    monkeypatch.setenv("GITHUB_API_URL", "https://ghe.invalid/api/v3")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get("https://ghe.invalid/api/v3/repos/tinygrad/tinygrad", json=body)
        mock.get("https://ghe.invalid/api/v3/search/issues", json={"total_count": 1})
        mock.get("https://ghe.invalid/api/v3/search/repositories", json={"total_count": 1})
        with pytest.raises(CollectionError, match=words):
            github.collect(select(load_registry(), ["tinygrad"]), None, session=http.make_session(use_cache=False))


@pytest.mark.parametrize("page, words", [({"files": "x"}, "'files' is a str"), ([], "not an object"), ({"files": [1]}, r"files\[0\] is a int"),
                                         ({"files": [{"upload-time": "2020-01-01"}]}, "has no 'filename'")])
def test_a_malformed_index_page_is_a_collection_error(page, words):
    with responses.RequestsMock() as mock:
        mock.get("https://index.invalid/simple/tinygrad/", json=page)
        with pytest.raises(CollectionError, match=words):
            pypi.fetch_project(http.make_session(use_cache=False), "https://index.invalid/simple", "tinygrad")


def test_provenance_says_how_many_responses_came_from_the_cache(scratch_root, monkeypatch):
    from showdown_lib.core.registry import load_registry, select

    page = json.loads((FIXTURES / "tinygrad.json").read_text())
    monkeypatch.setenv("PIP_INDEX_URL", "https://index.invalid/simple")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get("https://index.invalid/simple/tinygrad/", json=page)
        for day in ("2025-01-15", "2025-01-16"):
            assert collect.main(["--source", "pypi", "--framework", "tinygrad", "--as-of", day]) == 0
    first = json.loads((scratch_root / "data/raw/snapshots/pypi/2025-01-15/provenance.json").read_text())
    second = json.loads((scratch_root / "data/raw/snapshots/pypi/2025-01-16/provenance.json").read_text())
    assert first["extra"]["http_responses"] == {"responses": 1, "from_cache": 0}
    assert second["extra"]["http_responses"]["from_cache"] == 1 and second["extra"]["http_responses"]["oldest_cached_at"] <= second["retrieved_at"]
    assert select(load_registry(), ["tinygrad"])


def test_a_github_wait_is_announced(capsys):
    waits = []
    with responses.RequestsMock() as mock:
        mock.get("https://api.github.com/repos/a/b", status=403, headers={"Retry-After": "5"}, json={"message": "secondary"})
        mock.get("https://api.github.com/repos/a/b", json={"stargazers_count": 1})
        client = github.GitHubClient(http.make_session(use_cache=False, total_retries=0), sleep=waits.append)
        data, resp = client.get("/repos/a/b", what="GitHub repository a/b")
    assert resp.status_code == 200 and waits == [5.0]
    assert "asks to wait 5 s (Retry-After)" in capsys.readouterr().err
