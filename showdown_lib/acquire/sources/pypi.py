"""Release history and platform support read from the Python package index.

Method
------
The index is the one pip is configured with: ``PIP_INDEX_URL``, else ``pip config get
global.index-url``, else pip's own default. No host name is written in this code. For each
project name of a framework the collector asks ``{index}/{project}/`` for the JSON form of the
simple API (PEP 691), which lists every file with its ``upload-time`` (PEP 700) and ``yanked``
flag (PEP 592), and the project's ``versions``.

* Each file is assigned to a version (wheel and sdist names are parsed with ``packaging``; older
  formats are matched against the listed versions). A release's date is the earliest upload time
  of its files. Files uploaded after the end of the as-of day (UTC) are ignored, so a release only
  exists on the days after its first upload.
* A version's release is its PEP 440 release: a post-release (``2.7.post2``) or a local version
  (``2.13.0+cpu``) re-ships its release and is not counted as one of its own, and a version shipped
  as several projects (``jax`` and ``jaxlib``) counts once; ``n_releases`` counts releases so
  (pre-releases included), and the releases table gives each version's ``release``.
* A release is yanked when all its files are yanked. The index records yanking as it is now: a
  release yanked later still shows as yanked for an earlier as-of date.
* ``latest_version`` is the highest non-yanked final version (pre-releases only when there is no
  final one); ``latest_release_date`` is the newest date of any non-yanked release (so nightly
  pre-releases count as activity); ``days_since_last_release`` counts from it to the as-of day.
* Platform support comes from the wheel tags of the latest non-yanked release (as defined above,
  with only the files uploaded by the as-of date): a ``manylinux``/``musllinux``/``linux`` wheel
  means Linux, ``macosx`` means macOS, ``win`` means Windows, and a pure ``any`` wheel means all
  three. A release with only a source distribution gives no platform information (missing).
  When a framework has several projects (e.g. ``jax`` and ``jaxlib``) it needs all of them
  installed, so a platform, architecture or Python version counts only when every project that
  has wheels offers it (a pure wheel offers everything). Architectures are the CPU names of the
  tags, with Windows ``amd64`` written ``x86_64``, ``win32`` written ``x86`` and macOS
  ``universal2``/``intel`` expanded to the CPUs they contain. Python versions come from the
  ``cpXY`` interpreter tags (``pyXY`` tags when there is no ``cp`` tag).
"""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, Iterable

from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, canonicalize_name, parse_sdist_filename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from ...core.errors import CollectionError
from ...core.registry import Framework
from .base import Observation, SourceResult, missing, parse_as_of
from .tables import release_of  # noqa: F401 - the release a version belongs to, used here and by the releases table's check

SOURCE = "pypi"
COLLECTOR_VERSION = "1.0"
ENDPOINT = "{index}/{project}/"
ACCEPT = "application/vnd.pypi.simple.v1+json"
OS_NAMES = ("linux", "macos", "windows")

# metric -> unit
METRICS: dict[str, str] = {
    "latest_version": "version",
    "latest_release_date": "date",
    "first_release_date": "date",
    "n_releases": "count",
    "n_yanked": "count",
    "days_since_last_release": "days",
    "os_linux": "0/1",
    "os_macos": "0/1",
    "os_windows": "0/1",
    "os_count": "count",
    "architectures": "list",
    "python_versions": "list",
}
PLATFORM_METRICS = ("os_linux", "os_macos", "os_windows", "os_count", "architectures", "python_versions")


# --------------------------------------------------------------------------- index location

def pip_config_index_url() -> str | None:
    """``pip config get global.index-url``, or None when it is unset or pip cannot be asked."""
    try:
        out = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", "global.index-url"],
            capture_output=True, text=True, timeout=30, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = out.stdout.strip()
    return value.split()[0] if out.returncode == 0 and value else None


def index_url() -> str:
    """The simple-API base URL pip is configured with, without a trailing slash.

    Order: ``PIP_INDEX_URL``; ``pip config get global.index-url`` (failures are tolerated);
    pip's built-in default.
    """
    env = os.environ.get("PIP_INDEX_URL", "").strip()
    if env:
        return _http_only(env.split()[0].rstrip("/"), "PIP_INDEX_URL")
    configured = pip_config_index_url()
    if configured:
        return _http_only(configured.rstrip("/"), "pip's global.index-url")
    from pip._internal.models.index import PyPI

    return PyPI.simple_url.rstrip("/")


