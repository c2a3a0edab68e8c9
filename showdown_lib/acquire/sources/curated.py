"""Curated facts: the judgements that no API can measure, each with its evidence.

The scale of every fact (range, step, levels) is read from ``data/raw/criteria.yaml``: a fact is
an input of a criterion there (``curated.<fact>``); only the lifecycle facts are stated here.

Some criteria of the showdown are judgements (sponsor, documentation, graph building, numerics,
out-of-the-box ops, languages, scalability, OS, AWS and ONNX support). Showdown keeps them as data,
one YAML file per framework and edition under ``data/raw/curated/<edition>/<framework_id>.yaml``::

    framework: pytorch
    as_of: 2026-11-25
    curator: showdown-team
    facts:
      sponsor:
        value: 3
        note: "Why this value, in the curator's words."
        citation: {url: "https://...", title: "Page title", accessed: 2026-11-25}
      languages: {value: null, reason: "why it could not be established"}

Method. Every file is validated strictly before any value is used: an unknown key or fact, a value
off its scale (outside the range, or not on the step), a fact without its one citation, a citation
that is not an http(s) URL, lacks a title or an accessed date, was accessed after today, or points at
a package registry, a ``framework`` that does not match the file name or is not in the registry, all
raise :class:`~showdown_lib.core.errors.DataError` naming the file, the fact (``entry``) and the field.
A value that could not be established is written ``value: null`` with a ``reason``; it becomes an
Observation with ``status="missing"`` and that reason, never a guess.

Package registries are not acceptable evidence (they list packages, they do not describe the
project). Their host names are not written in this code: a citation host is rejected when it, or
one of its parent domains, has a SHA-256 digest in :data:`_REGISTRY_HOST_DIGESTS`, or when it is the
host of the Python package index configured for pip at run time (``PIP_INDEX_URL``, then
``pip config get global.index-url``, else pip's built-in default and its file-storage host).
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from ...core import paths
from ...core.errors import DataError
from ...core.fileio import read_yaml
from ...core.schemas import validate
from .base import Observation, SourceResult, missing, parse_as_of

SOURCE = "curated"
COLLECTOR_VERSION = "1"

TOP_LEVEL_KEYS = ("framework", "as_of", "curator", "facts")
FACT_KEYS = ("value", "note", "citation", "reason")
CITATION_KEYS = ("url", "title", "accessed")
STATUSES = ("active", "maintenance", "archived", "merged", "discontinued")


@dataclass(frozen=True)
class FactSpec:
    """The scale of one curated fact.

    ``kind`` is ``"number"`` (``lo``/``hi`` bounds, ``hi`` None for open-ended, ``step`` the grid the
    value must sit on, None for any real number; ``integer`` requires a whole number), ``"choice"``
    (one of ``choices``) or ``"date"`` (an ISO date). ``required`` facts must appear in every file
    (as ``value: null`` with a reason when unknown).
    """

    name: str
    kind: str
    unit: str
    description: str
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    integer: bool = False
    choices: tuple[str, ...] = ()
    required: bool = True

    def describe(self) -> str:
        if self.kind == "choice":
            return f"one of {list(self.choices)}"
        if self.kind == "date":
            return "an ISO date (YYYY-MM-DD)"
        hi = "" if self.hi is None else f" to {self.hi:g}"
        kind = "an integer" if self.integer else "a number"
        step = f" in steps of {self.step:g}" if self.step and not self.integer else ""
        return f"{kind} from {self.lo:g}{hi}{step}"


# Lifecycle facts are not inputs of any criterion: they are stated here, not in the method table.
LIFECYCLE_FACTS = (
    FactSpec("status", "choice", "lifecycle", "lifecycle of the project today", choices=STATUSES, required=False),
    FactSpec("status_date", "date", "date", "date of archival, merge or discontinuation", required=False),
)


def facts_from_method(method) -> dict[str, FactSpec]:
    """The curated facts and their scales, read from the method table (every ``curated.*`` input).

    A fact that feeds two inputs must have the same scale in both; each is required in every file.
    """
    out: dict[str, FactSpec] = {}
    for crit in method.criteria:
        for basis in crit.bases.values():
            for item in basis.inputs:
                for ref in item.refs:
                    source, _, name = ref.partition(".")
                    if source != SOURCE:
                        continue
                    levels = "; ".join(f"{k:g} {v}" for k, v in item.levels)
                    unit = item.unit or (f"level {item.lo:g}-{item.hi:g}" if item.hi is not None else "number")
                    spec = FactSpec(name, "number", unit, item.meaning or levels or basis.rule, lo=item.lo, hi=item.hi,
                                    step=item.step, integer=item.step == 1)
                    if name in out and (out[name].lo, out[name].hi, out[name].step) != (spec.lo, spec.hi, spec.step):
                        raise DataError(paths.criteria_file(), f"curated fact {name!r} has two different scales", crit.id, "inputs")
                    out.setdefault(name, spec)
    return out


#: Cited facts read from frameworks.yaml, not from a curated file: a project's latest release outside the package
#: index (``lifecycle.release_outside_index``) gives these inputs (:func:`showdown_lib.acquire.observations.releases_elsewhere`).
#: The method table names them ``curated.*`` (cited, not measured); no curated file may write them.
FROM_REGISTRY = ("weeks_since_release_elsewhere", "final_releases_12m_elsewhere", "feature_releases_12m_elsewhere")


@functools.lru_cache(maxsize=4)
def _facts_for(path: str, mtime: float) -> dict[str, FactSpec]:
    from ...core.methodology import load_methodology

    specs = {k: v for k, v in facts_from_method(load_methodology(path)).items() if k not in FROM_REGISTRY}
    return {**specs, **{s.name: s for s in LIFECYCLE_FACTS}}


def fact_specs() -> dict[str, FactSpec]:
    """Every curated fact with its scale: the method table's curated inputs, then the lifecycle facts."""
    path = paths.criteria_file()
    return _facts_for(str(path), path.stat().st_mtime if path.exists() else 0.0)


