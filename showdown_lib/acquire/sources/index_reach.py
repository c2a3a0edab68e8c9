"""Accelerator and model-hub reach, read from the package index's metadata as of a date.

Method
------
The index is the one pip is configured with (see :func:`showdown_lib.acquire.sources.pypi.index_url`); no host
name is written here. For each project named in ``data/raw/accelerators.yaml`` (which distribution
provides which accelerator for which framework, each with a citation) and ``data/raw/model_libraries.yaml``
(the model libraries, each with a citation) the collector reads the JSON simple API (PEP 691), takes the
newest non-yanked final release whose files were uploaded by the end of the as-of day, and records, trimmed
to what the rules use:

* the platform tags of that release's wheels;
* ``Requires-Dist`` and ``Provides-Extra`` of one of its wheels (a Linux x86-64 wheel where there is one:
  that is where GPU dependencies are declared), read from the wheel's ``*.dist-info/METADATA`` with HTTP
  range requests, so a 900 MB wheel costs a few kilobytes.

These records (no URLs) are stored as the snapshot's ``metadata.csv``; the rules are then applied to them by
pure functions (:func:`accelerator_table`, :func:`model_hub_table`), which the tests run on recorded metadata.

Accelerator evidence kinds: ``requires`` (a Requires-Dist of the project's release matches a pattern, e.g.
PyTorch's Linux wheel depending on NVIDIA's CUDA runtime), ``extra`` (an extra matches, e.g. JAX's ``tpu``),
``wheel`` (a wheel platform tag matches, e.g. a macOS arm64 wheel with the Metal backend built in) and
``release`` (the official plugin project has a final release by the date). ``vendor_index`` entries (served
only from a vendor's own index) and ``built_in`` entries (a backend inside a pure-Python package, which no
metadata names) are curated: the index cannot show them; they count with their citation and are reported apart.

Model-hub reach: a library supports a framework when the Requires-Dist of its release (unconditional or under
an extra) names one of the framework's distributions.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path
from typing import Any, Callable

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from ...core import paths
from ...core.errors import CollectionError, DataError
from ...core.fileio import read_yaml
from .base import Observation, SourceResult, missing, parse_as_of

SOURCE = "index_reach"
COLLECTOR_VERSION = "1.0"
EVIDENCE_KINDS = ("requires", "extra", "wheel", "release", "vendor_index", "built_in", "backend")
CURATED_KINDS = ("vendor_index", "built_in")  # the index cannot show these: counted with their citation, reported apart
METADATA_COLUMNS = ["project", "version", "upload_date", "wheel_platforms", "requires_dist", "provides_extra", "metadata_from", "reason"]
RANGE_BLOCK = 256 * 1024


# --------------------------------------------------------------------------- the two curated maps

@dataclass(frozen=True)
class Provider:
    framework: str
    accelerator: str
    evidence: str
    project: str | None
    match: str | None
    citation: dict[str, str]
    backend: str | None = None  # evidence "backend": the framework reaches what this backend reaches on the index


@dataclass(frozen=True)
class AcceleratorMap:
    accelerators: dict[str, str]  # id -> name
    providers: tuple[Provider, ...]

    def projects(self) -> list[str]:
        return sorted({p.project for p in self.providers if p.project})


def _citation(path: Path, entry: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not str(value.get("url", "")).startswith("https://") or not value.get("title"):
        raise DataError(path, f"needs a citation {{url: https://..., title: ...}}, got {value!r}", entry, "citation")
    return {"url": str(value["url"]), "title": str(value["title"])}


def load_accelerator_map(path: Path | None = None) -> AcceleratorMap:
    """``data/raw/accelerators.yaml``, validated: every entry names a known accelerator and evidence kind,
    a project and a pattern where the kind needs them, and a citation."""
    path = Path(path) if path else paths.raw_dir() / "accelerators.yaml"
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("accelerators"), dict) or not isinstance(data.get("providers"), dict):
        raise DataError(path, "top level must have 'accelerators' (id: name) and 'providers' (framework: [entries])")
    accels = {str(k): str(v) for k, v in data["accelerators"].items()}
    out = []
    for fw, entries in data["providers"].items():
        for i, e in enumerate(entries or []):
            entry = f"providers.{fw}[{i}]"
            if not isinstance(e, dict):
                raise DataError(path, f"must be a mapping, got {e!r}", entry)
            if e.get("accelerator") not in accels:
                raise DataError(path, f"unknown accelerator {e.get('accelerator')!r}; known: {sorted(accels)}", entry, "accelerator")
            kind = e.get("evidence")
            if kind not in EVIDENCE_KINDS:
                raise DataError(path, f"evidence must be one of {EVIDENCE_KINDS}, got {kind!r}", entry, "evidence")
            if kind == "backend":
                if not e.get("backend"):
                    raise DataError(path, "evidence 'backend' needs the backend framework it runs on", entry, "backend")
            elif kind not in CURATED_KINDS and not e.get("project"):
                raise DataError(path, f"evidence {kind!r} needs the project it reads", entry, "project")
            if kind in ("requires", "extra", "wheel"):
                try:
                    re.compile(str(e.get("match") or ""))
                except re.error as exc:
                    raise DataError(path, f"match is not a regular expression: {exc}", entry, "match") from None
                if not e.get("match"):
                    raise DataError(path, f"evidence {kind!r} needs a match pattern", entry, "match")
            out.append(Provider(str(fw), e["accelerator"], kind, e.get("project"), e.get("match"), _citation(path, entry, e.get("citation")),
                                e.get("backend")))
    return AcceleratorMap(accels, tuple(out))


@dataclass(frozen=True)
class ModelLibraries:
    libraries: tuple[tuple[str, str, dict[str, str]], ...]  # (project, name, citation)
    distributions: dict[str, tuple[str, ...]]  # framework -> distribution names that stand for it


def load_model_libraries(path: Path | None = None) -> ModelLibraries:
    path = Path(path) if path else paths.raw_dir() / "model_libraries.yaml"
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("libraries"), list) or not isinstance(data.get("distributions"), dict):
        raise DataError(path, "top level must have 'libraries' (a list) and 'distributions' (framework: [names])")
    libs = []
    for i, e in enumerate(data["libraries"]):
        if not isinstance(e, dict) or not e.get("project") or not e.get("name"):
            raise DataError(path, f"a library needs project and name, got {e!r}", f"libraries[{i}]")
        libs.append((str(e["project"]), str(e["name"]), _citation(path, f"libraries[{i}]", e.get("citation"))))
    dists = {}
    for fw, names in data["distributions"].items():
        if not isinstance(names, list) or not names:
            raise DataError(path, f"must list distribution names, got {names!r}", f"distributions.{fw}")
        dists[str(fw)] = tuple(str(canonicalize_name(n)) for n in names)
    return ModelLibraries(tuple(libs), dists)


# --------------------------------------------------------------------------- reading the index

class RangeFile(io.RawIOBase):
    """A read-only, seekable file over HTTP range requests, fetched in blocks (for :mod:`zipfile`)."""

    def __init__(self, get: Callable[[int, int], bytes], size: int):
        self._get, self._size, self._pos, self._blocks = get, size, 0, {}

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        self._pos = {0: offset, 1: self._pos + offset, 2: self._size + offset}[whence]
        return self._pos

    def readinto(self, buffer) -> int:
        n = min(len(buffer), max(self._size - self._pos, 0))
        data = b""
        while len(data) < n:
            block = (self._pos + len(data)) // RANGE_BLOCK
            if block not in self._blocks:
                start = block * RANGE_BLOCK
                self._blocks[block] = self._get(start, min(start + RANGE_BLOCK, self._size) - 1)
            chunk = self._blocks[block]
            off = self._pos + len(data) - block * RANGE_BLOCK
            data += chunk[off:off + n - len(data)]
        buffer[:n] = data
        self._pos += n
        return n


def wheel_metadata(session, url: str, size: int | None = None) -> str:
    """The ``METADATA`` text of a remote wheel, read with range requests (the whole file when the server
    does not honour them)."""
    if not size:
        head = session.head(url, allow_redirects=True, timeout=60)
        size = int(head.headers.get("Content-Length") or 0)

    def get(start: int, end: int) -> bytes:
        r = session.get(url, headers={"Range": f"bytes={start}-{end}"}, timeout=120)
        if r.status_code == 206:
            return r.content
        if r.status_code == 200:
            return r.content[start:end + 1]
        raise CollectionError(f"range request for a wheel answered HTTP {r.status_code}")

    with zipfile.ZipFile(io.BufferedReader(RangeFile(get, size), buffer_size=RANGE_BLOCK)) as zf:
        names = [n for n in zf.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        if not names:
            raise CollectionError("the wheel has no .dist-info/METADATA")
        return zf.read(names[0]).decode("utf-8", "replace")


def parse_metadata(text: str) -> tuple[list[str], list[str]]:
    """(Requires-Dist lines, Provides-Extra names) of a core-metadata document."""
    msg = Parser().parsestr(text, headersonly=True)
    return [str(v).strip() for v in msg.get_all("Requires-Dist") or []], [str(v).strip() for v in msg.get_all("Provides-Extra") or []]


def _is_final(version: str) -> bool:
    try:
        v = Version(version)
    except InvalidVersion:
        return False
    return not (v.is_prerelease or v.is_devrelease or v.local)


def _metadata_wheel(wheels: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The wheel whose METADATA is read: Linux x86-64 first (GPU dependencies are declared there), newest CPython."""
    def rank(f):
        name = f["filename"]
        return ("x86_64" in name and "linux" in name, "none-any" in name, name)

    return max(wheels, key=rank) if wheels else None