def _http_only(url: str, where: str) -> str:
    """``url`` when it is an http(s) URL; otherwise a :class:`CollectionError` naming where it was set."""
    from urllib.parse import urlsplit

    from .http import redact  # requests loads only where a collection runs

    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise CollectionError(f"{where} is {redact(url)!r}: the package index must be an http:// or https:// URL "
                              "(the collector reads the JSON simple API over HTTP; a local folder or file:// index is not supported)")
    return url


# --------------------------------------------------------------------------- wheel tags

@dataclass(frozen=True)
class PlatformInfo:
    """What the wheels of one release offer. ``pure`` means a ``none-any`` wheel exists."""

    os: frozenset[str]
    architectures: frozenset[str]
    python_versions: frozenset[str]
    pure: bool = False


def _arch_of(platform: str) -> set[str]:
    """CPU names in one platform tag (``manylinux_2_17_x86_64`` -> {"x86_64"})."""
    p = platform.lower()
    if p == "any":
        return set()
    if p.startswith("win"):
        rest = p[3:].lstrip("_")
        return {{"amd64": "x86_64", "": "x86", "32": "x86"}.get(rest, rest)}
    if p.startswith("macosx_"):
        arch = p.split("_", 3)[-1] if p.count("_") >= 3 else p.rsplit("_", 1)[-1]
        return {
            "universal2": {"arm64", "x86_64"},
            "intel": {"i386", "x86_64"},
            "universal": {"i386", "ppc", "x86_64"},
            "fat": {"i386", "ppc"},
            "fat3": {"i386", "ppc", "x86_64"},
            "fat64": {"ppc64", "x86_64"},
        }.get(arch, {arch})
    m = re.match(r"^(?:manylinux\d*|musllinux|linux)(?:_\d+_\d+)?_(.+)$", p)
    if m:
        return {m.group(1)}
    return {p}


def _os_of(platform: str) -> set[str]:
    p = platform.lower()
    if p == "any":
        return set(OS_NAMES)
    if p.startswith(("manylinux", "musllinux", "linux")):
        return {"linux"}
    if p.startswith("macosx"):
        return {"macos"}
    if p.startswith("win"):
        return {"windows"}
    return set()


def _py_version(interpreter: str) -> str | None:
    m = re.match(r"^(cp|py)(\d)(\d*)$", interpreter)
    if not m:
        return None
    return f"{m.group(2)}.{m.group(3)}" if m.group(3) else m.group(2)


def wheel_platforms(filenames: Iterable[str]) -> PlatformInfo | None:
    """The OS, CPU and Python versions offered by the wheels among ``filenames``; None if no wheel."""
    oses: set[str] = set()
    arches: set[str] = set()
    cp: set[str] = set()
    py: set[str] = set()
    pure = False
    seen_wheel = False
    for name in filenames:
        if not name.endswith(".whl"):
            continue
        try:
            _, _, _, tags = parse_wheel_filename(name)
        except (InvalidWheelFilename, InvalidVersion):
            continue
        seen_wheel = True
        for tag in tags:
            oses |= _os_of(tag.platform)
            arches |= _arch_of(tag.platform)
            if tag.platform == "any":
                pure = True
            v = _py_version(tag.interpreter)
            if v is None:
                continue
            (cp if tag.interpreter.startswith("cp") else py).add(v)
    if not seen_wheel:
        return None
    return PlatformInfo(frozenset(oses), frozenset(arches), frozenset(cp or py), pure)


def combine_platforms(infos: list[PlatformInfo]) -> PlatformInfo:
    """What a framework made of several projects offers: what every project offers.

    A pure wheel's project constrains neither the CPUs nor the Python versions.
    """
    oses = frozenset(OS_NAMES)
    arches: frozenset[str] | None = None
    pys: frozenset[str] | None = None
    for info in infos:
        oses &= info.os
        if not info.pure or info.architectures:
            arches = info.architectures if arches is None else arches & info.architectures
        if not info.pure:
            pys = info.python_versions if pys is None else pys & info.python_versions
    if pys is None:  # only pure projects: report what they declare
        pys = frozenset().union(*(i.python_versions for i in infos)) if infos else frozenset()
    return PlatformInfo(oses, arches if arches is not None else frozenset({"any"}), pys, all(i.pure for i in infos))