def __getattr__(name: str):
    if name == "FACTS":  # the fact table, derived from data/raw/criteria.yaml on each access
        return fact_specs()
    raise AttributeError(name)


# SHA-256 digests (first 32 hex digits) of package-registry host names and registry parent domains
# (the Python package index and its file host, npm's registry and site, Debian's archive and package
# pages). Only digests are kept so that the names themselves never appear in the repository.
_REGISTRY_HOST_DIGESTS = frozenset(
    {
        "a4aa2ac280bb8d1a0ce7a1be5a7bfb10",
        "d6d7019ca9fcbf07c769e445342515ef",
        "8b5bb5eb9d758455b8635855cf8aaf05",
        "c899567ee906851741bf7f3bde17a337",
        "3ca29e55be4befa48f875d24c27f9bed",
        "8743857e3ea00fd1c64bbc68b8af2419",
        "0dc11026ac75c015aaa1deafff4a7a54",
        "87d14f070cb9686970d008f9f94e6680",
        "e680c440a2e92079ab1bf7a927e8d392",
        "c2b35955576ffa710bfb7c4e5de81413",
        "1ba4e37997a2e986efa6cd844e43fd25",
        "ea3d68fd8b1a56a0919bdac4491db59c",
        "2e97613f5a81eaa4f8a58f552a005713",
    }
)


def _digest(host: str) -> str:
    return hashlib.sha256(host.encode("utf-8")).hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def _pip_config_index_url() -> str | None:
    """pip's configured index, asked once per process (validation checks many citations)."""
    from .pypi import pip_config_index_url

    return pip_config_index_url()


