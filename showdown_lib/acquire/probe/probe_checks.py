"""Check, inside one framework's own environment, four things beyond the op sample.

Run by the framework's interpreter as a file (``<venv>/bin/python -I probe_checks.py``), like
:mod:`.checker`, whose helpers it loads by file path (it imports nothing from Showdown otherwise).
Input is one JSON document on stdin (see :func:`showdown_lib.acquire.probe.checks_spec.checks_payload`);
output is one JSON document on stdout, whatever the framework prints goes to stderr.

* ``graph``: the ``eager`` snippet runs an op at top level, outside any graph, session or compile
  context, and must leave a plain float ``value`` equal to ``expect`` (define-by-run works). The
  ``symbolic`` candidates are API paths of a traced or symbolic graph builder; the first that
  resolves to a callable and passes its smoke snippet (bound to ``f``) counts.
* ``onnx``: a 2-layer MLP with fixed weights (:func:`mlp_weights`). The ``export`` snippet builds it
  in the framework from ``W1, b1, W2, b2`` (NumPy float32), writes ONNX to ``path`` and leaves the
  framework's own output on ``X`` as ``y``. The file must pass ``onnx.checker.check_model`` and give
  the same output under ``onnxruntime`` (and both must match the NumPy reference) within
  ``ONNX_TOL``. The ``import`` snippet gets ``path`` of the same MLP written with ``onnx.helper`` and
  must leave the framework's output ``y``.
* ``dist``: the collective API paths must all resolve; the ``allreduce`` snippet then runs in two
  processes of this interpreter (``rank`` 0 and 1, ``world`` 2, free localhost ports ``port`` and
  ``port2``), each contributing ``rank + 1``; each must leave ``result`` == 3.0 within the time limit.
* ``numerics``: each NumPy function of the sample is looked up under the framework's own name for
  it (``names``, NumPy's name where none is given) in the framework's array namespace, called on the same small inputs (converted with ``asarray``) and
  compared with NumPy's result (``tonumpy``) in shape and value.

Every failure is kept as a one-line error text; nothing here raises for a framework error.
"""
from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_ops_probe_checker", Path(__file__).with_name("checker.py"))
_checker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_checker)
resolve, short, run_snippet = _checker.resolve, _checker._short, _checker._run

ONNX_TOL = 1e-4
NUMERICS_RTOL, NUMERICS_ATOL = 1e-4, 1e-5
WORKER_SECONDS = 180
EXPECTED_SUM = 3.0  # ranks contribute 1 and 2


def _guard(fn, *args):
    """Run a check step; returns (result, error text or None), never raises except KeyboardInterrupt."""
    try:
        return fn(*args), None
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a framework may raise anything, including SystemExit
        return None, short(exc)


def _first_candidate(cands: list[str], smoke: str | None, base: dict) -> tuple[str | None, list[str]]:
    reasons = []
    for api in cands:
        obj, err = _guard(resolve, api)
        if err or not callable(obj):
            reasons.append(f"{api}: {err or 'not callable'}")
            continue
        if smoke:
            ns = dict(base, f=obj)
            _, err = _guard(run_snippet, smoke, ns)
            if err:
                reasons.append(f"{api}: smoke raised {err}")
                continue
        return api, reasons
    return None, reasons


# --------------------------------------------------------------------------- graph building

def check_graph(spec: dict) -> dict:
    out = {"eager": None, "eager_error": None, "symbolic": None, "symbolic_api": None, "symbolic_error": None}
    ns: dict = {"__name__": "__probe_graph__"}
    _, err = _guard(run_snippet, spec["eager"], ns)
    value = ns.get("value")
    if err:
        out["eager"], out["eager_error"] = 0, err
    elif not isinstance(value, (int, float)) or isinstance(value, bool):
        out["eager"], out["eager_error"] = 0, f"value is {type(value).__name__}, not a concrete number"
    elif abs(float(value) - float(spec["expect"])) > 1e-6:
        out["eager"], out["eager_error"] = 0, f"value {value!r} != expected {spec['expect']!r}"
    else:
        out["eager"] = 1
    sym = spec.get("symbolic") or {}
    if sym.get("candidates"):
        base: dict = {"__name__": "__probe_graph__"}
        _, err = _guard(run_snippet, sym.get("setup") or "", base)
        api, reasons = (None, [f"setup raised {err}"]) if err else _first_candidate(sym["candidates"], sym.get("smoke"), base)
        out["symbolic"], out["symbolic_api"] = (1, api) if api else (0, None)
        out["symbolic_error"] = None if api else "; ".join(reasons)
    else:
        out["symbolic"], out["symbolic_error"] = 0, sym.get("note") or "no symbolic graph API declared"
    return out


