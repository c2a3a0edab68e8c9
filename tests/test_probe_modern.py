"""The probe's Modern stack checks on fake frameworks: compiler, scale-out, deployment, CPU speed.

The fake "framework" is NumPy driven by snippets of the same shape as data/raw/probe_modern.yaml's; each check
has a passing and a failing case, and runs for real in child processes of this interpreter (the scale-out
case in two processes that exchange their shards through files).
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from showdown_lib.core.errors import DataError
from showdown_lib.acquire.probe import modern
from showdown_lib.acquire.probe import modern_checks as mc

COMPILER_OK = """
import numpy as np
def f(x):
    for _ in range(4):
        x = np.tanh(x @ W) + 0.5 * x
    return x
run_eager = lambda: f(X)
run_compiled = lambda: f(X.astype(np.float64)).astype(np.float32)
"""
COMPILER_WRONG = COMPILER_OK.replace("run_compiled = lambda: f(X.astype(np.float64)).astype(np.float32)",
                                     "run_compiled = lambda: f(X) + 0.01  # a compiler that changes the result")

# two ranks each hold half of W1's columns (and of b1, W2's rows); they exchange their pieces through files
SCALE_OK = """
import numpy as np, os, tempfile, time
cols = slice(rank * 4, rank * 4 + 4)
w1, bb1, w2 = W1[:, cols].copy(), b1[cols].copy(), W2[cols, :].copy()
pre = X @ w1 + bb1
h = np.maximum(pre, 0)
partial = h @ w2
shared = os.path.join(tempfile.gettempdir(), f"fake-shards-{port}")  # the ranks' common mailbox
os.makedirs(shared, exist_ok=True)
calls = [0]
def exchange(arr):  # write my piece, wait for the other rank's
    calls[0] += 1
    np.save(os.path.join(shared, f"{rank}-{calls[0]}.tmp.npy"), arr)
    os.replace(os.path.join(shared, f"{rank}-{calls[0]}.tmp.npy"), os.path.join(shared, f"{rank}-{calls[0]}.npy"))
    theirs = os.path.join(shared, f"{1 - rank}-{calls[0]}.npy")
    for _ in range(2400):
        if os.path.exists(theirs):
            return np.load(theirs)
        time.sleep(0.05)
    raise TimeoutError("the other rank sent nothing")
other_partial = exchange(partial)
y = partial + other_partial + b2
dy = 2 * (y - T) / y.size
g_w2, g_b2 = h.T @ dy, dy.sum(0)
dh = (dy @ w2.T) * (pre > 0)
g_w1, g_b1 = X.T @ dh, dh.sum(0)
mine = [w1 - lr * g_w1, bb1 - lr * g_b1, w2 - lr * g_w2]
packed = exchange(np.concatenate([m.ravel() for m in mine]))
theirs = [packed[:16].reshape(4, 4), packed[16:20], packed[20:].reshape(4, 3)]
halves = [mine, theirs] if rank == 0 else [theirs, mine]
params = [np.concatenate([halves[0][0], halves[1][0]], axis=1), np.concatenate([halves[0][1], halves[1][1]]),
          np.concatenate([halves[0][2], halves[1][2]], axis=0), b2 - lr * g_b2]
