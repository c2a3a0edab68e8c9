"""pyproject.toml and environment.yml declare the same dependencies."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def norm(spec: str) -> str:
    name = re.split(r"[<>=!~ \[;]", spec, maxsplit=1)[0]
    return name.lower().replace("_", "-") + spec[len(name):].replace(" ", "")


def test_pyproject_and_environment_declare_the_same_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_block = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    from_env = sorted(norm(s) for s in pip_block if not s.startswith("-e"))
    assert from_env == sorted(norm(s) for s in project)
    assert "-e ." in pip_block, "environment.yml must install the project itself"


def test_design_card_packages_are_declared():
    project = {norm(s).split(">")[0].split("=")[0] for s in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    for pkg in ["jupyterlab", "papermill", "pandas", "numpy", "seaborn", "matplotlib", "requests", "nbval"]:
        assert pkg in project
