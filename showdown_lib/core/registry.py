"""The framework registry, ``data/raw/frameworks.yaml``, loaded and validated.

Every framework is one entry. Validation is strict: an unknown key, a missing field, a wrong
type or a duplicate id raises :class:`DataError` naming the file, the entry and the field.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from . import paths
from .errors import DataError

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Repository:
    url: str
    path: str | None = None

    @property
    def slug(self) -> str | None:
        """``owner/name`` for a GitHub URL, else None."""
        m = re.match(r"^https://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?$", self.url)
        return f"{m.group(1)}/{m.group(2)}" if m else None


LIFECYCLE_STATUSES = ("active", "maintenance", "archived", "merged")
_LIFECYCLE_KEYS = {"status", "since", "into", "note", "citation", "release_outside_index"}
_CITATION_KEYS = {"url", "title", "accessed"}
_RELEASE_KEYS = {"version", "date", "where", "citation"}
_FRONT_END_KEYS = {"backends", "measured_on", "note"}


@dataclass(frozen=True)
class Release:
    """A dated release published outside the package index (Maven, GitHub releases), with its citation."""

    version: str
    date: str
    where: str
    citation: dict[str, str]


@dataclass(frozen=True)
class FrontEnd:
    """A front end that runs on other frameworks: the backends it can use and the one its values are measured on."""

    backends: tuple[str, ...]
    measured_on: str
    note: str = ""


@dataclass(frozen=True)
class Lifecycle:
    """Where a project stands: ``status`` since a date (``into`` for a merge), with one citation."""

    status: str
    since: str | None
    into: str | None
    citation: dict[str, str]
    note: str = ""
    release_outside_index: Release | None = None

    def status_on(self, as_of: str) -> str:
        """The status on ``as_of`` (YYYY-MM-DD): ``active`` before ``since``, ``status`` from it on."""
        return "active" if self.since is None or str(as_of) < self.since else self.status


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    association: str
    first_release: int
    repositories: tuple[Repository, ...]
    pypi: tuple[str, ...]
    so_tags: tuple[str, ...]
    numerics: str
    github_query: str | None = None
    color: str | None = None
    note: str | None = None
    lifecycle: Lifecycle | None = None
    front_end: FrontEnd | None = None

    @property
    def search_term(self) -> str:
        return self.github_query or self.name

    def status_on(self, as_of: str) -> str:
        """Lifecycle status on ``as_of``: active, maintenance, archived or merged (active when none is recorded)."""
        return self.lifecycle.status_on(as_of) if self.lifecycle else "active"

    def is_active(self, as_of: str) -> bool:
        """True unless the project was in maintenance, archived or merged on ``as_of``.

        Use it to mark or leave out retired projects in charts and sentences of a dated edition.
        """
        return self.status_on(as_of) == "active"


# field name -> (required, validator, description)
def _is_str(v: Any) -> bool:
    return isinstance(v, str) and v.strip() != ""


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(_is_str(x) for x in v)


_FIELDS: dict[str, tuple[bool, Any, str]] = {
    "id": (True, lambda v: isinstance(v, str) and bool(_ID.match(v)), "a lowercase identifier ([a-z][a-z0-9_]*)"),
    "name": (True, _is_str, "a non-empty string"),
    "association": (True, _is_str, "a non-empty string"),
    "first_release": (True, lambda v: isinstance(v, int) and not isinstance(v, bool) and 1990 <= v <= 2100, "a year (integer)"),
    "repositories": (True, lambda v: isinstance(v, list), "a list of {url, path}"),
    "pypi": (True, _is_str_list, "a list of package names"),
    "so_tags": (True, _is_str_list, "a list of tags"),
    "numerics": (True, _is_str, "a non-empty string"),
    "github_query": (False, _is_str, "a non-empty string"),
    "color": (False, lambda v: isinstance(v, str) and bool(_HEX.match(v)), "a hex colour like #1f77b4"),
    "note": (False, _is_str, "a non-empty string"),
    "lifecycle": (False, lambda v: isinstance(v, dict), "a mapping {status, since, into, note, citation}"),
    "front_end": (False, lambda v: isinstance(v, dict), "a mapping {backends, measured_on, note}"),
}


def _iso(value: Any) -> str | None:
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        return None


def _lifecycle(path: Path, entry: str, raw: dict) -> Lifecycle:
    """A lifecycle entry, checked strictly: known status, dates, ``into`` only for merges, one citation."""
    unknown = set(raw) - _LIFECYCLE_KEYS
    if unknown:
        raise DataError(path, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_LIFECYCLE_KEYS)}", entry, f"lifecycle.{sorted(unknown)[0]}")
    status = raw.get("status")
    if status not in LIFECYCLE_STATUSES:
        raise DataError(path, f"status must be one of {list(LIFECYCLE_STATUSES)}, got {status!r}", entry, "lifecycle.status")
    since = raw.get("since")
    if since is None and status != "active":
        raise DataError(path, f"a {status} project needs the date it became so", entry, "lifecycle.since")
    if since is not None and _iso(since) is None:
        raise DataError(path, f"since must be a date YYYY-MM-DD, got {since!r}", entry, "lifecycle.since")
    into = raw.get("into")
    if (status == "merged") != (into is not None):
        raise DataError(path, f"into names the framework a merged project joined (merged only), got {into!r} for {status}", entry, "lifecycle.into")
    if "note" in raw and not _is_str(raw["note"]):
        raise DataError(path, f"note must be a non-empty string, got {raw['note']!r}", entry, "lifecycle.note")
    citation = _citation(path, entry, raw.get("citation"), "lifecycle.citation")
    release = _release(path, entry, raw["release_outside_index"]) if "release_outside_index" in raw else None
    return Lifecycle(status, _iso(since) if since is not None else None, into, citation, raw.get("note", ""), release)


def _citation(path: Path, entry: str, cit: Any, where: str) -> dict[str, str]:
    if not isinstance(cit, dict) or set(cit) != _CITATION_KEYS:
        raise DataError(path, f"citation must be a mapping with exactly {sorted(_CITATION_KEYS)}, got {cit!r}", entry, where)
    if not (isinstance(cit["url"], str) and re.match(r"^https?://[^/\s]+", cit["url"])):
        raise DataError(path, f"citation url must be an http(s) URL, got {cit['url']!r}", entry, f"{where}.url")
    if not _is_str(cit["title"]):
        raise DataError(path, f"citation title must be a non-empty string, got {cit['title']!r}", entry, f"{where}.title")
    accessed = _iso(cit["accessed"])
    if accessed is None or accessed > dt.date.today().isoformat():
        raise DataError(path, f"citation accessed must be a past date YYYY-MM-DD, got {cit['accessed']!r}", entry, f"{where}.accessed")
    return {"url": cit["url"], "title": cit["title"], "accessed": accessed}


def _release(path: Path, entry: str, raw: Any) -> Release:
    where = "lifecycle.release_outside_index"
    if not isinstance(raw, dict) or set(raw) != _RELEASE_KEYS:
        raise DataError(path, f"must be a mapping with exactly {sorted(_RELEASE_KEYS)}, got {raw!r}", entry, where)
    if not _is_str(str(raw["version"])) or not _is_str(raw["where"]):
        raise DataError(path, f"version and where must be non-empty strings, got {raw['version']!r}, {raw['where']!r}", entry, where)
    day = _iso(raw["date"])
    if day is None:
        raise DataError(path, f"date must be a date YYYY-MM-DD, got {raw['date']!r}", entry, f"{where}.date")
    return Release(str(raw["version"]), day, raw["where"], _citation(path, entry, raw["citation"], f"{where}.citation"))


def _front_end(path: Path, entry: str, raw: dict, known: set[str]) -> FrontEnd:
    unknown = set(raw) - _FRONT_END_KEYS
    if unknown:
        raise DataError(path, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_FRONT_END_KEYS)}", entry, f"front_end.{sorted(unknown)[0]}")
    backends = raw.get("backends")
    if not _is_str_list(backends) or not backends or set(backends) - known:
        raise DataError(path, f"backends must list registry ids, got {backends!r}", entry, "front_end.backends")
    if raw.get("measured_on") not in backends:
        raise DataError(path, f"measured_on must be one of the backends {backends}, got {raw.get('measured_on')!r}", entry, "front_end.measured_on")
    return FrontEnd(tuple(backends), raw["measured_on"], raw.get("note", ""))


def _repositories(path: Path, entry: str, value: list) -> tuple[Repository, ...]:
    repos = []
    for i, item in enumerate(value):
        fld = f"repositories[{i}]"
        if isinstance(item, str):
            item = {"url": item}
        if not isinstance(item, dict):
            raise DataError(path, "must be a mapping with 'url' and optional 'path'", entry, fld)
        unknown = set(item) - {"url", "path"}
        if unknown:
            raise DataError(path, f"unknown key(s) {sorted(unknown)}", entry, fld)
        url = item.get("url")
        if not (isinstance(url, str) and re.match(r"^(https?|git|ssh|file)://", url)):
            raise DataError(path, f"url must be a URL, got {url!r}", entry, f"{fld}.url")
        sub = item.get("path")
        if sub is not None and not _is_str(sub):
            raise DataError(path, f"path must be a non-empty string, got {sub!r}", entry, f"{fld}.path")
        repos.append(Repository(url=url, path=sub))
    return tuple(repos)


def parse_registry(data: Any, path: str | Path = "<memory>") -> list[Framework]:
    from .schemas import validate

    path = Path(path)
    validate(data, "frameworks", path)
    if not isinstance(data, dict) or "frameworks" not in data or set(data) - {"frameworks", "lifecycle_rule"}:
        raise DataError(path, "top level must be a mapping with the key 'frameworks' (and optionally 'lifecycle_rule')")
    entries = data["frameworks"]
    if not isinstance(entries, list) or not entries:
        raise DataError(path, "'frameworks' must be a non-empty list", field="frameworks")
    seen: set[str] = set()
    out = []
    for i, raw in enumerate(entries):
        label = raw.get("id", f"#{i}") if isinstance(raw, dict) else f"#{i}"
        if not isinstance(raw, dict):
            raise DataError(path, "each entry must be a mapping", f"#{i}")
        unknown = set(raw) - set(_FIELDS)
        if unknown:
            raise DataError(path, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_FIELDS)}", str(label), sorted(unknown)[0])
        for name, (required, ok, desc) in _FIELDS.items():
            if name not in raw:
                if required:
                    raise DataError(path, "missing required field", str(label), name)
                continue
            if not ok(raw[name]):
                raise DataError(path, f"must be {desc}, got {raw[name]!r}", str(label), name)
        if raw["id"] in seen:
            raise DataError(path, "duplicate id", raw["id"], "id")
        seen.add(raw["id"])
        out.append(
            Framework(
                id=raw["id"],
                name=raw["name"],
                association=raw["association"],
                first_release=raw["first_release"],
                repositories=_repositories(path, raw["id"], raw["repositories"]),
                pypi=tuple(raw["pypi"]),
                so_tags=tuple(raw["so_tags"]),
                numerics=raw["numerics"],
                github_query=raw.get("github_query"),
                color=raw.get("color"),
                note=raw.get("note"),
                lifecycle=_lifecycle(path, raw["id"], raw["lifecycle"]) if "lifecycle" in raw else None,
            )
        )
    known = {fw.id for fw in out}
    out = [replace(fw, front_end=_front_end(path, fw.id, raw["front_end"], known - {fw.id})) if "front_end" in raw else fw
           for fw, raw in zip(out, entries)]
    for fw in out:
        if fw.lifecycle and fw.lifecycle.into is not None and (fw.lifecycle.into not in seen or fw.lifecycle.into == fw.id):
            raise DataError(path, f"into must name another framework of the registry, got {fw.lifecycle.into!r}", fw.id, "lifecycle.into")
    return out


def load_registry(path: str | Path | None = None) -> list[Framework]:
    """The validated registry; parsed once per file version (path, modification time, size). Each call is a read
    for an open step's guard, as :func:`~showdown_lib.core.fileio.read_yaml`'s own cache is: a registry parsed
    before the step opened is still one the step must declare."""
    from .fileio import check_read, read_yaml  # here, not at the top: the git collector's command line reads no YAML

    path = Path(path) if path else paths.frameworks_file()
    check_read(path)
    stat = path.stat() if path.exists() else None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size) if stat else None
    if key is None or key not in _CACHE:
        frameworks = parse_registry(read_yaml(path), path)
        if key is None:
            return frameworks
        _CACHE.clear()
        _CACHE[key] = tuple(frameworks)
    return list(_CACHE[key])


_CACHE: dict[tuple, tuple[Framework, ...]] = {}


def inactive(frameworks: list[Framework], as_of: str) -> dict[str, Lifecycle]:
    """The frameworks that were not active on ``as_of`` (maintenance, archived or merged), id -> lifecycle.

    For charts and sentences that mark retired projects, or rank the active ones apart.
    """
    return {fw.id: fw.lifecycle for fw in frameworks if fw.lifecycle is not None and not fw.is_active(as_of)}


def select(frameworks: list[Framework], ids: list[str] | None, where: str = "cast") -> list[Framework]:
    """The frameworks named in ``ids`` (all when None), in the order given; unknown ids are an error."""
    if not ids:
        return list(frameworks)
    by_id = {fw.id: fw for fw in frameworks}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise DataError(paths.frameworks_file(), f"{where} names unknown framework id(s) {unknown}; known: {sorted(by_id)}")
    return [by_id[i] for i in ids]


def load_lifecycle_rule(path: str | Path | None = None) -> dict[str, int]:
    """The registry's ``lifecycle_rule`` ({dormant_after_days}), checked; the rule itself is :mod:`showdown_lib.method.lifecycle`."""
    from .fileio import read_yaml

    path = Path(path) if path else paths.frameworks_file()
    raw = read_yaml(path).get("lifecycle_rule")
    if not isinstance(raw, dict) or set(raw) != {"dormant_after_days"}:
        raise DataError(path, f"lifecycle_rule must be a mapping with exactly ['dormant_after_days'], got {raw!r}", field="lifecycle_rule")
    days = raw["dormant_after_days"]
    if not isinstance(days, int) or isinstance(days, bool) or not 30 <= days <= 3650:
        raise DataError(path, f"dormant_after_days must be a whole number of days from 30 to 3650, got {days!r}",
                        field="lifecycle_rule.dormant_after_days")
    return {"dormant_after_days": days}