def _pip_default_hosts() -> set[str]:
    try:
        from pip._internal.models.index import PyPI  # type: ignore[import-not-found]
    except Exception:  # pip absent or its internals moved
        return set()
    hosts = {urlsplit(PyPI.simple_url).hostname or ""}
    hosts.add(getattr(PyPI, "file_storage_domain", "") or "")
    return {h.lower() for h in hosts if h}


def configured_index_hosts() -> set[str]:
    """Hosts of the package index pip is configured with at run time, plus pip's default hosts.

    The configured index is read from ``PIP_INDEX_URL``, then ``pip config get global.index-url``;
    pip's own default index and file-storage hosts are always included.
    """
    hosts = _pip_default_hosts()
    url = os.environ.get("PIP_INDEX_URL") or _pip_config_index_url()
    if url:
        host = urlsplit(url).hostname
        if host:
            hosts.add(host.lower())
    return hosts


def is_registry_host(host: str) -> bool:
    """True when ``host`` (or a parent domain) is a package registry."""
    host = (host or "").lower().rstrip(".")
    if not host:
        return False
    labels = host.split(".")
    suffixes = {".".join(labels[i:]) for i in range(len(labels) - 1)} | {host}
    if any(_digest(s) in _REGISTRY_HOST_DIGESTS for s in suffixes):
        return True
    return host in configured_index_hosts()


# ---------------------------------------------------------------- validation


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _check_value(path: Path, fact: str, spec: FactSpec, value: Any) -> Any:
    """The value normalised (dates as ISO strings), or DataError when it is off the scale."""
    if spec.kind == "choice":
        if value not in spec.choices:
            raise DataError(path, f"must be {spec.describe()}, got {value!r}", fact, "value")
        return value
    if spec.kind == "date":
        date = _as_date(value)
        if date is None:
            raise DataError(path, f"must be {spec.describe()}, got {value!r}", fact, "value")
        return date.isoformat()
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise DataError(path, f"must be {spec.describe()}, got {value!r}", fact, "value")
    if spec.integer and not isinstance(value, int):
        raise DataError(path, f"must be {spec.describe()} (an integer level), got {value!r}", fact, "value")
    if (spec.lo is not None and value < spec.lo) or (spec.hi is not None and value > spec.hi):
        raise DataError(path, f"must be {spec.describe()}, got {value!r} (out of range)", fact, "value")
    if spec.step:
        units = (value - (spec.lo or 0)) / spec.step
        if abs(units - round(units)) > 1e-9:
            raise DataError(path, f"must be {spec.describe()}, got {value!r} (not on the step)", fact, "value")
    return value


def _check_citation(path: Path, fact: str, citation: Any, today: dt.date) -> dict[str, Any]:
    if not isinstance(citation, dict):
        raise DataError(path, "must be a mapping {url, title, accessed}", fact, "citation")
    unknown = sorted(set(citation) - set(CITATION_KEYS))
    if unknown:
        raise DataError(path, f"unknown key(s) {unknown}; allowed: {list(CITATION_KEYS)}", fact, f"citation.{unknown[0]}")
    url = citation.get("url")
    if not _is_text(url):
        raise DataError(path, "missing citation URL", fact, "citation.url")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DataError(path, f"must be an http(s) URL, got {url!r}", fact, "citation.url")
    if is_registry_host(parts.hostname):
        raise DataError(path, "a package registry is not acceptable evidence; cite the project's own pages", fact, "citation.url")
    if not _is_text(citation.get("title")):
        raise DataError(path, "missing citation title", fact, "citation.title")
    if "accessed" not in citation or citation["accessed"] is None:
        raise DataError(path, "missing accessed date", fact, "citation.accessed")
    accessed = _as_date(citation["accessed"])
    if accessed is None:
        raise DataError(path, f"must be an ISO date, got {citation['accessed']!r}", fact, "citation.accessed")
    if accessed > today:
        raise DataError(path, f"accessed date {accessed} is in the future (today is {today})", fact, "citation.accessed")
    return {"url": url.strip(), "title": citation["title"].strip(), "accessed": accessed.isoformat()}


