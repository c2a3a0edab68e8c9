"""The HTTP layer every web collector shares: a cached, retrying session and careful JSON fetching.

Method
------
* :func:`make_session` builds a :class:`requests_cache.CachedSession` (SQLite file in
  ``.cache/http`` under the project root unless another folder is given). Stored responses are
  revalidated with ``ETag`` / ``Last-Modified`` when they expire, so a re-run costs little and,
  on GitHub, a ``304`` does not use rate limit. Credentials never reach the cache: the
  ``Authorization`` header and the ``key`` / ``access_token`` query parameters are left out of
  cache keys and redacted from every stored request (``ignored_parameters``).
* Every request goes through a urllib3 :class:`~urllib3.util.retry.Retry`: GET is retried on
  connection errors, read timeouts and the statuses 429, 500, 502, 503 and 504, with exponential
  backoff, and a ``Retry-After`` header is honoured up to :data:`MAX_RETRY_AFTER` (60 s): a wait that
  long is announced on standard error; a server that asks for more gets no retry, and the request
  fails with a message saying how long it asked for. Every request has a timeout unless the caller
  gives another one.
* Credentials inside a URL (``scheme://user:password@host/...``, as a private index in
  ``PIP_INDEX_URL`` may carry) are taken out of the URL and sent as an ``Authorization`` header,
  which the cache redacts; :func:`redact` removes them (and the values of the secret variables)
  from every message and :func:`describe_url` never shows them. :data:`RESPONSES` counts the
  responses of a collection that came from the cache and the oldest stored time among them.
* :func:`get_json` turns every way a request can fail (timeout, connection refused, a non-2xx
  status after the retries, a body that is not JSON) into :class:`CollectionError` with a message
  naming what was asked, the URL without its query string and the status. :func:`redact` removes
  the values of the secret environment variables from any text before it is shown or stored.
* :func:`progress` wraps an iterable in a tqdm bar that stays quiet when standard error is not a
  terminal or ``SHOWDOWN_NO_PROGRESS=1``.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import types
from pathlib import Path
from typing import Any, Collection, Iterable, Iterator, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from ...core import paths
from ...core.errors import CollectionError

#: Environment variables whose values are secrets: never written, logged or cached.
SECRET_ENV_VARS = ("GITHUB_TOKEN", "STACKEXCHANGE_KEY")
#: Request headers and query parameters kept out of cache keys and redacted from the cache.
IGNORED_PARAMETERS = ("Authorization", "key", "access_token", "api_key", "X-API-KEY")
RETRY_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_USER_AGENT = "showdown-collector/0.1 (deep-learning framework survey; python-requests)"
DEFAULT_TIMEOUT = 20.0
DEFAULT_EXPIRE_AFTER = dt.timedelta(hours=1)
#: The longest ``Retry-After`` (seconds) a collector waits; a server asking for more fails the request.
MAX_RETRY_AFTER = 60.0
#: The most a whole run waits for rate limits and backoff (seconds, ``SHOWDOWN_HTTP_MAX_WAIT``): past it a
#: request that is asked to wait fails at once, naming the wait so far.
MAX_TOTAL_WAIT = 180.0
#: A request's total deadline (seconds, ``SHOWDOWN_HTTP_DEADLINE``): from the first byte sent to the last byte
#: read, whatever the server's pace, not counting the waits above.
DEFAULT_DEADLINE = 60.0
#: The largest response body (after decompression) a collector reads (``SHOWDOWN_HTTP_MAX_MB`` in MB).
MAX_RESPONSE_BYTES = 100 * 1024 * 1024
_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#@\s]*)@")

T = TypeVar("T")


class _TimeoutMixin:
    """Gives every request a default timeout (requests has none)."""

    default_timeout: float = DEFAULT_TIMEOUT

    def request(self, method, url, *args, **kwargs):  # noqa: D401 - same contract as requests
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


class PlainSession(_TimeoutMixin, requests.Session):
    """A requests session with retries and a default timeout, without a cache."""


def _cached_session_class():
    from requests_cache import CachedSession

    class CachedShowdownSession(_TimeoutMixin, CachedSession):
        """A requests-cache session with retries and a default timeout."""

    return CachedShowdownSession


class WaitBudget:
    """The waiting (Retry-After and backoff) of this run: counted, and capped at :data:`MAX_TOTAL_WAIT`."""

    def __init__(self) -> None:
        self.waited = 0.0

    @property
    def cap(self) -> float:
        return _env_seconds("SHOWDOWN_HTTP_MAX_WAIT", MAX_TOTAL_WAIT)

    def allows(self, wait: float) -> bool:
        return self.waited + wait <= self.cap

    def note(self) -> str:
        return (f"; this run has already waited {self.waited:.0f} s for rate limits and retries, and waits at most "
                f"{self.cap:.0f} s in all (SHOWDOWN_HTTP_MAX_WAIT); retry later")


WAITS = WaitBudget()


def _env_seconds(name: str, default: float) -> float:
    from ...core.errors import UsageError

    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 86400 or seconds != seconds:
        raise UsageError(f"{name} must be a number from 1 to 86400, got {value!r}")
    return seconds


class ResponseTooLarge(requests.exceptions.RequestException):
    """A body larger than :data:`MAX_RESPONSE_BYTES` once decompressed."""


class DeadlineExceeded(requests.exceptions.Timeout):
    """No complete answer within the request's total deadline."""


