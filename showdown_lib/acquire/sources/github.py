"""Popularity and activity signals from the GitHub REST API (v3).

Method
------
For every repository of a framework that is on GitHub (``Repository.slug``):

* ``stars``, ``forks``, ``archived`` (0/1) and ``pushed_at`` come from ``GET /repos/{owner}/{repo}``.
  GitHub only knows their present value, so for an as-of date before today they are missing
  ("GitHub has no historical value for ..."), never back-filled with today's number.
* ``merged_prs_30d`` is the ``total_count`` of the issue search
  ``repo:{slug} is:pr is:merged merged:{start}..{as_of}``, a window of ``window_days`` calendar
  days ending on the as-of day (both ends included). The search index keeps merge dates, so this
  works for past dates too. It is the post's activity signal.

Per framework, ``repos_mentioning`` is the ``total_count`` of the repository search
``{search_term} created:<={as_of}`` (the post's ecosystem signal). GitHub matches the term in a
repository's name, description and topics; the exact query is kept in ``detail``.

A framework with several repositories gets the sum of stars, forks and merged pull requests, the
newest ``pushed_at`` and ``archived`` = 1 only when all are archived. A repository that is not on
GitHub, or that the registry limits to a sub-folder of a shared repository (``path``), gives no
repository-wide numbers (they would describe the other code too): its rows are missing with the
reason. So are repositories the API answers with 404 (gone or private), 403 (access refused) or 422
(the search refuses the repository).

Rate limits: the ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset`` headers are tracked per resource
(``core`` and ``search``). When a limit is used up the collector waits for the reset if that is at
most ``max_wait`` seconds away and otherwise stops with :class:`CollectionError`. A secondary limit
(403/429 with ``Retry-After``) is waited out the same way. A token in ``GITHUB_TOKEN`` raises the
limits; without one the collector still runs, more slowly. The token is sent as a header only and
never stored (see :mod:`showdown_lib.acquire.sources.http`).

The API base is ``GITHUB_API_URL`` when set (as GitHub Actions and GitHub Enterprise Server set it,
e.g. ``https://ghe.example/api/v3``), else ``https://api.github.com``. A response that lacks a field
the collector reads (or is not the JSON object expected) fails the source with a message naming the
request and the field; it is never a crash.
"""
from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any, Callable

from ...core.errors import CollectionError
from ...core.registry import Framework
from .base import Observation, SourceResult, missing, past_or_today
from .http import fetch, make_session, progress, redact, retry_after_note

SOURCE = "github"
COLLECTOR_VERSION = "1.0"
API = "https://api.github.com"  # the default; GITHUB_API_URL overrides it (see api_base)
API_VERSION = "2022-11-28"

METRICS: dict[str, str] = {
    "stars": "count",
    "forks": "count",
    "archived": "0/1",
    "pushed_at": "datetime",
    "merged_prs_30d": "count",
    "repos_mentioning": "count",
}
NOW_METRICS = ("stars", "forks", "archived", "pushed_at")
REPO_METRICS = (*NOW_METRICS, "merged_prs_30d")
MISSING_STATUSES = {403: "access refused (HTTP 403)", 404: "not found (HTTP 404)", 422: "the search refused the query (HTTP 422)"}


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def api_base() -> str:
    """``GITHUB_API_URL`` without a trailing slash, else the public API; anything but http(s) is refused."""
    value = os.environ.get("GITHUB_API_URL", "").strip() or API
    if not value.lower().startswith(("https://", "http://")):
        raise CollectionError(f"GITHUB_API_URL must be an http(s) URL such as https://ghe.example/api/v3, got {redact(value)!r}")
    return value.rstrip("/")


def _announce(line: str) -> None:
    """A wait is never silent: one line on standard error."""
    import sys

    print(line, file=sys.stderr, flush=True)


