"""The weekly workflow, rehearsed offline: the same commands, in the same order, against 127.0.0.1.

    python tests/rehearsal.py [--keep]      # both passes; prints each step, its exit status and time

``.github/workflows/weekly-edition.yml`` is read, and every ``run:`` step of its ``edition`` job runs in order, with
``bash -eo pipefail`` as GitHub runs it, in a scratch copy of the project (a git repository of its own with a
local bare ``origin``, so the branch step pushes for real). ``${{ ... }}`` expressions get rehearsal values;
``$GITHUB_ENV`` works as on GitHub. Two steps are not rehearsed: ``make setup`` (the scratch copy's ``.venv`` is
this interpreter's environment) and ``gh pr create`` (GitHub itself); ``uses:`` steps (checkout, cache, Pages)
are GitHub's. Every network source is served from 127.0.0.1 by recorded answers shaped like the documented
APIs (``tests/fixtures/rehearsal``: GitHub REST v3, Stack Exchange 2.3, the index's simple JSON API), through
the settings the collectors read (``PIP_INDEX_URL``, ``GITHUB_API_URL``, ``STACKEXCHANGE_API_URL``). Git
clones of ``https://github.com/...`` go to bare repositories built here (git's ``url.<base>.insteadOf``), and
every other ``https://`` URL to a folder that does not exist, so nothing leaves the machine.

The scratch copy's registry gets one more entry (FakeFlow, ``fakeflow_registry.yaml``) and its curated facts:
adding a framework is one registry entry. Recorded frameworks: PyTorch, JAX, tinygrad and FakeFlow; the
servers answer for the others as the APIs answer for something they do not know (404, 422, a zero count).

* pass 1, ``missing-field``: GitHub's answer for pytorch/pytorch lacks ``stargazers_count``. The collect step
  must exit 1 naming the field; the job stops there (nothing built, nothing pushed).
* pass 2, ``ok``: the search API is rate limited once (403, ``X-RateLimit-Remaining: 0``, reset 1 s later), the
  index answers 503 once mid-way and GitHub 502 once; Stack Exchange asks for a ``backoff``. Every step passes
  and the dated edition ``current@<today>`` is published in the scratch copy and pushed to a new branch.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "weekly-edition.yml"
FIXTURES = ROOT / "tests" / "fixtures" / "rehearsal"
PYPI_FIXTURES = [FIXTURES, ROOT / "tests" / "fixtures" / "http" / "pypi"]
TOKEN = "ghp_REHEARSALtoken00000000000000000000"
SE_KEY = "se-REHEARSAL-key-0000"
SECRETS = (TOKEN, SE_KEY)
RECORDED = ("pytorch", "jax", "tinygrad", "fakeflow")
#: Repositories built for the git collector: slug -> path prefix of some files (Caffe2 reads PyTorch's caffe2/).
REPOSITORIES = {"pytorch/pytorch": "caffe2", "jax-ml/jax": "jax", "tinygrad/tinygrad": "tinygrad", "fakeflow-org/fakeflow": "fakeflow"}
FRAMEWORK_OF = {"pytorch/pytorch": "pytorch", "jax-ml/jax": "jax", "tinygrad/tinygrad": "tinygrad", "fakeflow-org/fakeflow": "fakeflow"}
NOT_REHEARSED = {
    "setup": "the scratch copy's .venv is the rehearsal's own environment",
    "pull-request": "opening a pull request needs GitHub; the push before it is rehearsed against a local origin",
}


# --------------------------------------------------------------------------- recorded APIs on 127.0.0.1

class Recorded(BaseHTTPRequestHandler):
    """GitHub under /github, Stack Exchange under /se/2.3, the index under /simple (one server, three APIs)."""

    fault = "ok"
    log: list[tuple[str, int]] = []
    once: set[str] = set()
    github = json.loads((FIXTURES / "github.json").read_text(encoding="utf-8"))
    stackexchange = json.loads((FIXTURES / "stackexchange.json").read_text(encoding="utf-8"))

    def do_GET(self):  # noqa: N802 - stdlib name
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path.startswith("/files/"):
            status, body, headers = self._wheel(url.path)
        elif url.path.startswith("/simple/"):
            status, body, headers = self._index(url.path)
        elif url.path.startswith("/github/"):
            status, body, headers = self._github(url.path[len("/github"):], query)
        elif url.path.startswith("/se/2.3/"):
            status, body, headers = self._stackexchange(url.path[len("/se/2.3"):], query)
        else:
            status, body, headers = 404, {"message": "Not Found"}, {}
        type(self).log.append((url.path, status))
        self._send(status, body, headers)

    def _first(self, key: str) -> bool:
        """True the first time ``key`` is asked in this pass (a fault that happens once)."""
        if key in type(self).once:
            return False
        type(self).once.add(key)
        return True

    def _index(self, path: str):
        project = path.strip("/").split("/")[-1]
        if type(self).fault == "ok" and project == "jax" and self._first("503"):
            return 503, {"message": "Service Unavailable"}, {}
        page = index_page(project)
        if page is None:
            return 404, {"message": "Not Found"}, {}
        for f in page["files"]:  # the wheels' addresses: this server, for the range requests of index_reach
            if f["filename"].endswith(".whl"):
                f["url"] = f"{self._base()}/files/{project}/{f['filename']}"
        return 200, page, {"Content-Type": "application/vnd.pypi.simple.v1+json"}

    def _base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def _wheel(self, path: str):
        """A wheel of a recorded project: a zip whose METADATA carries the recorded Requires-Dist and Provides-Extra."""
        _files, project, filename = path.strip("/").split("/", 2)
        rec = recorded_metadata().get(canonical(project))
        if rec is None or not filename.endswith(".whl"):
            return 404, b"", {}
        return 200, wheel_bytes(filename, rec), {"Content-Type": "application/octet-stream"}

    def _github(self, path: str, query: dict[str, str]):
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Bad credentials"}, {}
        resource = "search" if path.startswith("/search/") else "core"
        limits = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4000", "X-RateLimit-Resource": resource,
                  "X-RateLimit-Reset": str(int(time.time()) + 3600), "Content-Type": "application/json"}
        if type(self).fault == "ok" and resource == "search" and self._first("rate-limit"):
            limits.update({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 1)})
            return 403, {"message": "API rate limit exceeded"}, limits
        if type(self).fault == "ok" and path.startswith("/search/issues") and len(type(self).log) > 6 and self._first("502"):
            return 502, {"message": "Server Error"}, {}
        rec = type(self).github
        if path.startswith("/repos/"):
            slug = unquote(path[len("/repos/"):]).strip("/")
            body = dict(rec["repos"].get(slug) or {})
            if not body:
                return 404, {"message": "Not Found"}, limits
            if type(self).fault == "missing-field" and slug == "pytorch/pytorch":
                body.pop("stargazers_count")
            return 200, body, limits
        q = query.get("q", "")
        if path == "/search/issues":
            m = re.search(r"repo:(\S+)", q)
            found = rec["search_issues"].get(m.group(1)) if m else None
        elif path == "/search/repositories":
            found = rec["search_repositories"].get(q.rsplit(" created:", 1)[0])
        else:
            return 404, {"message": "Not Found"}, limits
        if found is None:
            return 422, {"message": "Validation Failed", "errors": [{"code": "invalid", "field": "q"}]}, limits
        return 200, found, limits

    def _stackexchange(self, path: str, query: dict[str, str]):
        if query.get("key") != SE_KEY or query.get("site") != "stackoverflow":
            return 400, {"error_id": 400, "error_name": "bad_parameter", "error_message": "key or site"}, {}
        rec = type(self).stackexchange
        quota = {"quota_max": 10000, "quota_remaining": 9990}
        m = re.fullmatch(r"/tags/([^/]+)/info", path)
        if m:
            tags = unquote(m.group(1)).split(";")
            items = [{"name": t, "count": rec["tags"][t]} for t in tags if t in rec["tags"]]
            return 200, {"items": items, "has_more": False, "backoff": 1, **quota}, {}
        if path == "/questions" and query.get("filter") == "total":
            return 200, {"total": rec["questions"].get(query.get("tagged", ""), 0)}, {}
        return 404, {"error_id": 404, "error_name": "no_method", "error_message": "no method"}, {}

    def do_HEAD(self):  # noqa: N802 - stdlib name: the size of a wheel, before its range requests
        status, body, headers = self._wheel(urlsplit(self.path).path) if self.path.startswith("/files/") else (404, b"", {})
        type(self).log.append((urlsplit(self.path).path, status))
        self._send(status, body, headers, head=True)

    def _send(self, status, body, headers, head=False):
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        start, end = 0, len(payload) - 1
        m = re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers.get("Range", "")) if isinstance(body, bytes) and status == 200 else None
        if m and not head:
            start, end = int(m.group(1)), min(int(m.group(2)), len(payload) - 1)
            status, payload = 206, payload[start:end + 1]
        try:
            self.send_response(status)
            for k, v in {"Content-Type": "application/json", **headers}.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{end}/{len(body)}")
            self.end_headers()
            if not head:
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


# --------------------------------------------------------------------------- the index, from recordings and stored history

def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _latest(source: str) -> Path:
    folder = ROOT / "data" / "raw" / "snapshots" / source
    return max(p for p in folder.iterdir() if p.is_dir() and re.fullmatch(r"\d{4}-\d{2}-\d{2}", p.name))


_CACHE: dict[str, object] = {}


def stored_releases() -> dict[str, list[dict]]:
    """project -> its rows of the newest stored package-index ``releases.csv`` (what the index already served)."""
    if "releases" not in _CACHE:
        import csv

        rows: dict[str, list[dict]] = {}
        with open(_latest("pypi") / "releases.csv", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                rows.setdefault(canonical(row["project"]), []).append(row)
        _CACHE["releases"] = rows
    return _CACHE["releases"]  # type: ignore[return-value]


def recorded_metadata() -> dict[str, dict]:
    """project -> its row of the newest stored ``index_reach`` ``metadata.csv`` (the recorded wheel metadata)."""
    if "metadata" not in _CACHE:
        import csv

        with open(_latest("index_reach") / "metadata.csv", encoding="utf-8", newline="") as fh:
            _CACHE["metadata"] = {canonical(r["project"]): r for r in csv.DictReader(fh) if r["version"]}
    return _CACHE["metadata"]  # type: ignore[return-value]


def index_page(project: str) -> dict | None:
    """The JSON simple API's page of ``project`` (PEP 691): the recording where there is one, else the release
    history already stored (one source distribution per release: the index never forgets a release), plus the
    wheels of the release ``index_reach`` recorded, with its platform tags. None: a project the index does not know."""
    name = canonical(project)
    page = None
    for folder in PYPI_FIXTURES:
        if (folder / f"{project}.json").exists():
            page = json.loads((folder / f"{project}.json").read_text(encoding="utf-8"))
            break
    if page is None and name in stored_releases():
        files = [{"filename": f"{name.replace('-', '_')}-{r['version']}.tar.gz", "upload-time": r["upload_time"].replace("+00:00", "Z"),
                  "yanked": r["yanked"] in ("1", "True", "true")} for r in stored_releases()[name]]
        versions = list(dict.fromkeys(r["version"] for r in stored_releases()[name]))  # as the index lists them (PEP 700)
        page = {"meta": {"api-version": "1.1"}, "name": name, "versions": versions, "files": files}
    rec = recorded_metadata().get(name)
    if rec is not None:
        page = page or {"meta": {"api-version": "1.1"}, "name": name, "files": []}
        when = f"{rec['upload_date']}T12:00:00.000000Z"
        for platform in filter(None, rec["wheel_platforms"].split(";")):
            filename = f"{name.replace('-', '_')}-{rec['version']}-py3-none-{platform}.whl"
            if not any(f["filename"] == filename for f in page["files"]):
                page["files"].append({"filename": filename, "upload-time": when, "yanked": False})
    return page


def wheel_bytes(filename: str, rec: dict) -> bytes:
    """A wheel holding only its ``.dist-info/METADATA``: the recorded Requires-Dist and Provides-Extra."""
    import io
    import zipfile

    dist, version = filename.split("-")[:2]
    lines = ["Metadata-Version: 2.1", f"Name: {dist}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in filter(None, (x.strip() for x in rec["requires_dist"].split(" | ")))]
    lines += [f"Provides-Extra: {e}" for e in filter(None, rec["provides_extra"].split(";"))]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{dist}-{version}.dist-info/METADATA", "\n".join(lines) + "\n")
    return buf.getvalue()


class Servers:
    """The recorded APIs on 127.0.0.1 (a free port), in a thread, for one pass."""

    def __init__(self, fault: str):
        self.handler = type("R", (Recorded,), {"fault": fault, "log": [], "once": set()})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "Servers":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def log(self) -> list[tuple[str, int]]:
        return self.handler.log


# --------------------------------------------------------------------------- the scratch project and git remotes

def _git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    base = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "rehearsal", "GIT_AUTHOR_EMAIL": "rehearsal@example.org",
            "GIT_COMMITTER_NAME": "rehearsal", "GIT_COMMITTER_EMAIL": "rehearsal@example.org"}
    proc = subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args], cwd=cwd,
                          env={**base, **(env or {})}, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"git {args[0]} failed: {proc.stderr.strip()}")
    return proc.stdout


def stored_first_commit(framework: str) -> dt.date | None:
    """The first commit date the newest stored git snapshot has for ``framework`` (a first date never moves later)."""
    import csv

    with open(_latest("git") / "observations.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["framework"] == framework and row["metric"] == "first_commit_date" and row["value"]:
                return dt.date.fromisoformat(row["value"])
    return None


def build_remote(work: Path, slug: str, subdir: str, day: dt.date) -> Path:
    """A bare repository with a month of history before ``day``: squash merges ``(#N)`` and a merge commit; its
    first commit is dated where the stored history begins (the stored snapshot's first commit date)."""
    src = work / "build" / slug.replace("/", "+")
    src.mkdir(parents=True)
    _git(src, "init", "-q")
    first = stored_first_commit(FRAMEWORK_OF[slug])
    for i in range(14):
        when = dt.datetime.combine(day - dt.timedelta(days=40 - 3 * i), dt.time(12, 0), tzinfo=dt.timezone.utc).isoformat()
        if i == 0 and first is not None:
            when = dt.datetime.combine(first, dt.time(12, 0), tzinfo=dt.timezone.utc).isoformat()
        (src / subdir).mkdir(exist_ok=True)
        (src / subdir / f"part{i % 4}.py").write_text(f"# change {i} of {slug}\n" * (i + 1))
        _git(src, "add", "-A")
        subject = f"Change {i} ({'#' + str(100 + i) if i % 2 == 0 else 'direct'})".replace("(direct)", "")
        _git(src, "commit", "-q", "-m", subject.strip(), env={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when})
    bare = work / "remotes" / slug
    bare.parent.mkdir(parents=True, exist_ok=True)
    _git(work, "clone", "-q", "--bare", str(src), str(bare))
    return bare


def scratch_project(work: Path) -> Path:
    """A copy of the project's tracked files plus FakeFlow, committed in a git repository with a local origin."""
    root = work / "project"
    listed = _git(ROOT, "ls-files", "-z").split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if src.is_file():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, root / rel)
    registry = root / "data" / "raw" / "frameworks.yaml"
    registry.write_text(registry.read_text(encoding="utf-8").rstrip("\n") + "\n"
                        + (FIXTURES / "fakeflow_registry.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copy(FIXTURES / "fakeflow_curated.yaml", root / "data" / "raw" / "curated" / "current" / "fakeflow.yaml")
    listing = root / "data" / "raw" / "curated" / "current" / "_set.yaml"  # the set lists the frameworks it covers
    listing.write_text(re.sub(r"(frameworks: \[[^\]]*)\]", r"\1, fakeflow]", listing.read_text(encoding="utf-8")), encoding="utf-8")
    (root / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "scratch copy with FakeFlow")
    _git(work, "init", "-q", "--bare", str(work / "origin.git"))
    _git(root, "remote", "add", "origin", str(work / "origin.git"))
    return root


# --------------------------------------------------------------------------- the workflow's steps

@dataclass
class StepRun:
    id: str
    name: str
    status: int | None  # None: not rehearsed
    seconds: float = 0.0
    output: str = ""
    why_not: str = ""


@dataclass
class Pass:
    fault: str
    steps: list[StepRun] = field(default_factory=list)
    requests: list[tuple[str, int]] = field(default_factory=list)

    @property
    def failed(self) -> StepRun | None:
        return next((s for s in self.steps if s.status not in (0, None)), None)


def expression_values(day: dt.date) -> dict[str, str]:
    return {"secrets.GITHUB_TOKEN": TOKEN, "secrets.STACKEXCHANGE_KEY": SE_KEY, "github.run_id": "4242",
            "github.token": TOKEN, "inputs.as_of": day.isoformat()}


def substitute(value: str, values: dict[str, str]) -> str:
    def one(m: re.Match) -> str:
        key = m.group(1).strip()
        if key not in values:
            raise KeyError(f"the rehearsal has no value for ${{{{ {key} }}}} (add it to expression_values)")
        return values[key]

    return re.sub(r"\$\{\{(.*?)\}\}", one, str(value))


def workflow_steps() -> list[dict]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return data["jobs"]["edition"], data["jobs"]["edition"]["steps"]


def step_environment(work: Path, root: Path, base_url: str) -> dict[str, str]:
    """What the runner would have, pointed at 127.0.0.1, the local remotes and the scratch copy."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and k not in ("PIP_INDEX_URL", "SHOWDOWN_ROOT")}
    env.update({
        "SHOWDOWN_ROOT": str(root), "PIP_INDEX_URL": f"{base_url}/simple", "GITHUB_API_URL": f"{base_url}/github",
        "STACKEXCHANGE_API_URL": f"{base_url}/se/2.3", "XDG_CACHE_HOME": str(work / "cache"), "NO_PROXY": "127.0.0.1",
        "GITHUB_ENV": str(work / "github_env"), "GITHUB_REF_NAME": "main", "HOME": str(work / "home"),
        "GIT_CONFIG_COUNT": "3",
        "GIT_CONFIG_KEY_0": f"url.{(work / 'remotes').as_uri()}/.insteadOf", "GIT_CONFIG_VALUE_0": "https://github.com/",
        "GIT_CONFIG_KEY_1": f"url.{(work / 'offline').as_uri()}/.insteadOf", "GIT_CONFIG_VALUE_1": "https://",
        "GIT_CONFIG_KEY_2": "protocol.file.allow", "GIT_CONFIG_VALUE_2": "always",
    })
    (work / "home").mkdir(exist_ok=True)
    return env


def run_pass(work: Path, root: Path, fault: str, day: dt.date, log=print) -> Pass:
    """The ``edition`` job's steps in order, stopping at the first that fails (as GitHub does)."""
    job, steps = workflow_steps()
    values = expression_values(day)
    result = Pass(fault)
    (work / "github_env").write_text("")
    with Servers(fault) as servers:
        env = step_environment(work, root, servers.base)
        env.update({k: substitute(v, values) for k, v in (job.get("env") or {}).items()})
        for i, step in enumerate(steps):
            sid, name = step.get("id", f"step{i}"), step.get("name", step.get("uses", ""))
            if "run" not in step:
                continue
            if sid in NOT_REHEARSED:
                result.steps.append(StepRun(sid, name, None, why_not=NOT_REHEARSED[sid]))
                continue
            step_env = {**env, **{k: substitute(v, values) for k, v in (step.get("env") or {}).items()}}
            t0 = time.monotonic()
            proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=root,
                                  env=step_env, capture_output=True, text=True)
            run = StepRun(sid, name, proc.returncode, time.monotonic() - t0, proc.stdout + proc.stderr)
            result.steps.append(run)
            log(f"[{fault}] {sid}: exit {proc.returncode} in {run.seconds:.1f} s")
            for line in (work / "github_env").read_text().splitlines():
                key, _, value = line.partition("=")
                env[key] = value
            if proc.returncode:
                break
        result.requests = list(servers.log)
    return result


def rehearse(work: Path, day: dt.date | None = None, log=print) -> tuple[Path, list[Pass]]:
    """Build everything under ``work`` and run both passes; returns the scratch project and the passes."""
    day = day or dt.datetime.now(dt.timezone.utc).date()
    for slug, subdir in REPOSITORIES.items():
        build_remote(work, slug, subdir, day)
    root = scratch_project(work)
    passes = [run_pass(work, root, "missing-field", day, log), run_pass(work, root, "ok", day, log)]
    return root, passes


def main(argv: list[str] | None = None) -> int:
    keep = "--keep" in (argv if argv is not None else sys.argv[1:])
    work = Path(tempfile.mkdtemp(prefix="showdown-rehearsal-"))
    try:
        t0 = time.monotonic()
        _root, passes = rehearse(work)
        for p in passes:
            failed = p.failed
            print(f"pass {p.fault}: {len(p.steps)} steps, {len(p.requests)} requests, "
                  + (f"stopped at {failed.id} (exit {failed.status})" if failed else "every step passed"))
        print(f"rehearsal: {time.monotonic() - t0:.0f} s" + (f"; kept in {work}" if keep else ""))
        return 0 if passes[0].failed and not passes[1].failed else 1
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