# --------------------------------------------------------------------------- ONNX

def mlp_weights():
    """The fixed 4-8-3 MLP and its input, as NumPy float32 arrays, and the NumPy reference output."""
    import numpy as np

    w1 = ((np.arange(32).reshape(4, 8) % 7) - 3).astype(np.float32) / 4
    b1 = np.linspace(-0.5, 0.5, 8, dtype=np.float32)
    w2 = ((np.arange(24).reshape(8, 3) % 5) - 2).astype(np.float32) / 3
    b2 = np.array([0.1, -0.2, 0.3], dtype=np.float32)
    x = np.array([[1.0, -2.0, 0.5, 3.0], [0.0, 1.5, -1.0, 2.0]], dtype=np.float32)
    ref = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    return {"W1": w1, "b1": b1, "W2": w2, "b2": b2, "X": x}, ref


def write_reference_onnx(path: str, weights: dict) -> None:
    """The same MLP as an ONNX file (opset 13), written with onnx.helper, for the import check."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits = [numpy_helper.from_array(weights[k], k) for k in ("W1", "b1", "W2", "b2")]
    nodes = [
        helper.make_node("MatMul", ["X", "W1"], ["h0"]), helper.make_node("Add", ["h0", "b1"], ["h1"]),
        helper.make_node("Relu", ["h1"], ["h2"]), helper.make_node("MatMul", ["h2", "W2"], ["h3"]),
        helper.make_node("Add", ["h3", "b2"], ["Y"]),
    ]
    graph = helper.make_graph(nodes, "showdown_mlp", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 4])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 3])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def _close(a, b, tol) -> str | None:
    import numpy as np

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return f"shape {a.shape} != {b.shape}"
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    return None if diff <= tol else f"max abs difference {diff:.3g} > {tol:g}"


def _run_onnxruntime(path: str, x):
    import onnxruntime as ort

    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: x})[0]


def check_onnx_export(code: str, workdir: str) -> dict:
    weights, ref = mlp_weights()
    path = os.path.join(workdir, "exported.onnx")
    ns = dict(weights, path=path, __name__="__probe_onnx__")
    steps = [("export", lambda: run_snippet(code, ns)),
             ("framework output", lambda: _must(_close(ns.get("y"), ref, ONNX_TOL), "framework output vs NumPy")),
             ("onnx.checker", lambda: __import__("onnx").checker.check_model(path)),
             ("onnxruntime", lambda: ns.__setitem__("y_ort", _run_onnxruntime(path, weights["X"]))),
             ("compare", lambda: _must(_close(ns["y_ort"], ns["y"], ONNX_TOL), "onnxruntime vs framework"))]
    for name, step in steps:
        _, err = _guard(step)
        if err:
            return {"ok": 0, "stage": name, "error": err}
    return {"ok": 1, "stage": "compare", "error": None}


def check_onnx_import(code: str, workdir: str) -> dict:
    weights, ref = mlp_weights()
    path = os.path.join(workdir, "reference.onnx")
    ns = dict(weights, path=path, __name__="__probe_onnx__")
    for name, step in (("write reference model", lambda: write_reference_onnx(path, weights)),
                       ("import", lambda: run_snippet(code, ns)),
                       ("compare", lambda: _must(_close(ns.get("y"), ref, ONNX_TOL), "imported model vs NumPy"))):
        _, err = _guard(step)
        if err:
            return {"ok": 0, "stage": name, "error": err}
    return {"ok": 1, "stage": "compare", "error": None}


def _must(problem: str | None, what: str) -> None:
    if problem:
        raise AssertionError(f"{what}: {problem}")


def check_onnx(spec: dict) -> dict:
    out = {"versions": {n: _checker._dist_version(n) for n in ("onnx", "onnxruntime")}}
    with tempfile.TemporaryDirectory(prefix="probe-onnx-") as workdir:
        for key, fn in (("export", check_onnx_export), ("import", check_onnx_import)):
            part = spec.get(key)
            if part and part.get("code"):
                out[key] = dict(fn(part["code"], workdir), official=bool(part["official"]), tool=part["tool"])
            else:
                out[key] = {"ok": None, "official": False, "tool": None, "error": (part or {}).get("note") or "not claimed"}
    return out


# --------------------------------------------------------------------------- scalability

def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker(payload: dict) -> dict:
    """One rank of the all-reduce (run in a child process): runs the snippet, returns ``result``."""
    ns = {"__name__": "__probe_dist__", "rank": payload["rank"], "world": payload["world"],
          "port": payload["port"], "port2": payload["port2"]}
    _, err = _guard(run_snippet, payload["code"], ns)
    if err:
        return {"rank": payload["rank"], "result": None, "error": err}
    result = ns.get("result")
    try:
        result = float(result)
    except (TypeError, ValueError):
        return {"rank": payload["rank"], "result": None, "error": f"result is {type(result).__name__}, not a number"}
    return {"rank": payload["rank"], "result": result, "error": None}


def run_allreduce(code: str, env: dict | None = None, world: int = 2) -> dict:
    """Start ``world`` ranks of the snippet on localhost; ok when every rank reports the right sum."""
    port, port2 = _free_port(), _free_port()
    procs = []
    for rank in range(world):
        doc = json.dumps({"worker": {"rank": rank, "world": world, "port": port, "port2": port2, "code": code}})
        p = subprocess.Popen([sys.executable, "-I", __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=dict(os.environ, **(env or {})))
        p.stdin.write(doc)
        p.stdin.close()
        procs.append(p)
    results, errors = [], []
    for rank, p in enumerate(procs):
        try:
            p.wait(timeout=WORKER_SECONDS)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            return {"ok": 0, "results": results, "error": f"rank {rank} did not finish within {WORKER_SECONDS} s"}
        text = p.stdout.read().strip()
        try:
            row = json.loads(text.splitlines()[-1])
        except (json.JSONDecodeError, IndexError):
            tail = [ln for ln in p.stderr.read().splitlines() if ln.strip()]
            row = {"rank": rank, "result": None, "error": f"exit {p.returncode}: {tail[-1].strip() if tail else 'no output'}"}
        results.append(row["result"])
        if row["error"]:
            errors.append(f"rank {rank}: {row['error']}")
    if errors:
        return {"ok": 0, "results": results, "error": "; ".join(errors)[:600]}
    wrong = [r for r in results if abs(r - EXPECTED_SUM) > 1e-6]
    if wrong:
        return {"ok": 0, "results": results, "error": f"all-reduce returned {results}, expected {EXPECTED_SUM} on every rank"}
    return {"ok": 1, "results": results, "error": None}


def check_dist(spec: dict) -> dict:
    missing = []
    for api in spec.get("api") or []:
        obj, err = _guard(resolve, api)
        if err or not callable(obj):
            missing.append(f"{api}: {err or 'not callable'}")
    out = {"api": spec.get("api") or [], "dist_api": int(bool(spec.get("api")) and not missing),
           "dist_api_error": "; ".join(missing) or (None if spec.get("api") else spec.get("note") or "no API declared")}
    third = []
    for mod in spec.get("third_party") or []:
        _, err = _guard(importlib.import_module, mod)
        third.append({"module": mod, "ok": int(err is None), "error": err})
    out["third_party"] = third
    if spec.get("allreduce") and out["dist_api"]:
        out["allreduce"] = run_allreduce(spec["allreduce"], spec.get("allreduce_env"))
    else:
        why = spec.get("allreduce_note") or ("the collective API is missing" if spec.get("allreduce") else "no CPU all-reduce declared")
        out["allreduce"] = {"ok": None, "results": [], "error": why}
    return out


# --------------------------------------------------------------------------- numerics

def numerics_inputs():
    import numpy as np

    return {
        "a": np.array([[0.5, 1.0, 1.5], [2.0, 2.5, 3.0]], dtype=np.float32),
        "b": np.array([[1.5, 0.5, 2.0], [1.0, 3.0, 0.25]], dtype=np.float32),
        "m": np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]], dtype=np.float32),
        "v": np.array([0.25, -1.0, 2.0], dtype=np.float32),
    }


def _arg(a, arrays: dict, conv):
    """An input name becomes an array, a list of names a list of arrays, anything else a literal (lists -> tuples)."""
    if isinstance(a, str) and a in arrays:
        return conv(arrays[a])
    if isinstance(a, list) and a and all(isinstance(x, str) and x in arrays for x in a):
        return [conv(arrays[x]) for x in a]
    return tuple(a) if isinstance(a, list) else a


def _default_tonumpy(t):
    import numpy as np

    for attr in ("numpy", "asnumpy"):
        fn = getattr(t, attr, None)
        if callable(fn):
            return np.asarray(fn())
    return np.asarray(t)


def check_numerics(spec: dict, sample: list[dict]) -> dict:
    import numpy as np

    base: dict = {"__name__": "__probe_numerics__"}
    _, err = _guard(run_snippet, spec.get("setup") or "", base)
    if err:
        return {"namespace": spec["namespace"], "error": f"setup raised {err}", "functions": []}
    ns_obj, err = _guard(resolve, spec["namespace"])
    if err:
        return {"namespace": spec["namespace"], "error": err, "functions": []}
    if ns_obj is np:
        return {"namespace": spec["namespace"], "functions": [],
                "error": "the array namespace is NumPy itself: a library scored against itself measures nothing"}
    names = spec.get("names") or {}
    conv = base.get("asarray") or getattr(ns_obj, "asarray", None) or getattr(ns_obj, "array")
    tonumpy = base.get("tonumpy") or _default_tonumpy
    arrays = numerics_inputs()
    rows = []
    for fn in sample:
        name = fn["name"]
        np_args = [_arg(a, arrays, lambda x: x) for a in fn.get("args", [])]
        expected = resolve(f"numpy.{name}")(*np_args, **fn.get("kwargs", {}))
        own = names.get(name, name)
        own = own if isinstance(own, dict) else {"name": own}
        kwargs = own.get("kwargs", fn.get("kwargs", {}))
        obj, err = _guard(resolve, f"{spec['namespace']}.{own['name']}")
        if err is None and not callable(obj):
            err = "not callable"
        if err is None:
            def call():
                args = [_arg(a, arrays, conv) for a in fn.get("args", [])]
                out = obj(*args, **kwargs)
                return tonumpy(out[own["pick"]] if "pick" in own else out)
            got, err = _guard(call)
            if err is None:
                err = _close_rel(got, expected)
        rows.append({"name": name, "own_name": own["name"], "ok": int(err is None), "error": err})
    return {"namespace": spec["namespace"], "error": None, "functions": rows}


def _close_rel(got, expected) -> str | None:
    import numpy as np

    got, expected = np.asarray(got), np.asarray(expected)
    if got.shape != expected.shape:
        return f"shape {got.shape} != NumPy's {expected.shape}"
    if not np.allclose(got.astype(np.float64), expected.astype(np.float64), rtol=NUMERICS_RTOL, atol=NUMERICS_ATOL):
        return f"values differ from NumPy's (max abs difference {float(np.max(np.abs(got - expected))):.3g})"
    return None


# --------------------------------------------------------------------------- entry point

def installed_distributions() -> dict:
    """Canonical name -> version of every distribution installed in this interpreter's environment."""
    import re
    from importlib import metadata

    out = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"] if dist.metadata else None
        if name:
            out[re.sub(r"[-_.]+", "-", name).lower()] = dist.version
    return out


