#!/usr/bin/env python3
"""Run the Showdown pipeline: the steps of notebooks/steps.yaml, each a notebook run through papermill.

Examples:
    python run_all.py                                   # the default edition (2018) and the once-per-run steps
    python run_all.py --edition current                 # today's edition from the committed snapshots
    python run_all.py --edition all                     # every edition the step table lists
    python run_all.py -p 'category_weights={platform: 2}' -p n_tiers=4
    python run_all.py --only 04 05                      # just these steps (refused while a step upstream is out of date)
    python run_all.py --only 04 --with-upstream         # these steps and the out-of-date steps they read from
    python run_all.py --force                           # run every step even if nothing changed

    python run_all.py --edition current --refresh       # re-collect today's data first (needs network)

Offline by default: nothing touches the network unless --refresh is given. A step runs only when
what it reads, its parameters, its notebook, the library code it imports or one of its own published
outputs changed since its last successful run. One run per project at a time.
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import warnings
from pathlib import Path

from showdown_lib.core.errors import ShowdownError
from showdown_lib.pipeline.runner import PipelineError, parse_overrides, run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edition", action="append", metavar="ID",
                        help="edition to run (repeatable; 'all' for every edition of the step table; default: the default edition)")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                        help="override a notebook parameter; VALUE is read as YAML (repeatable)")
    parser.add_argument("--only", nargs="+", metavar="STEP", help="run only these steps (step name, notebook name or number prefix)")
    parser.add_argument("--with-upstream", action="store_true", help="with --only: also run the out-of-date steps they read from")
    parser.add_argument("--force", action="store_true", help="run every selected step, even those that are up to date")
    parser.add_argument("--jobs", type=int, default=None, metavar="N", help="steps run side by side (default: 2 or the cores)")
    parser.add_argument("--no-site", action="store_true", help="leave out the report site (step 'site')")
    parser.add_argument("--refresh", action="store_true", help="collect new snapshots for the edition before running (network)")
    parser.add_argument("--as-of", help="with --refresh: collect as of this date (YYYY-MM-DD)")
    parser.add_argument("--source", nargs="+", help="with --refresh: only these sources")
    parser.add_argument("--git-mirror", action="append", default=[], metavar="ID=PATH", help="with --refresh: local git copies")
    parser.add_argument("--allow-clone", action="store_true", help="with --refresh: clone missing repositories history-only")
    parser.add_argument("--accept-partial", action="store_true",
                        help="with --refresh: write a collection even where it has less than the stored snapshots (see collect)")
    return parser


def _editions(given: list[str] | None) -> list[str] | None:
    if not given:
        return None
    if "all" in given:
        from showdown_lib.pipeline.steps import load_steps

        return load_steps().editions
    return given


def _refresh(args, parser) -> str:
    """Collect new snapshots for one edition; returns the edition id that uses them (e.g. current@2026-12-01)."""
    from showdown_lib.acquire import collect
    from showdown_lib.acquire.editions import load_edition

    if not args.edition or len(args.edition) != 1 or args.edition[0] == "all":
        parser.error("--refresh collects one edition: give exactly one --edition")
    cargs = ["--edition", args.edition[0]] + (["--as-of", args.as_of] if args.as_of else [])
    cargs += (["--source", *args.source] if args.source else [])
    cargs += [x for m in args.git_mirror for x in ("--git-mirror", m)] + (["--allow-clone"] if args.allow_clone else [])
    cargs += ["--accept-partial"] if args.accept_partial else []
    outcome: dict[str, str] = {}
    code = collect.main(cargs, outcome)
    if code == 130:
        raise KeyboardInterrupt
    if code == 2:
        raise ShowdownError("collect refused its arguments (see above)")
    if code and collect.nothing_collected(outcome):
        raise ShowdownError(f"--refresh: every source failed ({', '.join(outcome)}; see above), so there is nothing new to run on; "
                            "the stored snapshots are unchanged")
    if code:
        print("run_all: some sources failed (see above); running the steps on the snapshots that exist.", file=sys.stderr)
    edition = load_edition(args.edition[0])
    return collect.edition_for(edition, collect.collect_day(edition, args.as_of))


class Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP), handled like Ctrl-C: the run ends, its kernels with it."""


def _on_signal(signum, _frame):
    raise Terminated(signum)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.refresh and (args.as_of or args.source or args.git_mirror or args.allow_clone or args.accept_partial):
        parser.error("--as-of, --source, --git-mirror, --allow-clone and --accept-partial only apply with --refresh")
    if args.with_upstream and args.only is None:
        parser.error("--with-upstream only applies with --only")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    warnings.formatwarning = lambda message, *_a, **_k: f"run_all: note: {message}\n"
    try:
        params = parse_overrides(args.param)
        editions = [_refresh(args, parser)] if args.refresh else _editions(args.edition)
        summary = run(editions, params, args.only, force=args.force, jobs=args.jobs, with_upstream=args.with_upstream,
                      skip=("site",) if args.no_site else ())
    except KeyboardInterrupt as exc:
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(f"run_all: {what}; published outputs are those of the steps that finished.", file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(130)  # at once: step threads and their kernels end with this process
    except (PipelineError, ShowdownError) as exc:
        print(f"run_all: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a folder that cannot be written, a full disk, a file-size limit
        where = f" ({Path(exc.filename).name})" if getattr(exc, "filename", None) else ""
        print(f"run_all: {exc.strerror or type(exc).__name__}{where}; nothing after the last finished step was published",
              file=sys.stderr)
        return 1
    print(f"run_all: {len(summary.ran)} step(s) ran, {len(summary.up_to_date)} up to date.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
