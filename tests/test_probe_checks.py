"""The probe's graph-building, ONNX, scalability and numerics checks on fake frameworks.

Every check has a passing and a failing case. The fake frameworks are tiny packages written into
tmp_path; onnx and onnxruntime are replaced by fakes (a JSON "model" evaluated with NumPy), so
nothing is downloaded. The all-reduce really runs two processes that talk over localhost TCP.
"""
from __future__ import annotations

import json
import sys
import textwrap
import types
from pathlib import Path

import numpy as np
import pytest
import yaml

from showdown_lib.acquire.probe import observe
from showdown_lib.acquire.probe import probe_checks as pc
from showdown_lib.acquire.probe.checks_spec import load_checks_spec, load_numpy_sample
from showdown_lib.core.errors import DataError

FAKE_FW = '''
class Symbol:
    """What a define-then-run framework returns: a node, not a number."""
    def __mul__(self, other):
        return Symbol()

def ones(n):
    return [1.0] * n

def total(xs):
    return float(sum(xs))

def lazy_ones(n):
    return Symbol()

def lazy_total(x):
    return Symbol()

class Graph:
    def __init__(self, fn):
        self.nodes = ["input", fn.__name__, "output"]

def trace(fn):
    return Graph(fn)

def init_group(**kw):
    return None

def all_reduce(value, rank, port):
    """A real 2-rank sum over localhost TCP: rank 1 sends to rank 0, rank 0 answers with the total."""
    import socket, time
    if rank == 0:
        srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", port)); srv.listen(1)
        conn, _ = srv.accept()
        total = value + float(conn.recv(64).decode())
        conn.sendall(str(total).encode()); conn.close(); srv.close()
        return total
    for _ in range(200):
        try:
            c = socket.create_connection(("127.0.0.1", port)); break
        except OSError:
            time.sleep(0.05)
    c.sendall(str(value).encode())
    total = float(c.recv(64).decode()); c.close()
    return total

def broken_all_reduce(value, rank, port):
    return value  # forgets to talk to the other rank

def export_mlp(path, W1, b1, W2, b2, shift=0.0):
    import json
    json.dump({"W1": W1.tolist(), "b1": b1.tolist(), "W2": W2.tolist(), "b2": (b2 + shift).tolist()}, open(path, "w"))
'''