def newest_release_files(page: dict[str, Any], cutoff: dt.datetime) -> tuple[str | None, list[dict[str, Any]], str]:
    """(version, its files uploaded by ``cutoff``, upload date) of the newest non-yanked final release."""
    by_version: dict[str, list[dict[str, Any]]] = {}
    for f in page.get("files", []):
        when = f.get("upload-time")
        if not when or dt.datetime.fromisoformat(str(when).replace("Z", "+00:00")) > cutoff or f.get("yanked"):
            continue
        name = f.get("filename", "")
        try:
            version = str(parse_wheel_filename(name)[1]) if name.endswith(".whl") else None
        except (InvalidWheelFilename, InvalidVersion):
            version = None
        if version is None:
            m = re.match(rf"{re.escape(str(page.get('name', '')))}-(.+)\.(tar\.gz|zip)$", name, re.I)
            version = m.group(1) if m else None
        if version and _is_final(version):
            by_version.setdefault(version, []).append(f)
    if not by_version:
        return None, [], ""
    version = max(by_version, key=Version)
    files = by_version[version]
    return version, files, min(str(f["upload-time"])[:10] for f in files)


def project_record(session, index: str, project: str, cutoff: dt.datetime) -> dict[str, Any]:
    """One row of ``metadata.csv`` for ``project`` as of ``cutoff`` (no URL kept)."""
    from .pypi import fetch_project

    row = dict.fromkeys(METADATA_COLUMNS, "")
    row["project"] = str(canonicalize_name(project))
    page, reason = fetch_project(session, index, project)
    if page is None:
        row["reason"] = reason
        return row
    version, files, day = newest_release_files(page, cutoff)
    if version is None:
        row["reason"] = f"no final release of {project} by {cutoff.date()}"
        return row
    wheels = [f for f in files if f["filename"].endswith(".whl")]
    tags = sorted({t.platform for f in wheels for t in parse_wheel_filename(f["filename"])[3]})
    row.update(version=version, upload_date=day, wheel_platforms=";".join(tags))
    chosen = _metadata_wheel(wheels)
    if chosen is None:
        row["reason"] = "no wheel (source distribution only): requirements not read"
        return row
    requires, extras = parse_metadata(wheel_metadata(session, chosen["url"], chosen.get("size")))
    row.update(requires_dist=" | ".join(requires), provides_extra=";".join(extras), metadata_from=chosen["filename"])
    return row


