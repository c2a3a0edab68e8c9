"""Collect raw data for an edition: ``python -m showdown_lib.acquire.collect``.

    python -m showdown_lib.acquire.collect --edition current                     # every source, as of today
    python -m showdown_lib.acquire.collect --edition current --source pypi git --git-mirror pytorch=PATH
    python -m showdown_lib.acquire.collect --edition 2018-remeasured --source git --as-of 2018-06-26

Each source writes one snapshot, ``data/raw/snapshots/<source>/<as_of>/``, atomically and with its
provenance (including the sha256 of each file). A source that fails is reported and leaves its
previous snapshot byte-identical; the other sources go on, and the command exits non-zero naming
what failed. A new collection is judged before it replaces anything (:mod:`showdown_lib.acquire.sources.judge`):
against the stored snapshot of the same date (values, table rows, counts) and the newest earlier one (a
history never shrinks, cumulative values never fall); a worse one is refused with a report of what
would be lost, unless ``--accept-partial``. A collection with no value at all never replaces anything. Collecting a subset of the frameworks keeps the other frameworks' rows of an
existing snapshot of the same date.

Edition files are never edited: ``--edition current --as-of 2024-06-30`` (or ``--edition
current@2024-06-30``) writes snapshots dated 2024-06-30, and the edition ``current@2024-06-30``
uses them; ``current`` keeps its own date. Ctrl-C stops with exit status 130 and one line.

Local paths (git mirrors, clone and venv folders) come from the command line or the environment
(``SHOWDOWN_GIT_MIRRORS`` names a file of ``ID=PATH`` lines; ``SHOWDOWN_CLONE_DIR``) and are never written down.
Secrets come from the environment only (``GITHUB_TOKEN``, ``STACKEXCHANGE_KEY``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import Callable

import pandas as pd

from ..core import methodology, paths
from ..core.errors import CollectionError, DataError, ShowdownError, UsageError
from ..core.fileio import read_csv
from ..core.registry import load_registry, select
from .editions import load_edition
from .snapshots import read_snapshot, snapshot_path, write_snapshot
from .sources.base import OBSERVATION_COLUMNS, Observation, SourceResult, parse_as_of

SOURCES = tuple(s for s in methodology.SOURCES if s not in methodology.PROBE_SOURCES)  # the probe collects the others


def parse_mirrors(items: list[str] | None) -> dict[str, str]:
    """Local git copies: the file named by ``SHOWDOWN_GIT_MIRRORS`` (``ID=PATH`` lines), then ``--git-mirror``."""
    from .sources.git import mirrors_from_env, parse_mirror_args

    return {**mirrors_from_env(), **parse_mirror_args(items or [])}


def default_clone_dir() -> Path:
    env = os.environ.get("SHOWDOWN_CLONE_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "showdown" / "git"


def _run_source(source: str, frameworks, as_of: dt.date, args) -> SourceResult:
    if source == "pypi":
        from .sources import pypi

        return pypi.collect(frameworks, as_of)
    if source == "git":
        from .sources import git

        return git.collect(frameworks, as_of, mirrors=parse_mirrors(args.git_mirror), clone_dir=default_clone_dir(),
                           allow_clone=args.allow_clone, accept_stale=args.accept_stale)
    if source == "github":
        from .sources import github

        return github.collect(frameworks, as_of)
    if source == "stackexchange":
        from .sources import stackexchange

        return stackexchange.collect(frameworks, as_of)
    if source == "index_reach":
        from .sources import index_reach

        return index_reach.collect([fw.id for fw in frameworks], as_of)
    if source == "curated":
        from .sources import curated

        return curated.collect(frameworks, as_of, edition=args.curated_set)
    raise ShowdownError(f"unknown source {source!r}; sources are {SOURCES}")


def merge_with_previous(result: SourceResult, collected_ids: list[str]) -> SourceResult:
    """Keep the rows of frameworks not collected this time from the snapshot of the same date.

    Editions share snapshots (the 2018 re-measurement reads the same git snapshot as a wider cast),
    so collecting one edition's cast never drops another framework's rows.
    """
    from ..core.fileio import recover_directory

    folder = snapshot_path(result.source, result.as_of)
    recover_directory(folder)
    if not (folder / "observations.csv").exists():
        return result
    old = read_csv(folder / "observations.csv", required=OBSERVATION_COLUMNS, dtype=str, keep_default_na=False)
    kept = old[~old["framework"].isin(collected_ids)]
    rows = [Observation(**{k: (None if (k == "value" and r[k] == "") else r[k]) for k in OBSERVATION_COLUMNS}) for r in kept.to_dict("records")]
    if not rows:
        return result
    result.observations = rows + result.observations
    for name in list(result.tables):
        path = folder / f"{name}.csv"
        if path.exists():
            prev = pd.read_csv(path, dtype=str, keep_default_na=False)
            if "framework" in prev:
                prev = prev[~prev["framework"].isin(collected_ids)]
                result.tables[name] = prev.to_dict("records") + result.tables[name]
    result.extra = {**result.extra, "merged_with_previous": True}
    return result


def _listing(items: list[str], limit: int = 6) -> str:
    shown = "; ".join(items[:limit])
    return shown + (f"; and {len(items) - limit} more" if len(items) > limit else "")


def refusal(result: SourceResult, accept_partial: bool) -> str | None:
    """Why this result must not replace what is stored (None when it may be written): no value at all,
    or what :func:`showdown_lib.acquire.sources.judge.problems` finds against the stored snapshots."""
    from .sources.judge import problems

    n_ok = sum(o.status == "ok" for o in result.observations)
    if n_ok == 0:
        reasons = sorted({o.reason for o in result.observations if o.reason})
        return (f"collected 0 values ({len(result.observations)} missing), so nothing was written; "
                f"reasons: {_listing(reasons, 3) or 'none given'}")
    try:
        found, against = problems(result)
    except DataError as exc:
        if accept_partial:
            return None
        return f"the existing snapshots cannot be checked ({exc}); pass --accept-partial to replace it"
    if found and not accept_partial:
        return (f"the new collection is worse than {against}: " + " | ".join(found) + "; kept the existing snapshots unchanged "
                "(pass --accept-partial to write the collection anyway)")
    if found:
        result.failures.append(f"written with --accept-partial although: {' | '.join(found)}")
    return None


def _collect_one(source: str, frameworks, day: dt.date, args, log: Callable[[str], None]) -> str:
    """Collect, check and write one source; returns its outcome line."""
    from .sources import http

    http.RESPONSES.reset()
    result = _run_source(source, frameworks, day, args)
    cache = http.RESPONSES.summary()
    if cache:
        result.extra = {**result.extra, "http_responses": cache}
    result = merge_with_previous(result, [f.id for f in frameworks])
    if source == "curated":
        return f"ok: validated {sum(o.status == 'ok' for o in result.observations)} curated facts (read directly by the edition)"
    why = refusal(result, bool(getattr(args, "accept_partial", False)))
    if why:
        for failure in result.failures:
            log(f"[{source}]   partial: {failure}")
        return f"failed: {why}"
    folder = write_snapshot(result)
    n_ok = sum(o.status == "ok" for o in result.observations)
    for failure in result.failures:
        log(f"[{source}]   partial: {failure}")
    return f"ok: {n_ok} values, {len(result.observations) - n_ok} missing -> {folder.relative_to(paths.project_root())}"


def collect_day(edition, as_of: str | None) -> dt.date:
    """The date to collect as of: ``--as-of``, else a dated edition's date, else today for
    ``current`` and the edition's own date for the others."""
    day = parse_as_of(as_of) if as_of else None
    dated = "@" in edition.id
    if day is not None and dated and day.isoformat() != edition.as_of:
        raise UsageError(f"--as-of {day} contradicts --edition {edition.id}; give one date")
    if day is not None:
        return day
    if dated or edition.base_id != "current":
        return parse_as_of(edition.as_of)
    return parse_as_of(None)