n_shards = 2
"""
SCALE_UNSHARDED = """
params = [W1, b1, W2, b2]   # 'sharding' that kept everything in one place, and no step taken
n_shards = 1
"""
SCALE_WRONG_STEP = SCALE_OK.replace("mine = [w1 - lr * g_w1", "mine = [w1 - 2 * lr * g_w1")

DEPLOY_OK = """
import os, numpy as np
y = np.maximum(X @ W1 + b1, 0) @ W2 + b2
np.savez(os.path.join(path, "m.npz"), W1=W1, b1=b1, W2=W2, b2=b2)
m = np.load(os.path.join(path, "m.npz"))
y_loaded = np.maximum(X @ m["W1"] + m["b1"], 0) @ m["W2"] + m["b2"]
"""
DEPLOY_LOSSY = DEPLOY_OK.replace('y_loaded = np.maximum(X @ m["W1"]', 'y_loaded = 0.5 + np.maximum(X @ m["W1"]')
SPEED = "import numpy as np\ndef step():\n    (Xb @ Ws[0]).sum()\n"


OPS = ["dense", "relu"]


def _write(path, data):
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def fake_index(project: str):
    """A package index holding fakefw 9.9.1 (an sdist) and nothing else."""
    if project != "fakefw":
        return None
    return {"versions": ["9.9.1"], "files": [{"filename": "fakefw-9.9.1.tar.gz", "upload-time": "2026-01-02T00:00:00Z"}]}


def fake_spec() -> dict:
    return {"sample_id": "test-ops", "frameworks": {
        "fakefw": {"requirements": ["fakefw"], "module": "fakefw", "setup": "x = 1\n",
                   "ops": {"dense": {"candidates": ["fakefw.Dense"]}, "relu": {"candidates": ["fakefw.relu"]}}},
        "oldfw": {"skip": "no wheels for this Python"}}}


def run(checks: dict) -> dict:
    doc = {"framework": "fake", "module": "numpy", "checks": checks, "threads": 1}
    proc = subprocess.run([sys.executable, "-I", str(modern.SCRIPT)], input=json.dumps(doc), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_sgd_reference_matches_a_numerical_gradient():
    import numpy as np

    p = mc.mlp_inputs()
    loss = lambda q: float(np.mean((mc.mlp_forward(q) - q["T"]) ** 2))  # noqa: E731
    stepped = mc.sgd_reference(p, lr=1.0)
    eps = 1e-3
    q = {k: v.astype(np.float64) for k, v in p.items()}
    q["W1"][1, 2] += eps
    up = loss(q)
    q["W1"][1, 2] -= 2 * eps
    numeric = (up - loss(q)) / (2 * eps)
    assert abs((p["W1"][1, 2] - stepped[0][1, 2]) - numeric) < 1e-3


def test_compiler_pass_and_fail():
    good = run({"compiler": {"api": "fake.compile", "code": COMPILER_OK}})["compiler"]
    assert good["ok"] == 1 and good["attempted"] == 1 and good["speedup"] > 0
    bad = run({"compiler": {"api": "fake.compile", "code": COMPILER_WRONG}})["compiler"]
    assert bad["ok"] == 0 and bad["error"].startswith("compiled vs eager")


def test_scale_out_two_processes_pass_and_fail():
    good = run({"scale_out": {"api": "fake.shard", "world": 2, "code": SCALE_OK}})["scale_out"]
    assert good == {"ok": 1, "error": None, "n_shards": 2, "attempted": 1, "api": "fake.shard"}
    wrong = run({"scale_out": {"api": "fake.shard", "world": 2, "code": SCALE_WRONG_STEP}})["scale_out"]
    assert wrong["ok"] == 0 and "W1 after the sharded step vs the unsharded step" in wrong["error"]
    unsharded = run({"scale_out": {"api": "fake.shard", "world": 1, "code": SCALE_UNSHARDED}})["scale_out"]
    assert unsharded["ok"] == 0 and "not sharded" in unsharded["error"]


def test_deployment_pass_fail_and_not_attempted():
    res = run({"deployment": [{"format": "npz", "runtime": "numpy.load", "code": DEPLOY_OK},
                              {"format": "lossy", "runtime": "numpy.load", "code": DEPLOY_LOSSY},
                              {"format": "vendor", "runtime": "vendor.rt", "note": "runtime not installable here"}]})
    ok, lossy, skipped = res["deployment"]
    assert ok["ok"] == 1 and ok["bytes"] > 0
    assert lossy["ok"] == 0 and "reloaded output vs framework" in lossy["error"]
    assert skipped["attempted"] == 0 and skipped["error"] == "runtime not installable here"


def test_speed_pins_threads_and_records_cpu():
    res = run({"cpu_speed": {"code": SPEED + "import os\nassert os.environ['OMP_NUM_THREADS'] == '1'\n"}})["cpu_speed"]
    assert res["ok"] == 1 and res["median_ms"] > 0 and res["threads"] == 1 and res["repeats"] == mc.SPEED_REPEATS and res["cpu"]
    crash = run({"cpu_speed": {"code": "raise RuntimeError('no CPU kernel')"}})["cpu_speed"]
    assert crash["ok"] == 0 and "no CPU kernel" in crash["error"]


def test_a_hanging_task_times_out():
    out = mc.run_task("speed", {"code": "import time\ntime.sleep(30)", "threads": 1}, timeout=2)
    assert out == {"ok": 0, "error": "did not finish within 2 s"}


def test_observations_keep_failure_at_zero_and_not_attempted_missing():
    res = {"compiler": {"attempted": 1, "ok": 0, "api": "x.compile", "error": "compiled vs eager: max abs difference 0.01"},
           "scale_out": {"attempted": 0, "ok": None, "error": "not declared in probe_modern.yaml"},
           "deployment": [{"attempted": 1, "ok": 1, "format": "a", "runtime": "ra", "bytes": 10},
                          {"attempted": 1, "ok": 0, "format": "b", "runtime": "rb", "error": "ImportError: no rb"},
                          {"attempted": 0, "ok": None, "format": "c", "runtime": "rc", "error": "needs another framework"}],
           "cpu_speed": {"attempted": 1, "ok": 1, "median_ms": 2.5, "threads": 1, "repeats": 25, "warmup": 5, "cpu": "Fake CPU"}}
    obs, rows = modern.modern_observations("fake", res, "2026-11-25", "fake 1.0")
    by = {o.metric: o for o in obs}
    assert by["compiler_ok"].value == 0 and by["compiler_ok"].status == "ok" and "failed" in by["compiler_ok"].detail
    assert by["compiler_speedup"].status == "missing"
    assert by["scale_out_ok"].status == "missing" and by["scale_out_ok"].reason.startswith("not attempted")
    assert by["deploy_formats"].value == 1 and "not attempted: c" in by["deploy_formats"].detail
    assert "CPU only" in by["cpu_step_ms"].detail and "Fake CPU" in by["cpu_step_ms"].detail
    assert [r["ok"] for r in rows] == [1, 0, ""] and rows[1]["reason"] == "ImportError: no rb"


def test_repository_spec_covers_the_three_and_loads():
    spec = modern.load_modern_spec()
    for fw in ("pytorch", "jax", "tensorflow"):
        s = spec[fw].sections
        assert s["compiler"]["code"] and s["scale_out"]["code"] and s["cpu_speed"]["code"]
        assert any(d.get("code") for d in s["deployment"])
        assert not any("onnx" in d["format"].lower() for d in s["deployment"])  # ONNX is its own criterion


def test_spec_errors_name_entry_and_field(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump({"frameworks": {"fakefw": {"compiler": {"api": "x"}}}}))
    with pytest.raises(DataError, match="compiler.*note"):
        modern.load_modern_spec(path)
    path.write_text(yaml.safe_dump({"frameworks": {"fakefw": {"scale_out": {"code": "x", "world": 3}}}}))
    with pytest.raises(DataError, match="world must be 1"):
        modern.load_modern_spec(path)
    path.write_text(yaml.safe_dump({"frameworks": {"fakefw": {"deployment": [{"code": "x"}]}}}))
    with pytest.raises(DataError, match="format and runtime"):
        modern.load_modern_spec(path)


def test_probe_modern_records_attempted_and_why_not(tmp_path):
    sample = _write(tmp_path / "ootb_ops.yaml", {"sample_id": "test-ops", "ops": [{"id": o, "kind": "k", "name": o} for o in OPS]})
    api = _write(tmp_path / "api.yaml", fake_spec())
    spec = _write(tmp_path / "modern.yaml", {"frameworks": {"fakefw": {
        "compiler": {"api": "fake.compile", "code": COMPILER_OK},
        "deployment": [{"format": "npz", "runtime": "numpy.load", "code": DEPLOY_OK}]}}})
    calls = []

    def checker(py, payload, env, timeout):  # the venv's interpreter is this one: run the real script
        calls.append(payload["framework"])
        return dict(run(payload["checks"]), installed={"fakefw": "9.9.1"})

    result = modern.probe_modern(["fakefw", "oldfw"], venv_root=tmp_path / "venvs", as_of="2026-11-25", modern_path=spec,
                                 api_spec_path=api, sample_path=sample, installer=lambda s, d: None, index_pages=fake_index,
                                 checker=checker)
    by = {(o.framework, o.metric): o for o in result.observations}
    assert calls == ["fakefw"] and result.source == "modern_probe"
    assert by[("fakefw", "attempted")].value == 1 and by[("oldfw", "attempted")].value == 0
    assert by[("oldfw", "compiler_ok")].reason == "not attempted: no wheels for this Python"
    assert by[("fakefw", "compiler_ok")].value == 1 and by[("fakefw", "deploy_formats")].value == 1
    assert by[("fakefw", "scale_out_ok")].status == "missing" and "not declared" in by[("fakefw", "scale_out_ok")].reason
    assert "fakefw 9.9.1" in by[("fakefw", "compiler_ok")].detail
    assert result.extra["frameworks"]["oldfw"] == {"attempted": False, "why_not": "no wheels for this Python"}
    assert all(o.source == "modern_probe" for o in result.observations)
