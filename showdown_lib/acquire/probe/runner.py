"""Run the probe for each framework in its own virtual environment.

For every framework id the runner

1. decides whether to attempt it: a ``skip`` in ``ootb_ops_api.yaml``, a project the package index
   does not have, or a newest release with no file this Python can install means *not attempted*,
   recorded with the reason (metric ``attempted`` = 0); everything else is attempted;
2. creates ``<venv_root>/<framework id>/`` with ``python -m venv`` (once; later runs reuse it),
3. installs the framework's requirements with that venv's pip, every bare name bounded by the
   newest final release on the index as of the edition date and ``--upgrade`` so a reused venv
   is brought up to it (:mod:`.versions`); the machine's pip constraint files are not applied
   (``PIP_CONSTRAINT`` points at an empty file for these calls: a cap there would hold a framework back);
   the index itself is whatever pip is configured with,
4. installs the checks' extras (onnx, onnxruntime, converters from ``probe_checks.yaml``) with the
   framework's installed versions held as constraints, so they never change what was probed,
5. runs ``checker.py`` (the op sample) and ``probe_checks.py`` (graph building, ONNX, scalability,
   numerics) with that venv's interpreter in isolated mode (``-I``) from an empty working folder,
   the framework's environment variables set (secrets removed), and
6. turns their JSON into observations (see :mod:`.observe` for the metrics) and tables: ``ops``
   (one row per op), ``numerics`` (one row per NumPy function) and ``versions`` (installed release
   against the newest final on the index as of the date, per project).

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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from ..sources.base import Observation, SourceResult, missing, parse_as_of
from .checks_spec import ChecksSpec, NumpySample, checks_payload, load_checks_spec, load_numpy_sample
from .observe import check_observations, missing_checks
from .spec import FrameworkSpec, OpSample, checker_payload, load_api_spec, load_sample
from .versions import Newest, PageFetcher, bounded_requirements, compare_installed, requirement_project, resolve_newest

SOURCE = "ops_probe"
COLLECTOR_VERSION = "2.0"
CHECKER = Path(__file__).with_name("checker.py")
VENV_ENV = "SHOWDOWN_PROBE_VENVS"
_SECRETS = ("GITHUB_TOKEN", "STACKEXCHANGE_KEY")
# Variables that would leak this project's interpreter setup into the framework's venv.
_DROP_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "SHOWDOWN_ROOT")
# Set for the probe's pip calls: machine-wide constraint files would hold frameworks below the newest release.
PIP_ENV = {"PIP_CONSTRAINT": os.devnull}  # an empty value would be ignored by pip
CHECKS = Path(__file__).with_name("probe_checks.py")


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


def install_framework(spec: FrameworkSpec, venv_dir: Path, *, timeout: float = 3600, constraints: Path | None = None) -> str:
    """pip-install the framework's requirements into its venv; returns pip's output, raises InstallError.

    Requirements are passed as given (the caller bounds them); ``--upgrade`` lifts a reused venv to them.
    """
    py = ensure_venv(venv_dir)
    steps: list[list[str]] = []
    if spec.preinstall:
        steps.append(list(spec.preinstall))
    steps.append(list(spec.requirements))
    log = []
    for reqs in steps:
        cmd = [str(py), "-m", "pip", "install", "--disable-pip-version-check", "--upgrade"]
        if constraints is not None:
            cmd += ["--constraint", str(constraints)]
        if spec.no_build_isolation and reqs is steps[-1]:
            cmd.append("--no-build-isolation")
        cmd += reqs
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=_child_env(dict(spec.env, **PIP_ENV)))
        except subprocess.TimeoutExpired:
            raise InstallError(f"pip install did not finish within {timeout:.0f} s") from None
        log.append(proc.stdout + proc.stderr)
        if proc.returncode != 0:
            raise InstallError(last_error_line(proc.stderr or proc.stdout))
    return "\n".join(log)


def run_checker(python: Path | str, payload: dict[str, Any], *, env: dict[str, str] | None = None, timeout: float = 900,
                script: Path = CHECKER) -> dict[str, Any]:
    """Run ``script`` (checker.py) with ``python`` on ``payload``; returns its JSON. Raises RuntimeError with a one-line reason."""
    with tempfile.TemporaryDirectory(prefix="ops-probe-") as cwd:
        try:
            proc = subprocess.run(
                [str(python), "-I", str(script)],
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


def _index_fetcher() -> PageFetcher:
    """Project pages from the index pip is configured with (no host name in code)."""
    from ..sources.http import make_session
    from ..sources.pypi import fetch_project, index_url

    session, index = make_session(use_cache=False), index_url().rstrip("/")
    return lambda project: fetch_project(session, index, project)[0]


def _installed(python: Path, env: dict[str, str], timeout: float = 300) -> dict[str, str]:
    """Canonical distribution name -> installed version, read inside the venv."""
    return run_checker(python, {"list_installed": True}, env=env, timeout=timeout, script=CHECKS)["installed"]


@dataclass
class _Run:
    """Everything one probe run collects; one framework's outcome is added by the helpers below."""

    as_of: str
    sample: OpSample
    numpy_sample: NumpySample
    scrub: Callable[[str], str]
    say: Callable[[str], None]
    observations: list[Observation] = field(default_factory=list)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {"ops": [], "numerics": [], "versions": []})
    failures: list[str] = field(default_factory=list)
    frameworks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def attempted(self, fw: str, value: int, why: str) -> None:
        self.observations.append(Observation(fw, "attempted", value, "0/1", self.as_of, SOURCE, why))

    def all_missing(self, fw: str, reason: str) -> None:
        self.observations += [
            missing(fw, "ootb_ops", f"points of {len(self.sample)}", self.as_of, SOURCE, reason),
            missing(fw, "framework_version", "version", self.as_of, SOURCE, reason),
        ] + missing_checks(fw, self.as_of, reason)
        self.tables["ops"] += [{"framework": fw, "op": op, "status": "missing", "points": None, "api": "", "reason": reason} for op in self.sample.ids]
        self.failures.append(f"{fw}: {reason}")

    def not_attempted(self, fw: str, reason: str) -> None:
        self.frameworks[fw] = {"attempted": False, "why_not": reason}
        self.attempted(fw, 0, f"not attempted: {reason}")
        self.all_missing(fw, f"not attempted: {reason}")

    def ops(self, fw: str, spec: FrameworkSpec, result: dict[str, Any], newest: str | None) -> None:
        by_id = {r["id"]: r for r in result["ops"]}
        points = 0.0
        for op in self.sample.ids:
            r = by_id[op]
            points += float(r["points"])
            self.tables["ops"].append({"framework": fw, "op": op, "status": r["status"], "points": float(r["points"]), "api": r["api"], "reason": self.scrub(r["reason"])})
        n_present = sum(1 for r in result["ops"] if r["status"] == "present")
        n_composed = sum(1 for r in result["ops"] if r["status"] == "composed")
        version = result.get("framework_version")
        detail = f"{self.sample.sample_id}: {n_present} present, {n_composed} composed, {len(self.sample) - n_present - n_composed} absent; {spec.module} {version}"
        self.observations.append(Observation(fw, "ootb_ops", points, f"points of {len(self.sample)}", self.as_of, SOURCE, detail))
        if version:
            vdetail = f"{spec.module}.__version__ or package metadata; newest final on the index as of {self.as_of}: {newest or 'unknown'}"
            self.observations.append(Observation(fw, "framework_version", str(version), "version", self.as_of, SOURCE, vdetail))
        else:
            self.observations.append(missing(fw, "framework_version", "version", self.as_of, SOURCE, "module has no __version__ and no package metadata"))
        self.say(f"{fw}: {points:g}/{len(self.sample)} ({version})")


