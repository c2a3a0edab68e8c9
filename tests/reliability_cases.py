"""Bad inputs and faults, tried for real against a scratch copy of the project.

    python tests/reliability_cases.py          # runs every case and prints the README's table

Each case runs ``python -m showdown_lib.collect`` or ``run_all.py`` in a subprocess (so exit codes,
messages and tracebacks are what a user sees) against a copy of the project (``SHOWDOWN_ROOT``), with a fake
package index and GitHub API on 127.0.0.1 (``PIP_INDEX_URL`` carrying a user name and password,
``GITHUB_API_URL``) and fake secrets in ``GITHUB_TOKEN`` and ``STACKEXCHANGE_KEY``. Measured per case:

* clean: the exit status is the expected one, there is no traceback, and the output says what the
  case must say (the file, field or value at fault, or the stated warning);
* data lost: files of ``data/``, ``notebooks/`` or ``reports/figures/`` that existed before and
  changed or vanished (only the files a case is meant to change are exempt), so a rejected or failed
  run that overwrote a published output counts as data lost;
* traceback: a Python traceback in the output;
* secrets: any secret (the password, raw or percent-encoded, ``user:password`` in base64, the
  token, the key) in any file under the scratch project (the HTTP cache included) or in the output.

``tests/test_reliability_cases.py`` runs the same cases under pytest.
"""
from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "http" / "pypi"
USER = "showdown-ci"
PASSWORD = "Pw-9f8e/7d s3cret"  # a slash and a space: percent-encoded in the URL
TOKEN = "ghp_FAKEtoken0123456789abcdef"
SE_KEY = "se-FAKE-key-4242"
WRONG = "Wrong:pass@word-77"  # a password with URL delimiters in it
SECRETS = [PASSWORD, quote(PASSWORD, safe=""), base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode(), TOKEN, SE_KEY,
           WRONG, quote(WRONG, safe=""), base64.b64encode(f"{USER}:{WRONG}".encode()).decode()]
PYPI_SNAPSHOT = "data/raw/snapshots/pypi/2026-11-25"
GIT_SNAPSHOT = "data/raw/snapshots/git/2026-11-25"


# --------------------------------------------------------------------------- a fake index and GitHub API

class _Handler(BaseHTTPRequestHandler):
    mode = "ok"
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - stdlib name
        cls = type(self)
        cls.hits.append(self.path)
        if cls.mode == "slow":
            threading.Event().wait(5)
        if cls.mode == "redirect" and self.path.startswith("/simple/"):  # the index moved: same host, a token in the new URL
            return self._send(302, {}, {"Location": f"/moved{self.path}?token={TOKEN}", "Content-Type": "application/json"})
        if self.path.startswith("/moved/simple/"):
            self.path = self.path[len("/moved"):].split("?", 1)[0]
            return self._index()
        if self.path.startswith("/simple/"):
            return self._index()
        if self.path.startswith("/gh/"):
            return self._github()
        self._send(404, {"message": "Not Found"})

    def _index(self):
        want = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != want:
            return self._send(401, {"message": "credentials required"})
        mode = type(self).mode
        if mode == "429":
            return self._send(429, {"message": "slow down"}, {"Retry-After": "3600"})
        if mode == "429-short":
            return self._send(429, {"message": "slow down"}, {"Retry-After": "3"})
        if mode == "trickle":  # headers at once, then a byte every 5 s
            return self._trickle()
        if mode == "gzip-bomb":
            return self._bomb()
        if mode == "404":
            return self._send(404, {"message": "Not Found"})
        project = self.path.strip("/").split("/")[-1]
        page = FIXTURES / f"{project}.json"
        if not page.exists():
            return self._send(404, {"message": "Not Found"})
        data = json.loads(page.read_text())
        if mode == "files-string":
            data["files"] = "not a list"
        if mode == "bad-time":
            data["files"][0]["upload-time"] = "yesterday"
        if mode == "one-release":  # an index (or a mirror) that serves only the newest release of each project
            newest = data["files"][-1]["filename"].split("-")[1]
            data["files"] = [f for f in data["files"] if f["filename"].split("-")[1] == newest]
        self._send(200, data, {"Content-Type": "application/vnd.pypi.simple.v1+json"})

    def _github(self):
        path = self.path.split("?", 1)[0]
        if path.startswith("/gh/repos/"):
            body = {"forks_count": 3, "archived": False, "pushed_at": "2026-11-20T10:00:00Z"}
            if type(self).mode != "missing-field":
                body["stargazers_count"] = 1234
            return self._send(200, body)
        if path.startswith("/gh/search/"):
            return self._send(200, {"total_count": 42, "incomplete_results": False})
        self._send(404, {"message": "Not Found"})

    def _trickle(self):
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/vnd.pypi.simple.v1+json")
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b" ")
                self.wfile.flush()
                threading.Event().wait(5)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _bomb(self):
        import gzip

        body = gzip.compress(b" " * (16 << 20))
        self._send(200, None, {"Content-Type": "application/vnd.pypi.simple.v1+json", "Content-Encoding": "gzip"}, payload=body)

    def _send(self, status, body, headers=None, payload=None):
        payload = json.dumps(body).encode() if payload is None else payload
        try:
            self.send_response(status)
            for k, v in (headers or {"Content-Type": "application/json"}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


class FakeServer:
    """The fake index (``/simple/``, basic auth) and GitHub API (``/gh/``) on 127.0.0.1."""

    def __init__(self, mode: str = "ok"):
        self.handler = type("H", (_Handler,), {"mode": mode, "hits": []})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "FakeServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- cases

def _edit_value(root: Path, rel: str, framework: str, metric: str, value: str) -> None:
    path = root / rel / "observations.csv"
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"{framework},{metric},"):
            parts = line.split(",")
            parts[2] = value
            lines[i] = ",".join(parts)
    path.write_text("\n".join(lines) + "\n")
    prov = json.loads((root / rel / "provenance.json").read_text())
    prov["checksums"] = _checksums(root / rel)  # resealed: the range and type checks, not the checksums, are what is tried
    (root / rel / "provenance.json").write_text(json.dumps(prov, indent=2))