def field(data: Any, key: str, what: str, kind: type | tuple[type, ...] = (int, float, str, bool, type(None))) -> Any:
    """``data[key]`` of an API response, or a :class:`CollectionError` naming the request and the field."""
    if not isinstance(data, dict):
        raise CollectionError(f"{what}: the response is not a JSON object (got {type(data).__name__}); the API may have changed")
    if key not in data:
        raise CollectionError(f"{what}: the response has no {key!r} field; the API may have changed")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CollectionError(f"{what}: field {key!r} is {type(value).__name__} {redact(value)!r:.60}, not what GitHub documents")
    return value


class GitHubClient:
    """GET requests to the GitHub API with rate-limit handling.

    ``sleep`` and ``clock`` are injectable so tests do not wait.
    """

    def __init__(self, session, token: str | None = None, max_wait: float = 60, *,
                 sleep: Callable[[float], None] | None = None, clock: Callable[[], float] = time.time,
                 max_attempts: int = 4):
        self.session = session
        self.token = token
        self.max_wait = max_wait
        self.sleep = sleep or time.sleep  # looked up late so tests can patch time.sleep
        self.clock = clock
        self.max_attempts = max_attempts
        self.limits: dict[str, tuple[int, float]] = {}  # resource -> (remaining, reset epoch)
        self.n_requests = 0
        self.waited = 0.0
        self.api = api_base()

    def headers(self) -> dict[str, str]:
        h = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        return h

    @staticmethod
    def resource_of(path: str) -> str:
        return "search" if path.startswith("/search/") else "core"

    def _wait_until(self, reset: float, resource: str) -> None:
        delay = max(0.0, reset - self.clock()) + 1.0
        if delay > self.max_wait:
            when = dt.datetime.fromtimestamp(reset, dt.timezone.utc).replace(microsecond=0).isoformat()
            raise CollectionError(f"GitHub rate limit exhausted until {when} ({resource}); set GITHUB_TOKEN or retry later")
        _announce(f"GitHub {resource} rate limit used up: waiting {delay:.0f} s for its reset (at most {self.max_wait:.0f} s)")
        self.sleep(delay)
        self.waited += delay

    def _note_limits(self, response, resource: str) -> None:
        if getattr(response, "from_cache", False):
            return  # stored headers describe an old moment
        remaining = response.headers.get("X-RateLimit-Remaining")
        reset = response.headers.get("X-RateLimit-Reset")
        if remaining is None or reset is None:
            return
        try:
            self.limits[response.headers.get("X-RateLimit-Resource", resource)] = (int(remaining), float(reset))
        except ValueError:
            pass

    def get(self, path: str, params: dict[str, Any] | None = None, what: str = "GitHub") -> tuple[Any, Any]:
        """``(parsed JSON or None, response)``; 403/404/422 are returned for the caller to mark missing."""
        resource = self.resource_of(path)
        for _ in range(self.max_attempts):
            remaining, reset = self.limits.get(resource, (1, 0.0))
            if remaining <= 0 and reset > self.clock():
                self._wait_until(reset, resource)
                self.limits.pop(resource, None)
            self.n_requests += 1
            response = fetch(self.session, self.api + path, params=params, headers=self.headers(), what=what)
            self._note_limits(response, resource)
            status = response.status_code
            if status in (403, 429):
                retry_after = response.headers.get("Retry-After")
                if retry_after is not None:
                    try:
                        delay = float(retry_after)
                    except ValueError:
                        delay = self.max_wait + 1
                    if delay > self.max_wait:
                        raise CollectionError(f"{what}: GitHub secondary rate limit asks to wait {retry_after} s "
                                              f"(more than {self.max_wait} s); retry later")
                    _announce(f"{what}: GitHub asks to wait {delay:.0f} s (Retry-After); waiting (at most {self.max_wait:.0f} s)")
                    self.sleep(delay)
                    self.waited += delay
                    continue
                if response.headers.get("X-RateLimit-Remaining") == "0":
                    try:
                        reset_at = float(response.headers.get("X-RateLimit-Reset", "0"))
                    except ValueError:
                        reset_at = 0.0
                    self._wait_until(reset_at, resource)
                    self.limits.pop(resource, None)
                    continue
                if status == 429:
                    raise CollectionError(f"{what}: GitHub answered HTTP 429 without a reset time; retry later")
            if status in MISSING_STATUSES:
                try:
                    return response.json(), response
                except ValueError:
                    return None, response
            if not 200 <= status < 300:
                raise CollectionError(f"{what}: GET {redact(self.api)}{path} returned HTTP {status}" + retry_after_note(response))
            try:
                return response.json(), response
            except ValueError:
                raise CollectionError(f"{what}: GET {redact(self.api)}{path} returned HTTP {status} but the body is not valid JSON") from None
        raise CollectionError(f"{what}: GitHub still rate limited after {self.max_attempts} attempts; retry later")