def _sort_versions(values: Iterable[str]) -> list[str]:
    def key(v: str):
        try:
            return (0, tuple(int(x) for x in v.split(".")))
        except ValueError:
            return (1, (v,))

    return sorted(values, key=key)


# --------------------------------------------------------------------------- releases

@dataclass
class Release:
    project: str
    version: str
    files: list[dict[str, Any]] = field(default_factory=list)  # {filename, upload_time, yanked}

    @property
    def upload_time(self) -> dt.datetime | None:
        times = [f["upload_time"] for f in self.files if f["upload_time"] is not None]
        return min(times) if times else None

    @property
    def yanked(self) -> bool:
        return bool(self.files) and all(f["yanked"] for f in self.files)

    @property
    def parsed(self) -> Version | None:
        try:
            return Version(self.version)
        except InvalidVersion:
            return None


def _parse_time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    text = str(value).replace("Z", "+00:00")
    try:
        t = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def _version_of_file(filename: str, versions: list[str]) -> str | None:
    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        if filename.endswith((".tar.gz", ".zip")):
            return str(parse_sdist_filename(filename)[1])
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        pass
    # older formats (.egg, .exe, .tar.bz2, oddly named sdists): match a listed version
    low = filename.lower()
    for v in sorted(versions, key=len, reverse=True):
        if re.search(rf"-{re.escape(v.lower())}(?=[-.]|$)", low):
            try:
                return str(Version(v))
            except InvalidVersion:
                return v
    return None


def releases_from_simple(data: dict[str, Any], project: str, cutoff: dt.datetime | None = None) -> list[Release]:
    """Group the files of a PEP 691 project page into releases, keeping uploads up to ``cutoff``.

    Files without an upload time are kept only when no cutoff applies.
    """
    versions = [str(v) for v in data.get("versions", [])]
    canonical = {}
    for v in versions:
        try:
            canonical[str(Version(v))] = v
        except InvalidVersion:
            canonical[v] = v
    by_version: dict[str, Release] = {}
    for f in data.get("files", []):
        name = f.get("filename", "")
        when = _parse_time(f.get("upload-time"))
        if cutoff is not None and (when is None or when > cutoff):
            continue
        v = _version_of_file(name, versions)
        if v is None:
            continue
        v = canonical.get(v, v)
        rel = by_version.setdefault(v, Release(project, v))
        rel.files.append({"filename": name, "upload_time": when, "yanked": bool(f.get("yanked", False))})
    return sorted(by_version.values(), key=lambda r: (r.upload_time or dt.datetime.min.replace(tzinfo=dt.timezone.utc), r.version))


def is_final(version: str) -> bool:
    """A final release (PEP 440): neither a pre-release (a, b, rc) nor a development or nightly build."""
    try:
        v = Version(version)
    except InvalidVersion:
        return False
    return not (v.is_prerelease or v.is_devrelease)


def count_releases(releases: list[Release]) -> tuple[int, int]:
    """(releases, yanked releases) of one framework over all its projects.

    Versions of one release (post-releases, local versions, the same version in two projects) count
    once; a release is yanked only when every file of every one of its versions is.
    """
    live: dict[str, bool] = {}
    for r in releases:
        key = release_of(r.version)
        live[key] = live.get(key, False) or not r.yanked
    return len(live), sum(1 for alive in live.values() if not alive)


def latest_release(releases: list[Release]) -> Release | None:
    """The highest non-yanked final release (a pre-release only when no final one exists)."""
    live = [r for r in releases if not r.yanked and r.parsed is not None]
    finals = [r for r in live if not (r.parsed.is_prerelease or r.parsed.is_devrelease)]
    pool = finals or live
    return max(pool, key=lambda r: r.parsed) if pool else None


# --------------------------------------------------------------------------- collector

def _end_of_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59, 999999), tzinfo=dt.timezone.utc)


