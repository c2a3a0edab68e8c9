"""Check, inside one framework's own environment, the Modern stack: compiler, scale-out, deployment, CPU speed.

Run by the framework's interpreter as a file (``<venv>/bin/python -I modern_checks.py``), like
:mod:`.probe_checks`; it imports nothing from Showdown. Input is one JSON document on stdin
(:func:`showdown_lib.acquire.probe.modern.modern_payload`), output one JSON document on stdout. Every task
runs in a child process of this interpreter with its own environment (``XLA_FLAGS`` must be set before
JAX is imported; thread counts are pinned before the framework starts) and its own time limit, so one
task that hangs or crashes never takes the others down. The snippets come from ``data/raw/probe_modern.yaml``.

* ``compiler``: a fixed function ``f(x) = 4 x (tanh(x @ W) + 0.5 x)`` on a fixed input. The snippet defines
  ``run_eager()`` and ``run_compiled()`` (each returns a NumPy array); eager must match NumPy and compiled
  must match eager within ``TOL``. Both are then timed (``WARMUP`` calls, median of ``REPEATS``) and the
  ratio is recorded as an informative speed-up.
* ``scale_out``: one SGD step (learning rate ``LR``) of the fixed 4-8-3 MLP on mean squared error, with its
  parameters sharded over two virtual CPU devices (``world: 1``) or two processes (``world: 2``). The snippet
  leaves ``params`` (W1, b1, W2, b2 after the step, gathered, as NumPy) and ``n_shards`` (how many devices or
  ranks hold a strict part of W1). Passes when ``n_shards >= 2`` and the parameters match the unsharded
  step computed here in NumPy.
* ``deployment``: per declared format, the snippet exports the fixed MLP to ``path`` (a fresh folder) and
  reloads it with the format's runtime, leaving ``y`` (the framework's output) and ``y_loaded`` (the
  runtime's). Passes when ``y`` matches NumPy and ``y_loaded`` matches ``y``.
* ``cpu_speed``: the snippet defines ``step()``, one SGD step of a fixed 256-512-512-10 MLP on a batch of
  128, which must block until done. Threads are pinned to ``threads`` (environment and the snippet);
  ``SPEED_WARMUP`` steps, then the median of ``SPEED_REPEATS`` timed steps, with the CPU model recorded.
"""
from __future__ import annotations

import importlib.util
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_ops_probe_checker", Path(__file__).with_name("checker.py"))
_checker = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_checker)
resolve, short = _checker.resolve, _checker._short
# The fixed MLP and the stdin/stdout protocol are the ONNX check's: load that file by path too (this script imports nothing from Showdown).
_probe_spec = importlib.util.spec_from_file_location("_ops_probe_checks", Path(__file__).with_name("probe_checks.py"))
_probe = importlib.util.module_from_spec(_probe_spec)
_probe_spec.loader.exec_module(_probe)

TOL = 1e-4
LR = 0.1
WARMUP, REPEATS = 3, 15
SPEED_WARMUP, SPEED_REPEATS = 5, 25
TASK_SECONDS = 900
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


# --------------------------------------------------------------------------- fixed inputs and NumPy references

def compiler_inputs():
    import numpy as np

    w = (((np.arange(32 * 32).reshape(32, 32) % 11) - 5) / 40).astype(np.float32)
    x = (((np.arange(16 * 32).reshape(16, 32) % 7) - 3) / 4).astype(np.float32)
    return {"W": w, "X": x}


def compiler_reference(w, x):
    import numpy as np

    for _ in range(4):
        x = np.tanh(x @ w) + 0.5 * x
    return x


def mlp_inputs():
    """The 4-8-3 MLP of the ONNX check (probe_checks.mlp_weights, the one definition), its input and a training target."""
    import numpy as np

    weights, _ = _probe.mlp_weights()
    t = np.array([[0.5, -1.0, 1.0], [1.0, 0.0, -0.5]], dtype=np.float32)
    return {**weights, "T": t}


def mlp_forward(p):
    import numpy as np

    return np.maximum(p["X"] @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]


def sgd_reference(p, lr=LR):
    """W1, b1, W2, b2 after one SGD step on mean((mlp(X) - T)^2), by hand (the unsharded step)."""
    import numpy as np

    pre = p["X"] @ p["W1"] + p["b1"]
    h = np.maximum(pre, 0)
    y = h @ p["W2"] + p["b2"]
    dy = 2 * (y - p["T"]) / y.size
    g_w2, g_b2 = h.T @ dy, dy.sum(0)
    dh = (dy @ p["W2"].T) * (pre > 0)
    g_w1, g_b1 = p["X"].T @ dh, dh.sum(0)
    return [p["W1"] - lr * g_w1, p["b1"] - lr * g_b1, p["W2"] - lr * g_w2, p["b2"] - lr * g_b2]


