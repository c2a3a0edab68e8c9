"""Local git copies named on the command line: ``ID=PATH`` pairs, from arguments or a file, and which paths may be read."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable

from ...core.errors import CollectionError


def parse_mirror_args(values: Iterable[str]) -> dict[str, str]:
    """Turn ``ID=PATH`` strings (command line ``--git-mirror``, or lines of a file) into a dict.

    Blank lines and lines starting with ``#`` are skipped; anything else without ``=`` is an error.
    """
    out: dict[str, str] = {}
    for raw in values:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, path = line.partition("=")
        if not sep or not key.strip() or not path.strip():
            raise ValueError(f"a git mirror must be given as ID=PATH or OWNER/NAME=PATH, got {line!r}")
        out[key.strip()] = path.strip()
    return out


def mirror_problem(local: str, shown: str) -> str | None:
    """Why a ``--git-mirror`` value cannot be a local copy (None when it may be one).

    Only local paths are read: a URL (``https://``, ``ssh://``, ``git@host:``, ``ext::``) is refused
    without running git on it, so no remote helper or command is ever started from a mirror value.
    The message never contains the value (it may be a private path or carry credentials).
    """
    text = str(local).strip()
    if "://" in text or "::" in text or re.match(r"^[\w.-]+@[\w.-]+:", text):
        return (f"the mirror given for {shown} is a URL, not a local path; --git-mirror takes a local clone or mirror "
                "(use --allow-clone to clone from the registry's URL)")
    if not Path(text).expanduser().exists():
        return f"the mirror given for {shown} does not exist (a missing local path)"
    if not Path(text).expanduser().is_dir():
        return f"the mirror given for {shown} is a file, not a git folder"
    return None


def mirrors_from_env(var: str = "SHOWDOWN_GIT_MIRRORS") -> dict[str, str]:
    """Mirrors listed in the file named by the environment variable ``var`` (``ID=PATH`` lines)."""
    name = os.environ.get(var)
    if not name:
        return {}
    try:
        text = Path(name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CollectionError(f"{var} names a file that cannot be read ({type(exc).__name__}); it must list ID=PATH lines") from None
    return parse_mirror_args(text.splitlines())
