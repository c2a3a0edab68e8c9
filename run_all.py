#!/usr/bin/env python3
"""Run the Showdown pipeline: the numbered notebooks in order, through papermill.

Examples:
    python run_all.py                                   # the default edition (2018), offline
    python run_all.py --edition current                 # today's edition from the committed snapshots
    python run_all.py -p 'category_weights={platform: 2}' -p n_tiers=4
    python run_all.py --only 04 05                      # just the aggregate and discussion notebooks

    python run_all.py --edition current --refresh        # re-collect today's data first (needs network)
    python run_all.py --edition 2018-remeasured --refresh --git-mirror pytorch=PATH

Offline by default: nothing touches the network unless --refresh is given. With --refresh the
collectors run first (python -m showdown_lib.collect); a source that fails keeps its previous
snapshot, is reported, and the notebooks still run on what is there.
"""
from __future__ import annotations

import argparse
import sys

from showdown_lib.pipeline import DEFAULT_EDITION, PipelineError, parse_overrides, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edition", default=DEFAULT_EDITION, help=f"edition to run (default {DEFAULT_EDITION})")
    parser.add_argument("-p", "--param", action="append", default=[], metavar="KEY=VALUE",
                        help="override a notebook parameter; VALUE is read as YAML (repeatable)")
    parser.add_argument("--only", nargs="+", metavar="NB", help="run only these notebooks (name or number prefix)")
    parser.add_argument("--refresh", action="store_true", help="collect new snapshots for the edition before running (network)")
    parser.add_argument("--as-of", help="with --refresh: collect as of this date (YYYY-MM-DD)")
    parser.add_argument("--source", nargs="+", help="with --refresh: only these sources")
    parser.add_argument("--git-mirror", action="append", default=[], metavar="ID=PATH", help="with --refresh: local git copies")
    parser.add_argument("--allow-clone", action="store_true", help="with --refresh: clone missing repositories history-only")
    args = parser.parse_args(argv)
    try:
        params = parse_overrides(args.param)
        if args.refresh:
            from showdown_lib import collect

            cargs = ["--edition", args.edition] + (["--as-of", args.as_of] if args.as_of else [])
            cargs += (["--source", *args.source] if args.source else [])
            cargs += [x for m in args.git_mirror for x in ("--git-mirror", m)] + (["--allow-clone"] if args.allow_clone else [])
            code = collect.main(cargs)
            if code:
                print("run_all: some sources failed (see above); running the notebooks on the snapshots that exist.", file=sys.stderr)
        elif args.as_of or args.source or args.git_mirror or args.allow_clone:
            parser.error("--as-of, --source, --git-mirror and --allow-clone only apply with --refresh")
        run(args.edition, params, args.only)
    except PipelineError as exc:
        print(f"run_all: {exc}", file=sys.stderr)
        return 1
    print("run_all: all notebooks ran.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