# --------------------------------------------------------------------------- the rules, on recorded metadata

def _split(text: Any, sep: str) -> list[str]:
    text = "" if text is None or (isinstance(text, float) and text != text) else str(text)
    return [x.strip() for x in text.split(sep) if x.strip()]


def _requirement_names(requires: list[str]) -> list[tuple[str, str]]:
    """(canonical name, extra it belongs to or '') of each Requires-Dist line."""
    out = []
    for line in requires:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        m = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", str(req.marker or ""))
        out.append((str(canonicalize_name(req.name)), m.group(1) if m else ""))
    return out


def _evidence(p: Provider, rec: dict[str, Any] | None) -> str | None:
    """The evidence text when the provider's rule holds on the record, else None."""
    if p.evidence in CURATED_KINDS or p.evidence == "backend":
        return None
    if rec is None or not rec.get("version"):
        return None
    at = f"{rec['project']} {rec['version']} ({rec['upload_date']})"
    if p.evidence == "release":
        return f"{at} is on the index"
    pattern = re.compile(str(p.match))
    if p.evidence == "wheel":
        hit = [t for t in _split(rec.get("wheel_platforms"), ";") if pattern.search(t)]
        return f"{at} has a {hit[0]} wheel" if hit else None
    if p.evidence == "extra":
        hit = [x for x in _split(rec.get("provides_extra"), ";") if pattern.search(x)]
        return f"{at} provides the extra [{hit[0]}]" if hit else None
    hit = [(n, x) for n, x in _requirement_names(_split(rec.get("requires_dist"), " | ")) if pattern.search(n)]
    if not hit:
        return None
    name, extra = hit[0]
    return f"{at} requires {name}" + (f" (extra [{extra}])" if extra else "")


