"""Measured inputs derived from committed snapshots by the method's stated rules, never by a proxy.

Each function reads observations a snapshot already holds and returns new observation rows (same
columns), so a better basis is computed from the committed data without collecting again:

* ``pypi.os_count_native`` -- the operating systems where the framework's native code ships: the
  snapshot's wheel-tag count, but only where the wheels carry native code (the framework's own or
  its required backend's, e.g. jaxlib for JAX). A pure-Python ``py3-none-any`` wheel installs
  anywhere and says nothing about where the framework runs, so it is not a measurement of OS
  support: missing, with that reason (the cited fact then scores).
* ``ops_probe.onnx_level`` -- export and import as separate facts, each classified by the one
  converter rule of ``probe_checks.yaml`` (``official``), combined by
  :func:`~showdown_lib.acquire.probe.observe.onnx_support_level`.
* ``ops_probe.scalability_run`` -- the level from the collective that ran and returned the right
  sum (:func:`~showdown_lib.acquire.probe.observe.scalability_level`), not from the declared API.
* a ``numerics_coverage`` measured in NumPy itself is refused (:func:`refuse_self_scoring`).
* ``index_reach.accelerators_on_index`` of a front end (Keras 3) counts only what it reaches through the backend
  it is measured on (``front_end.measured_on`` in frameworks.yaml), not the union of every backend it could run on:
  "Keras (JAX backend)" is scored on JAX's accelerators (:func:`on_measured_backend`).
* ``pypi.feature_releases_12m`` is made with the other release inputs in :mod:`.observations`.
"""
from __future__ import annotations

import re

import pandas as pd

from ..acquire.probe.observe import direction_level, onnx_support_level, scalability_level
from ..acquire.sources.base import OBSERVATION_COLUMNS


def _by_metric(table: pd.DataFrame, source: str, metric: str) -> dict[str, dict]:
    part = table[(table["source"] == source) & (table["metric"] == metric)]
    return {r["framework"]: r for r in part.to_dict("records")}


def _value(row: dict | None) -> float | None:
    if row is None or row.get("status") != "ok":
        return None
    try:
        return float(row["value"])
    except (TypeError, ValueError):
        return None


def _row(base: dict, metric: str, value, unit: str, detail: str, reason: str = "") -> dict:
    status = "ok" if reason == "" else "missing"
    return {**base, "metric": metric, "value": value if status == "ok" else None, "unit": unit,
            "detail": detail, "status": status, "reason": reason}


def native_os_counts(table: pd.DataFrame) -> pd.DataFrame:
    """``pypi.os_count_native`` per framework with a wheel-tag count (see the module docstring)."""
    counts, arches = _by_metric(table, "pypi", "os_count"), _by_metric(table, "pypi", "architectures")
    rows = []
    for fw, row in counts.items():
        base = {"framework": fw, "as_of": row["as_of"], "source": "pypi"}
        value, arch = _value(row), str((arches.get(fw) or {}).get("value") or "")
        if value is None:
            rows.append(_row(base, "os_count_native", None, "count", row.get("detail") or "", row.get("reason") or "no wheel tags"))
        elif {a for a in arch.split(";") if a} <= {"any"}:
            rows.append(_row(base, "os_count_native", None, "count", row.get("detail") or "",
                             f"{row.get('detail')} are pure-Python (py3-none-any): a wheel without native code installs "
                             "anywhere and does not show where the framework runs"))
        else:
            rows.append(_row(base, "os_count_native", value, "count", f"{row.get('detail')} (native code: {arch.replace(';', ', ')})"))
    return pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)


def onnx_levels(table: pd.DataFrame, official: dict[str, dict[str, bool]]) -> pd.DataFrame:
    """``ops_probe.onnx_level`` from the snapshot's export and import results and the converter rule.

    ``official``: framework -> {"export": bool, "import": bool}, from probe_checks.yaml. A direction
    whose round trip worked (a stored level above 0) is re-classified by the rule; one that did not
    stays 0.
    """
    exports, imports = _by_metric(table, "ops_probe", "onnx_export"), _by_metric(table, "ops_probe", "onnx_import")
    rows = []
    for fw, exp_row in exports.items():
        base = {"framework": fw, "as_of": exp_row["as_of"], "source": "ops_probe"}
        exp, imp = _value(exp_row), _value(imports.get(fw))
        if exp is None or imp is None:
            rows.append(_row(base, "onnx_level", None, "level 0-2", "", exp_row.get("reason") or "ONNX not measured"))
            continue
        rule = official.get(fw, {})
        e, i = direction_level(exp > 0, rule.get("export", False)), direction_level(imp > 0, rule.get("import", False))
        words = {0: "none", 1: "third-party converter", 2: "official"}
        detail = (f"export {words[e]} ({e}), import {words[i]} ({i}) by the converter rule of probe_checks.yaml; "
                  f"{exp_row.get('detail')}; {(imports.get(fw) or {}).get('detail')}")
        rows.append(_row(base, "onnx_level", onnx_support_level(e, i), "level 0-2", detail))
    return pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)


