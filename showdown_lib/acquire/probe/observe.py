"""Turn the in-venv check results into observations on the criteria's scales.

Metrics (unit in brackets), one row per framework each; a value that could not be measured is a
``missing`` row whose reason holds the error text:

* ``attempted`` [0/1] -- 1 when the probe tried to install the framework; when 0 the detail says why
  not (not on the package index, no file for this Python, a judgement recorded in ootb_ops_api.yaml).
* ``graph_eager`` [0/1] -- an op run at top level, outside any graph/session/compile context,
  returned the expected concrete number (define-by-run).
* ``graph_symbolic`` [0/1] -- a traced or symbolic graph API resolved and built a graph.
* ``graph_building`` [level 0-2] -- criteria.yaml's scale: 2 when define-by-run works (dynamic
  building is the mode an op runs in by default), 1 symbolic only, 0 neither.
* ``onnx_export`` / ``onnx_import`` [level 0-2] -- when the round trip worked, 2 for an official path
  (maintained by the framework's own project and named in its docs), 1 for a converter maintained
  elsewhere (probe_checks.yaml, ``official``); 0 when it failed or nothing is claimed.
* ``onnx_support`` [level 0-2] -- :func:`onnx_support_level`: the export level; a framework that
  only imports ONNX gets at most 1 (half of an exchange), so import alone never makes the top level.
* ``dist_api`` [0/1] -- every declared multi-process/collective API path resolved.
* ``allreduce_ok`` [0/1] -- a 2-process all-reduce on localhost gave the right sum on every rank;
  missing when no CPU all-reduce was run (the reason says why).
* ``scalability`` [level 0-2] -- :func:`scalability_level`: 2 only when the built-in collective ran
  and returned the right sum; missing when the API is declared but no collective ran (a declared
  API is not a measurement); without a built-in API, 1 when a declared third-party tool imports, 0
  otherwise.
* ``numerics_coverage`` [fraction] -- share of the NumPy sample callable under NumPy's name in the
  framework's array namespace and matching NumPy on the same inputs.
"""
from __future__ import annotations

from typing import Any, Callable

from ..sources.base import Observation, missing

SOURCE = "ops_probe"
LEVEL = "level 0-2"
CHECK_METRICS = {
    "graph_eager": "0/1", "graph_symbolic": "0/1", "graph_building": LEVEL,
    "onnx_export": LEVEL, "onnx_import": LEVEL, "onnx_support": LEVEL,
    "dist_api": "0/1", "allreduce_ok": "0/1", "scalability": LEVEL,
    "numerics_coverage": "fraction",
}


def missing_checks(fw: str, as_of: str, reason: str) -> list[Observation]:
    """Every check metric missing with the same reason (framework not attempted or not installed)."""
    return [missing(fw, m, unit, as_of, SOURCE, reason) for m, unit in CHECK_METRICS.items()]


def graph_observations(fw: str, res: dict | None, as_of: str, versions: str) -> list[Observation]:
    if not res or res.get("eager") is None:
        why = (res or {}).get("error") or "graph check not declared for this framework"
        return [missing(fw, m, CHECK_METRICS[m], as_of, SOURCE, why) for m in ("graph_eager", "graph_symbolic", "graph_building")]
    eager, sym = int(res["eager"]), int(res["symbolic"] or 0)
    level = 2 if eager else (1 if sym else 0)
    e_txt = "define-by-run: op outside any context returned a concrete value" if eager else f"not define-by-run: {res['eager_error']}"
    s_txt = f"symbolic/traced graph via {res['symbolic_api']}" if sym else f"no symbolic graph: {res['symbolic_error']}"
    return [
        Observation(fw, "graph_eager", eager, "0/1", as_of, SOURCE, f"{e_txt}; {versions}"),
        Observation(fw, "graph_symbolic", sym, "0/1", as_of, SOURCE, f"{s_txt}; {versions}"),
        Observation(fw, "graph_building", level, LEVEL, as_of, SOURCE, f"{e_txt}; {s_txt}; {versions}"),
    ]


def direction_level(worked: bool, official: bool) -> int:
    """One direction of ONNX (export or import): 2 an official path that worked, 1 a third-party
    converter that worked, 0 none or failed."""
    return (2 if official else 1) if worked else 0


def onnx_support_level(export: float, import_: float) -> float:
    """The criterion's level from the two directions: the export level (the post asks whether a model
    can be written to ONNX); a framework that only imports gets at most 1."""
    return float(export) if export else float(min(import_, 1))


def scalability_level(dist_api: float | None, allreduce_ok: float | None, third_party: float | None = 0) -> float | None:
    """2 when the built-in collective ran and returned the right sum; None (not measured) when a
    built-in API is declared but no collective ran or it returned a wrong sum; without a built-in
    API, 1 when a third-party tool imports, else 0."""
    if allreduce_ok == 1:
        return 2.0
    if dist_api:
        return None
    return 1.0 if third_party else 0.0


def _onnx_part(part: dict) -> tuple[int, str]:
    if part.get("ok") is None:
        return 0, f"not claimed ({part.get('error')})"
    if part["ok"]:
        level = direction_level(True, part["official"])
        kind = "official" if part["official"] else "third-party converter"
        return level, f"{part['tool']} worked ({kind}, level {level})"
    return 0, f"{part['tool']} failed at {part['stage']}: {part['error']}"