def validate_curated(data: Any, path: str | Path, known_ids: Iterable[str] | None = None, today: dt.date | None = None) -> dict[str, Any]:
    """Check one curated file's content and return it normalised.

    ``path`` is the file the content came from (its stem must equal ``framework``); ``known_ids``
    are the registry ids (default: the project registry); ``today`` bounds accessed dates (default:
    the machine's date). Returns ``{"framework", "as_of", "curator", "facts": {name: {"value",
    "note", "reason", "citation"}}}`` with dates as ISO strings; raises DataError on any problem.
    """
    path = Path(path)
    today = today or dt.date.today()
    validate(data, "curated", path, today)  # shape, keys and types (showdown_lib.core.schemas); the scales and references below
    if known_ids is None:
        from ...core.registry import load_registry

        known_ids = [fw.id for fw in load_registry()]
    known = set(known_ids)
    framework = data["framework"]
    if not _is_text(framework):
        raise DataError(path, f"must be a registry id, got {framework!r}", field="framework")
    if framework != path.stem:
        raise DataError(path, f"framework {framework!r} does not match the file name {path.name!r}", field="framework")
    if framework not in known:
        raise DataError(path, f"framework {framework!r} is not in the registry", field="framework")
    as_of = _as_date(data["as_of"])
    if as_of is None or as_of > today:
        raise DataError(path, f"must be an ISO date not after today ({today}), got {data['as_of']!r}", field="as_of")
    if not _is_text(data["curator"]):
        raise DataError(path, "must be a non-empty string", field="curator")
    facts = data["facts"]
    if not isinstance(facts, dict):
        raise DataError(path, "must be a mapping of fact name to {value, note, citation}", field="facts")
    FACTS = fact_specs()
    unknown = sorted(set(facts) - set(FACTS), key=str)
    if unknown:
        raise DataError(path, f"unknown fact(s) {unknown}; allowed: {list(FACTS)}", entry=str(unknown[0]), field="facts")
    for name, spec in FACTS.items():
        if spec.required and name not in facts:
            raise DataError(path, "missing required fact (write value: null with a reason when unknown)", entry=name, field="facts")
    out: dict[str, Any] = {}
    for name, entry in facts.items():
        spec = FACTS[name]
        if not isinstance(entry, dict):
            raise DataError(path, "must be a mapping {value, note, citation} or {value: null, reason}", name)
        bad = sorted(set(entry) - set(FACT_KEYS), key=str)
        if bad:
            raise DataError(path, f"unknown key(s) {bad}; allowed: {list(FACT_KEYS)}", name, str(bad[0]))
        if "value" not in entry:
            raise DataError(path, "missing value (write value: null with a reason when unknown)", name, "value")
        value = entry["value"]
        if "note" in entry and not _is_text(entry["note"]):
            raise DataError(path, "must be a non-empty string", name, "note")
        citation = None
        if value is None:
            if not _is_text(entry.get("reason")):
                raise DataError(path, "a null value needs a reason", name, "reason")
            if entry.get("citation") is not None:
                citation = _check_citation(path, name, entry["citation"], today)
        else:
            if "reason" in entry:
                raise DataError(path, "reason is only for null values; use note to justify a value", name, "reason")
            if not _is_text(entry.get("note")):
                raise DataError(path, "missing note justifying the value", name, "note")
            if entry.get("citation") is None:
                raise DataError(path, "missing citation", name, "citation")
            citation = _check_citation(path, name, entry["citation"], today)
            value = _check_value(path, name, spec, value)
        out[name] = {
            "value": value,
            "note": (entry.get("note") or "").strip(),
            "reason": (entry.get("reason") or "").strip(),
            "citation": citation,
        }
    return {"framework": framework, "as_of": as_of.isoformat(), "curator": data["curator"].strip(), "facts": out}


# ---------------------------------------------------------------- loading


