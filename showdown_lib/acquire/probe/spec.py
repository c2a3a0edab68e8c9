"""The probe's inputs: the 32-op sample and, per framework, where each op lives in its API.

Two files feed the probe:

* ``data/raw/ootb_ops.yaml`` -- the fixed sample of 32 ops (owned elsewhere, read only here).
* ``data/raw/ootb_ops_api.yaml`` -- per framework id: the pip requirements that install it, the
  environment variables it needs, the module to import, a ``setup`` snippet that builds small
  inputs, and for every op of the sample a list of candidate API paths (``torch.nn.Linear``), an
  optional smoke expression run on the resolved object (bound to ``f``), and an optional
  ``compose`` snippet that builds the op from other public ops.

Validation is strict and every error is a :class:`~showdown_lib.core.errors.DataError` naming the
file, the framework (entry) and the field: an unknown key, an op id that is not in the sample, a
sample op that a framework forgets to declare, an empty requirement list, a candidate that is
not a dotted path. A framework can instead carry ``skip: <reason>`` (it cannot be installed on
this Python at all); it then needs no ops and the probe reports it as missing with that reason.

:func:`checker_payload` turns one framework's spec into the plain JSON the checker reads on stdin.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...core import paths
from ...core.errors import DataError
from ...core.fileio import read_yaml

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_ENV = {"GITHUB_TOKEN", "STACKEXCHANGE_KEY"}

FRAMEWORK_KEYS = {"requirements", "preinstall", "no_build_isolation", "env", "module", "distribution", "also_report", "setup", "ops", "skip", "note"}
OP_KEYS = {"candidates", "smoke", "compose", "note"}
CANDIDATE_KEYS = {"api", "smoke"}


def sample_file() -> Path:
    return paths.raw_dir() / "ootb_ops.yaml"


def api_file() -> Path:
    return paths.raw_dir() / "ootb_ops_api.yaml"


@dataclass(frozen=True)
class SampleOp:
    id: str
    kind: str
    name: str


@dataclass(frozen=True)
class OpSample:
    sample_id: str
    ops: tuple[SampleOp, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(op.id for op in self.ops)

    def __len__(self) -> int:
        return len(self.ops)


@dataclass(frozen=True)
class Candidate:
    api: str
    smoke: str | None = None  # overrides the op-level smoke expression for this candidate


@dataclass(frozen=True)
class OpSpec:
    id: str
    candidates: tuple[Candidate, ...]
    smoke: str | None = None
    compose: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class FrameworkSpec:
    id: str
    requirements: tuple[str, ...] = ()
    preinstall: tuple[str, ...] = ()  # installed first (e.g. an old setuptools an sdist needs to build)
    no_build_isolation: bool = False  # build sdists against the venv's own packages
    env: dict[str, str] = field(default_factory=dict)
    module: str = ""
    distribution: str | None = None
    also_report: tuple[str, ...] = ()
    setup: str = ""
    ops: tuple[OpSpec, ...] = ()
    skip: str | None = None
    note: str | None = None


def load_sample(path: str | Path | None = None) -> OpSample:
    """Read and check the op sample (ids unique, each with kind and name)."""
    path = Path(path) if path else sample_file()
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise DataError(path, "expected a mapping with sample_id and ops")
    sample_id = data.get("sample_id")
    if not isinstance(sample_id, str) or not sample_id.strip():
        raise DataError(path, "sample_id must be a non-empty string", field="sample_id")
    raw_ops = data.get("ops")
    if not isinstance(raw_ops, list) or not raw_ops:
        raise DataError(path, "ops must be a non-empty list", field="ops")
    ops: list[SampleOp] = []
    seen: set[str] = set()
    for i, item in enumerate(raw_ops):
        entry = str(item.get("id")) if isinstance(item, dict) else f"#{i}"
        if not isinstance(item, dict):
            raise DataError(path, "each op must be a mapping", entry=entry)
        for key in ("id", "kind", "name"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise DataError(path, f"{key} must be a non-empty string", entry=entry, field=key)
        if not _ID.match(item["id"]):
            raise DataError(path, "op id must be lower_snake_case", entry=entry, field="id")
        if item["id"] in seen:
            raise DataError(path, "duplicate op id", entry=entry, field="id")
        seen.add(item["id"])
        ops.append(SampleOp(item["id"], item["kind"], item["name"]))
    return OpSample(sample_id, tuple(ops))


def _opt_str(path: Path, value: Any, entry: str, fld: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DataError(path, "must be a non-empty string", entry=entry, field=fld)
    return value


def _requirements(path: Path, fw: str, raw: dict, fld: str) -> list[str]:
    reqs = raw.get(fld, []) or []
    if not isinstance(reqs, list) or not all(isinstance(r, str) and r.strip() for r in reqs):
        raise DataError(path, f"{fld} must be a list of pip requirement strings", entry=fw, field=fld)
    for r in reqs:
        if "://" in r or r.strip().startswith("-"):
            raise DataError(path, f"{fld} take plain requirement specifiers, no URLs or pip options: {r!r}", entry=fw, field=fld)
        if fld == "requirements" and "==" in r:
            raise DataError(path, f"exact pins go stale: the probe installs the newest final release as of the edition date; "
                                  f"give the bare name or a compatibility cap such as <2, not {r!r}", entry=fw, field=fld)
    return reqs


def _parse_op(path: Path, fw: str, op_id: str, raw: Any) -> OpSpec:
    where = f"ops.{op_id}"
    if isinstance(raw, (str, list)):
        raw = {"candidates": [raw] if isinstance(raw, str) else raw}
    if not isinstance(raw, dict):
        raise DataError(path, "an op must be a mapping, a candidate path or a list of them", entry=fw, field=where)
    unknown = set(raw) - OP_KEYS
    if unknown:
        raise DataError(path, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(OP_KEYS)}", entry=fw, field=where)
    raw_cands = raw.get("candidates", [])
    if not isinstance(raw_cands, list):
        raise DataError(path, "candidates must be a list", entry=fw, field=f"{where}.candidates")
    cands: list[Candidate] = []
    for j, c in enumerate(raw_cands):
        cfield = f"{where}.candidates[{j}]"
        if isinstance(c, str):
            c = {"api": c}
        if not isinstance(c, dict):
            raise DataError(path, "a candidate is a dotted path or a mapping with api (and smoke)", entry=fw, field=cfield)
        bad = set(c) - CANDIDATE_KEYS
        if bad:
            raise DataError(path, f"unknown key(s) {sorted(bad)}; allowed: {sorted(CANDIDATE_KEYS)}", entry=fw, field=cfield)
        api = c.get("api")
        if not isinstance(api, str) or not _DOTTED.match(api):
            raise DataError(path, f"api must be a dotted path like pkg.module.Name, got {api!r}", entry=fw, field=cfield)
        cands.append(Candidate(api, _opt_str(path, c.get("smoke"), fw, f"{cfield}.smoke")))
    smoke = _opt_str(path, raw.get("smoke"), fw, f"{where}.smoke")
    compose = _opt_str(path, raw.get("compose"), fw, f"{where}.compose")
    note = _opt_str(path, raw.get("note"), fw, f"{where}.note")
    if not cands and compose is None and note is None:
        raise DataError(path, "an op with no candidate and no compose needs a note saying why", entry=fw, field=where)
    return OpSpec(op_id, tuple(cands), smoke, compose, note)


def load_api_spec(path: str | Path | None = None, sample: OpSample | None = None) -> dict[str, FrameworkSpec]:
    """Read ``ootb_ops_api.yaml`` and check it against the sample; returns id -> FrameworkSpec."""
    path = Path(path) if path else api_file()
    sample = sample or load_sample()
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise DataError(path, "expected a mapping with sample_id and frameworks")
    if data.get("sample_id") != sample.sample_id:
        raise DataError(path, f"sample_id must be {sample.sample_id!r} (the sample it was written for), got {data.get('sample_id')!r}", field="sample_id")
    extra_top = set(data) - {"sample_id", "frameworks"}
    if extra_top:
        raise DataError(path, f"unknown top-level key(s) {sorted(extra_top)}")
    fws = data.get("frameworks")
    if not isinstance(fws, dict) or not fws:
        raise DataError(path, "frameworks must be a non-empty mapping of framework id to spec", field="frameworks")
    sample_ids = set(sample.ids)
    out: dict[str, FrameworkSpec] = {}
    for fw, raw in fws.items():
        fw = str(fw)
        if not _ID.match(fw):
            raise DataError(path, "framework id must be lower_snake_case", entry=fw)
        if not isinstance(raw, dict):
            raise DataError(path, "a framework spec must be a mapping", entry=fw)
        unknown = set(raw) - FRAMEWORK_KEYS
        if unknown:
            raise DataError(path, f"unknown key(s) {sorted(unknown)}; allowed: {sorted(FRAMEWORK_KEYS)}", entry=fw, field=sorted(unknown)[0])
        skip = _opt_str(path, raw.get("skip"), fw, "skip")
        note = _opt_str(path, raw.get("note"), fw, "note")
        reqs = _requirements(path, fw, raw, "requirements")
        pre = _requirements(path, fw, raw, "preinstall")
        nbi = raw.get("no_build_isolation", False)
        if not isinstance(nbi, bool):
            raise DataError(path, "no_build_isolation must be true or false", entry=fw, field="no_build_isolation")
        env = raw.get("env", {}) or {}
        if not isinstance(env, dict) or not all(isinstance(k, str) and _ENV_NAME.match(k) for k in env):
            raise DataError(path, "env must map variable names to strings", entry=fw, field="env")
        if set(env) & _SECRET_ENV:
            raise DataError(path, "env must not set secret variables", entry=fw, field="env")
        env = {k: str(v) for k, v in env.items()}
        if skip:
            out[fw] = FrameworkSpec(fw, tuple(reqs), tuple(pre), nbi, env, str(raw.get("module") or ""), skip=skip, note=note)
            continue
        if not reqs:
            raise DataError(path, "requirements must list at least one requirement (or give skip: reason)", entry=fw, field="requirements")
        module = raw.get("module")
        if not isinstance(module, str) or not _DOTTED.match(module):
            raise DataError(path, "module must be the dotted name of the module to import", entry=fw, field="module")
        distribution = _opt_str(path, raw.get("distribution"), fw, "distribution")
        also = raw.get("also_report", []) or []
        if not isinstance(also, list) or not all(isinstance(a, str) and a.strip() for a in also):
            raise DataError(path, "also_report must be a list of distribution names", entry=fw, field="also_report")
        setup = raw.get("setup", "") or ""
        if not isinstance(setup, str):
            raise DataError(path, "setup must be a code string", entry=fw, field="setup")
        raw_ops = raw.get("ops")
        if not isinstance(raw_ops, dict):
            raise DataError(path, "ops must map op ids of the sample to candidates", entry=fw, field="ops")
        for op_id in raw_ops:
            if op_id not in sample_ids:
                raise DataError(path, f"op {op_id!r} is not in the sample {sample.sample_id!r}", entry=fw, field=f"ops.{op_id}")
        forgotten = [o for o in sample.ids if o not in raw_ops]
        if forgotten:
            raise DataError(path, f"sample op(s) not declared: {forgotten} (declare them with a note if the framework has none)", entry=fw, field=f"ops.{forgotten[0]}")
        ops = tuple(_parse_op(path, fw, op_id, raw_ops[op_id]) for op_id in sample.ids)
        out[fw] = FrameworkSpec(fw, tuple(reqs), tuple(pre), nbi, env, module, distribution, tuple(also), setup, ops, None, note)
    return out


def checker_payload(spec: FrameworkSpec) -> dict[str, Any]:
    """The JSON document the checker reads on stdin for one framework."""
    return {
        "framework": spec.id,
        "module": spec.module,
        "distribution": spec.distribution,
        "also_report": list(spec.also_report),
        "setup": spec.setup,
        "ops": [
            {
                "id": op.id,
                "candidates": [{"api": c.api, "smoke": c.smoke if c.smoke is not None else op.smoke} for c in op.candidates],
                "compose": op.compose,
                "note": op.note,
            }
            for op in spec.ops
        ],
    }