def speed_inputs():
    import numpy as np

    rng = np.random.default_rng(0)
    sizes = [256, 512, 512, 10]
    ws = [(rng.standard_normal((a, b)) / np.sqrt(a)).astype(np.float32) for a, b in zip(sizes[:-1], sizes[1:])]
    return {"sizes": sizes, "Ws": ws, "Xb": rng.standard_normal((128, 256)).astype(np.float32),
            "Tb": rng.standard_normal((128, 10)).astype(np.float32), "lr": 0.01}


def _close(a, b, tol=TOL) -> str | None:
    import numpy as np

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return f"shape {a.shape} != {b.shape}"
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    return None if diff <= tol * max(1.0, float(np.max(np.abs(b))) if b.size else 1.0) else f"max abs difference {diff:.3g}"


def _median_ms(fn, warmup: int, repeats: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# --------------------------------------------------------------------------- tasks (run in a child process)

def task_compiler(doc: dict) -> dict:
    ns = dict(compiler_inputs(), __name__="__probe_compiler__")
    exec(compile(doc["code"], "<compiler>", "exec"), ns)
    eager, compiled = ns["run_eager"](), ns["run_compiled"]()
    for what, problem in (("eager vs NumPy", _close(eager, compiler_reference(ns["W"], ns["X"]))),
                          ("compiled vs eager", _close(compiled, eager))):
        if problem:
            return {"ok": 0, "error": f"{what}: {problem}"}
    e_ms = _median_ms(ns["run_eager"], WARMUP, REPEATS)
    c_ms = _median_ms(ns["run_compiled"], WARMUP, REPEATS)
    return {"ok": 1, "error": None, "eager_ms": round(e_ms, 4), "compiled_ms": round(c_ms, 4),
            "speedup": round(e_ms / c_ms, 3) if c_ms > 0 else None}


def task_scale_out(doc: dict) -> dict:
    p = mlp_inputs()
    ns = dict(p, lr=LR, rank=doc["rank"], world=doc["world"], port=doc["port"], __name__="__probe_scale__")
    exec(compile(doc["code"], "<scale_out>", "exec"), ns)
    n_shards = int(ns.get("n_shards") or 0)
    if n_shards < 2:
        return {"ok": 0, "error": f"parameters were not sharded (W1 split over {n_shards} device(s) or rank(s))", "n_shards": n_shards}
    ref = sgd_reference(p)
    params = ns.get("params")
    if not isinstance(params, (list, tuple)) or len(params) != 4:
        return {"ok": 0, "error": "params must be [W1, b1, W2, b2] after the step", "n_shards": n_shards}
    for name, got, want in zip(("W1", "b1", "W2", "b2"), params, ref):
        problem = _close(got, want)
        if problem:
            return {"ok": 0, "error": f"{name} after the sharded step vs the unsharded step: {problem}", "n_shards": n_shards}
    return {"ok": 1, "error": None, "n_shards": n_shards}


def task_deploy(doc: dict) -> dict:
    p = mlp_inputs()
    with tempfile.TemporaryDirectory(prefix="probe-deploy-") as folder:
        ns = dict(p, path=folder, __name__="__probe_deploy__")
        exec(compile(doc["code"], "<deployment>", "exec"), ns)
        for what, problem in (("framework output vs NumPy", _close(ns.get("y"), mlp_forward(p))),
                              ("reloaded output vs framework", _close(ns.get("y_loaded"), ns.get("y")))):
            if problem:
                return {"ok": 0, "error": f"{what}: {problem}"}
        size = sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())
    return {"ok": 1, "error": None, "bytes": size}


def task_speed(doc: dict) -> dict:
    ns = dict(speed_inputs(), threads=doc["threads"], __name__="__probe_speed__")
    exec(compile(doc["code"], "<cpu_speed>", "exec"), ns)
    ms = _median_ms(ns["step"], SPEED_WARMUP, SPEED_REPEATS)
    return {"ok": 1, "error": None, "median_ms": round(ms, 3), "threads": doc["threads"], "warmup": SPEED_WARMUP,
            "repeats": SPEED_REPEATS, "cpu": cpu_model()}


