"""Run the OOTB-ops checker for each framework in its own virtual environment.

For every framework id the runner

1. creates ``<venv_root>/<framework id>/`` with ``python -m venv`` (once; later runs reuse it),
2. installs the framework's requirements from ``ootb_ops_api.yaml`` with that venv's pip (the
   machine's pip configuration decides where packages come from; no index is passed here),
3. runs ``checker.py`` with that venv's interpreter in isolated mode (``-I``: no user site, no
   script folder on ``sys.path``) from an empty working folder, the framework's spec as JSON on
   stdin and its environment variables set (secrets removed), and
4. turns the checker's JSON into observations: ``ootb_ops`` (points out of the sample size) and
   ``framework_version``, plus one row per op in the ``ops`` table.

One framework failing (pip error, import error, checker crash or timeout) never stops the probe:
its rows become ``missing`` with a one-line reason (for pip, the last line of its error output).
Reasons are scrubbed of local paths (the venv root, the home folder) before they are stored.

The venv root is chosen by the caller (command line or ``SHOWDOWN_PROBE_VENVS``); the default is
a folder under the user's cache directory, never inside the repository.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

from ..sources.base import Observation, SourceResult, missing, parse_as_of
from .spec import FrameworkSpec, OpSample, checker_payload, load_api_spec, load_sample

SOURCE = "ops_probe"
COLLECTOR_VERSION = "1.0"
CHECKER = Path(__file__).with_name("checker.py")
VENV_ENV = "SHOWDOWN_PROBE_VENVS"
_SECRETS = ("GITHUB_TOKEN", "STACKEXCHANGE_KEY")
# Variables that would leak this project's interpreter setup into the framework's venv.
_DROP_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "SHOWDOWN_ROOT")


class InstallError(RuntimeError):
    """pip could not install a framework; the message is pip's last error line."""


def default_venv_root() -> Path:
    """``$SHOWDOWN_PROBE_VENVS``, else ``<user cache>/showdown/probe-venvs``."""
    env = os.environ.get(VENV_ENV)
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "showdown" / "probe-venvs"


def venv_python(venv_dir: Path) -> Path:
    if os.name == "nt":  # pragma: no cover
        return venv_dir / "Scripts" / "python.exe"
    return venv_dir / "bin" / "python"


def _child_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SECRETS and k not in _DROP_ENV}
    env.update(extra)
    return env


