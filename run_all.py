#!/usr/bin/env python3
"""Run the Showdown pipeline: the numbered notebooks in order, through papermill.

Examples:
    python run_all.py                                   # the default edition (2018), offline
    python run_all.py --edition current                 # today's edition from the committed snapshots
    python run_all.py -p 'category_weights={platform: 2}' -p n_tiers=4
    python run_all.py --only 04 05                      # just the aggregate and discussion notebooks

Offline by default: nothing touches the network unless --refresh is given.
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
    args = parser.parse_args(argv)
    try:
        params = parse_overrides(args.param)
        run(args.edition, params, args.only)
    except PipelineError as exc:
        print(f"run_all: {exc}", file=sys.stderr)
        return 1
    print("run_all: all notebooks ran.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