#: The file of a curated set that names the frameworks it covers (its cast): ``frameworks: [id, ...]``.
SET_FILE = "_set.yaml"
_SET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def curated_edition_dir(edition: str = "current", root: str | Path | None = None) -> Path:
    """``<root>/<edition>`` (root defaults to ``data/raw/curated``); the set must exist.

    A set name is a folder name (``[A-Za-z0-9][A-Za-z0-9._-]*``), so the path stays inside the curated folder.
    """
    base = Path(root) if root else paths.curated_dir()
    if not isinstance(edition, str) or not _SET_NAME.match(edition):
        raise DataError(base, f"curated set {edition!r} is not a folder name ([A-Za-z0-9][A-Za-z0-9._-]*)", field="set")
    folder = base / edition
    if not folder.is_dir():
        sets = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
        raise DataError(folder, f"curated set {edition!r} does not exist; the sets are {sets}", field="set")
    return folder


def set_frameworks(edition: str = "current", root: str | Path | None = None, known_ids: Iterable[str] | None = None) -> set[str] | None:
    """The frameworks a curated set covers (its ``_set.yaml``), or None for a set without one (every file counts).

    A framework the set covers must have its file; a file of a framework it does not cover is an error.
    """
    path = curated_edition_dir(edition, root) / SET_FILE
    if not path.exists():
        return None
    data = validate(read_yaml(path), "curated_set", path)
    ids = data["frameworks"]
    if known_ids is not None:
        unknown = sorted(set(ids) - set(known_ids))
        if unknown:
            raise DataError(path, f"framework id(s) {unknown} are not in the registry", field="frameworks")
    return set(ids)