def collect(frameworks: list[Framework], as_of=None, *, session=None, window_days: int = 30, max_wait: float = 60,
            client: GitHubClient | None = None) -> SourceResult:
    """Stars, forks, archived, last push, merged pull requests and ecosystem size from GitHub."""
    day, as_of_s, is_today = past_or_today(as_of, _utc_today())
    start = day - dt.timedelta(days=window_days - 1)
    token = os.environ.get("GITHUB_TOKEN") or None
    client = client or GitHubClient(session or make_session(), token, max_wait)
    api = redact(getattr(client, "api", API))
    obs: list[Observation] = []
    failures: list[str] = []
    table: list[dict[str, Any]] = []

    def ok(fw: str, metric: str, value: Any, detail: str = "") -> None:
        obs.append(Observation(fw, metric, value, METRICS[metric], as_of_s, SOURCE, detail))

    def miss(fw: str, metric: str, reason: str, detail: str = "") -> None:
        obs.append(missing(fw, metric, METRICS[metric], as_of_s, SOURCE, reason, detail))

    for fw in progress(frameworks, desc="GitHub"):
        per_repo: list[dict[str, Any]] = []
        skipped: list[str] = []
        for repo in fw.repositories:
            slug = repo.slug
            if slug is None:
                skipped.append(f"{repo.url} is not a GitHub repository")
                continue
            if repo.path:
                skipped.append(f"{slug} is shared (the framework is its {repo.path}/ folder); repository-wide counts would not describe it")
                continue
            row: dict[str, Any] = {"framework": fw.id, "repository": slug}
            if is_today:
                data, resp = client.get(f"/repos/{slug}", what=f"GitHub repository {slug}")
                if resp.status_code != 200:
                    row["error"] = f"{slug}: {MISSING_STATUSES[resp.status_code]}"
                    failures.append(f"{fw.id}: {row['error']}")
                else:
                    what = f"GitHub repository {slug}"
                    stars, forks = field(data, "stargazers_count", what, int), field(data, "forks_count", what, int)
                    row.update(stars=stars, forks=forks, archived=int(bool(data.get("archived", False))), pushed_at=data.get("pushed_at"))
            query = f"repo:{slug} is:pr is:merged merged:{start.isoformat()}..{as_of_s}"
            data, resp = client.get("/search/issues", {"q": query, "per_page": 1}, what=f"GitHub merged PRs of {slug}")
            row["merged_query"] = query
            if resp.status_code != 200:
                row["merged_error"] = f"{slug}: {MISSING_STATUSES[resp.status_code]}"
                failures.append(f"{fw.id}: merged PR search {row['merged_error']}")
            else:
                row["merged_prs"] = field(data, "total_count", f"GitHub merged PRs of {slug}", int)
                row["merged_incomplete"] = bool(data.get("incomplete_results", False))
            per_repo.append(row)
            table.append({k: row.get(k, "") for k in ("framework", "repository", "stars", "forks", "archived", "pushed_at", "merged_prs")})
        _repo_metrics(fw.id, per_repo, skipped, is_today, as_of_s, ok, miss)

        query = f"{fw.search_term} created:<={as_of_s}"
        data, resp = client.get("/search/repositories", {"q": query, "per_page": 1}, what=f"GitHub repository search for {fw.id}")
        detail = f"search/repositories q={query!r} (name, description, topics)"
        if resp.status_code != 200:
            miss(fw.id, "repos_mentioning", f"repository search failed: {MISSING_STATUSES[resp.status_code]}", detail)
            failures.append(f"{fw.id}: repository search {MISSING_STATUSES[resp.status_code]}")
        else:
            if data.get("incomplete_results"):
                detail += "; GitHub flagged the count as incomplete"
            ok(fw.id, "repos_mentioning", field(data, "total_count", f"GitHub repository search for {fw.id}", int), detail)

    return SourceResult(
        source=SOURCE,
        as_of=as_of_s,
        observations=obs,
        endpoint=f"{api}/repos/{{owner}}/{{repo}}; {api}/search/issues?q=repo:{{slug}} is:pr is:merged merged:{{start}}..{{as_of}}; "
                 f"{api}/search/repositories?q={{search_term}} created:<={{as_of}}",
        method=(f"GitHub REST v3: repository fields (present values only), merged pull requests in the {window_days} days "
                "ending on the as-of day and repositories matching the framework's search term created by the as-of day, "
                "all from search total_count"),
        collector_version=COLLECTOR_VERSION,
        failures=[redact(f) for f in failures],
        extra={"authenticated": bool(token), "window_days": window_days, "window_start": start.isoformat(),
               "n_requests": client.n_requests, "seconds_waited_for_rate_limit": round(client.waited, 1)},
        tables={"repositories": table},
    )