TASKS = {"compiler": task_compiler, "scale_out": task_scale_out, "deploy": task_deploy, "speed": task_speed}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_task(kind: str, doc: dict, env: dict | None = None, world: int = 1, timeout: float = TASK_SECONDS) -> dict:
    """Run one task in ``world`` child processes of this interpreter; rank 0's answer, or the first error."""
    with tempfile.TemporaryDirectory(prefix="probe-task-") as logs:
        return _run_ranks(kind, doc, env, world, timeout, Path(logs))


def _run_ranks(kind: str, doc: dict, env: dict | None, world: int, timeout: float, logs: Path) -> dict:
    port = _free_port()
    procs = []
    for rank in range(world):  # output to files: a chatty framework can never fill a pipe and hang
        child = json.dumps({"task": kind, "doc": dict(doc, rank=rank, world=world, port=port)})
        out, err = open(logs / f"{rank}.out", "w+"), open(logs / f"{rank}.err", "w+")
        p = subprocess.Popen([sys.executable, "-I", __file__], stdin=subprocess.PIPE, stdout=out, stderr=err, text=True,
                             env=dict(os.environ, **(env or {})))
        p.stdin.write(child)
        p.stdin.close()
        p.out, p.err = out, err
        procs.append(p)
    answers: dict[int, dict] = {}
    deadline = time.monotonic() + timeout
    while len(answers) < world:  # poll: a rank that fails ends the task at once, its peers are stopped
        for rank, p in enumerate(procs):
            if rank in answers or p.poll() is None:
                continue
            p.out.seek(0)
            text = p.out.read().strip()
            try:
                answers[rank] = json.loads(text.splitlines()[-1])
            except (json.JSONDecodeError, IndexError):
                p.err.seek(0)
                tail = [ln for ln in p.err.read().splitlines() if ln.strip()]
                answers[rank] = {"ok": 0, "error": f"rank {rank} exited with code {p.returncode}: {tail[-1].strip()[:300] if tail else 'no output'}"}
            if not answers[rank].get("ok"):
                for q in procs:
                    if q.poll() is None:
                        q.kill()
                return answers[rank]
        if len(answers) < world and time.monotonic() > deadline:
            for q in procs:
                q.kill()
            return {"ok": 0, "error": f"did not finish within {timeout:.0f} s"}
        time.sleep(0.05)
    answers = [answers[r] for r in range(world)]
    bad = [a for a in answers if not a.get("ok")]
    return bad[0] if bad else answers[0]


def _child(doc: dict) -> dict:
    try:
        return TASKS[doc["task"]](doc["doc"])
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a framework may raise anything, including SystemExit
        return {"ok": 0, "error": short(exc)}


# --------------------------------------------------------------------------- one framework

def _section(kind: str, sec: dict | None, pinned: dict) -> dict:
    if not sec:
        return {"attempted": 0, "ok": None, "error": "not declared in probe_modern.yaml"}
    if not sec.get("code"):
        return {"attempted": 0, "ok": None, "api": sec.get("api"), "error": sec.get("note") or "no code declared"}
    env = dict(sec.get("env") or {}, **pinned)
    out = run_task(kind, {"code": sec["code"], "threads": pinned.get("OMP_NUM_THREADS") and int(pinned["OMP_NUM_THREADS"])},
                   env, int(sec.get("world") or 1))
    return dict(out, attempted=1, api=sec.get("api"))


def run_modern(payload: dict) -> dict:
    out: dict = {"framework": payload.get("framework"), "python": sys.version.split()[0], "import_error": None}
    if payload.get("module"):
        try:
            importlib.import_module(payload["module"])
        except BaseException as exc:  # noqa: BLE001 - any import failure is recorded
            out["import_error"] = short(exc)
            return out
    checks = payload.get("checks") or {}
    threads = str(payload.get("threads") or 1)
    pinned = {v: threads for v in THREAD_VARS}
    out["compiler"] = _section("compiler", checks.get("compiler"), {})
    out["scale_out"] = _section("scale_out", checks.get("scale_out"), {})
    out["deployment"] = [dict(_section("deploy", d, {}), format=d.get("format"), runtime=d.get("runtime"))
                         for d in checks.get("deployment") or []]
    out["cpu_speed"] = _section("speed", checks.get("cpu_speed"), pinned)
    return out


def main() -> int:
    return _probe.serve(lambda doc: _child(doc) if "task" in doc else run_modern(doc))


if __name__ == "__main__":
    sys.exit(main())