def onnx_observations(fw: str, res: dict | None, as_of: str, versions: str, extras: str = "") -> list[Observation]:
    """``extras``: installed versions of the check's own requirements (converter, onnx, onnxruntime)."""
    metrics = ("onnx_export", "onnx_import", "onnx_support")
    if not res or "export" not in res:
        why = (res or {}).get("error") or "ONNX check not declared for this framework"
        return [missing(fw, m, LEVEL, as_of, SOURCE, why) for m in metrics]
    ov = res.get("versions") or {}
    if not all(ov.get(n) for n in ("onnx", "onnxruntime")):
        why = f"onnx/onnxruntime not installed in the framework's venv (onnx {ov.get('onnx')}, onnxruntime {ov.get('onnxruntime')})"
        return [missing(fw, m, LEVEL, as_of, SOURCE, why) for m in metrics]
    tools = f"{extras or 'onnx ' + ov['onnx'] + ', onnxruntime ' + ov['onnxruntime']}; {versions}"
    (exp, exp_txt), (imp, imp_txt) = _onnx_part(res["export"]), _onnx_part(res["import"])
    return [
        Observation(fw, "onnx_export", exp, LEVEL, as_of, SOURCE, f"export: {exp_txt}; {tools}"),
        Observation(fw, "onnx_import", imp, LEVEL, as_of, SOURCE, f"import: {imp_txt}; {tools}"),
        Observation(fw, "onnx_support", onnx_support_level(exp, imp), LEVEL, as_of, SOURCE, f"export: {exp_txt}; import: {imp_txt}; {tools}"),
    ]


def dist_observations(fw: str, res: dict | None, as_of: str, versions: str) -> list[Observation]:
    if not res or "dist_api" not in res:
        why = (res or {}).get("error") or "scalability check not declared for this framework"
        return [missing(fw, m, CHECK_METRICS[m], as_of, SOURCE, why) for m in ("dist_api", "allreduce_ok", "scalability")]
    api = int(res["dist_api"])
    api_txt = f"built-in API present: {', '.join(res['api'])}" if api else f"no built-in multi-process API: {res['dist_api_error']}"
    third = [t["module"] for t in res.get("third_party") or [] if t["ok"]]
    ar = res.get("allreduce") or {}
    level = scalability_level(api, ar.get("ok"), len(third))
    out = [Observation(fw, "dist_api", api, "0/1", as_of, SOURCE, f"{api_txt}; {versions}")]
    if ar.get("ok") is None:
        out.append(missing(fw, "allreduce_ok", "0/1", as_of, SOURCE, f"no all-reduce run: {ar.get('error')}"))
        ar_txt = "all-reduce not run"
    else:
        ar_txt = "2-process all-reduce on localhost gave 3.0 on both ranks" if ar["ok"] else f"all-reduce failed: {ar['error']}"
        out.append(Observation(fw, "allreduce_ok", int(ar["ok"]), "0/1", as_of, SOURCE, f"{ar_txt}; {versions}"))
    third_txt = f"; third-party: {', '.join(third)}" if third else ""
    text = f"{api_txt}{third_txt}; {ar_txt}; {versions}"
    out.append(Observation(fw, "scalability", level, LEVEL, as_of, SOURCE, text) if level is not None else
               missing(fw, "scalability", LEVEL, as_of, SOURCE, f"no collective ran and returned the right sum: {text}"))
    return out


def numerics_observations(fw: str, res: dict | None, as_of: str, versions: str, sample_id: str,
                          n_sample: int) -> tuple[list[Observation], list[dict[str, Any]]]:
    unit = f"fraction of {n_sample}"
    if not res or res.get("error") or not res.get("functions"):
        why = (res or {}).get("error") or "numerics check not declared for this framework"
        return [missing(fw, "numerics_coverage", unit, as_of, SOURCE, why)], []
    rows = [{"framework": fw, "function": r["name"], "ok": r["ok"], "error": r["error"] or ""} for r in res["functions"]]
    n_ok = sum(r["ok"] for r in res["functions"])
    failing = ", ".join(r["name"] for r in res["functions"] if not r["ok"]) or "none"
    detail = f"{sample_id}: {n_ok}/{len(rows)} in {res['namespace']} match NumPy; failing: {failing}; {versions}"
    return [Observation(fw, "numerics_coverage", round(n_ok / len(rows), 4), unit, as_of, SOURCE, detail)], rows


def check_observations(fw: str, res: dict, as_of: str, versions: str, sample_id: str, n_sample: int,
                       scrub: Callable[[str], str], extras: str = "") -> tuple[list[Observation], list[dict[str, Any]]]:
    """All check observations of one framework from probe_checks' JSON; free text scrubbed of local paths."""
    obs = graph_observations(fw, res.get("graph"), as_of, versions)
    obs += onnx_observations(fw, res.get("onnx"), as_of, versions, extras)
    obs += dist_observations(fw, res.get("dist"), as_of, versions)
    num, rows = numerics_observations(fw, res.get("numerics"), as_of, versions, sample_id, n_sample)
    for o in obs + num:
        o.detail, o.reason = scrub(o.detail), scrub(o.reason)
    for r in rows:
        r["error"] = scrub(r["error"])
    return obs + num, rows