def _plan(fw: str, spec: FrameworkSpec | None, checks: ChecksSpec | None, fetch: PageFetcher, as_of: str) -> tuple[str | None, dict[str, Newest], str]:
    """(reason not to attempt or None, newest-final info per bare requirement, index error text)."""
    if spec is None:
        return "no entry in ootb_ops_api.yaml", {}, ""
    if spec.skip:
        return spec.skip, {}, ""
    reqs = list(spec.requirements) + list(checks.requirements if checks else ())
    try:
        newest = resolve_newest(reqs, fetch, as_of)
    except Exception as exc:  # index unreachable: install unbounded (with --upgrade) and say so
        return None, {}, f"newest release not resolved from the index: {type(exc).__name__}: {exc}"
    main = requirement_project(spec.requirements[0])[0]
    pinned = requirement_project(spec.requirements[0])[1]
    if not pinned and main not in newest:
        return f"{main} is not distributed on the package index", newest, ""
    if main in newest and newest[main].installable is None:
        return f"no file of {main} installs on this Python and platform ({newest[main].why_not})", newest, ""
    return None, newest, ""


def _install(fw: str, spec: FrameworkSpec, checks: ChecksSpec | None, venv_dir: Path, newest: dict[str, Newest],
             installer, timeout: float, info: dict[str, Any], run: _Run) -> None:
    """Install the framework (bounded by the newest final releases), then the checks' extras with the framework held."""
    fw_spec = replace(spec, requirements=tuple(bounded_requirements(spec.requirements, newest)))
    info["requirements"] = list(fw_spec.requirements)
    run.say(f"{fw}: installing {' '.join(fw_spec.preinstall + fw_spec.requirements)}")
    (installer or (lambda s, d: install_framework(s, d, timeout=timeout)))(fw_spec, venv_dir)
    if not checks or not checks.requirements:
        return
    extras = replace(spec, requirements=tuple(bounded_requirements(checks.requirements, newest)), preinstall=(), no_build_isolation=False)
    info["checks_requirements"] = list(extras.requirements)
    try:
        held = _installed(venv_python(venv_dir), spec.env)
        with tempfile.TemporaryDirectory(prefix="probe-constraints-") as tmp:
            cons = Path(tmp) / "constraints.txt"
            cons.write_text("".join(f"{n}=={v}\n" for n, v in sorted(held.items()) if n not in ("pip", "setuptools", "wheel")))
            errors = []
            for req in extras.requirements:  # one at a time: a converter that fails must not keep onnx out
                try:
                    one = replace(extras, requirements=(req,))
                    installer(one, venv_dir) if installer is not None else install_framework(one, venv_dir, timeout=timeout, constraints=cons)
                except InstallError as exc:
                    errors.append(f"{req}: {exc}")
    except RuntimeError as exc:
        errors = [f"installed versions not read: {exc}"]
    if errors:
        info["checks_install_error"] = run.scrub("; ".join(errors))
        run.say(f"{fw}: checks' extras not all installed: {info['checks_install_error']}")