def _checksums(folder: Path) -> dict[str, str]:
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file() and p.name != "provenance.json"}


def _duplicate_row(root: Path) -> None:
    path = root / PYPI_SNAPSHOT / "observations.csv"
    row = next(line for line in path.read_text().splitlines() if line.startswith("jax,n_releases,"))
    parts = row.split(",")
    parts[2] = str(int(parts[2]) + 1)
    path.write_text(path.read_text() + ",".join(parts) + "\n")
    _edit_value(root, PYPI_SNAPSHOT, "none", "none", "")


def _set_as_of(root: Path, value: str) -> None:
    path = root / "data/raw/editions/current/edition.yaml"
    path.write_text(re.sub(r"(?m)^as_of: .*$", f"as_of: {value}", path.read_text()))


def _interrupted_swap(root: Path) -> None:
    target = root / GIT_SNAPSHOT
    os.replace(target, target.with_name(f".{target.name}.old-999999"))


def _git_repo(root: Path) -> Path:
    """A one-commit repository standing in for tinygrad's history."""
    repo = root.parent / "tinygrad-mirror"
    env = {**os.environ, "GIT_AUTHOR_DATE": "2025-01-10T12:00:00Z", "GIT_COMMITTER_DATE": "2025-01-10T12:00:00Z",
           "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.org", "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@example.org"}
    subprocess.run(["git", "init", "-q", "-b", "master", str(repo)], check=True, env=env)
    (repo / "f").write_text("x")
    subprocess.run(["git", "-C", str(repo), "add", "f"], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", "first (#1)"], check=True, env=env)
    return repo


@dataclass
class Case:
    name: str
    args: list[str]
    expect: str  # "error" (non-zero, clean message) or "ok" (exit 0)
    says: str  # a regex the output must contain
    mode: str = "ok"  # the fake server's behaviour
    setup: Callable[[Path], object] | None = None
    env: dict[str, str] = field(default_factory=dict)
    may_change: tuple[str, ...] = ()  # regexes of data/raw files this case is meant to change
    interrupt: bool = False
    signal: int = signal.SIGINT  # what an interrupting case sends
    code: int | None = None  # the exact exit status expected, when it matters
    command: str = "collect"  # "collect" (python -m showdown_lib.collect) or "run_all" (the pipeline)
    max_file_bytes: int | None = None  # a file-size limit on the command (ulimit -f), when the case sets one


CASES: list[Case] = [
    Case("git source with no local mirrors (0 values)", ["--source", "git"], "error", r"collected 0 values.*nothing was written"),
    Case("index answers 404 for every project", ["--source", "pypi"], "error", r"collected 0 values", mode="404"),
    Case("--git-mirror to a missing path (a value would be lost)",
         ["--source", "git", "--as-of", "2026-11-25", "--framework", "tinygrad", "keras", "--git-mirror", "keras=/nonexistent/keras.git"],
         "error", r"1 of the 11 values become missing.*keras/first_commit_date.*does not exist", setup=lambda r: ("tinygrad", _git_repo(r))),
    Case("the same partial collection with --accept-partial", ["--source", "git", "--as-of", "2026-11-25", "--framework", "tinygrad", "keras",
                                                                "--git-mirror", "keras=/nonexistent/keras.git", "--accept-partial"],
         "ok", r"\[git\] ok: \d+ values", setup=lambda r: ("tinygrad", _git_repo(r)), may_change=(r"git/2026-11-25/",)),
    Case("an index serving one release per project replaces a snapshot of the same date",
         ["--source", "pypi", "--framework", "pytorch", "jax", "tinygrad", "--as-of", "2026-11-25"], "error",
         r"worse than the stored snapshot of 2026-11-25.*releases\.csv rows are gone \(.*pytorch 51.*jax/n_releases 198 -> 1 \(a count that never falls",
         mode="one-release"),
    Case("an index serving one release per project, a later date (history shrinks)",
         ["--source", "pypi", "--framework", "pytorch", "jax", "tinygrad", "--as-of", "2026-11-30"], "error",
         r"worse than the earlier snapshot of 2026-11-25.*releases\.csv rows dated on or before 2026-11-25 \(a history never shrinks\)",
         mode="one-release"),
    Case("--git-mirror given an unsafe URL (ext::)", ["--source", "git", "--framework", "keras", "--git-mirror", "keras=ext::sh -c touch% pwned"],
         "error", r"is a URL, not a local path"),
    Case("index unreachable (connection refused), two sources", ["--source", "pypi", "git"], "error",
         r"pypi: .*could not connect.*\n.*git: collected 0 values", env={"PIP_INDEX_URL": "http://127.0.0.1:9/simple"}),
    Case("malformed index JSON ('files' a string) does not stop GitHub", ["--source", "pypi", "github", "--framework", "tinygrad"],
         "error", r"'files' is a str, not a list", mode="files-string", may_change=(r"snapshots/github/",)),
    Case("429 with Retry-After: 3600 on the index", ["--source", "pypi", "--framework", "tinygrad", "--as-of", "2025-01-15"],
         "error", r"HTTP 429.*3600 s \(Retry-After\), more than the 60 s", mode="429"),
    Case("GitHub response without a field (GITHUB_API_URL)", ["--source", "github", "--framework", "tinygrad"], "error",
         r"no 'stargazers_count' field", mode="missing-field"),
    Case("password in PIP_INDEX_URL, successful collection", ["--source", "pypi", "--framework", "tinygrad", "jax", "pytorch", "--as-of", "2025-01-15"],
         "ok", r"\[pypi\] ok: \d+ values"),
    Case("a wrong password in PIP_INDEX_URL, answered 401", ["--source", "pypi", "--framework", "tinygrad", "--as-of", "2025-01-15"],
         "error", r"GET \{index\}/tinygrad/ returned HTTP 401", env={"PIP_INDEX_URL": f"http://{USER}:{quote(WRONG, safe='')}@{{host}}/simple"}),
    Case("--as-of in the future (2050-01-01)", ["--as-of", "2050-01-01"], "error", r"2050-01-01 is in the future", code=2),
    Case("--as-of before the floor (1990-01-01)", ["--as-of", "1990-01-01"], "error", r"before 2000-01-01", code=2),
    Case("--as-of yesterday", ["--as-of", "yesterday"], "error", r"YYYY-MM-DD.*'yesterday'", code=2),
    Case("--as-of 2018-02-30", ["--as-of", "2018-02-30"], "error", r"'2018-02-30' is not a calendar date", code=2),
    Case("--edition ../../../elsewhere/x", ["--edition", "../../../elsewhere/x"], "error", r"not allowed.*\[A-Za-z0-9\]", code=2),
    Case("--edition current@2024-13-01", ["--edition", "current@2024-13-01", "--source", "git"], "error", r"not a calendar date", code=2),
    Case("as_of: 2026-13-45 in an edition file", ["--source", "git"], "error", r"edition\.yaml, field 'as_of'.*2026-13-45",
         setup=lambda r: _set_as_of(r, "2026-13-45"), may_change=(r"editions/current/edition\.yaml",), code=2),
    Case("pytorch,os_count,99 in a snapshot", ["--check"], "error", r"observations\.csv, entry 'row \d+ \(pytorch/os_count\)', field 'value'.*0-3",
         setup=lambda r: _edit_value(r, PYPI_SNAPSHOT, "pytorch", "os_count", "99"), may_change=(r"pypi/2026-11-25",), code=2),
    Case("a non-numeric count in a snapshot", ["--check"], "error", r"\(jax/n_releases\)', field 'value'.*'many' is not a number",
         setup=lambda r: _edit_value(r, PYPI_SNAPSHOT, "jax", "n_releases", "many"), may_change=(r"pypi/2026-11-25",), code=2),
    Case("conflicting duplicate rows", ["--check"], "error", r"jax/n_releases appears twice .* with different values",
         setup=_duplicate_row, may_change=(r"pypi/2026-11-25",), code=2),
    Case("provenance.json is a list", ["--check"], "error", r"provenance\.json: must be a JSON object",
         setup=lambda r: (r / PYPI_SNAPSHOT / "provenance.json").write_text("[1, 2]"), may_change=(r"pypi/2026-11-25",), code=2),
    Case("a value edited after sealing (checksum)", ["--check"], "error", r"observations\.csv, field 'checksums': checksum mismatch",
         setup=lambda r: (_seal(r), (r / GIT_SNAPSHOT / "observations.csv").write_text(
             (r / GIT_SNAPSHOT / "observations.csv").read_text().replace("2015-03-28", "2015-03-29"))),
         may_change=(r"git/2026-11-25",), code=2),
    Case("edition pins a snapshot that is missing", ["--check"], "error", r"2018-remeasured.*inputs\.pypi\.snapshot.*2018-06-26, which does not exist",
         setup=lambda r: shutil.rmtree(r / "data/raw/snapshots/pypi/2018-06-26"), may_change=(r"pypi/2018-06-26",), code=2),
    Case("'latest' resolves to an older snapshot", ["--check"], "ok", r"note: current: the newest git snapshot on or before 2026-11-25 is of 2026-08-08",
         setup=lambda r: shutil.rmtree(r / GIT_SNAPSHOT), may_change=(r"git/2026-11-25",)),
    Case("a kill between the two renames of a snapshot swap", ["--check"], "ok", r"git/2026-11-25: 126 rows, 11 values", setup=_interrupted_swap),
    Case("Ctrl-C during a collection", ["--source", "pypi", "--framework", "tinygrad", "jax", "--as-of", "2025-01-15"], "error",
         r"^collect: interrupted \(Ctrl-C\)", mode="slow", interrupt=True, code=130),
    Case("SHOWDOWN_GIT_MIRRORS names a missing file", ["--source", "git", "--framework", "keras"], "error",
         r"SHOWDOWN_GIT_MIRRORS names a file that cannot be read", env={"SHOWDOWN_GIT_MIRRORS": "/nonexistent/mirrors.txt"}),
    Case("SHOWDOWN_HTTP_RETRIES=many", ["--source", "pypi", "--framework", "tinygrad"], "error", r"SHOWDOWN_HTTP_RETRIES must be a whole number",
         env={"SHOWDOWN_HTTP_RETRIES": "many"}),

    # evidence that must be there, raw files that must be well formed (schemas, showdown_lib/schemas.py)
    Case("a curated-set typo in an edition file (currnet)", ["--check"], "error",
         r"edition\.yaml, entry 'current', field 'inputs\.curated\.set'.*'currnet' does not exist", code=2,
         setup=lambda r: _replace(r, "data/raw/editions/current/edition.yaml", "{set: current}", "{set: currnet}"),
         may_change=(r"editions/current/edition\.yaml",)),
    Case("collect --source curated --curated-set currnet", ["--source", "curated", "--curated-set", "currnet"], "error",
         r"curated: data/raw/curated/currnet, field 'set': curated set 'currnet' does not exist"),
    Case("a deleted curated file", ["--source", "curated"], "error", r"curated/current/pytorch\.yaml: file not found, but _set\.yaml lists",
         setup=lambda r: (r / "data/raw/curated/current/pytorch.yaml").unlink(), may_change=(r"curated/current/pytorch\.yaml",)),
    Case("a curated file for a framework the set does not list", ["--source", "curated"], "error",
         r"curated/current/pytorch2\.yaml, field 'framework': a curated file for 'pytorch2', which _set\.yaml does not list",
         setup=lambda r: shutil.copy(r / "data/raw/curated/current/pytorch.yaml", r / "data/raw/curated/current/pytorch2.yaml")),
    Case("a curated as_of in the future", ["--source", "curated"], "error", r"pytorch\.yaml, field 'as_of': 2099-01-01 is in the future",
         setup=lambda r: _replace(r, "data/raw/curated/current/pytorch.yaml", r"(?m)^as_of: .*$", "as_of: 2099-01-01", regex=True),
         may_change=(r"curated/current/pytorch\.yaml",)),
    Case("a provenance without checksums", ["--check"], "error", r"pypi/2026-11-25/provenance\.json, field 'checksums': no checksums recorded",
         setup=lambda r: _unseal(r, PYPI_SNAPSHOT), may_change=(r"pypi/2026-11-25",), code=2),
    Case("5,000 fake rows in a resealed releases.csv", ["--check"], "error",
         r"releases\.csv, entry 'framework pytorch', field 'version': 5052 distinct releases of 'pytorch' here, but observations\.csv counts n_releases = 52",
         setup=lambda r: _fake_releases(r), may_change=(r"pypi/2026-11-25",), code=2),
    Case("a garbage date in a resealed releases.csv", ["--check"], "error",
         r"releases\.csv, entry 'row 2 \(bigdl/bigdl/0\.1\.2\)', field 'upload_time': 'last tuesday' is not a date-time",
         setup=lambda r: _replace(r, PYPI_SNAPSHOT + "/releases.csv", "2017-07-07T06:51:26.044742+00:00", "last tuesday", reseal=True),
         may_change=(r"pypi/2026-11-25",), code=2),
    Case("a future date in the registry", ["--check"], "error",
         r"frameworks\.yaml, entry 'caffe', field 'lifecycle\.since': 2099-04-18 is in the future", code=2,
         setup=lambda r: _replace(r, "data/raw/frameworks.yaml", "since: 2017-04-18", "since: 2099-04-18"), may_change=(r"frameworks\.yaml",)),
    Case("a duplicate key in criteria.yaml", ["--check"], "error", r"criteria\.yaml, field 'max': line \d+: duplicate key 'max'", code=2,
         setup=lambda r: _replace(r, "data/raw/criteria.yaml", "    max: 3\n", "    max: 3\n    max: 4\n"), may_change=(r"criteria\.yaml",)),
    Case("criteria.yaml max: .inf", ["--check"], "error", r"criteria\.yaml, entry 'sponsor', field 'max': inf is not a finite number", code=2,
         setup=lambda r: _replace(r, "data/raw/criteria.yaml", "    max: 3\n", "    max: .inf\n"), may_change=(r"criteria\.yaml",)),
    Case("criteria.yaml order: third", ["--check"], "error",
         r"criteria\.yaml, entry 'platform', field 'order': it must be the round's position, a whole number from 1, got 'third'", code=2,
         setup=lambda r: _replace(r, "data/raw/criteria.yaml", "order: 3}", "order: third}"), may_change=(r"criteria\.yaml",)),
    Case("a YAML alias bomb in frameworks.yaml", ["--check"], "error", r"frameworks\.yaml.*an alias bomb", code=2,
         setup=lambda r: _alias_bomb(r), may_change=(r"frameworks\.yaml",)),
    Case("a published file outside the edition's folder", ["--check"], "error",
         r"2018/edition\.yaml, entry '2018', field 'inputs\.published_criteria\.file'", code=2,
         setup=lambda r: _replace(r, "data/raw/editions/2018/edition.yaml", "file: published_criteria.csv", "file: ../../../../etc/passwd"),
         may_change=(r"2018/edition\.yaml",)),

    # messages that help, and bounds on time and memory
    Case("PIP_INDEX_URL=file:///etc", ["--source", "pypi", "--framework", "tinygrad"], "error",
         r"PIP_INDEX_URL is 'file:///etc': the package index must be an http:// or https:// URL", env={"PIP_INDEX_URL": "file:///etc"}),
    Case("an index upload time of 'yesterday'", ["--source", "pypi", "--framework", "tinygrad", "--as-of", "2025-01-15"], "error",
         r"'upload-time' 'yesterday' that is not an ISO 8601 date-time", mode="bad-time"),
    Case("a slow index (a byte every 5 s)", ["--source", "pypi", "--framework", "tinygrad", "--as-of", "2025-01-15"], "error",
         r"no complete answer within the 4 s deadline", mode="trickle", env={"SHOWDOWN_HTTP_DEADLINE": "4"}),
    Case("Retry-After 3 on every answer: the run's total wait is capped", ["--source", "pypi", "--framework", "tinygrad", "jax", "pytorch",
                                                                          "--as-of", "2025-01-15"], "error",
         r"HTTP 429.*waits at most 5 s in all \(SHOWDOWN_HTTP_MAX_WAIT\)", mode="429-short", env={"SHOWDOWN_HTTP_MAX_WAIT": "5"}),
    Case("a gzip bomb from the index", ["--source", "pypi", "--framework", "tinygrad", "--as-of", "2025-01-15"], "error",
         r"the response is larger than 2 MB once decompressed", mode="gzip-bomb", env={"SHOWDOWN_HTTP_MAX_MB": "2"}),
    Case("a redirect to a URL with ?token= (password in PIP_INDEX_URL)", ["--source", "pypi", "--framework", "tinygrad", "jax",
                                                                          "--as-of", "2025-01-15"],
         "ok", r"\[pypi\] ok: \d+ values", mode="redirect"),

    # the pipeline (run_all.py): rejected before any kernel starts, or failed without publishing
    Case("run_all -p category_weights={platform: 1e308, api_internals: 1e308}", ["-p", "category_weights={platform: 1e308, api_internals: 1e308}"],
         "error", r"category_weights\.(platform|api_internals) must be smaller than or equal to 1000000", code=1, command="run_all"),
    Case("run_all -p n_samples=0", ["-p", "n_samples=0"], "error", r"n_samples=0: n_samples must be bigger than or equal to 100", code=1, command="run_all"),
    Case("run_all --edition ../../../tmp/x", ["--edition", "../../../tmp/x"], "error", r"edition id '\.\./\.\./\.\./tmp/x' is not allowed", code=1,
         command="run_all"),
    Case("run_all -p category_weights=[1,2,3]", ["-p", "category_weights=[1,2,3]"], "error", r"category_weights must be object", code=1, command="run_all"),
    Case("run_all -p n_tiers=three", ["-p", "n_tiers=three"], "error", r"n_tiers='three': n_tiers must be integer", code=1, command="run_all"),
    Case("run_all -p seed=-1", ["-p", "seed=-1"], "error", r"seed=-1: seed must be bigger than or equal to 0", code=1, command="run_all"),
    Case("run_all -p concentration=.nan", ["-p", "concentration=.nan"], "error", r"concentration must be a finite number", code=1,
         command="run_all"),
    Case("run_all --refresh with every source failed", ["--edition", "current", "--refresh", "--source", "pypi"], "error",
         r"--refresh: every source failed \(pypi; see above\)", code=1, command="run_all", env={"PIP_INDEX_URL": "http://127.0.0.1:9/simple"}),
    Case("run_all -p save_figures=maybe", ["-p", "save_figures=maybe"], "error", r"save_figures must be boolean", code=1, command="run_all"),
    Case("run_all -p with a parameter no step takes", ["-p", "categroy_weights={platform: 2}"], "error", r"unknown parameter 'categroy_weights'", code=1,
         command="run_all"),
    Case("run_all on a truncated notebook", ["--only", "09"], "error", r"notebooks/09_hardware_gap\.ipynb is not a readable notebook", code=1,
         command="run_all", setup=lambda root: _truncate(root / "notebooks" / "09_hardware_gap.ipynb"),
         may_change=(r"notebooks/09_hardware_gap\.ipynb$",)),
    Case("run_all: the scoring step fails (tampered published figures)", ["--only", "score"], "error",
         r"step score \(showdown_lib\.scoring_step:write_products\) failed: DataError: .*checksum mismatch", code=1, command="run_all",
         setup=lambda root: _tamper_published(root), may_change=(r"published_criteria\.csv$",)),
    Case("Ctrl-C during a run", ["--only", "09", "--force"], "error", r"^run_all: interrupted", code=130, command="run_all", interrupt=True),
]


def _replace(root: Path, rel: str, old: str, new: str, regex: bool = False, reseal: bool = False) -> None:
    path = root / rel
    text = path.read_text()
    changed = re.sub(old, new, text, count=1) if regex else text.replace(old, new, 1)
    assert changed != text, f"{old!r} not in {rel}"
    path.write_text(changed)
    if reseal:
        _reseal(path.parent)


def _reseal(folder: Path) -> None:
    prov = json.loads((folder / "provenance.json").read_text())
    prov["checksums"] = _checksums(folder)
    (folder / "provenance.json").write_text(json.dumps(prov, indent=2))


def _unseal(root: Path, rel: str) -> None:
    prov = json.loads((root / rel / "provenance.json").read_text())
    prov.pop("checksums")
    (root / rel / "provenance.json").write_text(json.dumps(prov, indent=2))


def _fake_releases(root: Path) -> None:
    """5,000 made-up PyTorch releases appended to releases.csv, and the checksums recomputed."""
    path = root / PYPI_SNAPSHOT / "releases.csv"
    fake = "".join(f"pytorch,torch,9.{i}.0,9.{i}.0,2026-01-01T00:00:00+00:00,0,1\n" for i in range(5000))
    path.write_text(path.read_text() + fake)
    _reseal(path.parent)


def _alias_bomb(root: Path) -> None:
    levels = ['x0: &x0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"x{i}: &x{i} [{', '.join([f'*x{i - 1}'] * 9)}]" for i in range(1, 10)]
    path = root / "data/raw/frameworks.yaml"
    path.write_text("\n".join(levels) + "\n" + path.read_text())


def _truncate(path: Path) -> None:
    path.write_text(path.read_text()[:500])


def _state(text: str):
    def setup(root: Path) -> None:
        (root / ".cache").mkdir(exist_ok=True)
        (root / ".cache" / "pipeline-state.json").write_text(text)
    return setup


def _hold_lock(root: Path) -> None:
    """Another run holding the project's lock (a process that keeps it for 30 s)."""
    (root / ".cache").mkdir(exist_ok=True)
    code = ("import fcntl, os, sys, time; f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); "
            "f.seek(0); f.truncate(); f.write(str(os.getpid())); f.flush(); print('held', flush=True); time.sleep(30)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(root / ".cache" / "run.lock")], stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()


def _curated_change(root: Path) -> None:
    path = root / "data" / "raw" / "curated" / "current" / "tensorflow.yaml"
    path.write_text(re.sub(r"(sponsor:\s*\n(?:\s+.*\n)*?\s+value:\s*)3", r"\g<1>2", path.read_text(), count=1))


_STATE_DISCARDED = r"pipeline state \.cache/pipeline-state\.json is not a state this version wrote.*discarded and every step runs"
_RAN_SCORE = r"score\] done in .*\n(.*\n)*run_all: 1 step\(s\) ran"

# the engine (run_all.py): its state, its lock, its working folders, --only, dated editions, --refresh, signals
ENGINE_CASES: list[Case] = [
    Case("run_all with a garbage .cache/pipeline-state.json", ["--only", "score"], "ok", _STATE_DISCARDED + r"(.*\n)*.*" + _RAN_SCORE,
         command="run_all", setup=_state("\x00garbage{"), code=0),
    Case("run_all with an empty .cache/pipeline-state.json", ["--only", "score"], "ok", _STATE_DISCARDED, command="run_all",
         setup=_state(""), code=0),
    Case("run_all with a state file of the wrong shape", ["--only", "score"], "ok", _STATE_DISCARDED, command="run_all",
         setup=_state('{"version": 2, "steps": [1, 2]}'), code=0),
    Case("run_all where .cache is a file", ["--only", "score"], "error", r"cannot write the working folder \.cache", code=1,
         command="run_all", setup=lambda root: (root / ".cache").write_text("not a folder")),
    Case("run_all where runs/ is a file", ["--only", "score"], "error", r"cannot write the working folder runs\b", code=1,
         command="run_all", setup=lambda root: (root / "runs").write_text("not a folder")),
    Case("run_all --edition 2018 --edition 2018 (named twice, runs once)", ["--edition", "2018", "--edition", "2018", "--only", "score"],
         "ok", _RAN_SCORE, code=0, command="run_all"),
    Case("run_all --jobs 100000", ["--jobs", "100000"], "error", r"--jobs must be between 1 and 64, got 100000", code=1, command="run_all"),
    Case("run_all -p n_tiers=<5000 digits>", ["-p", "n_tiers=" + "9" * 5000], "error", r"-p n_tiers: cannot read .*too many digits",
         code=1, command="run_all"),
    Case("run_all --only ''", ["--only", ""], "error", r"--only needs step names", code=1, command="run_all"),
    Case("run_all --only 04 after a curated change (upstream out of date)", ["--edition", "current", "--only", "04"], "error",
         r"--only: upstream step\(s\) out of date: current:score \(", code=1, command="run_all", setup=_curated_change,
         may_change=(r"curated/current/tensorflow\.yaml$",)),
    Case("a second run_all while one is in progress", ["--only", "score"], "error", r"another run is in progress \(pid \d+\)", code=1,
         command="run_all", setup=_hold_lock),
    Case("run_all --edition current@2024-06-30 (a dated edition)", ["--edition", "current@2024-06-30", "--only", "score"], "ok",
         r"current@2024-06-30:score\] done", code=0, command="run_all"),
    Case("run_all --refresh against a (fake) index that serves a few projects", ["--edition", "current", "--refresh", "--source", "pypi",
                                                                                 "--as-of", "2025-01-15", "--only", "score"], "error",
         r"the new collection is worse than the earlier snapshot(.*\n)*.*--refresh: every source failed", code=1, command="run_all"),
    Case("run_all --refresh --accept-partial against the (fake) index", ["--edition", "current", "--refresh", "--source", "pypi",
                                                                         "--as-of", "2025-01-15", "--accept-partial", "--only", "score"],
         "ok", r"current@2025-01-15:score\] done", code=0, command="run_all"),
    Case("SIGTERM during a run", ["--only", "09", "--force"], "error", r"^run_all: terminated", code=130, command="run_all",
         interrupt=True, signal=signal.SIGTERM),
    # the rest of issue 14's list
    Case("run_all -p n_tiers=3.0 (read as 3)", ["--only", "score", "-p", "n_tiers=3.0"], "ok", _RAN_SCORE, code=0, command="run_all",
         may_change=(r"^data/processed/2018/",)),
    Case("a curated set named by a path that leaves data/raw", ["--check"], "error",
         r"edition\.yaml, entry 'current', field 'inputs\.curated\.set'", code=2,
         setup=lambda r: _replace(r, "data/raw/editions/current/edition.yaml", "{set: current}", "{set: ../../../../tmp}"),
         may_change=(r"editions/current/edition\.yaml",)),
    Case("run_all after a curated file was deleted", ["--edition", "current", "--only", "score"], "error",
         r"curated/current/pytorch\.yaml: file not found, but _set\.yaml lists", code=1, command="run_all",
         setup=lambda r: (r / "data/raw/curated/current/pytorch.yaml").unlink(), may_change=(r"curated/current/pytorch\.yaml",)),
    Case("a hand-edited overall_scores.csv after a run (its step runs again)", ["--only", "score"], "ok",
         r"\[2018:score\] running(.*\n)*run_all: 1 step\(s\) ran, 0 up to date", code=0, command="run_all",
         setup=lambda r: _ran_then_edited(r)),
    Case("run_all under a file-size limit (ulimit -f 64 KB)", ["--edition", "current", "--only", "score", "--force"], "error",
         r"^run_all: .*File too large", code=1, command="run_all", max_file_bytes=64 * 1024),
]


CASES += ENGINE_CASES


def _ran_then_edited(root: Path) -> None:
    """A run of the scoring step (its state recorded), then its published overall scores edited by hand."""
    env = {**os.environ, "SHOWDOWN_ROOT": str(root), "PYTHONPATH": str(ROOT)}
    first = subprocess.run([sys.executable, str(ROOT / "run_all.py"), "--no-site", "--only", "score"], env=env, cwd=root,
                           capture_output=True, text=True)
    assert "run_all: 1 step(s) ran" in first.stdout, first.stdout + first.stderr
    _replace(root, "data/processed/2018/overall_scores.csv", "mxnet,89.8889,", "mxnet,99.8889,")


def _limit_file_size(limit: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def _tamper_published(root: Path) -> None:
    path = root / "data" / "raw" / "editions" / "2018" / "published_criteria.csv"
    path.write_text(path.read_text().replace("pytorch,support_community,activity,100", "pytorch,support_community,activity,99", 1))


def _seal(root: Path) -> None:
    subprocess.run([sys.executable, "-m", "showdown_lib.collect", "--seal", "git/2026-11-25"], check=True, capture_output=True,
                   env={**os.environ, "SHOWDOWN_ROOT": str(root)}, cwd=ROOT)


# --------------------------------------------------------------------------- running a case

def _digest(root: Path) -> dict[str, bytes]:
    """Every input and every published output: data/ (raw and processed), the notebooks, the figures."""
    folders = [root / "data", root / "notebooks", root / "reports" / "figures"]
    return {str(p.relative_to(root)): p.read_bytes() for f in folders if f.is_dir() for p in f.rglob("*") if p.is_file()}


def _secrets_in(root: Path, text: str) -> list[str]:
    found = [s for s in SECRETS if s in text]
    for p in root.rglob("*"):
        if p.is_file():
            blob = p.read_bytes()
            found += [f"{s!r} in {p.relative_to(root)}" for s in SECRETS if s.encode() in blob]
    return found


def _project(tmp: Path, pipeline: bool = False) -> Path:
    root = tmp / "project"
    shutil.copytree(ROOT / "data" / "raw", root / "data" / "raw")
    (root / "data" / "processed").mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    if pipeline:  # what run_all reads and writes: the notebooks, the processed tables, the figures
        shutil.copytree(ROOT / "notebooks", root / "notebooks")
        shutil.rmtree(root / "data" / "processed")
        shutil.copytree(ROOT / "data" / "processed", root / "data" / "processed")
        shutil.copytree(ROOT / "reports" / "figures", root / "reports" / "figures")
    return root


def run_case(case: Case) -> dict:
    """Run one case in a fresh scratch project; returns what was measured."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="showdown-case-") as tmp, FakeServer(case.mode) as server:
        root = _project(Path(tmp), pipeline=case.command == "run_all")
        args = list(case.args)
        before = _digest(root)  # data lost is counted against the project as it was, before the case's own edits
        made = case.setup(root) if case.setup else None
        if isinstance(made, tuple) and len(made) == 2 and isinstance(made[1], Path):  # a mirror made by the setup
            args += ["--git-mirror", f"{made[0]}={made[1]}"]
        creds = f"{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@"
        base = server.base.replace("http://", f"http://{creds}")
        env = {**os.environ, "SHOWDOWN_ROOT": str(root), "PIP_INDEX_URL": f"{base}/simple", "GITHUB_API_URL": f"{base}/gh",
               "GITHUB_TOKEN": TOKEN, "STACKEXCHANGE_KEY": SE_KEY, "SHOWDOWN_HTTP_RETRIES": "1", "SHOWDOWN_NO_PROGRESS": "1",
               "PIP_CONFIG_FILE": os.devnull, "PYTHONPATH": str(ROOT)}
        env.update({k: v.replace("{host}", server.base.removeprefix("http://")) for k, v in case.env.items()})
        cmd = ([sys.executable, "-m", "showdown_lib.collect", *args] if case.command == "collect"
               else [sys.executable, str(ROOT / "run_all.py"), "--no-site", *args])
        if case.interrupt:
            proc = subprocess.Popen(cmd, env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
            if case.command == "run_all":
                first = proc.stdout.readline()  # "[2018:score] running ...": a step is starting
                threading.Event().wait(1.0)
            else:
                first = ""
                deadline = time.monotonic() + 60
                while not server.handler.hits and time.monotonic() < deadline and proc.poll() is None:
                    threading.Event().wait(0.05)
            proc.send_signal(case.signal)
            out, err = proc.communicate(timeout=120)
            out, rc = first + out, proc.returncode
        else:
            limit = case.max_file_bytes
            done = subprocess.run(cmd, env=env, cwd=tmp, capture_output=True, text=True, timeout=300,
                                  preexec_fn=(lambda: _limit_file_size(limit)) if limit else None)
            out, err, rc = done.stdout, done.stderr, done.returncode
        after = _digest(root)
        text = out + err
        lost = [k for k, v in before.items() if after.get(k) != v and not any(re.search(p, k) for p in case.may_change)]
        traceback = "Traceback (most recent call last)" in text
        said = re.search(case.says, text, re.MULTILINE | re.DOTALL) is not None
        rc_ok = (rc == case.code) if case.code is not None else ((rc == 0) if case.expect == "ok" else rc != 0)
        return {"case": case.name, "rc": rc, "clean": rc_ok and said and not traceback, "said": said, "data_lost": len(lost),
                "lost_files": lost, "traceback": traceback, "secrets": _secrets_in(root, text), "output": text,
                "seconds": round(time.monotonic() - started, 1)}


def main() -> int:
    rows = [run_case(c) for c in CASES]
    print("| case | expected | exit | clean | data lost | traceback | secrets found |")
    print("|---|---|---|---|---|---|---|")
    for c, r in zip(CASES, rows):
        print(f"| {c.name} | {c.expect} | {r['rc']} | {'yes' if r['clean'] else 'NO'} | {r['data_lost']} | "
              f"{'yes' if r['traceback'] else 'no'} | {len(r['secrets'])} |")
    print()
    print(f"cases: {len(rows)}; clean: {sum(r['clean'] for r in rows)}; data lost: {sum(r['data_lost'] for r in rows)}; "
          f"tracebacks: {sum(r['traceback'] for r in rows)}; secrets found: {sum(len(r['secrets']) for r in rows)}")
    bad = [r for r in rows if not r["clean"] or r["data_lost"] or r["traceback"] or r["secrets"]]
    for r in bad:
        print(f"\n--- {r['case']}: rc {r['rc']}, lost {r['lost_files']}, secrets {r['secrets']}\n{r['output'][-1500:]}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
