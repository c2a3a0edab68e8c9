"""The Stack Exchange collector, and the end-to-end check that no secret reaches the disk."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from showdown_lib.core.errors import CollectionError
from showdown_lib.core.registry import Framework, Repository
from showdown_lib.acquire.sources import github, pypi, stackexchange
from showdown_lib.acquire.snapshots import write_snapshot
from showdown_lib.acquire.sources.http import make_session

FIXTURES = Path(__file__).parent / "fixtures" / "http"
API = "https://api.stackexchange.com/2.3"
TODAY = dt.date(2024, 6, 30)


def load(name: str, folder: str = "stackexchange") -> dict:
    return json.loads((FIXTURES / folder / f"{name}.json").read_text())


def fw(id_: str, tags: tuple[str, ...], pypi_names: tuple[str, ...] = ()) -> Framework:
    return Framework(id=id_, name=id_, association="x", first_release=2015,
                     repositories=(Repository(f"https://github.com/{id_}/{id_}"),), pypi=pypi_names, so_tags=tags, numerics="x")


def values(result, framework: str) -> dict:
    return {o.metric: (o.value if o.status == "ok" else ("missing", o.reason)) for o in result.observations if o.framework == framework}


def query(call) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(call.request.url).query).items()}


class FakeTime:
    def __init__(self):
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self):
        return self.now

    def sleep(self, s):
        self.slept.append(s)
        self.now += s


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(stackexchange, "_utc_today", lambda: TODAY)
    monkeypatch.delenv("STACKEXCHANGE_KEY", raising=False)


@pytest.fixture
def fake_time():
    return FakeTime()


def make_client(tmp_path, fake_time, key=None):
    return stackexchange.StackExchangeClient(make_session(tmp_path, use_cache=False), key, sleep=fake_time.sleep, clock=fake_time.clock)


def questions_callback(totals: dict[str, int]):
    def cb(request):
        tag = query_of_url(request.url)["tagged"]
        return 200, {}, json.dumps({"total": totals[tag]})

    return cb


def query_of_url(url):
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


FRAMEWORKS = [fw("pytorch", ("pytorch",)), fw("tensorflow", ("tensorflow",)), fw("tinygrad", ("tinygrad",)), fw("caffe2", ())]
TOTALS = {"pytorch": 20188, "tensorflow": 79000, "tinygrad": 120}


def test_end_of_day_epoch():
    assert stackexchange.end_of_day_epoch(dt.date(2024, 6, 30)) == 1719791999
    assert stackexchange.end_of_day_epoch(dt.date(1970, 1, 1)) == 86399


@responses.activate
def test_today_uses_tag_info_with_pagination(tmp_path, fake_time):
    responses.get(f"{API}/tags/pytorch;tensorflow;tinygrad/info", json=load("tags_info_page1"))
    responses.get(f"{API}/tags/pytorch;tensorflow;tinygrad/info", json=load("tags_info_page2"))
    responses.add_callback(responses.GET, f"{API}/questions", callback=questions_callback(TOTALS), content_type="application/json")
    result = stackexchange.collect(FRAMEWORKS, "2024-06-30", client=make_client(tmp_path, fake_time))
    assert values(result, "pytorch") == {"questions_total": 24311, "questions_as_of": 20188}
    assert values(result, "tensorflow") == {"questions_total": 81532, "questions_as_of": 79000}
    assert values(result, "tinygrad") == {"questions_total": 137, "questions_as_of": 120}  # found on page 2
    tag_calls = [c for c in responses.calls if "/tags/" in c.request.url]
    assert [query(c)["page"] for c in tag_calls] == ["1", "2"]
    q = [query(c) for c in responses.calls if "/questions" in c.request.url]
    assert {x["tagged"] for x in q} == set(TOTALS)
    assert all(x["filter"] == "total" and x["todate"] == "1719791999" and x["site"] == "stackoverflow" for x in q)
    assert all("key" not in x for x in q)
    assert values(result, "caffe2") == {m: ("missing", "no Stack Overflow tag in the registry") for m in stackexchange.METRICS}
    assert result.extra["quota_remaining"] == 9989


@responses.activate
def test_past_date_uses_as_of_counts_only(tmp_path, fake_time):
    responses.add_callback(responses.GET, f"{API}/questions", callback=questions_callback(TOTALS), content_type="application/json")
    result = stackexchange.collect(FRAMEWORKS[:2], "2018-06-30", client=make_client(tmp_path, fake_time))
    assert values(result, "pytorch") == {"questions_total": 20188, "questions_as_of": 20188}
    assert not any("/tags/" in c.request.url for c in responses.calls)
    assert query(responses.calls[0])["todate"] == str(stackexchange.end_of_day_epoch(dt.date(2018, 6, 30)))


@responses.activate
def test_several_tags_are_summed_and_unknown_tag_is_missing(tmp_path, fake_time):
    two = fw("two", ("pytorch", "tinygrad"))
    ghost = fw("ghost", ("no-such-tag",))
    responses.get(f"{API}/tags/no-such-tag;pytorch;tinygrad/info", json=load("tags_info_page2"))
    responses.add_callback(responses.GET, f"{API}/questions", callback=questions_callback({**TOTALS, "no-such-tag": 0}), content_type="application/json")
    result = stackexchange.collect([two, ghost], "2024-06-30", client=make_client(tmp_path, fake_time))
    two_v = values(result, "two")
    assert two_v["questions_total"] == 137  # only tinygrad is in the (single) page
    assert two_v["questions_as_of"] == 20188 + 120
    assert values(result, "ghost")["questions_total"] == ("missing", "tag(s) no-such-tag not found on stackoverflow")


@responses.activate
def test_endless_pagination_is_stopped(tmp_path, fake_time):
    responses.get(f"{API}/tags/pytorch/info", json=load("tags_info_page1"))  # always has_more
    with pytest.raises(CollectionError, match="has_more"):
        stackexchange.collect([fw("pytorch", ("pytorch",))], "2024-06-30", client=make_client(tmp_path, fake_time))
    assert len(responses.calls) == stackexchange.MAX_PAGES


@responses.activate
def test_backoff_is_honoured(tmp_path, fake_time):
    responses.get(f"{API}/tags/pytorch/info", json=load("tags_info_backoff"))
    responses.get(f"{API}/questions", json=load("questions_total"))
    stackexchange.collect([fw("pytorch", ("pytorch",))], "2024-06-30", client=make_client(tmp_path, fake_time))
    assert fake_time.slept == [10.0]


@responses.activate
def test_quota_exhausted_stops(tmp_path, fake_time):
    responses.get(f"{API}/tags/pytorch/info", json=load("tags_info_quota_spent"))
    responses.get(f"{API}/questions", json=load("questions_total"))
    with pytest.raises(CollectionError, match="quota exhausted"):
        stackexchange.collect([fw("pytorch", ("pytorch",))], "2024-06-30", client=make_client(tmp_path, fake_time))
    assert not any("/questions" in c.request.url for c in responses.calls)


@responses.activate
def test_bad_parameter_error_is_explained(tmp_path, fake_time):
    responses.get(f"{API}/questions", json=load("error_bad_parameter"), status=400)
    with pytest.raises(CollectionError) as err:
        stackexchange.collect([fw("pytorch", ("pytorch",))], "2018-01-01", client=make_client(tmp_path, fake_time))
    msg = str(err.value)
    assert "400" in msg and "bad_parameter" in msg and "todate" in msg


@responses.activate
def test_throttle_error_is_explained(tmp_path, fake_time):
    responses.get(f"{API}/questions", json=load("error_throttle"), status=400)
    with pytest.raises(CollectionError, match=r"502 throttle_violation \(throttled"):
        stackexchange.collect([fw("pytorch", ("pytorch",))], "2018-01-01", client=make_client(tmp_path, fake_time))


@responses.activate
def test_malformed_body_is_an_error(tmp_path, fake_time):
    responses.get(f"{API}/questions", body="<html>maintenance</html>", status=200, content_type="text/html")
    with pytest.raises(CollectionError, match="not valid JSON"):
        stackexchange.collect([fw("pytorch", ("pytorch",))], "2018-01-01", client=make_client(tmp_path, fake_time))


@responses.activate
def test_key_is_sent_when_set(tmp_path, fake_time, monkeypatch):
    monkeypatch.setenv("STACKEXCHANGE_KEY", "k3y")
    responses.get(f"{API}/questions", json=load("questions_total"))
    result = stackexchange.collect([fw("pytorch", ("pytorch",))], "2018-01-01", session=make_session(tmp_path, use_cache=False))
    assert query(responses.calls[0])["key"] == "k3y"
    assert result.extra["with_key"] is True


# ---------------------------------------------------------------- secrets never reach the disk

SENTINEL_TOKEN = "ghp_SENTINEL_token_5f3a9c"
SENTINEL_KEY = "SENTINEL_key_77b1e0"


@responses.activate
def test_secrets_never_reach_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", SENTINEL_TOKEN)
    monkeypatch.setenv("STACKEXCHANGE_KEY", SENTINEL_KEY)
    monkeypatch.setattr(github, "_utc_today", lambda: TODAY)
    gh = "https://api.github.com"
    responses.get(f"{gh}/repos/pytorch/pytorch", json=load("repo_tinygrad", "github"), headers={"ETag": '"e1"'})
    responses.get(f"{gh}/search/issues", json=load("search_issues_merged", "github"))
    responses.get(f"{gh}/search/repositories", json=load("search_repositories", "github"))
    responses.get(f"{API}/tags/pytorch/info", json=load("tags_info_page2"))
    responses.get(f"{API}/questions", json=load("error_throttle"), status=400)  # an error path too
    index = "https://index.test/simple"
    responses.get(f"{index}/torch/", json=load("torch", "pypi"), content_type="application/vnd.pypi.simple.v1+json")

    frameworks = [fw("pytorch", ("pytorch",), ("torch",))]
    session = make_session(tmp_path / "cache")
    results = [
        github.collect(frameworks, "2024-06-30", session=session),
        pypi.collect(frameworks, "2024-06-30", session=session, index=index),
    ]
    with pytest.raises(CollectionError) as err:
        stackexchange.collect(frameworks, "2024-06-30", session=session)
    assert SENTINEL_KEY not in str(err.value)
    # the requests really carried the secrets
    assert any(c.request.headers.get("Authorization") == f"Bearer {SENTINEL_TOKEN}" for c in responses.calls)
    assert any(SENTINEL_KEY in c.request.url for c in responses.calls)
    # ... and a second run is answered from the cache (which must hold no secret either)
    n_calls = len(responses.calls)
    results.append(github.collect(frameworks, "2024-06-30", session=session))
    assert len(responses.calls) == n_calls
    for result in results:
        write_snapshot(result, root=tmp_path / "snapshots")
    session.close()

    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".sqlite" for p in files), "the HTTP cache was not written"
    assert any(p.name == "observations.csv" for p in files)
    for path in files:
        blob = path.read_bytes()
        for secret in (SENTINEL_TOKEN, SENTINEL_KEY):
            assert secret.encode() not in blob, f"{secret} found in {path.relative_to(tmp_path)}"
