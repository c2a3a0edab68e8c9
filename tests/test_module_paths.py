"""Every library path a tracked text file names exists: ``showdown_lib.STAGE.MODULE`` (a module, or a name
defined at the top of one), ``showdown_lib.STAGE.MODULE:FUNCTION`` (a task of the step table) and
``showdown_lib/STAGE/MODULE.py``.

Docstrings, YAML comments, the README and the notebooks name modules; after a module moves, a name left behind
would send a reader to nothing. Snapshots and processed tables are outputs (a snapshot is never edited), so they
are not read; an upper-case part is a placeholder (``showdown_lib.MODULE:FUNCTION``).
"""
from __future__ import annotations

import ast
import re
import subprocess
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOTTED = re.compile(r"\bshowdown_lib((?:\.[A-Za-z_]\w*)*)(?::([A-Za-z_]\w*))?")
SLASHED = re.compile(r"\bshowdown_lib((?:/[A-Za-z_][\w.-]*)+)")
SKIPPED = ("data/raw/snapshots/", "data/processed/", "reports/")


def _tracked() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split("\n")
    return [ROOT / n for n in names if n and not n.startswith(SKIPPED) and (ROOT / n).is_file()]


def _module_file(parts: list[str]) -> Path | None:
    base = ROOT.joinpath("showdown_lib", *parts)
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return base.with_suffix(".py") if base.with_suffix(".py").is_file() else None


@lru_cache(maxsize=None)
def _top_level_names(path: Path) -> frozenset[str]:
    names = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
    return frozenset(names)


def dotted_exists(dotted: str, function: str | None = None) -> bool:
    """True when ``showdown_lib<dotted>`` is a module, or a name defined at the top of one (and ``function`` too)."""
    parts = [p for p in dotted.split(".") if p]
    if any(p.isupper() for p in parts + [function or ""]):
        return True  # a placeholder
    for i in range(len(parts), -1, -1):
        path = _module_file(parts[:i])
        if path is None:
            continue
        rest = parts[i:] + ([function] if function else [])
        return not rest or rest[0] in _top_level_names(path)
    return False


def slashed_exists(slashed: str) -> bool:
    parts = [p for p in slashed.split("/") if p]
    if any(p.isupper() for p in parts):
        return True
    path = ROOT.joinpath("showdown_lib", *parts)
    return path.exists() or path.with_suffix(".py").exists() or Path(str(path).rstrip(".")).exists()


def test_every_library_path_named_in_a_tracked_file_exists():
    missing = []
    for path in _tracked():
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        rel = path.relative_to(ROOT)
        for m in DOTTED.finditer(text):
            if not dotted_exists(m.group(1), m.group(2)):
                missing.append(f"{rel}: {m.group(0)}")
        for m in SLASHED.finditer(text):
            if not slashed_exists(m.group(1)):
                missing.append(f"{rel}: {m.group(0)}")
    assert missing == []


def test_the_path_check_refuses_what_does_not_exist():
    assert dotted_exists(".method.scoring") and dotted_exists(".method.scoring.assign_tiers")
    assert dotted_exists(".method.scoring_step", "write_products") and dotted_exists(".MODULE", "FUNCTION")
    assert not dotted_exists(".scoring") and not dotted_exists(".method.scoring.no_such_name")
    assert not dotted_exists(".method.scoring_step", "no_such_task")
    assert slashed_exists("/method/kernel.py") and slashed_exists("/present/site/static")
    assert not slashed_exists("/kernel.py") and not slashed_exists("/report/")