def load_curated_files(edition: str = "current", root: str | Path | None = None, frameworks: Iterable[str] | None = None,
                       known_ids: Iterable[str] | None = None, today: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """Validated content of every curated file of an edition, keyed by framework id.

    With ``frameworks`` only those ids are read (ids without a file are simply absent); every file
    read is validated in full.
    """
    folder = curated_edition_dir(edition, root)
    if known_ids is None:
        from ...core.registry import load_registry

        known_ids = [fw.id for fw in load_registry()]
    known_ids = list(known_ids)
    wanted = None if frameworks is None else set(frameworks)
    out: dict[str, dict[str, Any]] = {}
    covered = set_frameworks(edition, root, known_ids)
    files = sorted(p for p in folder.glob("*.yaml") if p.name != SET_FILE)
    for file in files:
        if covered is not None and file.stem not in covered:
            raise DataError(file, f"a curated file for {file.stem!r}, which {SET_FILE} does not list; add it there or remove the file",
                            field="framework")
    if covered is not None:
        for fid in sorted(covered if wanted is None else covered & wanted):
            if not (folder / f"{fid}.yaml").exists():
                raise DataError(folder / f"{fid}.yaml", f"file not found, but {SET_FILE} lists {fid!r} in the curated set "
                                f"{edition!r}: restore the file, or remove {fid!r} from {SET_FILE} to leave its facts missing")
    for file in files:
        if wanted is not None and file.stem not in wanted:
            continue
        out[file.stem] = validate_curated(read_yaml(file), file, known_ids, today)
    stray = sorted(p.name for p in folder.glob("*.yml"))
    if stray:
        raise DataError(folder / stray[0], "curated files must end in .yaml")
    return out


def _observations(fid: str, content: dict[str, Any], as_of: str | None = None) -> list[Observation]:
    rows = []
    when = as_of or content["as_of"]
    for name, spec in fact_specs().items():
        fact = content["facts"].get(name)
        if fact is None:
            if spec.required:  # unreachable after validation; kept for safety
                rows.append(missing(fid, name, spec.unit, when, SOURCE, f"fact {name} absent from the curated file"))
            continue
        url = fact["citation"]["url"] if fact["citation"] else ""
        if fact["value"] is None:
            rows.append(missing(fid, name, spec.unit, when, SOURCE, fact["reason"], detail=url))
        else:
            rows.append(Observation(fid, name, fact["value"], spec.unit, when, SOURCE, detail=url))
    return rows


def load_curated(edition: str = "current", root: str | Path | None = None, frameworks: Iterable[str] | None = None) -> list[Observation]:
    """Observations from the curated files of an edition (metric = fact name, detail = citation URL).

    ``frameworks`` (ids) limits and orders the output; a named framework without a file yields one
    missing row per required fact with reason ``"no curated facts for <id>"``. Without
    ``frameworks`` every file of the edition is read. Optional facts (status, status_date) appear
    only when a file states them. ``as_of`` of each row is the file's ``as_of``.
    """
    ids = None if frameworks is None else [f if isinstance(f, str) else f.id for f in frameworks]
    files = load_curated_files(edition, root, ids)
    order = ids if ids is not None else sorted(files)
    rows: list[Observation] = []
    for fid in order:
        if fid in files:
            rows.extend(_observations(fid, files[fid]))
        else:
            rows.extend(_missing_framework(fid, ""))
    return rows


def _missing_framework(fid: str, as_of: str) -> list[Observation]:
    return [missing(fid, name, spec.unit, as_of, SOURCE, f"no curated facts for {fid}") for name, spec in fact_specs().items() if spec.required]


def collect(frameworks, as_of, *, edition: str = "current", root: str | Path | None = None) -> SourceResult:
    """The curated facts of ``frameworks`` (Framework objects or ids) as a SourceResult.

    Rows carry the run's ``as_of``; each file's own ``as_of`` and curator go to ``extra``. The
    citations are returned as the auxiliary table ``citations``.
    """
    when = parse_as_of(as_of).isoformat()
    ids = [f if isinstance(f, str) else f.id for f in frameworks]
    files = load_curated_files(edition, root, ids)
    rows: list[Observation] = []
    failures: list[str] = []
    for fid in ids:
        if fid in files:
            rows.extend(_observations(fid, files[fid], when))
        else:
            rows.extend(_missing_framework(fid, when))
            failures.append(f"no curated facts for {fid}")
    return SourceResult(
        source=SOURCE,
        as_of=when,
        observations=rows,
        endpoint=f"data/raw/curated/{edition}/{{framework}}.yaml",
        method="Read the hand-curated, cited fact files of the edition and validated them against the fact scales.",
        collector_version=COLLECTOR_VERSION,
        failures=failures,
        extra={
            "edition": edition,
            "files": {fid: {"as_of": c["as_of"], "curator": c["curator"]} for fid, c in sorted(files.items())},
        },
        tables={"citations": _citation_rows(files, ids)},
    )


def _citation_rows(files: dict[str, dict[str, Any]], order: Iterable[str]) -> list[dict[str, Any]]:
    rows = []
    for fid in order:
        content = files.get(fid)
        if content is None:
            continue
        for name in fact_specs():
            fact = content["facts"].get(name)
            if fact is None:
                continue
            cit = fact["citation"] or {}
            rows.append(
                {
                    "framework": fid,
                    "fact": name,
                    "value": fact["value"],
                    "url": cit.get("url", ""),
                    "title": cit.get("title", ""),
                    "accessed": cit.get("accessed", ""),
                }
            )
    return rows


def citations_table(edition: str = "current", root: str | Path | None = None, frameworks: Iterable[str] | None = None):
    """A pandas DataFrame (framework, fact, value, url, title, accessed): one row per stated fact.

    Null facts appear with value None (and their citation when one was given).
    """
    import pandas as pd

    ids = None if frameworks is None else [f if isinstance(f, str) else f.id for f in frameworks]
    files = load_curated_files(edition, root, ids)
    order = ids if ids is not None else sorted(files)
    return pd.DataFrame(_citation_rows(files, order), columns=["framework", "fact", "value", "url", "title", "accessed"])