def accelerator_table(amap: AcceleratorMap, records: dict[str, dict[str, Any]], frameworks: list[str]) -> list[dict[str, Any]]:
    """One row per framework x accelerator: ``how`` is ``index`` (the rule held on the index's metadata; for a
    ``backend`` entry, on the backend's), ``curated`` (a ``vendor_index`` or ``built_in`` entry: the index cannot
    show it) or ``none``, with the evidence and citation."""
    own = {fw: _own_rows(amap, records, fw) for fw in {*frameworks, *(p.backend for p in amap.providers if p.backend)}}
    rows = []
    for fw in frameworks:
        for row in own[fw]:
            if row["how"] == "none":
                for p in (p for p in amap.providers if p.framework == fw and p.accelerator == row["accelerator"] and p.backend):
                    via = next(r for r in own[p.backend] if r["accelerator"] == row["accelerator"])
                    if via["how"] == "index":
                        row = dict(row, how="index", evidence=f"through its {p.backend} backend: {via['evidence']}", citation=p.citation["url"])
                        break
            rows.append(row)
    return rows


def _own_rows(amap: AcceleratorMap, records: dict[str, dict[str, Any]], fw: str) -> list[dict[str, Any]]:
    rows = []
    for acc in amap.accelerators:
        mine = [p for p in amap.providers if p.framework == fw and p.accelerator == acc and not p.backend]
        row = {"framework": fw, "accelerator": acc, "how": "none", "evidence": "", "citation": ""}
        for p in mine:
            ev = _evidence(p, records.get(str(canonicalize_name(p.project))) if p.project else None)
            if ev:
                row.update(how="index", evidence=ev, citation=p.citation["url"])
                break
        else:
            vendor = [p for p in mine if p.evidence in CURATED_KINDS]
            if vendor:
                what = "served from the vendor's own index" if vendor[0].evidence == "vendor_index" else "built into the framework's own package"
                row.update(how="curated", evidence=f"{what}: {vendor[0].citation['title']}", citation=vendor[0].citation["url"])
            elif mine:
                row["evidence"] = "no rule held: " + "; ".join(f"{p.project} ({p.evidence} {p.match or ''})".replace(" )", ")") for p in mine)
        rows.append(row)
    return rows


def model_hub_table(libs: ModelLibraries, records: dict[str, dict[str, Any]], frameworks: list[str]) -> list[dict[str, Any]]:
    """One row per framework x library: supported when the library's release requires one of the framework's distributions."""
    rows = []
    for project, name, citation in libs.libraries:
        rec = records.get(str(canonicalize_name(project))) or {}
        reqs = _requirement_names(_split(rec.get("requires_dist"), " | "))
        for fw in frameworks:
            dists = libs.distributions.get(fw, ())
            hit = [(n, x) for n, x in reqs if n in dists]
            if not rec.get("version"):
                rows.append({"framework": fw, "library": name, "project": project, "version": "", "supported": None,
                             "evidence": rec.get("reason") or f"{project} not read", "citation": citation["url"]})
                continue
            ev = (f"{project} {rec['version']} requires {hit[0][0]}" + (f" (extra [{hit[0][1]}])" if hit[0][1] else "")) if hit \
                else f"{project} {rec['version']} names none of {', '.join(dists) or 'its distributions'}"
            rows.append({"framework": fw, "library": name, "project": project, "version": rec["version"],
                         "supported": int(bool(hit)), "evidence": ev, "citation": citation["url"]})
    return rows


