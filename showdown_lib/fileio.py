"""Reading and writing files safely.

Writes are atomic: the content goes to a temporary file in the same folder, which then replaces
the target in one rename, so a crash never leaves half a file. Readers turn parse failures into
:class:`DataError` naming the file.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import yaml

from .errors import DataError

# A step that is open (showdown_lib.step_context) installs a guard here: reading a data file the step
# did not declare raises. Outside a step (tests, the collectors) every read is allowed.
_read_guard = None


def set_read_guard(guard) -> None:
    """Install ``guard(path)`` (raises on an undeclared read), or None to allow every read."""
    global _read_guard
    _read_guard = guard


def check_read(path: str | Path) -> None:
    if _read_guard is not None:
        _read_guard(Path(path))


def atomic_write_text(path: str | Path, text: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def atomic_write_json(path: str | Path, data: Any) -> Path:
    return atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def atomic_write_csv(path: str | Path, frame) -> Path:
    """Write a pandas DataFrame as CSV, atomically, without the index."""
    return atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n"))


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Build a folder in a temporary sibling and swap it into place only if the block succeeds.

    On any exception the temporary folder is removed and ``target`` is untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader when present: same result, faster


def read_yaml(path: str | Path) -> Any:
    path = Path(path)
    check_read(path)
    if not path.exists():
        raise DataError(path, "file not found")
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise DataError(path, f"not valid YAML: {exc}") from exc


def read_json(path: str | Path) -> Any:
    path = Path(path)
    check_read(path)
    if not path.exists():
        raise DataError(path, "file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not valid JSON: {exc}") from exc


def read_csv(path: str | Path, required: list[str] | None = None, **kwargs):
    import pandas as pd

    path = Path(path)
    check_read(path)
    if not path.exists():
        raise DataError(path, "file not found")
    try:
        frame = pd.read_csv(path, **kwargs)
    except Exception as exc:  # pandas raises several parser errors
        raise DataError(path, f"not a readable CSV: {exc}") from exc
    missing = [c for c in (required or []) if c not in frame.columns]
    if missing:
        raise DataError(path, f"missing column(s) {missing}; found {list(frame.columns)}", field=missing[0])
    return frame


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()