def _probe_one(fw: str, spec: FrameworkSpec, checks: ChecksSpec | None, newest: dict[str, Newest], *, venv_root: Path,
               install: bool, installer, timeout: float, check_timeout: float, run: _Run) -> None:
    venv_dir = venv_root / fw
    info: dict[str, Any] = {"attempted": True, "requirements": list(spec.requirements), "env": dict(spec.env)}
    if spec.preinstall:
        info["preinstall"] = list(spec.preinstall)
    run.frameworks[fw] = info
    run.attempted(fw, 1, "installed with pip into its own virtual environment")
    try:
        if install:
            _install(fw, spec, checks, venv_dir, newest, installer, timeout, info, run)
        py = venv_python(venv_dir)
        if not py.exists():
            raise InstallError("no virtual environment (run with install enabled)")
        run.say(f"{fw}: checking {len(spec.ops)} ops")
        result = run_checker(py, checker_payload(spec), env=spec.env, timeout=check_timeout)
        if result.get("import_error"):
            raise RuntimeError(f"import {spec.module} failed: {result['import_error']}")
        if result.get("setup_error"):
            raise RuntimeError(f"setup snippet failed: {result['setup_error']}")
    except (InstallError, RuntimeError, OSError, subprocess.SubprocessError) as exc:
        stage = "install failed" if isinstance(exc, InstallError) else "probe failed"
        info["error"] = run.scrub(f"{stage}: {exc}")
        run.all_missing(fw, info["error"])
        run.say(f"{fw}: {info['error']}")
        return
    main = requirement_project(spec.requirements[0])[0]
    run.ops(fw, spec, result, newest[main].newest if main in newest else None)
    info.update({"python": result.get("python"), "versions": result.get("versions", {})})
    _run_checks(fw, spec, checks, py, newest, check_timeout, info, run, result.get("framework_version"))


