"""Which release the probe installs: the newest final release as of the edition date, from the index.

The probe used to hand pip bare names (``tinygrad``) or hard pins (``torch==2.13.0``). A bare name
in a venv that already holds an older release is left as it is, and a pin ages: both left the
committed snapshot probing releases older than the index's newest. Now every requirement without a
version specifier is bounded by the index as of the edition date:

* :func:`newest_final` reads the project's page on the package index pip is configured with
  (:func:`showdown_lib.acquire.sources.pypi.index_url`), keeps files uploaded by the end of the as-of day,
  drops pre-, dev- and yanked releases, and returns the highest final release overall and the
  highest that this interpreter can install (a wheel whose tags match, or an sdist, with a
  ``requires-python`` it satisfies). The two differ when, e.g., a binary dropped this Python.
* :func:`bounded_requirements` turns ``jax[cpu]`` into ``jax[cpu]<=0.12.0.1`` and pip is run with
  ``--upgrade``, so a reused venv is brought up to that release and nothing newer than the date is
  taken; pip still resolves a consistent set (``jax`` follows its ``jaxlib``).
* After the install, :func:`compare_installed` states for each project whether the installed
  release is the newest final as of the date and, if not, the likely cause read from the index.

Requirements that already carry a specifier (``numpy<2``) are compatibility caps and stay as written;
exact pins are refused by the spec loader.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag, sys_tags
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from ..sources.base import parse_as_of

#: fetch(project) -> the PEP 691 project page as a dict, or None when the index has no such project
PageFetcher = Callable[[str], "dict[str, Any] | None"]


@dataclass(frozen=True)
class Newest:
    project: str
    newest: str | None  # highest final release uploaded by the as-of date
    installable: str | None  # highest such release this interpreter can install
    why_not: str = ""  # why ``newest`` is not installable here, when they differ


def _final(v: str) -> Version | None:
    try:
        parsed = Version(v)
    except InvalidVersion:
        return None
    return None if parsed.is_prerelease or parsed.is_devrelease else parsed


def _file_ok(f: dict[str, Any], tags: set[Tag], python: Version) -> tuple[bool, str]:
    name = f.get("filename", "")
    rp = f.get("requires-python") or ""
    if rp:
        try:
            if python not in SpecifierSet(rp):
                return False, f"requires Python {rp}"
        except InvalidSpecifier:
            pass
    if name.endswith(".whl"):
        try:
            wheel_tags = parse_wheel_filename(name)[3]
        except Exception:
            return False, "unreadable wheel name"
        return (True, "") if set(wheel_tags) & tags else (False, "no wheel for this Python and platform")
    if name.endswith((".tar.gz", ".zip")):
        return True, ""
    return False, "no wheel or sdist"


def newest_final(page: dict[str, Any], project: str, as_of, *, tags: set[Tag] | None = None,
                 python: str | None = None) -> Newest:
    """Newest final release as of the day (end of day, UTC) and the newest installable one, from a project page."""
    from ..sources.pypi import releases_from_simple  # the one reader of index pages

    day = parse_as_of(as_of)
    cutoff = dt.datetime.combine(day, dt.time(23, 59, 59, 999999), tzinfo=dt.timezone.utc)
    tags = tags if tags is not None else set(sys_tags())
    py = Version(python) if python else Version(".".join(map(str, __import__("sys").version_info[:3])))
    meta = {f.get("filename"): f for f in page.get("files", [])}
    finals = []
    for rel in releases_from_simple(page, project, cutoff):
        parsed = _final(rel.version)
        if parsed is not None and not rel.yanked:
            finals.append((parsed, rel))
    finals.sort(key=lambda x: x[0], reverse=True)
    if not finals:
        return Newest(project, None, None, f"no final release by {day.isoformat()}")
    newest = str(finals[0][0])
    why = ""
    for i, (parsed, rel) in enumerate(finals):
        verdicts = [_file_ok(meta.get(f["filename"], f), tags, py) for f in rel.files if not f.get("yanked")]
        if any(ok for ok, _ in verdicts):
            return Newest(project, newest, str(parsed), why)
        if i == 0:
            reasons = sorted({r for ok, r in verdicts if not ok}) or ["no files"]
            why = f"{project} {newest}: " + "; ".join(reasons)
    return Newest(project, newest, None, why)


def requirement_project(req: str) -> tuple[str, bool]:
    """(canonical project name, whether the requirement carries a version specifier or URL)."""
    try:
        r = Requirement(req)
    except InvalidRequirement as exc:
        raise ValueError(f"not a pip requirement: {req!r} ({exc})") from None
    return canonicalize_name(r.name), bool(r.specifier) or bool(r.url)


def bounded_requirements(reqs: list[str] | tuple[str, ...], newest: dict[str, Newest]) -> list[str]:
    """Bound every bare requirement by the newest final release as of the date (``name<=X``)."""
    out = []
    for req in reqs:
        name, pinned = requirement_project(req)
        info = newest.get(name)
        if pinned or info is None or info.newest is None:
            out.append(req)
        else:
            out.append(f"{req}<={info.newest}")
    return out


def resolve_newest(reqs, fetch: PageFetcher, as_of) -> dict[str, Newest]:
    """Newest-final information for every bare requirement's project (projects the index lacks are left out)."""
    out: dict[str, Newest] = {}
    for req in reqs:
        name, pinned = requirement_project(req)
        if pinned or name in out:
            continue
        page = fetch(name)
        if page is not None:
            out[name] = newest_final(page, name, as_of)
    return out


def compare_installed(newest: dict[str, Newest], installed: dict[str, str | None]) -> dict[str, dict[str, Any]]:
    """Per project: installed, newest final as of the date, newest installable here, and a note when they differ."""
    out = {}
    for name, info in newest.items():
        have = installed.get(name)
        row: dict[str, Any] = {"installed": have, "newest_final": info.newest, "newest_installable": info.installable}
        base = have.split("+")[0] if have else None
        if have is None:
            row["note"] = "not installed"
        elif info.newest and base != info.newest:
            if info.installable and base == info.installable:
                row["note"] = f"newest final {info.newest} not installable here ({info.why_not})"
            else:
                row["note"] = (f"pip chose {have} (newest final {info.newest}, newest installable "
                               f"{info.installable}): held back by another requirement")
        out[name] = row
    return out
