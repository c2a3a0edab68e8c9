"""Collect raw data for an edition: ``python -m showdown_lib.collect``.

    python -m showdown_lib.collect --edition current                     # every source, as of today
    python -m showdown_lib.collect --edition current --source pypi git --git-mirror pytorch=PATH
    python -m showdown_lib.collect --edition 2018-remeasured --source git --as-of 2018-06-26

Each source writes one snapshot, ``data/raw/snapshots/<source>/<as_of>/``, atomically and with its
provenance. A source that fails is reported and leaves its previous snapshot untouched; the other
sources go on, and the command exits non-zero naming what failed. Collecting a subset of the
frameworks keeps the other frameworks' rows of an existing snapshot of the same date.

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

from . import paths
from .editions import load_edition
from .errors import CollectionError, DataError, ShowdownError
from .registry import load_registry, select
from .sources.base import OBSERVATION_COLUMNS, Observation, SourceResult, parse_as_of, snapshot_path, write_snapshot

SOURCES = ("pypi", "git", "github", "stackexchange", "curated")
NETWORK_SOURCES = ("pypi", "github", "stackexchange")


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
    if source == "curated":
        from .sources import curated

        return curated.collect(frameworks, as_of, edition=args.curated_set)
    raise ShowdownError(f"unknown source {source!r}; sources are {SOURCES}")


def merge_with_previous(result: SourceResult, collected_ids: list[str]) -> SourceResult:
    """Keep the rows of frameworks not collected this time from the snapshot of the same date.

    Editions share snapshots (the 2018 re-measurement reads the same git snapshot as a wider cast),
    so collecting one edition's cast never drops another framework's rows.
    """
    folder = snapshot_path(result.source, result.as_of)
    if not (folder / "observations.csv").exists():
        return result
    old = pd.read_csv(folder / "observations.csv", dtype=str, keep_default_na=False)
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


def collect(edition_id: str, sources: list[str] | None, framework_ids: list[str] | None, as_of: str | None, args,
            log: Callable[[str], None] = print) -> dict[str, str]:
    """Run the collectors; returns source -> 'ok: <path>' or 'failed: <reason>'."""
    edition = load_edition(edition_id)
    day = parse_as_of(as_of or (edition.as_of if edition_id != "current" else None))
    registry = load_registry()
    frameworks = select(registry, framework_ids or edition.cast, "--framework")
    outcome: dict[str, str] = {}
    for source in sources or list(SOURCES):
        log(f"[{source}] collecting {len(frameworks)} frameworks as of {day} ...")
        try:
            result = _run_source(source, frameworks, day, args)
            result = merge_with_previous(result, [f.id for f in frameworks])
            if source == "curated":
                outcome[source] = f"ok: validated {sum(o.status == 'ok' for o in result.observations)} curated facts (read directly by the edition)"
                log(f"[{source}] {outcome[source]}")
                continue
            folder = write_snapshot(result)
            n_ok = sum(o.status == "ok" for o in result.observations)
            outcome[source] = f"ok: {n_ok} values, {len(result.observations) - n_ok} missing -> {folder.relative_to(paths.project_root())}"
            for failure in result.failures:
                log(f"[{source}]   partial: {failure}")
        except (CollectionError, DataError, ShowdownError, OSError, ValueError) as exc:
            outcome[source] = f"failed: {exc}"
        log(f"[{source}] {outcome[source]}")
    if edition_id == "current" and any(v.startswith("ok") for k, v in outcome.items() if k != "curated"):
        set_edition_as_of(edition.file, day.isoformat())
    return outcome


def set_edition_as_of(path: Path, as_of: str) -> None:
    """Record the new as-of date in edition.yaml, keeping its comments (atomic rewrite)."""
    from .fileio import atomic_write_text

    text = path.read_text(encoding="utf-8")
    new = re.sub(r"(?m)^as_of: .*$", f"as_of: {as_of}", text, count=1)
    if new != text:
        atomic_write_text(path, new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m showdown_lib.collect", description=__doc__,
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
    args = parser.parse_args(argv)
    try:
        outcome = collect(args.edition, args.source, args.framework, args.as_of, args)
    except ShowdownError as exc:
        print(f"collect: {exc}", file=sys.stderr)
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
