"""python -m showdown_lib.present.site [OUT_DIR]: build the static site (default reports/site/) and print its index page."""
from __future__ import annotations

import sys

from . import build


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    index = build(argv[0] if argv else None)
    print(f"site: open {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
