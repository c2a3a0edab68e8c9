"""Reading and writing files safely.

Writes are atomic: the content goes to a temporary file in the same folder, which then replaces
the target in one rename, so a crash never leaves half a file. Files and folders get the mode the
user's umask gives (as ``open`` would), not the private 0600/0700 of :mod:`tempfile`. Readers turn
parse failures into :class:`DataError` naming the file.

A folder is replaced by :func:`atomic_directory`, which is crash-safe: the new folder is built
aside, renamed to a *ready* name once complete, and only then swapped in; the old folder is kept
until the new one is in place. :func:`recover_directory` finishes (or undoes) a swap that a kill
interrupted, so the next reader finds the newest complete folder under its own name, never an
older snapshot picked because the folder was missing.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import yaml

from .errors import DataError

# A step that is open (showdown_lib.pipeline.step_context) installs a guard here: reading a data file the step
# did not declare raises. Outside a step (tests, the collectors) every read is allowed.
_read_guard = None


def set_read_guard(guard) -> None:
    """Install ``guard(path)`` (raises on an undeclared read), or None to allow every read.

    The guard sees every file the process opens for reading, not only the reads of this module: an
    audit hook (PEP 578) passes it each ``open`` (pandas' ``read_csv`` of a path included), so a step
    cannot read around its declaration.
    """
    global _read_guard, _hooked
    _read_guard = guard
    if guard is not None and not _hooked:
        sys.addaudithook(_audit_open)
        _hooked = True


_hooked = False


def _audit_open(event: str, args: tuple) -> None:
    if event != "open" or _read_guard is None:
        return
    path, mode = args[0], args[1]
    if not isinstance(path, (str, Path)) or (isinstance(mode, str) and any(m in mode for m in "wax+")):
        return
    if mode is None and isinstance(args[2], int) and args[2] & (os.O_WRONLY | os.O_RDWR):
        return
    _read_guard(Path(path))


def check_read(path: str | Path) -> None:
    if _read_guard is not None:
        _read_guard(Path(path))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _give_umask_mode(path: str | Path, directory: bool = False) -> None:
    """Set the mode ``open``/``mkdir`` would have given (0666 or 0777 less the umask)."""
    os.chmod(path, (0o777 if directory else 0o666) & ~_umask())


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_text(path: str | Path, text: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        _give_umask_mode(tmp)
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


# --------------------------------------------------------------------------- folder swaps
# Names of the swap's side folders, next to the target: ".<name>.partial-<pid>-<rand>" while it is
# built, ".<name>.ready-<pid>" once complete, ".<name>.old-<pid>" for the folder it replaces.
_SIDE = re.compile(r"^\.(?P<name>.+)\.(?P<kind>partial|ready|old)-(?P<pid>\d+)(?:-[^/]*)?$")


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` (flock on the directory itself: no lock file is left behind)."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: swaps are still ordered, just not guarded against a parallel writer
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else
        return True
    return True


def _side_folders(target: Path) -> dict[str, list[Path]]:
    out: dict[str, list[Path]] = {"partial": [], "ready": [], "old": []}
    if not target.parent.is_dir():
        return out
    for p in target.parent.iterdir():
        m = _SIDE.match(p.name)
        if m and m.group("name") == target.name:
            out[m.group("kind")].append(p)
    return out


def _finish_swap(target: Path, ready: Path) -> None:
    """Put the complete folder ``ready`` at ``target``, keeping the old one aside until it is there."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.replace(target, old)
    os.replace(ready, target)
    _fsync_dir(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _recover_unlocked(target: Path) -> str | None:
    side = _side_folders(target)
    action = None
    ready = sorted(side["ready"], key=lambda p: p.stat().st_mtime)
    if ready:  # a complete new folder whose swap was cut short: finish it (roll forward)
        newest = ready[-1]
        _finish_swap(target, newest)
        for extra in ready[:-1]:
            shutil.rmtree(extra, ignore_errors=True)
        action = "finished an interrupted swap"
    elif not target.exists() and side["old"]:  # killed after moving the old folder aside: put it back
        newest_old = max(side["old"], key=lambda p: p.stat().st_mtime)
        os.replace(newest_old, target)
        _fsync_dir(target.parent)
        action = "restored the previous folder after an interrupted swap"
    for p in _side_folders(target)["old"]:
        shutil.rmtree(p, ignore_errors=True)
    for p in side["partial"]:
        m = _SIDE.match(p.name)
        if p.exists() and m and not _pid_alive(int(m.group("pid"))):
            shutil.rmtree(p, ignore_errors=True)
    return action


def recover_directory(target: str | Path) -> str | None:
    """Complete or undo a folder swap of :func:`atomic_directory` that a kill interrupted.

    Returns what was done (or None when nothing was pending). A complete new folder left under its
    *ready* name is moved into place; otherwise, when the target is missing, the previous folder
    kept aside is put back. Half-built folders of dead processes are removed.
    """
    target = Path(target)
    if not target.parent.is_dir():
        return None
    side = _side_folders(target)
    if not any(side.values()):
        return None
    with _locked(target.parent):
        return _recover_unlocked(target)


def recover_all(folder: str | Path) -> list[str]:
    """:func:`recover_directory` for every interrupted swap among the children of ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    names = {m.group("name") for p in folder.iterdir() if (m := _SIDE.match(p.name))}
    done = []
    for name in sorted(names):
        action = recover_directory(folder / name)
        if action:
            done.append(f"{folder / name}: {action}")
    return done


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Build a folder in a temporary sibling and swap it into place only if the block succeeds.

    On any exception the temporary folder is removed and ``target`` is untouched. The swap is
    crash-safe: at every moment either the target, or a complete folder that
    :func:`recover_directory` moves into place, exists (see the module docstring).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    recover_directory(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-{os.getpid()}-", dir=target.parent))
    try:
        yield tmp
        _give_umask_mode(tmp, directory=True)
        _fsync_dir(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    with _locked(target.parent):
        ready = target.with_name(f".{target.name}.ready-{os.getpid()}")
        if ready.exists():
            shutil.rmtree(ready)
        os.replace(tmp, ready)  # from here on the new folder counts: a kill is finished by recovery
        _fsync_dir(target.parent)
        _finish_swap(target, ready)


_YAML_CACHE: dict[tuple, Any] = {}
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader when present: same result, faster


def read_yaml(path: str | Path) -> Any:
    """The document of a YAML file, checked; parsed once per file version (path, size, modification time) in a
    process, each caller getting its own copy (a run reads the curated files once per date of the series)."""
    path = Path(path)
    check_read(path)
    if not path.exists():
        raise DataError(path, "file not found")
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size, st.st_ino)
    if key in _YAML_CACHE:
        return copy.deepcopy(_YAML_CACHE[key])
    try:
        text = path.read_text(encoding="utf-8")
        doc = yaml.load(text, Loader=_CheckedLoader)  # noqa: S506 - a safe loader subclass
        if len(_YAML_CACHE) >= 4096:
            _YAML_CACHE.clear()
        _YAML_CACHE[key] = doc
        return copy.deepcopy(doc)
    except _BadScalar as exc:
        lines = text.splitlines()
        key = re.match(r"^\s*(?:-\s*)?([^\s:#][^:#]*?)\s*:", lines[exc.line - 1] if exc.line <= len(lines) else "")
        raise DataError(path, f"line {exc.line}: {exc}", field=key.group(1) if key else None) from None
    except yaml.YAMLError as exc:
        raise DataError(path, f"not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(path, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


class _BadScalar(ValueError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


class _CheckedLoader(_YAML_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader (libyaml's when present), but a date-like scalar that is not a real date
    (``2026-13-45``) is an error naming its line and key instead of a bare "month must be in 1..12"."""


def _checked_timestamp(loader, node):
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as exc:
        raise _BadScalar(f"{node.value!r} is not a valid date YYYY-MM-DD ({exc})", node.start_mark.line + 1) from None


_CheckedLoader.add_constructor("tag:yaml.org,2002:timestamp", _checked_timestamp)

#: The most nodes a YAML document may hold once its aliases are expanded: the files of this project hold a
#: few thousand; an alias bomb (each level repeating the previous one) billions.
MAX_YAML_NODES = 200_000


def _expanded_size(root) -> int:
    """Nodes of the document with every alias expanded, counted without expanding (memoised per node)."""
    sizes: dict[int, int] = {}
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children = node.value if isinstance(node, yaml.SequenceNode) else (
            [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else [])
        if done:
            sizes[id(node)] = min(1 + sum(sizes.get(id(c), 0) for c in children), 10 * MAX_YAML_NODES)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _construct_document(self, node):
    size = _expanded_size(node)
    if size > MAX_YAML_NODES:
        raise _BadScalar(f"expands to more than {MAX_YAML_NODES:,} values through anchors and aliases (an alias bomb?); "
                         "not loaded", node.start_mark.line + 1)
    return yaml.constructor.SafeConstructor.construct_document(self, node)


def _construct_mapping(self, node, deep=False):
    """A mapping whose keys are unique: a key written twice is an error naming its line (YAML would keep the last)."""
    seen: dict = {}
    for key_node, _value in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = self.construct_object(key_node, deep=True)
        try:
            first = seen.setdefault(key, key_node.start_mark.line + 1)
        except TypeError:  # an unhashable key: the constructor names it
            continue
        if first != key_node.start_mark.line + 1:
            raise _BadScalar(f"duplicate key {key!r} (first on line {first}); YAML would silently keep the last one",
                             key_node.start_mark.line + 1)
    return yaml.constructor.SafeConstructor.construct_mapping(self, node, deep=deep)


_CheckedLoader.construct_document = _construct_document
_CheckedLoader.construct_mapping = _construct_mapping


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
