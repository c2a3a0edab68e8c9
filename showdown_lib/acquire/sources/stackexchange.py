"""Question counts per framework from the Stack Exchange API 2.3 (Stack Overflow by default).

Method
------
Each framework lists its tags in the registry (``so_tags``); a framework's count is the sum over
its tags (a question carrying two of them counts twice; a framework without tags is missing).

* ``questions_total``: on the day itself (as-of = today, UTC) the tag's ``count`` from
  ``/tags/{tags}/info`` (tags batched, pages followed while ``has_more``). For an earlier date it is
  the as-of count below, because the tag count has no history.
* ``questions_as_of``: ``/questions?tagged={tag}&todate={end of the as-of day}&filter=total``,
  whose answer is ``{"total": N}``: the questions created up to that day that still exist now
  (deleted questions are gone from both counts, so an old count is a lower bound of what the
  site showed then).

The API's etiquette is kept: when a response carries ``backoff`` the next request waits that many
seconds; when ``quota_remaining`` reaches 0 the collector stops with :class:`CollectionError`
rather than being refused. An error response (``error_id``, ``error_name``, ``error_message``,
e.g. 400 ``bad_parameter`` or 502 ``throttle_violation``) becomes a :class:`CollectionError` that
says what went wrong. ``STACKEXCHANGE_API_URL`` sets another API base (a mirror, or the localhost
server of the offline rehearsal). An app key in ``STACKEXCHANGE_KEY`` raises the daily quota; it is sent as
the ``key`` parameter, which the HTTP cache drops and every message redacts.
"""
from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any, Callable
from urllib.parse import quote

from ...core.errors import CollectionError
from ...core.registry import Framework
from .base import Observation, SourceResult, missing, past_or_today
from .http import fetch, make_session, progress, redact, retry_after_note

SOURCE = "stackexchange"
COLLECTOR_VERSION = "1.0"
API = "https://api.stackexchange.com/2.3"  # the default; STACKEXCHANGE_API_URL overrides it (see api_base)
TAGS_PER_REQUEST = 20
MAX_PAGES = 50  # a guard: a tag batch never needs more than one page of 100
METRICS = {"questions_total": "count", "questions_as_of": "count"}

ERROR_HINTS = {
    400: "bad parameter",
    401: "access token required",
    402: "invalid access token",
    403: "access denied (check STACKEXCHANGE_KEY)",
    404: "no such method",
    405: "key required",
    406: "access token compromised",
    407: "write failed",
    409: "duplicate request",
    500: "internal error at Stack Exchange",
    502: "throttled: too many requests; wait and retry later",
    503: "temporarily unavailable",
}


def api_base() -> str:
    """``STACKEXCHANGE_API_URL`` without a trailing slash (a mirror or a local rehearsal), else the public API 2.3;
    anything but http(s) is refused."""
    value = os.environ.get("STACKEXCHANGE_API_URL", "").strip() or API
    if not value.lower().startswith(("http://", "https://")):
        raise CollectionError(f"STACKEXCHANGE_API_URL must be an http(s) URL ending in the API version, such as "
                              f"https://api.stackexchange.com/2.3, got {redact(value)!r}")
    return value.rstrip("/")


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def end_of_day_epoch(day: dt.date) -> int:
    """Unix time of the last second of ``day`` (UTC)."""
    return int(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=dt.timezone.utc).timestamp()) - 1