def _run_checks(fw: str, spec: FrameworkSpec, checks: ChecksSpec | None, py: Path, newest: dict[str, Newest],
                timeout: float, info: dict[str, Any], run: _Run, version: str | None) -> None:
    if checks is None:
        run.observations += missing_checks(fw, run.as_of, "no entry in probe_checks.yaml")
        return
    run.say(f"{fw}: graph, ONNX, scalability and numerics checks")
    try:
        res = run_checker(py, checks_payload(fw, spec.module, checks, run.numpy_sample), env=spec.env, timeout=timeout * 2, script=CHECKS)
        if res.get("import_error"):
            raise RuntimeError(f"import {spec.module} failed: {res['import_error']}")
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        run.observations += missing_checks(fw, run.as_of, run.scrub(f"checks failed: {exc}"))
        return
    installed = res.get("installed") or {}
    extras = ", ".join(f"{n} {installed.get(n)}" for n in (requirement_project(r)[0] for r in checks.requirements) if installed.get(n))
    if info.get("checks_install_error"):
        extras += f"; not installed: {info['checks_install_error']}"
    obs, rows = check_observations(fw, res, run.as_of, f"{spec.module} {version}", run.numpy_sample.sample_id,
                                   len(run.numpy_sample), run.scrub, extras)
    run.observations += obs
    run.tables["numerics"] += rows
    vs = compare_installed(newest, installed)
    info["versions_vs_index"] = vs
    run.tables["versions"] += [{"framework": fw, "project": n, "installed": row["installed"] or "", "newest_final": row["newest_final"] or "",
                                "newest_installable": row["newest_installable"] or "", "note": row.get("note", "")} for n, row in vs.items()]


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
    checks_path: Path | None = None,
    numpy_sample_path: Path | None = None,
    installer: Callable[[FrameworkSpec, Path], Any] | None = None,
    index_pages: PageFetcher | None = None,
    progress: Callable[[str], None] | None = None,
) -> SourceResult:
    """Probe each framework in its own venv under ``venv_root``; one framework's failure never stops the rest.

    ``install=False`` reuses the venvs as they are (a framework without a venv becomes missing).
    ``installer`` replaces the pip steps (tests use it); it gets the spec (requirements already
    bounded) and the venv folder. ``index_pages`` replaces the package-index reader (project -> page).
    """
    as_of = str(parse_as_of(as_of))
    venv_root = Path(venv_root)
    sample = load_sample(sample_path)
    specs = load_api_spec(api_spec_path, sample)
    checks = load_checks_spec(checks_path)
    run = _Run(as_of, sample, load_numpy_sample(numpy_sample_path), _scrubber(venv_root), progress or (lambda msg: None))
    fetch = index_pages or _index_fetcher()
    for fw in framework_ids:
        why_not, newest, index_error = _plan(fw, specs.get(fw), checks.get(fw), fetch, as_of)
        if why_not:
            run.not_attempted(fw, why_not)
            continue
        _probe_one(fw, specs[fw], checks.get(fw), newest, venv_root=venv_root, install=install, installer=installer,
                   timeout=timeout, check_timeout=check_timeout, run=run)
        if index_error:
            run.frameworks[fw]["index_error"] = run.scrub(index_error)
    return SourceResult(
        source=SOURCE,
        as_of=as_of,
        observations=run.observations,
        endpoint="pip install --upgrade <requirements bounded by the newest final release as of the date> into <venv_root>/<framework>; "
                 "<venv python> -I checker.py < spec.json; <venv python> -I probe_checks.py < checks.json",
        method=(
            "Each framework's newest final release as of the date (from the configured package index) is installed with pip into its "
            "own virtual environment and imported there. Ops: every op of the sample is looked up at its declared API paths and, where "
            "a smoke snippet is given, called on a tiny input (1 point if found and callable, 0.5 if the declared composition of public "
            "ops runs, else 0). Graph building: an op outside any graph context must return a concrete value; a traced/symbolic API "
            "must build a graph. ONNX: a fixed 4-8-3 MLP is exported and checked with onnx.checker and onnxruntime against the "
            "framework's output, and imported where claimed. Scalability: the collective API must resolve and a 2-process all-reduce "
            "on localhost must return the right sum. Numerics: a fixed sample of NumPy functions is called in the framework's array "
            "namespace and compared with NumPy."
        ),
        collector_version=COLLECTOR_VERSION,
        failures=run.failures,
        extra={"sample_id": sample.sample_id, "n_ops": len(sample), "numpy_sample_id": run.numpy_sample.sample_id,
               "n_numpy_functions": len(run.numpy_sample), "pip_env": dict(PIP_ENV), "frameworks": run.frameworks},
        tables=run.tables,
    )