class BoundedAdapter(HTTPAdapter):
    """An HTTPAdapter whose every request ends within a total deadline and reads at most
    :data:`MAX_RESPONSE_BYTES` of decompressed body (a server sending a byte every few seconds, or a
    gzip bomb, cannot hold or flood a collection). The body is read in a worker thread; the caller waits
    at most the deadline plus the time the retries spent waiting, then gives up with :class:`DeadlineExceeded`."""

    def __init__(self, *args, deadline: float | None = None, max_bytes: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.deadline = deadline
        self.max_bytes = max_bytes

    def _send_and_read(self, box: dict, request, kwargs) -> None:
        try:
            response = super().send(request, **{**kwargs, "stream": True})
            chunks, size, cap = [], 0, self.max_bytes or int(_env_seconds("SHOWDOWN_HTTP_MAX_MB", MAX_RESPONSE_BYTES / (1 << 20)) * (1 << 20))
            for chunk in response.raw.stream(1 << 16, decode_content=True):
                size += len(chunk)
                if size > cap:
                    response.close()
                    raise ResponseTooLarge(f"the response is larger than {cap / (1 << 20):g} MB once decompressed; "
                                           "not read further")
                chunks.append(chunk)
            response._content = b"".join(chunks)
            response._content_consumed = True
            box["response"] = response
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # noqa: D401
        import threading
        import time

        deadline = self.deadline if self.deadline is not None else _env_seconds("SHOWDOWN_HTTP_DEADLINE", DEFAULT_DEADLINE)
        box: dict = {}
        kwargs = {"timeout": timeout, "verify": verify, "cert": cert, "proxies": proxies}
        worker = threading.Thread(target=self._send_and_read, args=(box, request, kwargs), daemon=True)
        started, waited_before = time.monotonic(), WAITS.waited
        worker.start()
        while worker.is_alive():
            left = started + deadline + (WAITS.waited - waited_before) - time.monotonic()
            if left <= 0:
                raise DeadlineExceeded(f"no complete answer within the {deadline:.0f} s deadline of a request (SHOWDOWN_HTTP_DEADLINE)",
                                       request=request)
            worker.join(min(left, 0.25))
        if "error" in box:
            raise box["error"]
        return box["response"]


class CappedRetry(Retry):
    """urllib3's Retry, but ``Retry-After`` is honoured only up to :data:`MAX_RETRY_AFTER` seconds,
    and a wait is announced on standard error instead of happening silently."""

    max_retry_after = MAX_RETRY_AFTER

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self.max_retry_after:
                # urlopen hands the response back (raise_on_status=False) and the caller names the wait
                raise MaxRetryError(_pool, url, ResponseError(f"Retry-After {wait:.0f} s is over the {self.max_retry_after:.0f} s cap"))
            if not WAITS.allows(wait or 0.0):
                raise MaxRetryError(_pool, url, ResponseError("the run's total wait for rate limits is spent"))
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep(self, response=None) -> None:
        wait = self.get_retry_after(response) if response is not None and self.respect_retry_after_header else None
        WAITS.waited += wait if wait is not None else self.get_backoff_time()
        super().sleep(response)

    def sleep_for_retry(self, response) -> bool:
        wait = self.get_retry_after(response)
        if wait:
            where = describe_url(getattr(response, "url", None) or "")
            print(f"HTTP {response.status} from {where}: waiting {wait:.0f} s as the server asks (Retry-After; at most "
                  f"{self.max_retry_after:.0f} s)", file=sys.stderr, flush=True)
        return super().sleep_for_retry(response)


def make_retry(total_retries: int = 4, backoff_factor: float = 1.0) -> Retry:
    """The retry policy: GET/HEAD only, backoff, 429/5xx retried, Retry-After honoured up to a cap."""
    return CappedRetry(
        total=total_retries,
        connect=total_retries,
        read=total_retries,
        status=total_retries,
        backoff_factor=backoff_factor,
        backoff_max=120,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        raise_on_status=False,  # hand back the last response so the caller can name its status
    )


def retry_after_note(response) -> str:
    """'; the server asks to wait N s (Retry-After), more than the cap' when a response says so, else ''."""
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return ""
    try:
        wait = Retry.parse_retry_after(Retry(), value)
    except Exception:  # an unparsable header: name it as it came
        return f"; the server sent Retry-After {redact(value)!r}"
    capped = f", more than the {MAX_RETRY_AFTER:.0f} s a collector waits; retry later" if wait > MAX_RETRY_AFTER else ""
    if not capped and not WAITS.allows(wait):
        capped = WAITS.note()
    return f"; the server asks to wait {wait:.0f} s (Retry-After){capped}"


class ResponseLog:
    """How many responses a collection got, how many came from the HTTP cache and the oldest stored time."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.n = 0
        self.from_cache = 0
        self.oldest: dt.datetime | None = None

    def record(self, response) -> None:
        self.n += 1
        if getattr(response, "from_cache", False):
            self.from_cache += 1
            created = getattr(response, "created_at", None)
            if isinstance(created, dt.datetime):
                created = created if created.tzinfo else created.replace(tzinfo=dt.timezone.utc)
                self.oldest = created if self.oldest is None or created < self.oldest else self.oldest

    def summary(self) -> dict[str, Any]:
        """For provenance: ``{}`` when no request was made."""
        if not self.n:
            return {}
        out: dict[str, Any] = {"responses": self.n, "from_cache": self.from_cache}
        if self.oldest is not None:
            out["oldest_cached_at"] = self.oldest.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat()
        return out


#: The responses of the collection under way (reset by the collect command for each source).
RESPONSES = ResponseLog()


def default_retries() -> int:
    """Retries per request: ``SHOWDOWN_HTTP_RETRIES`` (0-10) when set, else 4."""
    from ...core.errors import UsageError

    value = os.environ.get("SHOWDOWN_HTTP_RETRIES", "").strip()
    if not value:
        return 4
    if not value.isdigit() or int(value) > 10:
        raise UsageError(f"SHOWDOWN_HTTP_RETRIES must be a whole number from 0 to 10, got {value!r}")
    return int(value)


def default_cache_dir() -> Path:
    return paths.project_root() / ".cache" / "http"


def make_session(
    cache_dir: Path | None = None,
    user_agent: str = DEFAULT_USER_AGENT,
    total_retries: int | None = None,
    backoff_factor: float = 1.0,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    use_cache: bool = True,
    expire_after: dt.timedelta | int = DEFAULT_EXPIRE_AFTER,
) -> requests.Session:
    """A session with retries, a default timeout and (unless ``use_cache=False``) an HTTP cache.

    ``cache_dir`` defaults to ``<project root>/.cache/http``; the cache is one SQLite file there.
    ``expire_after`` is how long a stored response is used without asking the server; after that
    it is revalidated with a conditional request. Server ``Cache-Control`` headers take precedence.
    """
    if total_retries is None:
        total_retries = default_retries()
    if use_cache:
        folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        session = _cached_session_class()(
            cache_name=str(folder / "http_cache"),
            backend="sqlite",
            expire_after=expire_after,
            cache_control=True,
            allowable_codes=(200,),
            allowable_methods=("GET", "HEAD"),
            ignored_parameters=IGNORED_PARAMETERS,
            stale_if_error=False,
        )
        session.cache.save_response = types.MethodType(_save_scrubbed, session.cache)
    else:
        session = PlainSession()
    session.default_timeout = float(timeout)
    adapter = BoundedAdapter(max_retries=make_retry(total_retries, backoff_factor))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


#: Headers never stored in the HTTP cache, on the request or the response, redirects included.
SECRET_HEADERS = ("Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie")


def scrub_url(url: str) -> str:
    """``url`` as the cache may keep it: no ``user:password@`` and no query string (a query may carry
    ``?token=``; the cache key is made from the live request, so nothing is lost by leaving it out)."""
    from urllib.parse import urlsplit, urlunsplit

    if not url:
        return url
    return urlunsplit(urlsplit(split_credentials(str(url))[0])._replace(query="", fragment=""))


def _scrubbed_headers(headers):
    """A copy of ``headers`` (the live request may share the object) without :data:`SECRET_HEADERS`."""
    from requests.structures import CaseInsensitiveDict

    out = CaseInsensitiveDict({k: v for k, v in (headers or {}).items() if k.lower() not in {h.lower() for h in SECRET_HEADERS}})
    if "Location" in out:
        out["Location"] = scrub_url(out["Location"])
    return out


def _scrub_response(response) -> None:
    for item in (response, *(getattr(response, "history", None) or [])):
        item.url = scrub_url(item.url)
        item.headers = _scrubbed_headers(item.headers)
        if getattr(item, "request", None) is not None:
            item.request.headers = _scrubbed_headers(item.request.headers)
            item.request.url = scrub_url(item.request.url)


def _save_scrubbed(backend, response, cache_key=None, expires=None) -> None:
    """requests-cache's ``save_response``, but every URL, header and redirect of the stored copy is
    scrubbed (:func:`scrub_url`, :data:`SECRET_HEADERS`): requests-cache redacts the final request only,
    and a redirect's history or a ``?token=`` query would otherwise reach the SQLite file."""
    from requests_cache.models import CachedResponse

    cache_key = cache_key or backend.create_key(response.request)
    cached = CachedResponse.from_response(response, expires=expires)
    _scrub_response(cached)
    backend.responses[cache_key] = cached
    if response.history and not cached.revalidated:
        for r in response.history:
            backend.redirects[backend.create_key(r.request)] = cache_key


def _url_credentials() -> list[str]:
    """User names and passwords found inside URL-valued environment variables (e.g. PIP_INDEX_URL)."""
    from urllib.parse import unquote

    found: list[str] = []
    for value in os.environ.values():
        for m in _USERINFO.finditer(value or ""):
            for part in m.group("userinfo").split(":", 1):
                if len(part) >= 3:  # a very short user name would redact innocent text
                    found += [part, unquote(part)]
    return found


def secret_values() -> list[str]:
    """The values of the secret environment variables that are set (non-empty), and the credentials
    found inside URL-valued environment variables."""
    named = [v for v in (os.environ.get(name, "") for name in SECRET_ENV_VARS) if v]
    return list(dict.fromkeys(named + _url_credentials()))


def redact(text: Any) -> str:
    """``text`` as a string with URL credentials and every configured secret value replaced by ``***``."""
    out = _USERINFO.sub(lambda m: m.group("scheme") + "***@", str(text))
    for value in sorted(secret_values(), key=len, reverse=True):
        out = out.replace(value, "***")
    return out


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``(url without user:password@, (user, password) or None)``; the parts are percent-decoded."""
    from urllib.parse import unquote, urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), (unquote(parts.username or ""), unquote(parts.password or ""))


def _strip_query(url: str) -> str:
    return url.split("?", 1)[0]


def describe_url(url: str, params: dict[str, Any] | None = None) -> str:
    """The URL without credentials or query string, plus the names (not values) of the query parameters."""
    base = _strip_query(split_credentials(url)[0]) if url else ""
    if params:
        base += " (params: " + ", ".join(sorted(str(k) for k in params)) + ")"
    return redact(base)


def fetch(
    session: requests.Session,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
    what: str = "request",
) -> requests.Response:
    """GET ``url`` and return the response, whatever its status.

    Timeouts and connection failures (after the session's retries) raise :class:`CollectionError`.
    """
    where = describe_url(url, params)
    url, auth = split_credentials(url)  # sent as a header the cache redacts, never kept in a stored URL
    try:
        response = session.get(url, params=params, headers=headers, timeout=timeout, auth=auth)
        RESPONSES.record(response)
        return response
    except DeadlineExceeded as exc:
        raise CollectionError(f"{what}: GET {where}: {exc}") from None
    except requests.exceptions.Timeout as exc:
        raise CollectionError(f"{what}: GET {where} timed out ({redact(type(exc).__name__)})") from None
    except ResponseTooLarge as exc:
        raise CollectionError(f"{what}: GET {where}: {exc}") from None
    except requests.exceptions.RetryError as exc:
        raise CollectionError(f"{what}: GET {where} still failing after retries: {redact(_reason(exc))}") from None
    except requests.exceptions.ConnectionError as exc:
        reason = _reason(exc)
        kind = "timed out" if "timed out" in reason.lower() or "timeout" in reason.lower() else "could not connect"
        raise CollectionError(f"{what}: GET {where} {kind} after retries: {redact(reason)}") from None
    except requests.exceptions.RequestException as exc:
        raise CollectionError(f"{what}: GET {where} failed: {redact(_reason(exc))}") from None


def _reason(exc: BaseException) -> str:
    """A short reason for a requests exception, without URLs (they may carry query secrets)."""
    inner = exc.args[0] if exc.args else exc
    if isinstance(inner, str):  # requests' own messages (no adapter for a scheme, an invalid URL): say them, without URLs
        return re.sub(r"'[^']*'", "the URL", inner)[:200]
    reason = getattr(inner, "reason", None)
    text = type(reason).__name__ if reason is not None else type(inner).__name__
    if reason is not None and "timed out" in str(reason).lower():
        text += " (timed out)"
    return text


def get_json(
    session: requests.Session,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
    what: str = "request",
    accept_status: Collection[int] = (),
) -> tuple[Any, requests.Response]:
    """GET ``url`` and return ``(parsed JSON, response)``.

    Raises :class:`CollectionError` for a timeout, a connection error, a status outside 2xx that is
    not listed in ``accept_status`` (after the session's retries) and a 2xx body that is not JSON.
    For an accepted non-2xx status the parsed body is returned when it is JSON, else None.
    """
    response = fetch(session, url, params=params, headers=headers, timeout=timeout, what=what)
    where = describe_url(url, params)
    status = response.status_code
    ok = 200 <= status < 300
    if not ok and status not in accept_status:
        snippet = redact(response.text[:200].replace("\n", " ")) if response.text else ""
        raise CollectionError(f"{what}: GET {where} returned HTTP {status} {response.reason or ''}".rstrip()
                              + retry_after_note(response) + (f": {snippet}" if snippet else ""))
    try:
        data = response.json()
    except (ValueError, json.JSONDecodeError):
        if not ok:
            return None, response
        raise CollectionError(f"{what}: GET {where} returned HTTP {status} but the body is not valid JSON "
                              f"(content-type {response.headers.get('Content-Type', 'unknown')!r})") from None
    return data, response


def progress(iterable: Iterable[T], *, desc: str = "", total: int | None = None) -> Iterator[T]:
    """A tqdm progress bar on standard error, off when not a terminal or SHOWDOWN_NO_PROGRESS=1."""
    from tqdm.auto import tqdm

    disable = os.environ.get("SHOWDOWN_NO_PROGRESS") == "1" or not getattr(sys.stderr, "isatty", lambda: False)()
    return iter(tqdm(iterable, desc=desc, total=total, disable=disable, leave=False))