def observations(acc_rows: list[dict], hub_rows: list[dict], frameworks: list[str], as_of: str) -> list[Observation]:
    """Per framework: accelerators found on the index, accelerators curated from a vendor index, model libraries."""
    out = []
    for fw in frameworks:
        mine = [r for r in acc_rows if r["framework"] == fw]
        on_index = [r["accelerator"] for r in mine if r["how"] == "index"]
        vendor = [r["accelerator"] for r in mine if r["how"] == "curated"]
        out.append(Observation(fw, "accelerators_on_index", len(on_index), "accelerators", as_of, SOURCE,
                               "on the index: " + (", ".join(on_index) or "none of " + ", ".join(r["accelerator"] for r in mine))))
        out.append(Observation(fw, "accelerators_curated", len(vendor), "accelerators", as_of, SOURCE,
                               "curated in data/raw/accelerators.yaml (vendor's own index or built in, cited): " + (", ".join(vendor) or "none")))
        hubs = [r for r in hub_rows if r["framework"] == fw]
        unread = [r["project"] for r in hubs if r["supported"] is None]
        if unread:
            out.append(missing(fw, "model_libraries", "libraries", as_of, SOURCE, f"metadata not read for {', '.join(unread)}"))
            continue
        yes = [r["library"] for r in hubs if r["supported"]]
        out.append(Observation(fw, "model_libraries", len(yes), "libraries", as_of, SOURCE,
                               f"{len(yes)} of {len(hubs)} model libraries declare it: " + (", ".join(yes) or "none")))
    return out


def evaluate(records: dict[str, dict[str, Any]], frameworks: list[str], as_of: str, amap: AcceleratorMap | None = None,
             libs: ModelLibraries | None = None) -> tuple[list[Observation], list[dict], list[dict]]:
    """Observations, accelerator rows and model-hub rows from recorded metadata (no network)."""
    amap = amap or load_accelerator_map()
    libs = libs or load_model_libraries()
    acc = accelerator_table(amap, records, frameworks)
    hub = model_hub_table(libs, records, frameworks)
    return observations(acc, hub, frameworks, as_of), acc, hub


def collect(frameworks: list[str], as_of=None, *, session=None, index: str | None = None,
            amap: AcceleratorMap | None = None, libs: ModelLibraries | None = None) -> SourceResult:
    """Read every project of the two maps from the index as of the date and apply the rules."""
    from .http import make_session, progress, redact
    from .pypi import _end_of_day, index_url

    day = parse_as_of(as_of)
    amap, libs = amap or load_accelerator_map(), libs or load_model_libraries()
    index = (index or index_url()).rstrip("/")
    session = session or make_session(use_cache=False)
    projects = sorted(set(amap.projects()) | {str(canonicalize_name(p)) for p, _, _ in libs.libraries})
    records, failures = {}, []
    for project in progress(projects, desc="index metadata"):
        try:
            records[str(canonicalize_name(project))] = project_record(session, index, project, _end_of_day(day))
        except (CollectionError, zipfile.BadZipFile, OSError, ValueError) as exc:
            failures.append(redact(f"{project}: {exc}"))
            records[str(canonicalize_name(project))] = dict(dict.fromkeys(METADATA_COLUMNS, ""), project=project, reason=redact(str(exc)))
    obs, acc, hub = evaluate(records, frameworks, day.isoformat(), amap, libs)
    return SourceResult(
        source=SOURCE, as_of=day.isoformat(), observations=obs,
        endpoint="{index}/{project}/ (PEP 691) and the *.dist-info/METADATA of one wheel per project, by HTTP range requests",
        method=("Newest non-yanked final release of each project of data/raw/accelerators.yaml and data/raw/model_libraries.yaml "
                "uploaded by the as-of day; its wheel platform tags, Requires-Dist and Provides-Extra; the maps' rules applied to them"),
        collector_version=COLLECTOR_VERSION, failures=failures,
        extra={"n_projects": len(projects)},
        tables={"metadata": [records[k] for k in sorted(records)], "accelerators": acc, "model_hub": hub},
    )