def edition_for(edition, day: dt.date) -> str:
    """The edition id that uses snapshots collected as of ``day`` (``current@2026-12-01``)."""
    base_id = edition.base_id or edition.id
    return edition.id if day.isoformat() == edition.as_of else f"{base_id}@{day.isoformat()}"


def collect(edition_id: str, sources: list[str] | None, framework_ids: list[str] | None, as_of: str | None, args,
            log: Callable[[str], None] = print) -> dict[str, str]:
    """Run the collectors; returns source -> 'ok: <path>' or 'failed: <reason>'."""
    from .sources.http import redact

    edition = load_edition(edition_id)
    day = collect_day(edition, as_of)
    registry = load_registry()
    frameworks = select(registry, framework_ids or edition.cast, "--framework")
    outcome: dict[str, str] = {}
    for source in sources or list(SOURCES):
        log(f"[{source}] collecting {len(frameworks)} frameworks as of {day} ...")
        try:
            outcome[source] = _collect_one(source, frameworks, day, args, lambda line: log(redact(line)))
        except (CollectionError, DataError, ShowdownError, OSError, ValueError) as exc:
            outcome[source] = f"failed: {exc}"
        except Exception as exc:  # a collector's bug must not stop the other sources
            outcome[source] = f"failed: unexpected {type(exc).__name__} in the {source} collector: {exc}"
        outcome[source] = redact(outcome[source])
        log(f"[{source}] {outcome[source]}")
    wrote = [k for k, v in outcome.items() if v.startswith("ok") and k != "curated"]
    if wrote and edition_for(edition, day) != edition.id:
        log(f"edition files are never edited: run --edition {edition_for(edition, day)} to use the snapshots of {day} "
            f"({edition.id} stays as of {edition.as_of})")
    return outcome


def nothing_collected(outcome: dict[str, str]) -> bool:
    """True when no source wrote a snapshot (every one failed; curated facts are only validated, never written)."""
    return not any(v.startswith("ok") for k, v in outcome.items() if k != "curated")


