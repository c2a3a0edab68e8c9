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
  backoff, and a ``Retry-After`` header is honoured. Every request has a timeout unless the caller
  gives another one.
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
import sys
from pathlib import Path
from typing import Any, Collection, Iterable, Iterator, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .. import paths
from ..errors import CollectionError

#: Environment variables whose values are secrets: never written, logged or cached.
SECRET_ENV_VARS = ("GITHUB_TOKEN", "STACKEXCHANGE_KEY")
#: Request headers and query parameters kept out of cache keys and redacted from the cache.
IGNORED_PARAMETERS = ("Authorization", "key", "access_token", "api_key", "X-API-KEY")
RETRY_STATUSES = (429, 500, 502, 503, 504)
DEFAULT_USER_AGENT = "showdown-collector/0.1 (deep-learning framework survey; python-requests)"
DEFAULT_TIMEOUT = 20.0
DEFAULT_EXPIRE_AFTER = dt.timedelta(hours=1)

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


def make_retry(total_retries: int = 4, backoff_factor: float = 1.0) -> Retry:
    """The retry policy: GET/HEAD only, backoff, 429/5xx retried, Retry-After honoured."""
    return Retry(
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


def default_cache_dir() -> Path:
    return paths.project_root() / ".cache" / "http"


def make_session(
    cache_dir: Path | None = None,
    user_agent: str = DEFAULT_USER_AGENT,
    total_retries: int = 4,
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
    else:
        session = PlainSession()
    session.default_timeout = float(timeout)
    adapter = HTTPAdapter(max_retries=make_retry(total_retries, backoff_factor))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


def secret_values() -> list[str]:
    """The values of the secret environment variables that are set (non-empty)."""
    return [v for v in (os.environ.get(name, "") for name in SECRET_ENV_VARS) if v]


def redact(text: Any) -> str:
    """``text`` as a string with every configured secret value replaced by ``***``."""
    out = str(text)
    for value in sorted(secret_values(), key=len, reverse=True):
        out = out.replace(value, "***")
    return out


def _strip_query(url: str) -> str:
    return url.split("?", 1)[0]


def describe_url(url: str, params: dict[str, Any] | None = None) -> str:
    """The URL without query string, plus the names (not values) of the query parameters."""
    base = _strip_query(url)
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
    try:
        return session.get(url, params=params, headers=headers, timeout=timeout)
    except requests.exceptions.Timeout as exc:
        raise CollectionError(f"{what}: GET {where} timed out ({redact(type(exc).__name__)})") from None
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
        raise CollectionError(f"{what}: GET {where} returned HTTP {status} {response.reason or ''}".rstrip() + (f": {snippet}" if snippet else ""))
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
