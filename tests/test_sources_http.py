"""The shared HTTP layer: retries, Retry-After, timeouts, error messages, redaction, cache.

Retry behaviour is tested against a real HTTP server on 127.0.0.1 (urllib3 does the retrying, so
it must see real sockets); sleeps are recorded instead of slept.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import responses

from showdown_lib.core.errors import CollectionError
from showdown_lib.acquire.sources import http


class _Handler(BaseHTTPRequestHandler):
    script: list = []  # list of (status, headers, body, delay); the last one repeats
    hits: list = []

    def do_GET(self):  # noqa: N802 - stdlib name
        cls = type(self)
        cls.hits.append((self.path, dict(self.headers)))
        step = cls.script[min(len(cls.hits) - 1, len(cls.script) - 1)]
        status, headers, body, delay = step
        if delay:  # not time.sleep: the tests replace it to skip retry backoff
            threading.Event().wait(delay)
        payload = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    handler = type("H", (_Handler,), {"script": [], "hits": []})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def sleeps(monkeypatch):
    """Record urllib3's retry sleeps instead of sleeping."""
    calls: list[float] = []
    import urllib3.util.retry as retry_mod

    monkeypatch.setattr(retry_mod.time, "sleep", lambda s: calls.append(s))
    return calls


def test_5xx_then_success_is_retried(server, sleeps, tmp_path):
    handler, base = server
    handler.script = [(503, {}, "busy", 0), (502, {}, "bad gateway", 0), (200, {"Content-Type": "application/json"}, {"ok": 1}, 0)]
    session = http.make_session(tmp_path, total_retries=4, backoff_factor=0.5, use_cache=False)
    data, resp = http.get_json(session, f"{base}/thing", what="test")
    assert data == {"ok": 1}
    assert resp.status_code == 200
    assert len(handler.hits) == 3
    assert len(sleeps) >= 1  # backoff happened between attempts


def test_5xx_forever_raises_naming_status_and_url(server, sleeps, tmp_path):
    handler, base = server
    handler.script = [(500, {}, "boom", 0)]
    session = http.make_session(tmp_path, total_retries=2, backoff_factor=0.1, use_cache=False)
    with pytest.raises(CollectionError) as err:
        http.get_json(session, f"{base}/always-broken", params={"q": "x"}, what="broken endpoint")
    msg = str(err.value)
    assert "HTTP 500" in msg
    assert "/always-broken" in msg and "broken endpoint" in msg
    assert len(handler.hits) == 3  # first try + 2 retries


def test_429_retry_after_is_honoured(server, sleeps, tmp_path):
    handler, base = server
    handler.script = [(429, {"Retry-After": "7"}, "slow down", 0), (200, {"Content-Type": "application/json"}, [1, 2], 0)]
    session = http.make_session(tmp_path, use_cache=False)
    data, _ = http.get_json(session, f"{base}/limited")
    assert data == [1, 2]
    assert 7 in [round(s) for s in sleeps]


def test_timeout_raises_collection_error(server, sleeps, tmp_path):
    handler, base = server
    handler.script = [(200, {}, "{}", 1.0)]
    session = http.make_session(tmp_path, total_retries=1, timeout=0.2, use_cache=False)
    t0 = time.monotonic()
    with pytest.raises(CollectionError) as err:
        http.get_json(session, f"{base}/slow", what="slow endpoint")
    assert "timed out" in str(err.value)
    assert time.monotonic() - t0 < 5


def test_connection_refused_raises_collection_error(sleeps, tmp_path):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    session = http.make_session(tmp_path, total_retries=1, use_cache=False)
    with pytest.raises(CollectionError) as err:
        http.get_json(session, f"http://127.0.0.1:{port}/x", what="nowhere")
    assert "could not connect" in str(err.value) or "timed out" in str(err.value)


@responses.activate
def test_malformed_json_raises(tmp_path):
    responses.get("https://api.example.test/data", body="<html>not json</html>", status=200, content_type="text/html")
    session = http.make_session(tmp_path, use_cache=False)
    with pytest.raises(CollectionError) as err:
        http.get_json(session, "https://api.example.test/data", what="data")
    assert "not valid JSON" in str(err.value) and "HTTP 200" in str(err.value)


@responses.activate
def test_accepted_status_is_returned(tmp_path):
    responses.get("https://api.example.test/gone", json={"message": "Not Found"}, status=404)
    session = http.make_session(tmp_path, use_cache=False)
    data, resp = http.get_json(session, "https://api.example.test/gone", accept_status=(404,))
    assert resp.status_code == 404 and data == {"message": "Not Found"}
    with pytest.raises(CollectionError, match="HTTP 404"):
        http.get_json(session, "https://api.example.test/gone")


@responses.activate
def test_error_messages_never_show_secret_values(monkeypatch, tmp_path):
    monkeypatch.setenv("STACKEXCHANGE_KEY", "sekrit-key-123")
    responses.get("https://api.example.test/q", body="echo sekrit-key-123", status=400)
    session = http.make_session(tmp_path, use_cache=False)
    with pytest.raises(CollectionError) as err:
        http.get_json(session, "https://api.example.test/q", params={"key": "sekrit-key-123", "site": "x"})
    assert "sekrit-key-123" not in str(err.value)
    assert "***" in str(err.value)


def test_redact_replaces_configured_secrets(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_abc")
    monkeypatch.delenv("STACKEXCHANGE_KEY", raising=False)
    assert http.redact("Bearer ghp_abc and ghp_abc") == "Bearer *** and ***"
    monkeypatch.delenv("GITHUB_TOKEN")
    assert http.redact("Bearer ghp_abc") == "Bearer ghp_abc"


def test_default_timeout_is_applied(monkeypatch, tmp_path):
    session = http.make_session(tmp_path, timeout=3.5, use_cache=False)
    seen = {}

    def fake_send(request, **kwargs):
        seen.update(kwargs)
        raise RuntimeError("stop")

    monkeypatch.setattr(session, "send", fake_send)
    with pytest.raises(RuntimeError):
        session.get("https://api.example.test/")
    assert seen["timeout"] == 3.5


def test_cache_serves_repeat_and_revalidates_with_etag(server, tmp_path):
    handler, base = server
    body = {"v": 1}
    handler.script = [
        (200, {"Content-Type": "application/json", "ETag": '"abc"', "Cache-Control": "max-age=0"}, body, 0),
        (304, {"ETag": '"abc"'}, "", 0),
    ]
    session = http.make_session(tmp_path / "cache")
    first, r1 = http.get_json(session, f"{base}/etag")
    second, r2 = http.get_json(session, f"{base}/etag")
    assert first == second == body
    assert len(handler.hits) == 2
    assert handler.hits[1][1].get("If-None-Match") == '"abc"'
    assert getattr(r2, "from_cache", False) is True
    assert (tmp_path / "cache" / "http_cache.sqlite").exists()


def test_progress_disabled_by_env(monkeypatch, capsys):
    monkeypatch.setenv("SHOWDOWN_NO_PROGRESS", "1")
    assert list(http.progress([1, 2, 3], desc="x")) == [1, 2, 3]
    assert capsys.readouterr().err == ""