def _repo_metrics(fw_id: str, per_repo: list[dict[str, Any]], skipped: list[str], is_today: bool, as_of: str, ok, miss) -> None:
    slugs = ", ".join(r["repository"] for r in per_repo)
    note = f"repositories: {slugs}" if slugs else ""
    if skipped:
        note = "; ".join(filter(None, [note, "left out: " + "; ".join(skipped)]))
    if not per_repo:
        reason = "; ".join(skipped) if skipped else "no repository in the registry"
        for metric in REPO_METRICS:
            miss(fw_id, metric, reason)
        return
    if not is_today:
        for metric in NOW_METRICS:
            miss(fw_id, metric, f"GitHub has no historical value for {metric} as of {as_of}", note)
    else:
        good = [r for r in per_repo if "stars" in r]
        if not good:
            reason = "; ".join(r["error"] for r in per_repo if "error" in r)
            for metric in NOW_METRICS:
                miss(fw_id, metric, reason, note)
        else:
            partial = "; ".join(r["error"] for r in per_repo if "error" in r)
            d = note + (f"; failed: {partial}" if partial else "")
            ok(fw_id, "stars", sum(r["stars"] for r in good), d)
            ok(fw_id, "forks", sum(r["forks"] for r in good), d)
            ok(fw_id, "archived", int(all(r["archived"] for r in good)), d)
            pushed = [r["pushed_at"] for r in good if r.get("pushed_at")]
            if pushed:
                ok(fw_id, "pushed_at", max(pushed), d)
            else:
                miss(fw_id, "pushed_at", "GitHub gave no pushed_at", d)
    merged = [r for r in per_repo if "merged_prs" in r]
    if not merged:
        miss(fw_id, "merged_prs_30d", "; ".join(r["merged_error"] for r in per_repo if "merged_error" in r), note)
    else:
        queries = " + ".join(repr(r["merged_query"]) for r in merged)
        d = f"search/issues q={queries}"
        if any(r["merged_incomplete"] for r in merged):
            d += "; GitHub flagged the count as incomplete"
        if skipped or len(merged) < len(per_repo):
            d += f"; {note}"
        ok(fw_id, "merged_prs_30d", sum(r["merged_prs"] for r in merged), d)