def scalability_runs(table: pd.DataFrame) -> pd.DataFrame:
    """``ops_probe.scalability_run``: 2 only where the all-reduce returned the right sum."""
    apis, runs, levels = (_by_metric(table, "ops_probe", m) for m in ("dist_api", "allreduce_ok", "scalability"))
    rows = []
    for fw, api_row in apis.items():
        base = {"framework": fw, "as_of": api_row["as_of"], "source": "ops_probe"}
        api, ran = _value(api_row), _value(runs.get(fw))
        if api is None:
            rows.append(_row(base, "scalability_run", None, "level 0-2", "", api_row.get("reason") or "not measured"))
            continue
        third = (_value(levels.get(fw)) or 0) >= 1 if not api else 0
        level = scalability_level(api, ran, third)
        run_row = runs.get(fw) or {}
        text = run_row.get("detail") or run_row.get("reason") or ""
        if level is None:
            rows.append(_row(base, "scalability_run", None, "level 0-2", api_row.get("detail") or "",
                             f"the built-in API is declared but no collective ran and returned the right sum ({text})"))
        else:
            rows.append(_row(base, "scalability_run", level, "level 0-2", f"{api_row.get('detail')}; {text}".rstrip("; ")))
    return pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)


def probe_officials(spec: dict) -> dict[str, dict[str, bool]]:
    """framework -> {"export": official, "import": official} from the loaded probe_checks spec."""
    out = {}
    for fw, checks in spec.items():
        onnx = checks.sections.get("onnx", {})
        out[fw] = {part: bool((onnx.get(part) or {}).get("official")) for part in ("export", "import")}
    return out


def refuse_self_scoring(table: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """A numerics coverage measured in a namespace that is NumPy itself (Chainer) scores NumPy against
    NumPy: the stored value is replaced by a missing one with that reason, whatever the snapshot holds."""
    selves = {fw for fw, checks in spec.items() if checks.sections.get("numerics", {}).get("namespace") == "numpy"}
    hit = (table["source"] == "ops_probe") & (table["metric"] == "numerics_coverage") & table["framework"].isin(selves)
    out = table.copy()
    out.loc[hit, ["value", "status", "reason"]] = [None, "missing", "the array namespace is NumPy itself: "
                                                   "a library scored against itself measures nothing"]
    return out


def derived_rows(table: pd.DataFrame, with_probe: bool) -> pd.DataFrame:
    """Every derived input of this module for one edition's observation table."""
    frames = [native_os_counts(table)]
    if with_probe:
        from ..acquire.probe.checks_spec import load_checks_spec

        frames += [onnx_levels(table, probe_officials(load_checks_spec())), scalability_runs(table)]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OBSERVATION_COLUMNS)


_THROUGH = re.compile(r"^through its (\w+) backend:")
OTHER_BACKEND = "other backend"


def accelerators_as_scored(accelerators: pd.DataFrame, frameworks) -> pd.DataFrame:
    """The snapshot's accelerator rows (framework, accelerator, how, evidence, ...) as the score counts them: a front
    end's accelerator reached on the index only through a backend other than the one it is measured on
    (``front_end.measured_on``) is marked ``how = "other backend"`` and does not count."""
    fronts = {fw.id: fw.front_end.measured_on for fw in frameworks if fw.front_end is not None}
    out = accelerators.copy()
    via = out["evidence"].fillna("").astype(str).map(lambda e: (m.group(1) if (m := _THROUGH.match(e)) else None))
    other = out["framework"].map(fronts).notna() & (out["how"] == "index") & via.notna() & (via != out["framework"].map(fronts))
    out.loc[other, "how"] = OTHER_BACKEND
    return out


def on_measured_backend(table: pd.DataFrame, accelerators: pd.DataFrame, frameworks) -> pd.DataFrame:
    """``table`` with each front end's ``index_reach.accelerators_on_index`` recounted from the snapshot's
    accelerator rows by :func:`accelerators_as_scored`: the accelerators on the index through its own package or the
    backend it is measured on; one reached only through another backend is named in the detail, not counted."""
    fronts = {fw.id: fw.front_end.measured_on for fw in frameworks if fw.front_end is not None}
    acc = accelerators_as_scored(accelerators, frameworks)
    rows = []
    for fw, part in acc[acc["framework"].isin(fronts)].groupby("framework", sort=False):
        old = table[(table["source"] == "index_reach") & (table["framework"] == fw) & (table["metric"] == "accelerators_on_index")]
        if old.empty:
            continue
        counted, other = part[part["how"] == "index"], part[part["how"] == OTHER_BACKEND]
        detail = (f"on the index through its own package or its {fronts[fw]} backend, the one it is measured on: "
                  + (", ".join(counted["accelerator"]) or "none"))
        if len(other):
            detail += "; not counted, reached only through another backend: " + ", ".join(
                f"{a} ({_THROUGH.match(e).group(1)})" for a, e in zip(other["accelerator"], other["evidence"]))
        rows.append(dict(old.iloc[0], value=float(len(counted)), detail=detail))
    if not rows:
        return table
    redone = pd.DataFrame(rows)
    keep = ~((table["source"] == "index_reach") & (table["metric"] == "accelerators_on_index") & table["framework"].isin(redone["framework"]))
    return pd.concat([table[keep], redone[table.columns]], ignore_index=True)