class StackExchangeClient:
    """GET requests to the API honouring ``backoff`` and ``quota_remaining``; sleep/clock injectable."""

    def __init__(self, session, key: str | None = None, site: str = "stackoverflow", *,
                 sleep: Callable[[float], None] | None = None, clock: Callable[[], float] = time.monotonic):
        self.session = session
        self.key = key
        self.site = site
        self.sleep = sleep or time.sleep  # looked up late so tests can patch time.sleep
        self.clock = clock
        self.not_before = 0.0
        self.quota_remaining: int | None = None
        self.quota_max: int | None = None
        self.n_requests = 0
        self.waited = 0.0
        self.api = api_base()

    def get(self, path: str, params: dict[str, Any] | None = None, what: str = "Stack Exchange") -> dict[str, Any]:
        if self.quota_remaining == 0:
            raise CollectionError(f"{what}: Stack Exchange quota exhausted (quota_remaining 0 of {self.quota_max}); "
                                  "set STACKEXCHANGE_KEY for a larger quota or retry after the daily reset")
        wait = self.not_before - self.clock()
        if wait > 0:
            self.sleep(wait)
            self.waited += wait
        query = dict(params or {})
        query["site"] = self.site
        if self.key:
            query["key"] = self.key
        self.n_requests += 1
        response = fetch(self.session, self.api + path, params=query, what=what)
        where = f"{self.api}{path}"
        try:
            data = response.json()
        except ValueError:
            raise CollectionError(f"{what}: GET {redact(where)} returned HTTP {response.status_code} and a body that is not valid JSON") from None
        if not isinstance(data, dict):
            raise CollectionError(f"{what}: GET {redact(where)} returned JSON that is not an object")
        if "error_id" in data:
            eid = data.get("error_id")
            hint = ERROR_HINTS.get(eid, "error")
            raise CollectionError(redact(f"{what}: Stack Exchange error {eid} {data.get('error_name', '')} ({hint}): "
                                         f"{data.get('error_message', '')} [HTTP {response.status_code}]") + retry_after_note(response))
        if not 200 <= response.status_code < 300:
            raise CollectionError(f"{what}: GET {redact(where)} returned HTTP {response.status_code}")
        if not getattr(response, "from_cache", False):
            if data.get("backoff"):
                self.not_before = self.clock() + float(data["backoff"])
            if "quota_remaining" in data:
                self.quota_remaining = int(data["quota_remaining"])
                self.quota_max = data.get("quota_max", self.quota_max)
        return data

    def tag_counts(self, tags: list[str]) -> dict[str, int]:
        """``{tag: count}`` for the tags the site knows (lowercase names), following pagination."""
        counts: dict[str, int] = {}
        for i in range(0, len(tags), TAGS_PER_REQUEST):
            chunk = tags[i:i + TAGS_PER_REQUEST]
            path = "/tags/" + ";".join(quote(t, safe="") for t in chunk) + "/info"
            page = 1
            while True:
                data = self.get(path, {"page": page, "pagesize": 100}, what=f"Stack Exchange tag info ({len(chunk)} tags)")
                items = data.get("items", [])
                if not isinstance(items, list):
                    raise CollectionError(f"Stack Exchange tag info: 'items' is {type(items).__name__}, not a list; the API may have changed")
                for item in items:
                    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get("count"), int):
                        raise CollectionError(f"Stack Exchange tag info: an item lacks a text 'name' or a whole-number 'count' "
                                              f"({redact(item)!r:.80}); the API may have changed")
                    counts[item["name"].lower()] = item["count"]
                if not data.get("has_more"):
                    break
                page += 1
                if page > MAX_PAGES:
                    raise CollectionError(f"Stack Exchange tag info: still has_more after {MAX_PAGES} pages; giving up")
        return counts

    def questions_until(self, tag: str, todate: int) -> int:
        data = self.get("/questions", {"tagged": tag, "todate": todate, "filter": "total"}, what=f"Stack Exchange questions tagged {tag!r}")
        if "total" not in data:
            raise CollectionError(f"Stack Exchange questions tagged {tag!r}: response has no 'total' (filter=total ignored?)")
        if not isinstance(data["total"], int) or isinstance(data["total"], bool):
            raise CollectionError(f"Stack Exchange questions tagged {tag!r}: 'total' is {redact(data['total'])!r:.40}, not a whole number")
        return data["total"]


def collect(frameworks: list[Framework], as_of=None, *, session=None, site: str = "stackoverflow",
            client: StackExchangeClient | None = None) -> SourceResult:
    """Question counts per framework, now and as of a date."""
    day, as_of_s, is_today = past_or_today(as_of, _utc_today())
    key = os.environ.get("STACKEXCHANGE_KEY") or None
    client = client or StackExchangeClient(session or make_session(), key, site)
    todate = end_of_day_epoch(day)
    obs: list[Observation] = []
    table: list[dict[str, Any]] = []

    all_tags = sorted({t.lower() for fw in frameworks for t in fw.so_tags})
    now_counts = client.tag_counts(all_tags) if (is_today and all_tags) else {}
    as_of_counts: dict[str, int] = {}
    for tag in progress(all_tags, desc="Stack Exchange"):
        as_of_counts[tag] = client.questions_until(tag, todate)

    for fw in frameworks:
        tags = [t.lower() for t in fw.so_tags]
        if not tags:
            for metric, unit in METRICS.items():
                obs.append(missing(fw.id, metric, unit, as_of_s, SOURCE, "no Stack Overflow tag in the registry"))
            continue
        as_of_total = sum(as_of_counts[t] for t in tags)
        as_of_detail = f"{site} /questions tagged {';'.join(tags)} (summed per tag), created up to {as_of_s} and not deleted"
        obs.append(Observation(fw.id, "questions_as_of", as_of_total, "count", as_of_s, SOURCE, as_of_detail))
        if is_today:
            found = [t for t in tags if t in now_counts]
            absent = [t for t in tags if t not in now_counts]
            if not found:
                obs.append(missing(fw.id, "questions_total", "count", as_of_s, SOURCE,
                                   f"tag(s) {', '.join(absent)} not found on {site}"))
            else:
                detail = f"{site} /tags/{{tags}}/info count of {';'.join(found)}"
                if absent:
                    detail += f"; tag(s) not found: {', '.join(absent)}"
                obs.append(Observation(fw.id, "questions_total", sum(now_counts[t] for t in found), "count", as_of_s, SOURCE, detail))
        else:
            obs.append(Observation(fw.id, "questions_total", as_of_total, "count", as_of_s, SOURCE,
                                   as_of_detail + "; the tag count has no history, so this is the as-of count"))
        for t in tags:
            table.append({"framework": fw.id, "tag": t, "count_now": now_counts.get(t, "") if is_today else "",
                          "questions_as_of": as_of_counts[t]})

    return SourceResult(
        source=SOURCE,
        as_of=as_of_s,
        observations=obs,
        endpoint=f"{API}/tags/{{tags}}/info?site={{site}}; {API}/questions?tagged={{tag}}&todate={{end of as_of}}&filter=total&site={{site}}"
                 + ("" if getattr(client, "api", API) == API else "; through STACKEXCHANGE_API_URL (another base)"),
        method=("Stack Exchange API 2.3: tag counts (today only) and the number of questions per tag created up to the "
                "end of the as-of day, summed over the framework's tags"),
        collector_version=COLLECTOR_VERSION,
        failures=[],
        extra={"site": site, "todate": todate, "with_key": bool(key), "n_requests": client.n_requests,
               "quota_remaining": client.quota_remaining, "seconds_waited_for_backoff": round(client.waited, 1)},
        tables={"tags": table},
    )