def _project_url(index: str, project: str) -> str:
    return f"{index}/{canonicalize_name(project)}/"


def fetch_project(session, index: str, project: str) -> tuple[dict[str, Any] | None, str]:
    """The JSON project page, or (None, reason) when the index does not have the project."""
    from .http import fetch, retry_after_note  # requests loads only where a collection runs

    url = _project_url(index, project)
    what = f"package index, project {project!r}"
    response = fetch(session, url, headers={"Accept": ACCEPT}, what=what)
    where = "{index}/" + canonicalize_name(project) + "/"
    if response.status_code == 404:
        return None, f"project {project!r} not found on the index (HTTP 404)"
    if response.status_code != 200:
        raise CollectionError(f"{what}: GET {where} returned HTTP {response.status_code}" + retry_after_note(response))
    try:
        data = response.json()
    except ValueError:
        raise CollectionError(f"{what}: GET {where} did not return JSON (content-type "
                              f"{response.headers.get('Content-Type', 'unknown')!r}); the index may not support PEP 691") from None
    problem = simple_page_problem(data)
    if problem:
        raise CollectionError(f"{what}: GET {where} returned JSON that is not a PEP 691 project page: {problem}")
    return data, ""


def simple_page_problem(data: Any) -> str | None:
    """What is wrong with a PEP 691 project page (None when it has the shape this collector reads)."""
    if not isinstance(data, dict):
        return f"the body is a JSON {type(data).__name__}, not an object"
    files = data.get("files")
    if not isinstance(files, list):
        return "no 'files' list" if files is None else f"'files' is a {type(files).__name__}, not a list"
    versions = data.get("versions", [])
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        return "'versions' is not a list of strings"
    for i, f in enumerate(files):
        if not isinstance(f, dict):
            return f"files[{i}] is a {type(f).__name__}, not an object"
        if not isinstance(f.get("filename"), str) or not f["filename"]:
            return f"files[{i}] has no 'filename'"
        when = f.get("upload-time")
        if when is not None and not isinstance(when, str):
            return f"files[{i}] ({f['filename']}) has an 'upload-time' that is not a string"
        if when and _parse_time(when) is None:
            return f"files[{i}] ({f['filename']}) has an 'upload-time' {when[:40]!r} that is not an ISO 8601 date-time (PEP 700)"
        if not isinstance(f.get("yanked", False), (bool, str)):
            return f"files[{i}] ({f['filename']}) has a 'yanked' that is neither true/false nor a reason"
    return None


def collect(frameworks: list[Framework], as_of=None, *, session=None, index: str | None = None) -> SourceResult:
    """Release and platform metrics of every framework from the configured package index."""
    from .http import make_session, progress, redact  # requests loads only where a collection runs

    day = parse_as_of(as_of)
    as_of_s = day.isoformat()
    cutoff = _end_of_day(day)
    index = (index or index_url()).rstrip("/")
    session = session or make_session()
    obs: list[Observation] = []
    failures: list[str] = []
    table: list[dict[str, Any]] = []
    n_requests = 0

    def miss(fw: str, metric: str, reason: str, detail: str = "") -> None:
        obs.append(missing(fw, metric, METRICS[metric], as_of_s, SOURCE, reason, detail))

    def ok(fw: str, metric: str, value: Any, detail: str = "") -> None:
        obs.append(Observation(fw, metric, value, METRICS[metric], as_of_s, SOURCE, detail))

    for fw in progress(frameworks, desc="package index"):
        if not fw.pypi:
            for metric in METRICS:
                miss(fw.id, metric, "no package on the index")
            continue
        per_project: dict[str, list[Release]] = {}
        reasons: list[str] = []
        for project in fw.pypi:
            n_requests += 1
            data, reason = fetch_project(session, index, project)
            if data is None:
                reasons.append(reason)
                failures.append(f"{fw.id}: {reason}")
                continue
            rels = releases_from_simple(data, project, cutoff)
            if not rels:
                reasons.append(f"project {project!r} had no release by {as_of_s}")
                continue
            per_project[project] = rels
            for r in rels:
                table.append({
                    "framework": fw.id, "project": project, "version": r.version, "release": release_of(r.version),
                    "upload_time": r.upload_time.isoformat() if r.upload_time else "",
                    "yanked": int(r.yanked), "n_files": len(r.files),
                })
        if not per_project:
            for metric in METRICS:
                miss(fw.id, metric, "; ".join(reasons))
            continue
        _framework_metrics(fw, per_project, day, ok, miss, reasons)

    return SourceResult(
        source=SOURCE,
        as_of=as_of_s,
        observations=obs,
        endpoint=ENDPOINT,
        method=("JSON simple API (PEP 691/700) of the configured package index; release date = earliest file upload; "
                "uploads after the as-of day ignored; platforms from the wheel tags of the latest non-yanked release"),
        collector_version=COLLECTOR_VERSION,
        failures=[redact(f) for f in failures],
        extra={"n_requests": n_requests, "n_frameworks": len(frameworks)},
        tables={"releases": table},
    )


