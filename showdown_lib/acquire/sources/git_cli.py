"""What the git collector reads from one local copy, as JSON, without an edition or a snapshot.

    python -m showdown_lib.acquire.sources.git_cli PATH [--as-of YYYY-MM-DD] [--window-days 30] [--graph]

Prints the metrics and the ``repositories`` row the collector would record for a repository whose
only local copy is ``PATH`` (counted as of the end of the as-of day, stale copies accepted). This
is the whole process the git collector benchmark times; ``--graph`` reads the whole commit graph
instead of letting git count (the numbers must be the same).
"""
from __future__ import annotations

import argparse
import json
import sys

from ...core.errors import ShowdownError
from ...core.registry import Framework, Repository
from . import git as gitsrc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="a local git repository (bare mirror, .git folder or work tree)")
    parser.add_argument("--as-of", default=None, help="as-of date (default: today, UTC)")
    parser.add_argument("--window-days", type=int, default=30)
    parser.add_argument("--graph", action="store_true", help="read the whole commit graph instead of letting git count")
    args = parser.parse_args(argv)
    gitsrc.COUNT_WITH_GIT = not args.graph
    fw = Framework(id="copy", name="Copy", association="local copy", first_release=2000,
                   repositories=(Repository(url="https://github.com/local/copy"),), pypi=(), so_tags=(), numerics="none")
    try:
        res = gitsrc.collect([fw], args.as_of, mirrors={"copy": args.path}, window_days=args.window_days, accept_stale=True)
    except (ShowdownError, ValueError) as exc:
        print(f"git_cli: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("git_cli: interrupted", file=sys.stderr)
        return 130
    out = {"metrics": {o.metric: o.value for o in res.observations}, "repository": res.tables["repositories"][0],
           "failures": res.failures}
    print(json.dumps(out, indent=1, default=str))
    return 1 if res.failures else 0


if __name__ == "__main__":
    sys.exit(main())
