"""The inputs of the probe's four further checks: per-framework API knowledge and the NumPy sample.

* ``data/raw/probe_checks.yaml`` -- per framework id (the ids of ``ootb_ops_api.yaml``):
  ``requirements`` installed for the checks after the framework itself (onnx, onnxruntime, a
  converter), and the sections ``graph``, ``onnx``, ``dist`` and ``numerics`` read by
  :mod:`.probe_checks`. Which exporter, which collective API, which array namespace: all of it
  lives in that file, none in code.
* ``data/raw/probe_numpy_sample.yaml`` -- the fixed sample of NumPy functions (name, args, kwargs)
  whose coverage in the framework's array namespace is the ``numerics_coverage`` metric.

Errors are :class:`~showdown_lib.core.errors.DataError` naming the file, the framework (entry) and the field.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...core import paths
from ...core.errors import DataError
from ...core.fileio import read_yaml
from .spec import _DOTTED, _ID, _requirements

SECTION_KEYS = {
    "graph": {"eager": str, "expect": (int, float), "symbolic": dict, "note": str},
    "onnx": {"export": dict, "import": dict, "note": str},
    "dist": {"api": list, "third_party": list, "allreduce": str, "allreduce_env": dict, "allreduce_note": str, "note": str},
    "numerics": {"namespace": str, "setup": str, "note": str, "names": dict},
}
ONNX_PART_KEYS = {"official": bool, "tool": str, "code": str, "note": str}
NAME_KEYS = {"name": str, "kwargs": dict, "pick": int}
SYMBOLIC_KEYS = {"candidates": list, "setup": str, "smoke": str, "note": str}
FRAMEWORK_KEYS = {"requirements", "note", *SECTION_KEYS}


def checks_file() -> Path:
    return paths.raw_dir() / "probe_checks.yaml"


def numpy_sample_file() -> Path:
    return paths.raw_dir() / "probe_numpy_sample.yaml"


@dataclass(frozen=True)
class NumpySample:
    sample_id: str
    functions: tuple[dict[str, Any], ...]

    def __len__(self) -> int:
        return len(self.functions)


@dataclass(frozen=True)
class ChecksSpec:
    id: str
    requirements: tuple[str, ...] = ()
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)


def load_numpy_sample(path: str | Path | None = None) -> NumpySample:
    path = Path(path) if path else numpy_sample_file()
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("sample_id"), str):
        raise DataError(path, "expected a mapping with sample_id and functions", field="sample_id")
    fns = data.get("functions")
    if not isinstance(fns, list) or not fns:
        raise DataError(path, "functions must be a non-empty list", field="functions")
    seen: set[str] = set()
    out = []
    for i, fn in enumerate(fns):
        entry = str(fn.get("name")) if isinstance(fn, dict) else f"#{i}"
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str) or not _DOTTED.match(fn["name"]):
            raise DataError(path, "each function needs a dotted NumPy name", entry=entry, field="name")
        if set(fn) - {"name", "args", "kwargs"}:
            raise DataError(path, f"unknown key(s) {sorted(set(fn) - {'name', 'args', 'kwargs'})}", entry=entry)
        if fn["name"] in seen:
            raise DataError(path, "duplicate function", entry=entry, field="name")
        seen.add(fn["name"])
        if not isinstance(fn.get("args", []), list) or not isinstance(fn.get("kwargs", {}), dict):
            raise DataError(path, "args must be a list and kwargs a mapping", entry=entry, field="args")
        out.append({"name": fn["name"], "args": fn.get("args", []), "kwargs": fn.get("kwargs", {})})
    return NumpySample(data["sample_id"], tuple(out))


def _check_keys(path: Path, fw: str, where: str, raw: Any, allowed: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise DataError(path, "must be a mapping", entry=fw, field=where)
    for key, value in raw.items():
        if key not in allowed:
            raise DataError(path, f"unknown key {key!r}; allowed: {sorted(allowed)}", entry=fw, field=f"{where}.{key}")
        if not isinstance(value, allowed[key]) or (isinstance(value, bool) and allowed[key] is not bool):
            raise DataError(path, f"has the wrong type ({type(value).__name__})", entry=fw, field=f"{where}.{key}")
    return raw


def _check_section(path: Path, fw: str, name: str, raw: Any) -> dict[str, Any]:
    sec = _check_keys(path, fw, name, raw, SECTION_KEYS[name])
    if name == "graph":
        if "eager" not in sec or "expect" not in sec:
            raise DataError(path, "graph needs an eager snippet and the value it must leave (expect)", entry=fw, field="graph.eager")
        sym = _check_keys(path, fw, "graph.symbolic", sec.get("symbolic", {}), SYMBOLIC_KEYS)
        for j, c in enumerate(sym.get("candidates", [])):
            if not isinstance(c, str) or not _DOTTED.match(c):
                raise DataError(path, f"a candidate must be a dotted API path, got {c!r}", entry=fw, field=f"graph.symbolic.candidates[{j}]")
    elif name == "onnx":
        for part in ("export", "import"):
            if part in sec:
                p = _check_keys(path, fw, f"onnx.{part}", sec[part], ONNX_PART_KEYS)
                if p.get("code") and ("official" not in p or not p.get("tool")):
                    raise DataError(path, "a claimed exporter/importer needs tool and official (true: the framework's own "
                                    "project maintains and documents it; false: a converter maintained elsewhere)",
                                    entry=fw, field=f"onnx.{part}.official")
                if not p.get("code") and not p.get("note"):
                    raise DataError(path, "without code, say why in a note", entry=fw, field=f"onnx.{part}")
    elif name == "dist":
        for j, api in enumerate(sec.get("api", [])):
            if not isinstance(api, str) or not _DOTTED.match(api):
                raise DataError(path, f"must be a dotted API path, got {api!r}", entry=fw, field=f"dist.api[{j}]")
        if not sec.get("api") and not sec.get("note"):
            raise DataError(path, "without api, say why in a note", entry=fw, field="dist.api")
    elif name == "numerics":
        if not _DOTTED.match(sec.get("namespace", "")):
            raise DataError(path, "namespace must be the dotted name of the array namespace", entry=fw, field="numerics.namespace")
        for np_name, own in sec.get("names", {}).items():
            own = _check_keys(path, fw, f"numerics.names.{np_name}", own if isinstance(own, dict) else {"name": own}, NAME_KEYS)
            if not isinstance(own.get("name"), str) or not _DOTTED.match(own["name"]):
                raise DataError(path, f"the framework's own name must be a dotted name, got {own.get('name')!r}",
                                entry=fw, field=f"numerics.names.{np_name}")
    return sec


def load_checks_spec(path: str | Path | None = None) -> dict[str, ChecksSpec]:
    """Read ``probe_checks.yaml``; returns framework id -> ChecksSpec."""
    path = Path(path) if path else checks_file()
    data = read_yaml(path)
    from ...core.schemas import validate

    validate(data, "probe_checks", path)
    if not isinstance(data, dict) or not isinstance(data.get("frameworks"), dict):
        raise DataError(path, "expected a mapping with frameworks", field="frameworks")
    if set(data) - {"frameworks"}:
        raise DataError(path, f"unknown top-level key(s) {sorted(set(data) - {'frameworks'})}")
    out = {}
    for fw, raw in data["frameworks"].items():
        fw = str(fw)
        if not _ID.match(fw) or not isinstance(raw, dict):
            raise DataError(path, "a framework id (lower_snake_case) mapping to its checks", entry=fw)
        unknown = set(raw) - FRAMEWORK_KEYS
        if unknown:
            raise DataError(path, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(FRAMEWORK_KEYS)}", entry=fw, field=sorted(unknown)[0])
        reqs = _requirements(path, fw, raw, "requirements")
        sections = {name: _check_section(path, fw, name, raw[name]) for name in SECTION_KEYS if name in raw}
        out[fw] = ChecksSpec(fw, tuple(reqs), sections)
    return out


def checks_payload(fw: str, module: str, checks: ChecksSpec, sample: NumpySample) -> dict[str, Any]:
    """The JSON document probe_checks.py reads on stdin for one framework."""
    return {"framework": fw, "module": module, "checks": checks.sections, "numpy_sample": list(sample.functions),
            "numpy_sample_id": sample.sample_id}