def _framework_metrics(fw: Framework, per_project: dict[str, list[Release]], day: dt.date, ok, miss, reasons: list[str]) -> None:
    projects = list(per_project)
    note = f"projects: {', '.join(projects)}" + (f"; {'; '.join(reasons)}" if reasons else "")
    all_rels = [r for rels in per_project.values() for r in rels]
    live = [r for r in all_rels if not r.yanked and r.upload_time is not None]

    # latest version: from the first listed project that has a usable release
    latest_by_project = {p: latest_release(rels) for p, rels in per_project.items()}
    main = next((p for p in projects if latest_by_project[p] is not None), None)
    if main is None:
        for metric in ("latest_version", "latest_release_date", "days_since_last_release", *PLATFORM_METRICS):
            miss(fw.id, metric, f"every release by {day} is yanked", note)
    else:
        rel = latest_by_project[main]
        ok(fw.id, "latest_version", rel.version, f"{main} {rel.version}, first uploaded {rel.upload_time.date()}; {note}")
        newest = max(live, key=lambda r: r.upload_time)
        last_date = newest.upload_time.date()
        ok(fw.id, "latest_release_date", last_date.isoformat(), f"{newest.project} {newest.version}; {note}")
        ok(fw.id, "days_since_last_release", (day - last_date).days, f"{newest.project} {newest.version}; {note}")

    first = min((r for r in all_rels if r.upload_time is not None), key=lambda r: r.upload_time, default=None)
    if first is None:
        miss(fw.id, "first_release_date", "no upload times on the index", note)
    else:
        ok(fw.id, "first_release_date", first.upload_time.date().isoformat(), f"{first.project} {first.version}; {note}")
    n_releases, n_yanked = count_releases(all_rels)
    ok(fw.id, "n_releases", n_releases, f"post-releases and local versions counted with their release; {note}")
    ok(fw.id, "n_yanked", n_yanked, f"yanked status as the index shows it now; {note}")

    if main is None:
        return
    infos: list[PlatformInfo] = []
    sdist_only: list[str] = []
    used: list[str] = []
    for project, rel in latest_by_project.items():
        if rel is None:
            continue
        info = wheel_platforms(f["filename"] for f in rel.files if not f["yanked"])
        if info is None:
            sdist_only.append(f"{project} {rel.version}")
            continue
        infos.append(info)
        used.append(f"{project} {rel.version}")
    if not infos:
        reason = f"latest release has only a source distribution ({', '.join(sdist_only)}); no wheel tags to read"
        for metric in PLATFORM_METRICS:
            miss(fw.id, metric, reason, note)
        return
    combined = combine_platforms(infos)
    detail = f"wheel tags of {', '.join(used)}" + (f"; ignored sdist-only {', '.join(sdist_only)}" if sdist_only else "")
    for name in OS_NAMES:
        ok(fw.id, f"os_{name}", int(name in combined.os), detail)
    ok(fw.id, "os_count", len(combined.os), detail)
    ok(fw.id, "architectures", ";".join(sorted(combined.architectures)), detail)
    if combined.python_versions:
        ok(fw.id, "python_versions", ";".join(_sort_versions(combined.python_versions)), detail)
    else:
        miss(fw.id, "python_versions", "no cp or py interpreter tags in the wheels", detail)