def run_checks(payload: dict) -> dict:
    out: dict = {"framework": payload.get("framework"), "python": sys.version.split()[0], "import_error": None,
                 "installed": installed_distributions()}
    if payload.get("module"):
        _, err = _guard(importlib.import_module, payload["module"])
        if err:
            out["import_error"] = err
            return out
    checks = payload.get("checks") or {}
    for key, fn in (("graph", check_graph), ("onnx", check_onnx), ("dist", check_dist)):
        if checks.get(key):
            res, err = _guard(fn, checks[key])
            out[key] = res if err is None else {"error": f"check crashed: {err}"}
    if checks.get("numerics"):
        res, err = _guard(check_numerics, checks["numerics"], payload.get("numpy_sample") or [])
        out["numerics"] = res if err is None else {"error": f"check crashed: {err}", "functions": []}
    return out


def serve(handle) -> int:
    """Read one JSON document on stdin, answer ``handle(doc)`` as one JSON line on stdout (the modern suite too)."""
    doc = json.loads(sys.stdin.read())
    sys.stdout.flush()
    result_fd = os.dup(1)
    os.dup2(2, 1)  # the framework's prints go to stderr; the result alone to the real stdout
    try:
        result = handle(doc)
    finally:
        sys.stdout.flush()
    with os.fdopen(result_fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(result) + "\n")
    return 0


def _handle(doc: dict) -> dict:
    if "worker" in doc:
        return worker(doc["worker"])
    if doc.get("list_installed"):
        return {"installed": installed_distributions()}
    return run_checks(doc)


def main() -> int:
    return serve(_handle)


if __name__ == "__main__":
    sys.exit(main())
