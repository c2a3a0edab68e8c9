"""The library's shape: no import cycle (imports inside functions count too), small modules, short functions."""
from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parents[1] / "showdown_lib"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _module_name(path: Path) -> str:
    parts = path.relative_to(LIB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """showdown_lib modules that ``path`` imports anywhere in its body."""
    here = _module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("showdown_lib")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("showdown_lib"):
                found.add(target)
                found |= {f"{target}.{a.name}" for a in node.names}
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in LIB.rglob("*.py")}
    graph = {}
    for name, path in modules.items():
        graph[name] = {m for m in _imports(path) if m in modules and m != name and not name.startswith(m + ".")}
        # importing a package runs its __init__, not its submodules: keep only real modules
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_the_library_has_no_import_cycle():
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_no_module_is_over_600_lines():
    long = {str(p.relative_to(LIB)): n for p in LIB.rglob("*.py") if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_is_over_80_lines():
    long = {}
    for path in LIB.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > MAX_FUNCTION_LINES:
                    long[f"{path.relative_to(LIB)}:{node.name}"] = n
    assert long == {}


# ---------------------------------------------------------------- layers, enforced by import-linter (pyproject.toml)
def _lint_imports(root: Path) -> "subprocess.CompletedProcess[str]":
    import os
    import subprocess
    import sys

    exe = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(root)}  # the copy under test, before the installed project
    return subprocess.run([str(exe), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=300)


def test_import_contracts_hold():
    result = _lint_imports(LIB.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout and result.stdout.count("KEPT") == 4


def test_every_module_lives_in_a_stage():
    """The stages contract covers the whole library only if every module sits in one of its packages."""
    import tomllib

    contracts = tomllib.loads((LIB.parent / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    stages = {layer.split(".")[1] for layer in contracts[0]["layers"]}
    assert contracts[0]["type"] == "layers" and stages == {"core", "acquire", "method", "pipeline", "present"}
    outside = sorted(str(p.relative_to(LIB)) for p in LIB.rglob("*.py") if p.relative_to(LIB).parts[0] not in stages)
    assert outside == ["__init__.py"]


# One planted import against each contract of pyproject.toml, in its order.
@pytest.mark.parametrize("module, planted, message", [
    ("acquire/sources/pypi.py", "from ...method import scoring\n", "showdown_lib.acquire is not allowed to import showdown_lib.method"),
    ("method/kernel.py", "import matplotlib.pyplot\n", "showdown_lib.method is not allowed to import matplotlib"),
    ("present/site/pages.py", "from ...pipeline import runner\n", "showdown_lib.present is not allowed to import showdown_lib.pipeline.runner"),
    ("present/charts.py", "from . import presenters\n", "showdown_lib.present.charts is not allowed to import showdown_lib.present.presenters"),
])
def test_import_contracts_refuse_an_import_against_the_direction(tmp_path, module, planted, message):
    import shutil

    shutil.copy(LIB.parent / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(LIB, tmp_path / "showdown_lib", ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "showdown_lib" / module
    target.write_text(target.read_text() + "\n" + planted)
    result = _lint_imports(tmp_path)
    assert result.returncode != 0 and message in " ".join(result.stdout.split()), result.stdout


# -- calls go down the stages too -------------------------------------------------------------------
# The import contracts stop a stage importing one above it; a call could still climb through a function handed
# down (a callback) or a name resolved at run time. This follows the calls as they run.
STAGES = ("core", "acquire", "method", "pipeline", "present")  # bottom up


@functools.lru_cache(maxsize=None)
def _stage(filename: str) -> int | None:
    parts = Path(filename).resolve().parts
    lib = LIB.resolve().parts
    if parts[: len(lib)] != lib or len(parts) <= len(lib) + 1:
        return None
    return STAGES.index(parts[len(lib)]) if parts[len(lib)] in STAGES else None


def _stage_calls(call) -> dict[tuple[str, str], int]:
    """(caller's stage, callee's stage) -> number of calls while ``call()`` runs; the caller is the nearest library
    frame (a lambda run by pandas is called by the library code that handed it to pandas)."""
    import sys
    from collections import Counter

    seen: Counter = Counter()

    def profile(frame, event, arg):
        if event != "call":
            return
        callee = _stage(frame.f_code.co_filename)
        if callee is None:
            return
        caller = frame.f_back
        while caller is not None and _stage(caller.f_code.co_filename) is None:
            caller = caller.f_back
        if caller is not None:
            seen[(STAGES[_stage(caller.f_code.co_filename)], STAGES[callee])] += 1

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return dict(seen)


@pytest.mark.parametrize("edition_id", ["2018", "current", "2018-remeasured"])
def test_scoring_an_edition_calls_only_down_the_stages(edition_id):
    """The edition id enters at the method and goes down: while an edition is scored and its products made,
    no call runs from a stage to one above it."""
    import warnings

    from showdown_lib.method.edition_scores import score_edition
    from showdown_lib.method.scoring_step import products

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        calls = _stage_calls(lambda: products(score_edition(edition_id)))
    up = {pair: n for pair, n in calls.items() if STAGES.index(pair[1]) > STAGES.index(pair[0])}
    assert up == {}
    assert calls.get(("method", "acquire"), 0) > 0 and calls.get(("acquire", "core"), 0) > 0  # the trace sees the stages


def test_the_call_trace_sees_a_call_up_the_stages():
    """A function of acquisition that runs a method function handed down to it is a call up: the trace counts it."""
    import numpy as np

    from showdown_lib.method import kernel

    planted: dict = {}  # compiled as if it stood in showdown_lib/acquire/ (no file is written)
    exec(compile("def run(callback, values):\n    return callback(values)\n", str(LIB / "acquire" / "planted.py"), "exec"), planted)
    calls = _stage_calls(lambda: planted["run"](kernel.ranks, np.array([2.0, 1.0])))
    assert calls.get(("acquire", "method"), 0) == 1
