"""The probe's Modern stack suite: compiler, scale-out, deployment and CPU speed, as the ``modern_probe`` source.

``python -m showdown_lib.acquire.probe --suite modern --framework pytorch jax tensorflow --venv-root PATH --as-of DATE``
installs each framework exactly as the op probe does (:mod:`.runner`: the newest final release as of the date,
in its own venv, the checks' runtimes installed with the framework held as constraints), runs
:mod:`.modern_checks` there and writes ``data/raw/snapshots/modern_probe/<as_of>/`` with the usual provenance
(versions, checksums, attempted or why not). The per-framework snippets are in ``data/raw/probe_modern.yaml``.

Metrics, one row per framework each (a value not measured is ``missing`` with the reason):

* ``attempted`` [0/1] -- the framework was installed and the suite run; when 0 the detail says why not.
* ``compiler_ok`` [0/1] -- the compiler API compiled the fixed function on CPU and matched eager output.
* ``compiler_speedup`` [ratio] -- eager median time / compiled median time; informative, scored nowhere.
* ``scale_out_ok`` [0/1] -- parameters sharded over two devices or processes, one SGD step equal to the unsharded one.
* ``deploy_formats`` [count] -- deployment formats (ONNX aside) exported and reloaded in their runtime with equal output.
* ``cpu_step_ms`` [ms] -- median time of one fixed training step on CPU with the thread count pinned; informative.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ...core import paths
from ...core.errors import DataError
from ...core.fileio import read_yaml
from ..sources.base import Observation, SourceResult, missing, parse_as_of
from .spec import _ID, _requirements

SOURCE = "modern_probe"
COLLECTOR_VERSION = "1.0"
SCRIPT = Path(__file__).with_name("modern_checks.py")
SECTIONS = ("compiler", "scale_out", "cpu_speed")
_SECTION_KEYS = {"api": str, "code": str, "note": str, "env": dict, "world": int, "format": str, "runtime": str}
METRICS = {"compiler_ok": "0/1", "compiler_speedup": "ratio", "scale_out_ok": "0/1", "deploy_formats": "formats",
           "cpu_step_ms": "ms"}
THREADS = 1


@dataclass(frozen=True)
class ModernSpec:
    id: str
    requirements: tuple[str, ...] = ()
    sections: dict[str, Any] = field(default_factory=dict)

    @property
    def requirements_for_install(self) -> tuple[str, ...]:
        return self.requirements


def modern_file() -> Path:
    return paths.raw_dir() / "probe_modern.yaml"


def _section(path: Path, fw: str, where: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise DataError(path, "must be a mapping", entry=fw, field=where)
    for key, value in raw.items():
        if key not in _SECTION_KEYS:
            raise DataError(path, f"unknown key {key!r}; allowed: {sorted(_SECTION_KEYS)}", entry=fw, field=f"{where}.{key}")
        if not isinstance(value, _SECTION_KEYS[key]) or isinstance(value, bool):
            raise DataError(path, f"has the wrong type ({type(value).__name__})", entry=fw, field=f"{where}.{key}")
    if not raw.get("code") and not raw.get("note"):
        raise DataError(path, "without code, say why in a note", entry=fw, field=where)
    if raw.get("world", 1) not in (1, 2):
        raise DataError(path, f"world must be 1 (two devices in one process) or 2 (two processes), got {raw['world']!r}", entry=fw, field=f"{where}.world")
    return raw


def load_modern_spec(path: str | Path | None = None) -> dict[str, ModernSpec]:
    """``probe_modern.yaml``, validated; framework id -> ModernSpec."""
    path = Path(path) if path else modern_file()
    data = read_yaml(path)
    if not isinstance(data, dict) or set(data) != {"frameworks"} or not isinstance(data["frameworks"], dict):
        raise DataError(path, "expected exactly one top-level key, frameworks", field="frameworks")
    out = {}
    for fw, raw in data["frameworks"].items():
        fw = str(fw)
        if not _ID.match(fw) or not isinstance(raw, dict):
            raise DataError(path, "a framework id (lower_snake_case) mapping to its checks", entry=fw)
        unknown = set(raw) - {"requirements", "deployment", *SECTIONS}
        if unknown:
            raise DataError(path, f"unknown key(s) {sorted(unknown)}", entry=fw, field=sorted(unknown)[0])
        sections: dict[str, Any] = {k: _section(path, fw, k, raw[k]) for k in SECTIONS if k in raw}
        deploy = raw.get("deployment", [])
        if not isinstance(deploy, list):
            raise DataError(path, "must be a list of formats", entry=fw, field="deployment")
        sections["deployment"] = [_section(path, fw, f"deployment[{i}]", d) for i, d in enumerate(deploy)]
        for i, d in enumerate(sections["deployment"]):
            if not d.get("format") or not d.get("runtime"):
                raise DataError(path, "a deployment format needs format and runtime", entry=fw, field=f"deployment[{i}]")
        out[fw] = ModernSpec(fw, tuple(_requirements(path, fw, raw, "requirements")), sections)
    return out


def modern_payload(fw: str, module: str, spec: ModernSpec, threads: int = THREADS) -> dict[str, Any]:
    """The JSON document modern_checks.py reads on stdin."""
    return {"framework": fw, "module": module, "checks": spec.sections, "threads": threads}


# --------------------------------------------------------------------------- results -> observations

def missing_modern(fw: str, as_of: str, reason: str) -> list[Observation]:
    return [missing(fw, m, unit, as_of, SOURCE, reason) for m, unit in METRICS.items()]


def _not_run(sec: dict | None) -> str:
    sec = sec or {}
    return ("not attempted: " if not sec.get("attempted") else "failed: ") + str(sec.get("error") or "no result")


def modern_observations(fw: str, res: dict, as_of: str, versions: str,
                        scrub: Callable[[str], str] = lambda s: s) -> tuple[list[Observation], list[dict[str, Any]]]:
    """Observations and ``deployment`` table rows of one framework from modern_checks' JSON.

    A check that ran and failed is 0 with the error; a check not attempted (not declared, no code) is
    missing with the reason, so n/a and 0 stay apart.
    """
    obs: list[Observation] = []
    comp = res.get("compiler") or {}
    if comp.get("attempted"):
        ok = int(bool(comp.get("ok")))
        txt = (f"{comp.get('api')} matched eager within 1e-4 (eager {comp.get('eager_ms')} ms, compiled {comp.get('compiled_ms')} ms)"
               if ok else f"{comp.get('api')} {_not_run(comp)}")
        obs.append(Observation(fw, "compiler_ok", ok, "0/1", as_of, SOURCE, f"{txt}; {versions}"))
        if ok and comp.get("speedup"):
            obs.append(Observation(fw, "compiler_speedup", comp["speedup"], "ratio", as_of, SOURCE,
                                   f"eager / compiled median of 15 calls on CPU, informative; {versions}"))
        else:
            obs.append(missing(fw, "compiler_speedup", "ratio", as_of, SOURCE, "no compiled run to time"))
    else:
        obs += [missing(fw, m, METRICS[m], as_of, SOURCE, _not_run(comp)) for m in ("compiler_ok", "compiler_speedup")]
    so = res.get("scale_out") or {}
    if so.get("attempted"):
        ok = int(bool(so.get("ok")))
        txt = (f"{so.get('api')}: W1 split over {so.get('n_shards')} shards, one SGD step equal to the unsharded step"
               if ok else f"{so.get('api')} {_not_run(so)}")
        obs.append(Observation(fw, "scale_out_ok", ok, "0/1", as_of, SOURCE, f"{txt}; {versions}"))
    else:
        obs.append(missing(fw, "scale_out_ok", "0/1", as_of, SOURCE, _not_run(so)))
    rows = []
    for d in res.get("deployment") or []:
        rows.append({"framework": fw, "format": d.get("format"), "runtime": d.get("runtime"), "attempted": int(bool(d.get("attempted"))),
                     "ok": "" if not d.get("attempted") else int(bool(d.get("ok"))), "bytes": d.get("bytes") or "",
                     "reason": "" if d.get("ok") else scrub(str(d.get("error") or ""))})
    tried = [r for r in rows if r["attempted"]]
    if tried:
        good = [r["format"] for r in tried if r["ok"]]
        skipped = [r["format"] for r in rows if not r["attempted"]]
        detail = (f"{len(good)} of {len(tried)} formats attempted round-tripped: {', '.join(good) or 'none'}"
                  + (f"; not attempted: {', '.join(skipped)}" if skipped else "") + f"; {versions}")
        obs.append(Observation(fw, "deploy_formats", len(good), "formats", as_of, SOURCE, detail))
    else:
        obs.append(missing(fw, "deploy_formats", "formats", as_of, SOURCE, "not attempted: no deployment format declared with code"))
    sp = res.get("cpu_speed") or {}
    if sp.get("attempted") and sp.get("ok"):
        obs.append(Observation(fw, "cpu_step_ms", sp["median_ms"], "ms", as_of, SOURCE,
                               f"CPU only, not a statement about GPU speed: median of {sp.get('repeats')} steps after {sp.get('warmup')} "
                               f"warm-up, {sp.get('threads')} thread(s), {sp.get('cpu')}; {versions}"))
    else:
        obs.append(missing(fw, "cpu_step_ms", "ms", as_of, SOURCE, _not_run(sp)))
    for o in obs:
        o.detail, o.reason = scrub(o.detail), scrub(o.reason)
    return obs, rows


# --------------------------------------------------------------------------- the run

def probe_modern(framework_ids: list[str], *, venv_root: Path, install: bool = True, timeout: float = 3600,
                 check_timeout: float = 2400, as_of: str | None = None, modern_path: Path | None = None,
                 api_spec_path: Path | None = None, sample_path: Path | None = None, installer=None, index_pages=None,
                 progress: Callable[[str], None] | None = None, checker: Callable[..., dict] | None = None) -> SourceResult:
    """Install (as the op probe does) and run the Modern stack checks for each framework; one failure never stops the rest.

    ``installer`` and ``index_pages`` replace pip and the index reader as in :func:`.runner.probe`; ``checker``
    replaces the call into the venv (``checker(python, payload, env=..., timeout=...) -> dict``) for tests.
    """
    from . import runner
    from .checks_spec import load_numpy_sample
    from .spec import load_api_spec, load_sample
    from .versions import compare_installed, requirement_project

    as_of = str(parse_as_of(as_of))
    venv_root = Path(venv_root)
    sample = load_sample(sample_path)
    specs = load_api_spec(api_spec_path, sample)
    modern = load_modern_spec(modern_path)
    run = runner._Run(as_of, sample, load_numpy_sample(), runner._scrubber(venv_root), progress or (lambda m: None))
    run.tables = {"deployment": [], "versions": []}
    fetch = index_pages or runner._index_fetcher()
    call = checker or (lambda py, payload, env, timeout: runner.run_checker(py, payload, env=env, timeout=timeout, script=SCRIPT))
    for fw in framework_ids:
        why_not, newest, index_error = runner._plan(fw, specs.get(fw), modern.get(fw), fetch, as_of)
        if why_not is None and fw not in modern:
            why_not = "no entry in probe_modern.yaml"
        if why_not:
            run.frameworks[fw] = {"attempted": False, "why_not": why_not}
            run.attempted(fw, 0, f"not attempted: {why_not}")
            run.observations[-1].source = SOURCE
            run.observations += missing_modern(fw, as_of, f"not attempted: {why_not}")
            continue
        spec, info = specs[fw], {"attempted": True, "requirements": list(specs[fw].requirements), "env": dict(specs[fw].env)}
        run.frameworks[fw] = info
        run.attempted(fw, 1, "installed with pip into its own virtual environment")
        run.observations[-1].source = SOURCE
        try:
            if install:
                runner._install(fw, spec, modern[fw], venv_root / fw, newest, installer, timeout, info, run)
            py = runner.venv_python(venv_root / fw)
            run.say(f"{fw}: compiler, scale-out, deployment and CPU speed checks")
            res = call(py, modern_payload(fw, spec.module, modern[fw]), env=spec.env, timeout=check_timeout)
            if res.get("import_error"):
                raise RuntimeError(f"import {spec.module} failed: {res['import_error']}")
            installed = runner._installed(py, spec.env) if checker is None else res.get("installed", {})
        except (runner.InstallError, RuntimeError, OSError, subprocess.SubprocessError) as exc:
            info["error"] = run.scrub(f"probe failed: {exc}")
            run.observations += missing_modern(fw, as_of, info["error"])
            run.failures.append(f"{fw}: {info['error']}")
            continue
        main = requirement_project(spec.requirements[0])[0]
        version = installed.get(main) or "unknown"
        extras = ", ".join(f"{n} {installed[n]}" for n in (requirement_project(r)[0] for r in modern[fw].requirements) if installed.get(n))
        versions = f"{main} {version}" + (f"; {extras}" if extras else "")
        obs, rows = modern_observations(fw, res, as_of, versions, run.scrub)
        run.observations += obs
        run.tables["deployment"] += rows
        info["versions_vs_index"] = compare_installed(newest, installed)
        info["python"] = res.get("python")
        run.tables["versions"] += [{"framework": fw, "project": n, "installed": r["installed"] or "", "newest_final": r["newest_final"] or "",
                                    "note": r.get("note", "")} for n, r in info["versions_vs_index"].items()]
        if index_error:
            info["index_error"] = run.scrub(index_error)
        run.say(f"{fw}: " + ", ".join(f"{o.metric}={o.value}" for o in obs if o.status == "ok"))
    return SourceResult(
        source=SOURCE, as_of=as_of, observations=run.observations,
        endpoint="pip install --upgrade <requirements bounded by the newest final release as of the date> into <venv_root>/<framework>; "
                 "<venv python> -I modern_checks.py < modern.json",
        method=("Each framework's newest final release as of the date, installed in its own venv as the op probe does. Compiler: a fixed "
                "function compiled on CPU must match eager output (speed-up timed, informative). Scale-out: parameters of a 4-8-3 MLP sharded "
                "over two virtual CPU devices or two processes; one SGD step must equal the unsharded step computed in NumPy. Deployment: the "
                "MLP exported to each declared format and reloaded in that format's runtime with equal output. CPU speed: median of 25 steps of "
                f"a 256-512-512-10 MLP after 5 warm-up steps, {THREADS} thread; CPU only, informative."),
        collector_version=COLLECTOR_VERSION, failures=run.failures,
        extra={"threads": THREADS, "frameworks": run.frameworks}, tables=run.tables,
    )
