"""Which of the library's files a step's code uses: the modules it imports, transitively.

A step's code fingerprint (:func:`code_fingerprint`) hashes exactly these files (and the data files that
sit beside them in the same packages: templates, scripts, stylesheets), so a change in a chart function
re-runs only the steps whose code imports the charts, not every step. Imports are read from the source,
never by importing: ``import a.b``, ``from . import c``, ``from .d import e`` (where ``e`` may itself be a
module) and imports inside functions all count, since a lazy import is still code the step runs.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

PACKAGE = "showdown_lib"
LIB = Path(__file__).resolve().parents[1]  # showdown_lib/
_DATA_SUFFIXES = (".yaml", ".json", ".tpl", ".js", ".css", ".html", ".j2")


def module_file(name: str) -> Path | None:
    """The source file of a module of the library (``showdown_lib.present.presenters.rounds``), or None."""
    if name != PACKAGE and not name.startswith(PACKAGE + "."):
        return None
    parts = name.split(".")[1:]
    base = LIB.joinpath(*parts) if parts else LIB
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def _resolve(module: str | None, level: int, current: str, is_package: bool) -> str:
    if level == 0:
        return module or ""
    package = current.split(".") if is_package else current.split(".")[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join(base + ([module] if module else []))


_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]*)", re.M)


def imports_of_source(source: str, current: str = "", is_package: bool = False) -> set[str]:
    """Library modules named by the import statements of ``source`` (a module or a notebook's code).

    Read with two regular expressions over the import statements (``ast`` took about 0.4 s for the
    library on every run); an import inside a function counts, as does one in a string, which errs on
    the side of running a step again.
    """
    found: set[str] = set()
    for m in _IMPORT.finditer(source):
        found.update(part.split()[0] for part in m.group(1).split(",") if part.strip())
    for m in _FROM.finditer(source):
        module = m.group(1)
        level = len(module) - len(module.lstrip("."))
        base = _resolve(module.lstrip(".") or None, level, current, is_package)
        found.add(base)
        names = m.group(2).strip("()")
        found.update(f"{base}.{part.split()[0]}" for part in names.replace("\\", " ").split(",") if part.split())
    out = set()
    for name in found:
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # a module's packages run their __init__ too
            prefix = ".".join(parts[:i])
            if module_file(prefix) is not None:
                out.add(prefix)
    return out


@lru_cache(maxsize=None)
def _direct(name: str) -> frozenset[str]:
    path = module_file(name)
    if path is None:
        return frozenset()
    return frozenset(imports_of_source(path.read_text(encoding="utf-8"), name, path.name == "__init__.py"))


def closure(modules: set[str]) -> set[str]:
    """``modules`` and every library module they import, transitively."""
    seen: set[str] = set()
    todo = [m for m in modules if module_file(m) is not None]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_direct(name) - seen)
    return seen


def files_of(modules: set[str]) -> list[Path]:
    """The source files of ``modules`` and the data files of their packages (templates, scripts, tables)."""
    files: set[Path] = set()
    for name in closure(modules):
        path = module_file(name)
        files.add(path)
        if path.name == "__init__.py":
            files.update(_package_data(path.parent))
    return sorted(files)


def _package_data(folder: Path) -> list[Path]:
    """Data files of one package: in its folder and in sub-folders that are not packages themselves."""
    out = []
    for p in folder.rglob("*"):
        if not p.is_file() or p.suffix not in _DATA_SUFFIXES or "__pycache__" in p.parts:
            continue
        inner = p.parent
        if any((d / "__init__.py").is_file() for d in [inner, *inner.parents] if folder in d.parents):
            continue
        out.append(p)
    return out


def code_fingerprint(modules: set[str], extra: list[Path] = ()) -> str:
    """One hash of every file :func:`files_of` lists (and ``extra`` files, e.g. the step table)."""
    digest = hashlib.sha256()
    for path in dict.fromkeys([*files_of(modules), *extra]):
        shown = path.relative_to(LIB) if LIB in path.parents else Path(path.name)
        digest.update(str(shown).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def clear_cache() -> None:
    _direct.cache_clear()