@pytest.fixture()
def fakefw(tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "site"
    (root / "fakefw").mkdir(parents=True)
    (root / "fakefw" / "__init__.py").write_text(FAKE_FW)
    (root / "fakenp.py").write_text(textwrap.dedent('''
        import numpy as _np
        _HIDDEN = {"arctan2"}
        def sin(x):
            return _np.cos(x)  # wrong on purpose
        def __getattr__(name):
            if name in _HIDDEN:
                raise AttributeError(name)
            return getattr(_np, name)
    '''))
    # a framework with its own names and defaults (as PyTorch: pow, a sample std, (values, indices) from sort)
    (root / "owntorch.py").write_text(textwrap.dedent('''
        import numpy as _np
        _HIDDEN = {"power", "sort", "transpose"}
        def pow(a, b):
            return _np.power(a, b)
        def std(x, correction=1):
            return _np.std(x, ddof=correction)
        def sort(x, dim=-1):
            return _np.sort(x, axis=dim), _np.argsort(x, axis=dim)
        def t(x):
            return _np.transpose(x)
        def __getattr__(name):
            if name in _HIDDEN:
                raise AttributeError(name)
            return getattr(_np, name)
    '''))
    monkeypatch.syspath_prepend(str(root))
    for mod in ("fakefw", "fakenp", "owntorch"):
        monkeypatch.delitem(sys.modules, mod, raising=False)
    return root


# --------------------------------------------------------------------------- graph building

def test_graph_eager_and_symbolic_pass(fakefw):
    res = pc.check_graph({"eager": "import fakefw\nvalue = fakefw.total(fakefw.ones(3)) * 2", "expect": 6.0,
                          "symbolic": {"setup": "def g(x):\n    return x\n", "candidates": ["fakefw.nope", "fakefw.trace"],
                                       "smoke": "assert len(f(g).nodes) == 3"}})
    assert res["eager"] == 1 and res["symbolic"] == 1 and res["symbolic_api"] == "fakefw.trace"
    obs = {o.metric: o for o in observe.graph_observations("fw", res, "2026-11-25", "fakefw 1.0")}
    assert (obs["graph_eager"].value, obs["graph_symbolic"].value, obs["graph_building"].value) == (1, 1, 2)


def test_graph_define_then_run_fails_eager_and_missing_api_fails_symbolic(fakefw):
    res = pc.check_graph({"eager": "import fakefw\nvalue = fakefw.lazy_total(fakefw.lazy_ones(3))", "expect": 6.0,
                          "symbolic": {"candidates": ["fakefw.compile_graph"]}})
    assert res["eager"] == 0 and "value is Symbol, not a concrete number" in res["eager_error"]
    assert res["symbolic"] == 0 and "no 'compile_graph' in fakefw" in res["symbolic_error"]
    obs = {o.metric: o for o in observe.graph_observations("fw", res, "2026-11-25", "fakefw 1.0")}
    assert obs["graph_building"].value == 0
    sym_only = dict(res, symbolic=1, symbolic_api="fakefw.trace", symbolic_error=None)
    assert {o.metric: o.value for o in observe.graph_observations("fw", sym_only, "d", "v")}["graph_building"] == 1


# --------------------------------------------------------------------------- ONNX

@pytest.fixture()
def fake_onnx(monkeypatch):
    """onnx and onnxruntime stand-ins: the 'model' is the JSON of the MLP's weights."""
    def load(path):
        data = json.load(open(path))
        if set(data) != {"W1", "b1", "W2", "b2"}:
            raise ValueError("not a model")
        return {k: np.asarray(v, dtype=np.float32) for k, v in data.items()}

    onnx = types.ModuleType("onnx")
    onnx.checker = types.SimpleNamespace(check_model=load)
    ort = types.ModuleType("onnxruntime")

    class InferenceSession:
        def __init__(self, path, providers=None):
            self.w = load(path)

        def get_inputs(self):
            return [types.SimpleNamespace(name="X")]

        def run(self, outputs, feed):
            w = self.w
            return [np.maximum(feed["X"] @ w["W1"] + w["b1"], 0) @ w["W2"] + w["b2"]]

    ort.InferenceSession = InferenceSession
    monkeypatch.setitem(sys.modules, "onnx", onnx)
    monkeypatch.setitem(sys.modules, "onnxruntime", ort)
    monkeypatch.setattr(pc._checker, "_dist_version", lambda name: "0.0-fake")
    monkeypatch.setattr(pc, "write_reference_onnx", lambda path, w: json.dump({k: w[k].tolist() for k in ("W1", "b1", "W2", "b2")}, open(path, "w")))


EXPORT = "import fakefw, numpy as np\ny = np.maximum(X @ W1 + b1, 0) @ W2 + b2\nfakefw.export_mlp(path, W1, b1, W2, b2{shift})\n"


def test_onnx_export_round_trip_passes(fakefw, fake_onnx):
    res = pc.check_onnx({"export": {"tool": "fakefw.export_mlp", "official": True, "code": EXPORT.format(shift="")},
                         "import": {"tool": "fakefw.load", "official": False, "code": "import json, numpy as np\nw = json.load(open(path))\n"
                                    "y = np.maximum(X @ np.array(w['W1']) + w['b1'], 0) @ np.array(w['W2']) + w['b2']\n"}})
    assert res["export"]["ok"] == 1 and res["import"]["ok"] == 1
    obs = {o.metric: o for o in observe.onnx_observations("fw", res, "2026-11-25", "fakefw 1.0")}
    assert (obs["onnx_export"].value, obs["onnx_import"].value, obs["onnx_support"].value) == (2, 1, 2)
    assert "onnx 0.0-fake, onnxruntime 0.0-fake" in obs["onnx_support"].detail


def test_onnx_export_failing_keeps_the_error_and_scores_zero(fakefw, fake_onnx):
    wrong = pc.check_onnx({"export": {"tool": "fakefw.export_mlp", "official": False, "code": EXPORT.format(shift=", shift=0.5")},
                           "import": {"note": "no importer"}})
    assert wrong["export"]["ok"] == 0 and wrong["export"]["stage"] == "compare"
    assert "onnxruntime vs framework: max abs difference 0.5" in wrong["export"]["error"]
    crash = pc.check_onnx({"export": {"tool": "fakefw.exporter", "official": True, "code": "import fakefw\nfakefw.export_to_onnx(path)\n"}})
    assert crash["export"]["stage"] == "export" and "AttributeError" in crash["export"]["error"]
    obs = {o.metric: o for o in observe.onnx_observations("fw", wrong, "2026-11-25", "fakefw 1.0")}
    assert obs["onnx_support"].value == 0 and obs["onnx_import"].value == 0
    assert "fakefw.export_mlp failed at compare" in obs["onnx_support"].detail and "not claimed (no importer)" in obs["onnx_support"].detail


def test_onnx_one_converter_rule_and_import_alone_never_tops(fakefw, fake_onnx):
    """A third-party converter is level 1 however it is wrapped; import alone is at most 1."""
    imp = {"tool": "fakefw.load", "official": True, "code": "import json, numpy as np\nw = json.load(open(path))\n"
           "y = np.maximum(X @ np.array(w['W1']) + w['b1'], 0) @ np.array(w['W2']) + w['b2']\n"}
    only_import = pc.check_onnx({"export": {"note": "no exporter"}, "import": imp})
    obs = {o.metric: o for o in observe.onnx_observations("fw", only_import, "2026-11-25", "v")}
    assert (obs["onnx_export"].value, obs["onnx_import"].value, obs["onnx_support"].value) == (0, 2, 1)
    wrapped = pc.check_onnx({"export": {"tool": "fakefw.export (drives a community converter)", "official": False,
                                        "code": EXPORT.format(shift="")}})
    obs = {o.metric: o for o in observe.onnx_observations("fw", wrapped, "2026-11-25", "v")}
    assert obs["onnx_support"].value == 1 and "third-party converter, level 1" in obs["onnx_export"].detail


def test_onnx_without_onnx_installed_is_missing_not_zero():
    res = {"versions": {"onnx": None, "onnxruntime": "1.0"}, "export": {"ok": 0, "stage": "onnx.checker", "error": "x", "official": True, "tool": "t"},
           "import": {"ok": None, "official": False, "tool": None, "error": "not claimed"}}
    obs = observe.onnx_observations("fw", res, "2026-11-25", "v")
    assert all(o.status == "missing" and "not installed" in o.reason for o in obs)


# --------------------------------------------------------------------------- scalability

ALLREDUCE = "import sys\nsys.path.insert(0, {root!r})\nimport fakefw\nresult = fakefw.{fn}(float(rank + 1), rank, port)\n"


def test_dist_api_present_and_allreduce_right_sum(fakefw):
    res = pc.check_dist({"api": ["fakefw.init_group", "fakefw.all_reduce"], "allreduce": ALLREDUCE.format(root=str(fakefw), fn="all_reduce")})
    assert res["dist_api"] == 1
    assert res["allreduce"] == {"ok": 1, "results": [3.0, 3.0], "error": None}
    obs = {o.metric: o for o in observe.dist_observations("fw", res, "2026-11-25", "fakefw 1.0")}
    assert (obs["dist_api"].value, obs["allreduce_ok"].value, obs["scalability"].value) == (1, 1, 2)


def test_declared_api_without_a_collective_is_not_a_level(fakefw):
    """Keras and Chainer declare an API but ran no collective: the level is not measured, not 2."""
    res = pc.check_dist({"api": ["fakefw.init_group"], "allreduce_note": "no MPI here"})
    obs = {o.metric: o for o in observe.dist_observations("fw", res, "2026-11-25", "v")}
    assert obs["dist_api"].value == 1 and obs["scalability"].status == "missing"
    assert "no collective ran" in obs["scalability"].reason


def test_allreduce_wrong_sum_and_absent_api_fail(fakefw):
    res = pc.check_dist({"api": ["fakefw.init_group"], "allreduce": ALLREDUCE.format(root=str(fakefw), fn="broken_all_reduce")})
    assert res["allreduce"]["ok"] == 0 and res["allreduce"]["results"] == [1.0, 2.0]
    assert "expected 3.0 on every rank" in res["allreduce"]["error"]
    assert {o.metric: o.value for o in observe.dist_observations("fw", res, "d", "v")}["allreduce_ok"] == 0

    absent = pc.check_dist({"api": ["fakefw.init_group", "fakefw.DistributedTrainer"], "third_party": ["json"],
                            "allreduce": ALLREDUCE.format(root=str(fakefw), fn="all_reduce")})
    assert absent["dist_api"] == 0 and "no 'DistributedTrainer' in fakefw" in absent["dist_api_error"]
    assert absent["allreduce"]["ok"] is None  # nothing to run without the API
    obs = {o.metric: o for o in observe.dist_observations("fw", absent, "2026-11-25", "v")}
    assert obs["dist_api"].value == 0 and obs["allreduce_ok"].status == "missing"
    assert obs["scalability"].value == 1  # a declared third-party module imports
    none = dict(absent, third_party=[])
    assert {o.metric: o.value for o in observe.dist_observations("fw", none, "d", "v")}["scalability"] == 0


def test_allreduce_rank_crash_is_reported():
    res = pc.run_allreduce("raise RuntimeError('gloo unavailable')")
    assert res["ok"] == 0 and "rank 0: RuntimeError: gloo unavailable" in res["error"]


# --------------------------------------------------------------------------- numerics

def test_numerics_never_scores_numpy_against_itself():
    """Chainer's namespace is NumPy: 40/40 would measure NumPy against NumPy, so it is not measured."""
    sample = list(load_numpy_sample().functions)
    res = pc.check_numerics({"namespace": "numpy"}, sample)
    assert res["functions"] == [] and "NumPy itself" in res["error"]
    obs, rows = observe.numerics_observations("fw", res, "2026-11-25", "v", "showdown-numpy-v1", 40)
    assert obs[0].status == "missing" and "NumPy itself" in obs[0].reason and rows == []


def test_numerics_use_the_frameworks_own_names(fakefw):
    """Under NumPy's names the fake misses power, sort, std and transpose; under its own names it has them."""
    sample = list(load_numpy_sample().functions)
    plain = pc.check_numerics({"namespace": "owntorch"}, sample)
    failing = {r["name"] for r in plain["functions"] if not r["ok"]}
    assert failing == {"power", "sort", "std", "transpose"}
    names = {"power": "pow", "std": {"name": "std", "kwargs": {"correction": 0}},
             "sort": {"name": "sort", "kwargs": {"dim": 1}, "pick": 0}, "transpose": "t"}
    own = pc.check_numerics({"namespace": "owntorch", "names": names}, sample)
    assert all(r["ok"] for r in own["functions"]), [r for r in own["functions"] if not r["ok"]]
    assert {r["name"]: r["own_name"] for r in own["functions"]}["power"] == "pow"
    wrong = pc.check_numerics({"namespace": "owntorch", "names": {"std": "std"}}, sample)  # NumPy's default is ddof=0
    assert "values differ" in {r["name"]: r["error"] for r in wrong["functions"]}["std"]


def test_repository_spec_maps_pytorch_and_paddle_names():
    checks = load_checks_spec()
    assert checks["pytorch"].sections["numerics"]["names"]["power"] == "pow"
    assert checks["paddlepaddle"].sections["numerics"]["names"]["arctan2"] == "atan2"


def test_numerics_mismatch_and_missing_function_count_against(fakefw):
    sample = list(load_numpy_sample().functions)
    res = pc.check_numerics({"namespace": "fakenp"}, sample)
    bad = {r["name"]: r["error"] for r in res["functions"] if not r["ok"]}
    assert set(bad) == {"sin", "arctan2"}
    assert "values differ from NumPy's" in bad["sin"] and "arctan2" in bad["arctan2"]
    obs, _ = observe.numerics_observations("fw", res, "2026-11-25", "v", "showdown-numpy-v1", 40)
    assert obs[0].value == 0.95 and "failing: sin, arctan2" in obs[0].detail


# --------------------------------------------------------------------------- data files

def test_repository_checks_spec_declares_each_check_for_each_probed_framework():
    checks = load_checks_spec()
    for fw in ("pytorch", "tensorflow", "jax", "keras", "tinygrad", "mlx", "paddlepaddle", "mindspore", "mxnet", "chainer", "theano"):
        assert set(checks[fw].sections) == {"graph", "onnx", "dist", "numerics"}, fw
        assert any(r.startswith("onnxruntime") for r in checks[fw].requirements), fw


def test_checks_spec_errors_name_file_entry_and_field(tmp_path):
    bad = {"frameworks": {"fw": {"onnx": {"export": {"tool": "x", "level": 3, "code": "pass"}}}}}
    path = tmp_path / "checks.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(DataError) as err:
        load_checks_spec(path)
    assert (err.value.entry, err.value.field) == ("fw", "onnx.export.level")  # level is no longer declared
    bad = {"frameworks": {"fw": {"onnx": {"export": {"tool": "x", "code": "pass"}}}}}
    path = tmp_path / "checks.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(DataError) as err:
        load_checks_spec(path)
    assert (err.value.path, err.value.entry, err.value.field) == (str(path), "fw", "onnx.export.official")
    bad = {"frameworks": {"fw": {"dist": {"api": ["not a path"]}}}}
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(DataError) as err:
        load_checks_spec(path)
    assert err.value.field == "dist.api[0]" and "'not a path'" in str(err.value)
