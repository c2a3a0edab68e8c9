"""The GitHub collector: values, missing rows, historical dates and rate-limit handling (no network)."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import responses

from showdown_lib.core.errors import CollectionError
from showdown_lib.core.registry import Framework, Repository
from showdown_lib.acquire.sources import github
from showdown_lib.acquire.sources.http import make_session

FIXTURES = Path(__file__).parent / "fixtures" / "http" / "github"
API = "https://api.github.com"
TODAY = dt.date(2024, 6, 30)
RESET = 1_719_750_000  # an epoch second used as "now" by the fake clock


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def fw(id_: str, *repos: Repository, query: str | None = None) -> Framework:
    return Framework(id=id_, name=id_, association="x", first_release=2015, repositories=tuple(repos), pypi=(),
                     so_tags=(), numerics="x", github_query=query)


TINYGRAD = fw("tinygrad", Repository("https://github.com/tinygrad/tinygrad"))


class FakeTime:
    def __init__(self, now: float = RESET):
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(github, "_utc_today", lambda: TODAY)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)


@pytest.fixture
def clock():
    return FakeTime()


def client(tmp_path, clock, max_wait=60, token=None):
    return github.GitHubClient(make_session(tmp_path, use_cache=False), token, max_wait, sleep=clock.sleep, clock=clock.clock)


def limit_headers(remaining: int, reset: float = RESET + 30, resource: str = "core") -> dict:
    return {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(int(reset)),
            "X-RateLimit-Used": "1", "X-RateLimit-Resource": resource}


def values(result, framework: str) -> dict:
    return {o.metric: (o.value if o.status == "ok" else ("missing", o.reason)) for o in result.observations if o.framework == framework}


def q_of(call) -> str:
    return parse_qs(urlparse(call.request.url).query)["q"][0]


def serve_all(repo="repo_tinygrad", slug="tinygrad/tinygrad"):
    responses.get(f"{API}/repos/{slug}", json=load(repo), headers=limit_headers(59))
    responses.get(f"{API}/search/issues", json=load("search_issues_merged"), headers=limit_headers(29, resource="search"))
    responses.get(f"{API}/search/repositories", json=load("search_repositories"), headers=limit_headers(28, resource="search"))


@responses.activate
def test_today_values_and_queries(tmp_path, clock):
    serve_all()
    result = github.collect([TINYGRAD], "2024-06-30", client=client(tmp_path, clock))
    v = values(result, "tinygrad")
    assert v == {"stars": 25678, "forks": 2901, "archived": 0, "pushed_at": "2024-06-30T09:08:07Z",
                 "merged_prs_30d": 412, "repos_mentioning": 1834}
    queries = [q_of(c) for c in responses.calls if "/search/" in c.request.url]
    assert queries == ["repo:tinygrad/tinygrad is:pr is:merged merged:2024-06-01..2024-06-30", "tinygrad created:<=2024-06-30"]
    assert "Authorization" not in responses.calls[0].request.headers
    assert responses.calls[0].request.headers["Accept"] == "application/vnd.github+json"
    repos_row = [o for o in result.observations if o.metric == "repos_mentioning"][0]
    assert "tinygrad created:<=2024-06-30" in repos_row.detail
    assert result.tables["repositories"][0]["stars"] == 25678
    assert result.extra["authenticated"] is False
    assert clock.slept == []


@responses.activate
def test_token_is_sent_as_bearer_header(tmp_path, clock, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "tok-123")
    serve_all()
    result = github.collect([TINYGRAD], "2024-06-30", session=make_session(tmp_path, use_cache=False))
    assert responses.calls[0].request.headers["Authorization"] == "Bearer tok-123"
    assert result.extra["authenticated"] is True


@responses.activate
def test_past_date_has_no_present_values(tmp_path, clock):
    serve_all()
    result = github.collect([TINYGRAD], "2018-06-30", client=client(tmp_path, clock), window_days=7)
    v = values(result, "tinygrad")
    for metric in github.NOW_METRICS:
        assert v[metric] == ("missing", f"GitHub has no historical value for {metric} as of 2018-06-30")
    assert v["merged_prs_30d"] == 412
    assert not any("/repos/" in c.request.url for c in responses.calls)
    assert q_of(responses.calls[0]).endswith("merged:2018-06-24..2018-06-30")


def test_future_date_is_refused(tmp_path, clock):
    with pytest.raises(ValueError, match="future"):
        github.collect([TINYGRAD], "2024-07-01", client=client(tmp_path, clock))


@responses.activate
def test_404_repository_and_422_search_are_missing(tmp_path, clock):
    gone = fw("gone", Repository("https://github.com/nobody/gone"))
    responses.get(f"{API}/repos/nobody/gone", json=load("not_found"), status=404, headers=limit_headers(58))
    responses.get(f"{API}/search/issues", json=load("search_unprocessable"), status=422, headers=limit_headers(29, resource="search"))
    responses.get(f"{API}/search/repositories", json=load("search_repositories"), headers=limit_headers(28, resource="search"))
    result = github.collect([gone], "2024-06-30", client=client(tmp_path, clock))
    v = values(result, "gone")
    assert v["stars"][0] == "missing" and "404" in v["stars"][1]
    assert v["merged_prs_30d"][0] == "missing" and "422" in v["merged_prs_30d"][1]
    assert v["repos_mentioning"] == 1834
    assert len(result.failures) == 2


@responses.activate
def test_plain_403_is_missing_not_a_stop(tmp_path, clock):
    blocked = fw("blocked", Repository("https://github.com/some/blocked"))
    responses.get(f"{API}/repos/some/blocked", json=load("forbidden"), status=403, headers=limit_headers(57))
    responses.get(f"{API}/search/issues", json=load("search_issues_merged"), headers=limit_headers(29, resource="search"))
    responses.get(f"{API}/search/repositories", json=load("search_repositories"), headers=limit_headers(28, resource="search"))
    v = values(github.collect([blocked], "2024-06-30", client=client(tmp_path, clock)), "blocked")
    assert v["stars"][0] == "missing" and "403" in v["stars"][1]
    assert v["merged_prs_30d"] == 412


@responses.activate
def test_exhausted_limit_waits_when_reset_is_near(tmp_path, clock):
    responses.get(f"{API}/repos/tinygrad/tinygrad", json=load("rate_limited"), status=403, headers=limit_headers(0, RESET + 20))
    responses.get(f"{API}/repos/tinygrad/tinygrad", json=load("repo_tinygrad"), headers=limit_headers(59, RESET + 3600))
    responses.get(f"{API}/search/issues", json=load("search_issues_merged"), headers=limit_headers(29, resource="search"))
    responses.get(f"{API}/search/repositories", json=load("search_repositories"), headers=limit_headers(28, resource="search"))
    result = github.collect([TINYGRAD], "2024-06-30", client=client(tmp_path, clock, max_wait=60))
    assert values(result, "tinygrad")["stars"] == 25678
    assert clock.slept == [21.0]  # until the reset, plus one second
    assert result.extra["seconds_waited_for_rate_limit"] == 21.0


@responses.activate
def test_exhausted_limit_stops_when_reset_is_far(tmp_path, clock):
    responses.get(f"{API}/repos/tinygrad/tinygrad", json=load("rate_limited"), status=403, headers=limit_headers(0, RESET + 3000))
    with pytest.raises(CollectionError, match=r"GitHub rate limit exhausted until 2024-06-30T\S+ \(core\); set GITHUB_TOKEN or retry later"):
        github.collect([TINYGRAD], "2024-06-30", client=client(tmp_path, clock, max_wait=60))
    assert clock.slept == []


@responses.activate
def test_known_exhaustion_stops_before_sending(tmp_path, clock):
    # the search limit reaches 0 on a successful response: the next search must not be sent
    responses.get(f"{API}/repos/tinygrad/tinygrad", json=load("repo_tinygrad"), headers=limit_headers(59))
    responses.get(f"{API}/search/issues", json=load("search_issues_merged"), headers=limit_headers(0, RESET + 500, "search"))
    with pytest.raises(CollectionError, match="rate limit exhausted"):
        github.collect([TINYGRAD], "2024-06-30", client=client(tmp_path, clock, max_wait=60))
    assert not any("/search/repositories" in c.request.url for c in responses.calls)


@responses.activate
def test_secondary_limit_with_retry_after_is_waited_out(tmp_path, clock):
    responses.get(f"{API}/repos/tinygrad/tinygrad", json=load("repo_tinygrad"), headers=limit_headers(59))
    responses.get(f"{API}/search/issues", json=load("secondary_limit"), status=403, headers={"Retry-After": "30"})
    responses.get(f"{API}/search/issues", json=load("search_issues_merged"), headers=limit_headers(29, resource="search"))
    responses.get(f"{API}/search/repositories", json=load("search_repositories"), headers=limit_headers(28, resource="search"))
    v = values(github.collect([TINYGRAD], "2024-06-30", client=client(tmp_path, clock)), "tinygrad")
    assert v["merged_prs_30d"] == 412
    assert clock.slept == [30.0]


@responses.activate
def test_secondary_limit_longer_than_max_wait_stops(tmp_path, clock):
    responses.get(f"{API}/repos/tinygrad/tinygrad", json=load("secondary_limit"), status=403, headers={"Retry-After": "600"})
    with pytest.raises(CollectionError, match="secondary rate limit"):
        github.collect([TINYGRAD], "2024-06-30", client=client(tmp_path, clock, max_wait=60))


@responses.activate
def test_shared_and_non_github_repositories_and_aggregation(tmp_path, clock):
    caffe2 = fw("caffe2", Repository("https://github.com/pytorch/pytorch", "caffe2"), query="caffe2")
    elsewhere = fw("elsewhere", Repository("https://gitlab.example.test/a/b"))
    pair = fw("pair", Repository("https://github.com/tinygrad/tinygrad"), Repository("https://github.com/Theano/Theano"))
    responses.get(f"{API}/repos/tinygrad/tinygrad", json=load("repo_tinygrad"), headers=limit_headers(59))
    responses.get(f"{API}/repos/Theano/Theano", json=load("repo_theano"), headers=limit_headers(58))
    responses.get(f"{API}/search/issues", json=load("search_issues_merged"), headers=limit_headers(29, resource="search"))
    responses.get(f"{API}/search/repositories", json=load("search_repositories"), headers=limit_headers(28, resource="search"))
    result = github.collect([caffe2, elsewhere, pair], "2024-06-30", client=client(tmp_path, clock))
    c2 = values(result, "caffe2")
    assert all(c2[m][0] == "missing" and "shared" in c2[m][1] for m in github.REPO_METRICS)
    assert c2["repos_mentioning"] == 1834
    el = values(result, "elsewhere")
    assert el["stars"][0] == "missing" and "not a GitHub repository" in el["stars"][1]
    p = values(result, "pair")
    assert p["stars"] == 25678 + 9900 and p["forks"] == 2901 + 2500
    assert p["archived"] == 0  # only one of the two is archived
    assert p["pushed_at"] == "2024-06-30T09:08:07Z"
    assert p["merged_prs_30d"] == 412 * 2
