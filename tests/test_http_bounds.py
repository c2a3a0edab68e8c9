"""The HTTP layer against a real local server: no secret in the cache after redirects or token query
strings, a total deadline per request, a cap on decompressed bodies and on the run's total wait."""
from __future__ import annotations

import base64
import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from showdown_lib.core.errors import CollectionError
from showdown_lib.acquire.sources import http

PASSWORD = "Pw-redirect-s3cret"
TOKEN = "tok-in-query-4242"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - stdlib name
        path = self.path.split("?", 1)[0]
        if path == "/redirect":
            self.send_response(302)
            self.send_header("Location", f"/final?token={TOKEN}&page=2")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/slow":  # headers at once, then a byte every 0.4 s
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "40")
            self.end_headers()
            try:
                for _ in range(40):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.4)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if path == "/bomb":  # 8 MB of zeros, gzipped to a few kB
            body = gzip.compress(b"0" * (8 << 20))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if path == "/limited":
            body = b'{"message": "slow down"}'
            self.send_response(429)
            self.send_header("Retry-After", "2")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        body = json.dumps({"ok": True, "auth": bool(self.headers.get("Authorization"))}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_no_secret_in_the_cache_after_a_redirect_and_token_query_strings(server, tmp_path):
    session = http.make_session(cache_dir=tmp_path, total_retries=0)
    url = f"http://ci-user:{PASSWORD}@{server}/redirect?access_token={TOKEN}&token={TOKEN}"
    data, response = http.get_json(session, url, what="redirected")
    assert data == {"ok": True, "auth": True} and response.history  # the redirect was followed, with the credentials
    again, cached = http.get_json(session, url, what="redirected")
    assert again == data and getattr(cached, "from_cache", False)  # still cached: scrubbing keeps the cache useful
    basic = base64.b64encode(f"ci-user:{PASSWORD}".encode())
    files = [f for f in tmp_path.rglob("*") if f.is_file()]
    assert files
    for f in files:
        blob = f.read_bytes()
        assert PASSWORD.encode() not in blob and basic not in blob and TOKEN.encode() not in blob, f


def test_a_server_that_trickles_is_cut_at_the_deadline(server, monkeypatch):
    monkeypatch.setenv("SHOWDOWN_HTTP_DEADLINE", "1.5")
    session = http.make_session(use_cache=False, total_retries=0)
    started = time.monotonic()
    with pytest.raises(CollectionError, match=r"GET http://127\.0\.0\.1:\d+/slow: no complete answer within the 2 s deadline"):
        http.get_json(session, f"http://{server}/slow", what="slow index")
    assert time.monotonic() - started < 5  # the body would take 16 s


def test_a_gzip_bomb_is_not_read_past_the_cap(server, monkeypatch):
    monkeypatch.setattr(http, "MAX_RESPONSE_BYTES", 1 << 20)
    session = http.make_session(use_cache=False, total_retries=0)
    with pytest.raises(CollectionError, match=r"/bomb: the response is larger than 1 MB once decompressed"):
        http.get_json(session, f"http://{server}/bomb", what="index")


def test_the_total_wait_for_rate_limits_is_capped_per_run(server, monkeypatch):
    slept, real_sleep, me = [], time.sleep, threading.get_ident()

    def sleep(seconds):  # only this test's waits count: the server's threads (a slow answer of an earlier test) sleep for real
        slept.append(seconds) if threading.get_ident() == me else real_sleep(seconds)

    monkeypatch.setattr("time.sleep", sleep)
    monkeypatch.setenv("SHOWDOWN_HTTP_MAX_WAIT", "5")
    monkeypatch.setattr(http, "WAITS", http.WaitBudget())
    session = http.make_session(use_cache=False, total_retries=4)
    for _ in range(2):
        with pytest.raises(CollectionError) as err:
            http.get_json(session, f"http://{server}/limited", what="index")
    assert sum(slept) <= 5  # Retry-After 2 on every answer: 8 s per request without the cap
    assert "HTTP 429" in str(err.value) and "waits at most 5 s in all (SHOWDOWN_HTTP_MAX_WAIT)" in str(err.value)


def test_a_bad_deadline_setting_is_a_usage_error(monkeypatch):
    from showdown_lib.core.errors import UsageError

    monkeypatch.setenv("SHOWDOWN_HTTP_DEADLINE", "nan")
    with pytest.raises(UsageError, match="SHOWDOWN_HTTP_DEADLINE must be a number from 1 to 86400"):
        http._env_seconds("SHOWDOWN_HTTP_DEADLINE", 1.0)