def seal_snapshot(item: str) -> str:
    """Add checksums to the provenance of the snapshot ``SOURCE/DATE`` that has none; its data files are not touched."""
    from ..core.fileio import atomic_write_json, read_json
    from .snapshots import file_checksums
    from .sources.base import check_day, check_observations

    source, _, day = item.partition("/")
    if not re.fullmatch(r"[a-z_]+", source) or not day:
        raise UsageError(f"--seal takes SOURCE/DATE (e.g. pypi/2026-11-25), got {item!r}")
    day = check_day(day, "--seal date").isoformat()
    folder = snapshot_path(source, day)
    if not folder.is_dir():
        raise DataError(folder, f"no {source} snapshot as of {day}")
    prov = read_json(folder / "provenance.json")
    if not isinstance(prov, dict):
        raise DataError(folder / "provenance.json", f"must be a JSON object to be sealed, got a JSON {type(prov).__name__}")
    if prov.get("checksums"):
        read_snapshot(source, day)
        return f"{source}/{day} (already sealed; checksums verified)"
    obs = read_csv(folder / "observations.csv", required=OBSERVATION_COLUMNS, dtype=str, keep_default_na=False, na_values=[""])
    check_observations(obs, folder / "observations.csv", source, day)
    from .sources.tables import read_table

    for name in prov.get("tables") or []:
        if (folder / f"{name}.csv").exists():
            read_table(folder, source, str(name), day, obs)
    atomic_write_json(folder / "provenance.json", {**prov, "checksums": file_checksums(folder)})
    read_snapshot(source, day)
    return f"{source}/{day}"


def check_stored(log: Callable[[str], None] = print) -> int:
    """Check every stored snapshot and the snapshots each edition resolves to; print the notes.

    Finishes any interrupted snapshot swap first. Returns 0 when everything loads; a problem is
    raised as :class:`DataError` naming the file, row and column.
    """
    import warnings

    from .editions import list_editions
    from .snapshots import resolve_edition_snapshots, snapshot_dates

    n = 0
    base = paths.snapshots_dir()
    for source in sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []:
        for day in snapshot_dates(source):
            obs, prov = read_snapshot(source, day)
            n += 1
            sealed = "checksums verified" if prov.get("checksums") else "no checksums recorded"
            log(f"{source}/{day}: {len(obs)} rows, {int((obs['status'] == 'ok').sum())} values, {sealed}")
    for edition_id in list_editions():
        edition = load_edition(edition_id)
        if edition.kind != "collected":
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _dates, notes = resolve_edition_snapshots(edition)
        for note in notes:
            log(f"note: {note}")
    log(f"collect --check: {n} snapshots checked, all readable")
    return 0


def main(argv: list[str] | None = None, outcome_out: dict[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m showdown_lib.acquire.collect", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edition", default="current")
    parser.add_argument("--source", nargs="+", choices=SOURCES, help="sources to collect (default: all)")
    parser.add_argument("--framework", nargs="+", help="framework ids (default: the edition's cast)")
    parser.add_argument("--as-of", help="YYYY-MM-DD (default: today for 'current', else the edition's date)")
    parser.add_argument("--git-mirror", action="append", default=[], metavar="ID=PATH",
                        help="local clone or mirror for a framework id or owner/name (repeatable)")
    parser.add_argument("--allow-clone", action="store_true", help="clone missing repositories history-only (needs network)")
    parser.add_argument("--accept-stale", action="store_true", help="use a local copy even if it was fetched before the as-of date")
    parser.add_argument("--curated-set", default="current", help="folder under data/raw/curated/ to validate")
    parser.add_argument("--accept-partial", action="store_true",
                        help="write a collection even if values of the existing snapshot of the same date become missing")
    parser.add_argument("--seal", nargs="+", metavar="SOURCE/DATE",
                        help="record the sha256 of a stored snapshot's files in its provenance.json after checking its rows "
                             "(for a snapshot that predates checksums; nothing else is changed)")
    parser.add_argument("--check", action="store_true",
                        help="collect nothing: check every stored snapshot (checksums, ranges, types) and each edition's snapshots")
    args = parser.parse_args(argv)
    from .sources.http import redact

    try:
        if args.seal:
            for item in args.seal:
                print(f"collect: sealed {seal_snapshot(item)}")
            return 0
        if args.check:
            return check_stored()
        outcome = collect(args.edition, args.source, args.framework, args.as_of, args)
        if outcome_out is not None:
            outcome_out.update(outcome)
    except KeyboardInterrupt:
        print("collect: interrupted (Ctrl-C); snapshots already written are whole, the one being collected was not written",
              file=sys.stderr)
        return 130
    except ShowdownError as exc:
        print(f"collect: {redact(exc)}", file=sys.stderr)
        return 2
    failed = {k: v for k, v in outcome.items() if v.startswith("failed")}
    if failed:
        print("collect: these sources failed; their previous snapshots are unchanged:", file=sys.stderr)
        for k, v in failed.items():
            print(f"  {k}: {v[len('failed: '):]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