def last_error_line(text: str) -> str:
    """The most telling line of a tool's error output: the last line starting with ERROR, else the last non-empty one."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR")]
    if errors:
        return errors[-1]
    return lines[-1] if lines else "no output"


def ensure_venv(venv_dir: Path, *, base_python: str | None = None, timeout: float = 600) -> Path:
    """Create the venv if its interpreter is not there yet; returns the interpreter path."""
    py = venv_python(venv_dir)
    if not py.exists():
        venv_dir.parent.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([base_python or sys.executable, "-m", "venv", str(venv_dir)], capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise InstallError(f"venv creation failed: {last_error_line(proc.stderr + proc.stdout)}")
    return py


def install_framework(spec: FrameworkSpec, venv_dir: Path, *, timeout: float = 3600) -> str:
    """pip-install the framework's requirements into its venv; returns pip's output, raises InstallError."""
    py = ensure_venv(venv_dir)
    steps: list[list[str]] = []
    if spec.preinstall:
        steps.append(list(spec.preinstall))
    steps.append(list(spec.requirements))
    log = []
    for reqs in steps:
        cmd = [str(py), "-m", "pip", "install", "--disable-pip-version-check"]
        if spec.no_build_isolation and reqs is steps[-1]:
            cmd.append("--no-build-isolation")
        cmd += reqs
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=_child_env(spec.env))
        except subprocess.TimeoutExpired:
            raise InstallError(f"pip install did not finish within {timeout:.0f} s") from None
        log.append(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            raise InstallError(last_error_line(proc.stderr or proc.stdout))
    return "\n".join(log)


def run_checker(python: Path | str, payload: dict[str, Any], *, env: dict[str, str] | None = None, timeout: float = 900) -> dict[str, Any]:
    """Run checker.py with ``python`` on ``payload``; returns its JSON. Raises RuntimeError with a one-line reason."""
    with tempfile.TemporaryDirectory(prefix="ops-probe-") as cwd:
        try:
            proc = subprocess.run(
                [str(python), "-I", str(CHECKER)],
                input=json.dumps(payload),
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=cwd,
                env=_child_env(env or {}),
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"checker did not finish within {timeout:.0f} s") from None
    out = proc.stdout.strip()
    if proc.returncode != 0 or not out:
        raise RuntimeError(f"checker exited with code {proc.returncode}: {last_error_line(proc.stderr)}")
    try:
        return json.loads(out.splitlines()[-1])
    except json.JSONDecodeError:
        raise RuntimeError(f"checker printed no JSON result: {last_error_line(out)}") from None


def _scrubber(venv_root: Path) -> Callable[[str], str]:
    """Replace local paths (venv root, home, temp, interpreter prefix) in free text with placeholders."""
    pairs = []
    for path, label in ((venv_root, "<venvs>"), (Path(sys.prefix), "<prefix>"), (Path(tempfile.gettempdir()), "<tmp>"), (Path.home(), "~")):
        for p in {str(path), str(Path(path).resolve())}:
            if p and p not in ("/", "."):
                pairs.append((p, label))
    pairs.sort(key=lambda x: -len(x[0]))

    def scrub(text: str) -> str:
        for p, label in pairs:
            text = text.replace(p, label)
        return re.sub(r"\s+", " ", text).strip()

    return scrub


def _missing_rows(fw: str, sample: OpSample, as_of: str, reason: str) -> tuple[list[Observation], list[dict[str, Any]]]:
    obs = [
        missing(fw, "ootb_ops", f"points of {len(sample)}", as_of, SOURCE, reason),
        missing(fw, "framework_version", "version", as_of, SOURCE, reason),
    ]
    table = [{"framework": fw, "op": op, "status": "missing", "points": None, "api": "", "reason": reason} for op in sample.ids]
    return obs, table


def probe(
    framework_ids: list[str],
    *,
    venv_root: Path,
    install: bool = True,
    timeout: float = 3600,
    check_timeout: float = 900,
    as_of: str | None = None,
    api_spec_path: Path | None = None,
    sample_path: Path | None = None,
    installer: Callable[[FrameworkSpec, Path], Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SourceResult:
    """Probe each framework in its own venv under ``venv_root``; one framework's failure never stops the rest.

    ``install=False`` reuses the venvs as they are (a framework without a venv becomes missing).
    ``installer`` replaces the pip step (tests use it); it gets the spec and the venv folder.
    """
    as_of = str(parse_as_of(as_of))
    venv_root = Path(venv_root)
    sample = load_sample(sample_path)
    specs = load_api_spec(api_spec_path, sample)
    scrub = _scrubber(venv_root)
    say = progress or (lambda msg: None)
    unit = f"points of {len(sample)}"
    observations: list[Observation] = []
    table: list[dict[str, Any]] = []
    failures: list[str] = []
    extra: dict[str, Any] = {"sample_id": sample.sample_id, "n_ops": len(sample), "frameworks": {}}

    for fw in framework_ids:
        spec = specs.get(fw)
        if spec is None:
            reason = "no entry in ootb_ops_api.yaml"
        elif spec.skip:
            reason = f"not attempted: {spec.skip}"
        else:
            reason = None
        if reason:
            obs, rows = _missing_rows(fw, sample, as_of, reason)
            observations += obs
            table += rows
            failures.append(f"{fw}: {reason}")
            continue
        venv_dir = venv_root / fw
        info: dict[str, Any] = {"requirements": list(spec.requirements), "env": dict(spec.env)}
        if spec.preinstall:
            info["preinstall"] = list(spec.preinstall)
        extra["frameworks"][fw] = info
        try:
            if install:
                say(f"{fw}: installing {' '.join(spec.preinstall + spec.requirements)}")
                if installer is not None:
                    installer(spec, venv_dir)
                else:
                    install_framework(spec, venv_dir, timeout=timeout)
            py = venv_python(venv_dir)
            if not py.exists():
                raise InstallError("no virtual environment (run with install enabled)")
            say(f"{fw}: checking {len(spec.ops)} ops")
            result = run_checker(py, checker_payload(spec), env=spec.env, timeout=check_timeout)
            if result.get("import_error"):
                raise RuntimeError(f"import {spec.module} failed: {result['import_error']}")
            if result.get("setup_error"):
                raise RuntimeError(f"setup snippet failed: {result['setup_error']}")
        except (InstallError, RuntimeError, OSError, subprocess.SubprocessError) as exc:
            stage = "install failed" if isinstance(exc, InstallError) else "probe failed"
            reason = scrub(f"{stage}: {exc}")
            obs, rows = _missing_rows(fw, sample, as_of, reason)
            observations += obs
            table += rows
            failures.append(f"{fw}: {reason}")
            info["error"] = reason
            say(f"{fw}: {reason}")
            continue
        version = result.get("framework_version")
        info.update({"python": result.get("python"), "versions": result.get("versions", {})})
        by_id = {r["id"]: r for r in result["ops"]}
        points = 0.0
        for op in sample.ids:
            r = by_id[op]
            points += float(r["points"])
            table.append({"framework": fw, "op": op, "status": r["status"], "points": float(r["points"]), "api": r["api"], "reason": scrub(r["reason"])})
        n_present = sum(1 for r in result["ops"] if r["status"] == "present")
        n_composed = sum(1 for r in result["ops"] if r["status"] == "composed")
        detail = f"{sample.sample_id}: {n_present} present, {n_composed} composed, {len(sample) - n_present - n_composed} absent; {spec.module} {version}"
        observations.append(Observation(fw, "ootb_ops", points, unit, as_of, SOURCE, detail))
        if version:
            observations.append(Observation(fw, "framework_version", str(version), "version", as_of, SOURCE, f"{spec.module}.__version__ or package metadata"))
        else:
            observations.append(missing(fw, "framework_version", "version", as_of, SOURCE, "module has no __version__ and no package metadata"))
        say(f"{fw}: {points:g}/{len(sample)} ({version})")

    return SourceResult(
        source=SOURCE,
        as_of=as_of,
        observations=observations,
        endpoint="pip install <requirements> into <venv_root>/<framework>; <venv python> -I checker.py < spec.json",
        method=(
            "Each framework is installed with pip into its own virtual environment and imported there; every op of the "
            "sample is looked up at its declared API paths and, where a smoke snippet is given, called on a tiny input. "
            "1 point if found and callable, 0.5 if the declared composition of public ops runs, else 0."
        ),
        collector_version=COLLECTOR_VERSION,
        failures=failures,
        extra=extra,
        tables={"ops": table},
    )
