"""The OOTB-ops probe: spec validation, the in-venv checker and the runner's failure handling.

No installs and no network: the checker runs with the current interpreter against a fake
framework package written into tmp_path, and the runner's pip step is replaced or made to fail
before pip is reached.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from showdown_lib.core.errors import DataError
from showdown_lib.acquire.probe import runner as runner_mod
from showdown_lib.acquire.probe.checker import check, resolve
from showdown_lib.acquire.probe.runner import InstallError, last_error_line, probe
from showdown_lib.acquire.probe.spec import checker_payload, load_api_spec, load_sample

OPS = ["dense", "conv2d", "relu", "gelu", "adam", "softmax"]

FAKE_PKG = {
    "__init__.py": "__version__ = '9.9.1'\nfrom . import layers\n",
    "layers.py": textwrap.dedent(
        """
        class Dense:
            def __init__(self, n):
                self.n = n
            def __call__(self, x):
                return [sum(x)] * self.n

        def relu(x):
            return [max(v, 0) for v in x]

        def broken_conv(x):
            raise ValueError("kernel too large")

        NOT_CALLABLE = 3
        """
    ),
    # a submodule that ``import fakefw`` does not load: the checker must import it itself
    "optim.py": "def adam(lr):\n    return {'lr': lr}\n",
}


def fake_index(project: str):
    """A package index holding fakefw 9.9.1 (an sdist) and nothing else."""
    if project != "fakefw":
        return None
    return {"versions": ["9.9.1"], "files": [{"filename": "fakefw-9.9.1.tar.gz", "upload-time": "2026-01-02T00:00:00Z"}]}


def _write(path: Path, data) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture()
def sample_file(tmp_path: Path) -> Path:
    return _write(tmp_path / "ootb_ops.yaml", {"sample_id": "test-ops", "ops": [{"id": o, "kind": "k", "name": o} for o in OPS]})


@pytest.fixture()
def fake_pkg(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    pkg = root / "fakefw"
    pkg.mkdir(parents=True)
    for name, text in FAKE_PKG.items():
        (pkg / name).write_text(text, encoding="utf-8")
    return root


def fake_spec() -> dict:
    return {
        "sample_id": "test-ops",
        "frameworks": {
            "fakefw": {
                "requirements": ["fakefw"],
                "env": {"FAKEFW_MODE": "test"},
                "module": "fakefw",
                "setup": "import fakefw\nx = [1.0, -2.0]\n",
                "ops": {
                    # present: first candidate is missing, second resolves and its smoke call runs
                    "dense": {"candidates": ["fakefw.layers.Linear", "fakefw.layers.Dense"], "smoke": "assert f(3)(x) == [-1.0] * 3"},
                    # resolves, but the smoke call raises, and there is no compose -> 0
                    "conv2d": {"candidates": ["fakefw.layers.broken_conv"], "smoke": "f(x)"},
                    "relu": {"candidates": [{"api": "fakefw.layers.relu", "smoke": "assert f(x) == [1.0, 0]"}]},
                    # missing, composed from public ops -> 0.5
                    "gelu": {"candidates": ["fakefw.layers.gelu"], "compose": "y = [v * 0.5 for v in fakefw.layers.relu(x)]", "note": "composed from relu"},
                    # lives in a submodule the package does not import on its own
                    "adam": {"candidates": ["fakefw.optim.adam"], "smoke": "f(0.1)"},
                    # not callable, and its compose raises -> 0
                    "softmax": {"candidates": ["fakefw.layers.NOT_CALLABLE"], "compose": "fakefw.layers.softmax(x)"},
                },
            },
            "oldfw": {"skip": "no wheels for this Python"},
        },
    }


@pytest.fixture()
def api_file(tmp_path: Path) -> Path:
    return _write(tmp_path / "ootb_ops_api.yaml", fake_spec())


def _payload(api_file: Path, sample_file: Path) -> dict:
    specs = load_api_spec(api_file, load_sample(sample_file))
    return checker_payload(specs["fakefw"])


def test_checker_scores_fake_framework_exactly(api_file, sample_file, fake_pkg):
    """Run checker.py as a file with the current interpreter, the spec on stdin, the fake package on the path."""
    payload = _payload(api_file, sample_file)
    env = {"PYTHONPATH": str(fake_pkg)}
    proc = subprocess.run([sys.executable, str(runner_mod.CHECKER)], input=json.dumps(payload), capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["framework_version"] == "9.9.1"
    assert out["import_error"] is None and out["setup_error"] is None
    rows = {r["id"]: r for r in out["ops"]}
    assert [r["id"] for r in out["ops"]] == OPS
    assert rows["dense"] == {"id": "dense", "status": "present", "points": 1.0, "api": "fakefw.layers.Dense", "reason": ""}
    assert rows["conv2d"]["status"] == "absent" and rows["conv2d"]["points"] == 0.0
    assert "smoke call raised ValueError: kernel too large" in rows["conv2d"]["reason"]
    assert rows["relu"]["status"] == "present" and rows["relu"]["api"] == "fakefw.layers.relu"
    assert rows["gelu"]["status"] == "composed" and rows["gelu"]["points"] == 0.5 and rows["gelu"]["api"] == "compose"
    assert "composed from relu" in rows["gelu"]["reason"]
    assert rows["adam"]["status"] == "present" and rows["adam"]["api"] == "fakefw.optim.adam"
    assert rows["softmax"]["points"] == 0.0
    assert "not callable (int)" in rows["softmax"]["reason"] and "compose raised AttributeError" in rows["softmax"]["reason"]
    assert out["points"] == 1 + 0 + 1 + 0.5 + 1 + 0 == 3.5


def test_checker_keeps_stdout_clean_when_framework_prints(tmp_path, sample_file, api_file, fake_pkg):
    (fake_pkg / "fakefw" / "__init__.py").write_text("print('hello from import')\n__version__ = '1.0'\nfrom . import layers\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, str(runner_mod.CHECKER)], input=json.dumps(_payload(api_file, sample_file)), capture_output=True, text=True, env={"PYTHONPATH": str(fake_pkg)}, timeout=60)
    out = json.loads(proc.stdout)  # would fail if the print had reached stdout
    assert out["framework_version"] == "1.0"
    assert "hello from import" in proc.stderr


def test_checker_reports_import_failure_without_crashing():
    out = check({"framework": "nope", "module": "showdown_no_such_module_xyz", "ops": [{"id": "dense", "candidates": []}]})
    assert out["import_error"].startswith("ModuleNotFoundError")
    assert out["ops"] == [] and out["points"] is None


def test_resolve_names_the_missing_part():
    assert resolve("json.decoder.JSONDecoder") is __import__("json").decoder.JSONDecoder
    with pytest.raises(AttributeError, match="no 'Nope' in json.decoder"):
        resolve("json.decoder.Nope")


def test_spec_rejects_op_not_in_sample(tmp_path, sample_file):
    data = fake_spec()
    data["frameworks"]["fakefw"]["ops"]["lstm"] = {"candidates": ["fakefw.layers.LSTM"]}
    path = _write(tmp_path / "api.yaml", data)
    with pytest.raises(DataError) as err:
        load_api_spec(path, load_sample(sample_file))
    assert err.value.path == str(path)
    assert err.value.entry == "fakefw" and err.value.field == "ops.lstm"
    assert "not in the sample" in str(err.value)


def test_spec_rejects_forgotten_op_and_unknown_key(tmp_path, sample_file):
    data = fake_spec()
    del data["frameworks"]["fakefw"]["ops"]["relu"]
    path = _write(tmp_path / "api.yaml", data)
    with pytest.raises(DataError) as err:
        load_api_spec(path, load_sample(sample_file))
    assert (err.value.entry, err.value.field) == ("fakefw", "ops.relu")

    data = fake_spec()
    data["frameworks"]["fakefw"]["ops"]["relu"] = {"candidates": ["fakefw.layers.relu"], "smoek": "f(x)"}
    path = _write(tmp_path / "api2.yaml", data)
    with pytest.raises(DataError, match="unknown key") as err:
        load_api_spec(path, load_sample(sample_file))
    assert str(path) in str(err.value) and err.value.field == "ops.relu"


def test_spec_rejects_bad_candidates_requirements_and_sample_id(tmp_path, sample_file):
    cases = [
        (lambda d: d["frameworks"]["fakefw"]["ops"].__setitem__("relu", {"candidates": ["fakefw layers relu"]}), "ops.relu.candidates[0]"),
        (lambda d: d["frameworks"]["fakefw"].__setitem__("requirements", ["--index-url=https://index.test/simple"]), "requirements"),
        (lambda d: d["frameworks"]["fakefw"].__setitem__("env", {"GITHUB_TOKEN": "x"}), "env"),
        (lambda d: d["frameworks"]["fakefw"]["ops"].__setitem__("relu", {"candidates": []}), "ops.relu"),
        (lambda d: d.__setitem__("sample_id", "other-sample"), "sample_id"),
    ]
    for i, (mutate, field) in enumerate(cases):
        data = fake_spec()
        mutate(data)
        path = _write(tmp_path / f"bad{i}.yaml", data)
        with pytest.raises(DataError) as err:
            load_api_spec(path, load_sample(sample_file))
        assert err.value.field == field, (field, str(err.value))
        assert err.value.path == str(path)


def test_repository_api_spec_covers_the_real_sample():
    """The shipped ootb_ops_api.yaml validates against the shipped 32-op sample."""
    sample = load_sample()
    assert len(sample) == 32
    specs = load_api_spec(sample=sample)
    for fw in ("pytorch", "jax", "keras", "tinygrad", "tensorflow"):
        assert fw in specs and not specs[fw].skip
        assert [op.id for op in specs[fw].ops] == list(sample.ids)
    assert specs["pytorch"].requirements == ("torch",)
    assert specs["keras"].env.get("KERAS_BACKEND") == "jax"


def test_runner_turns_install_failure_into_missing_rows(tmp_path, api_file, sample_file, fake_pkg):
    def failing_install(spec, venv_dir):
        raise InstallError(f"ERROR: No matching distribution found for {spec.requirements[0]}")

    result = probe(["fakefw", "oldfw", "unlisted"], venv_root=tmp_path / "venvs", as_of="2026-11-25",
                   api_spec_path=api_file, sample_path=sample_file, installer=failing_install, index_pages=fake_index)
    assert result.source == "ops_probe" and result.as_of == "2026-11-25"
    obs = {(o.framework, o.metric): o for o in result.observations}
    for fw in ("fakefw", "oldfw", "unlisted"):
        assert obs[(fw, "ootb_ops")].status == "missing" and obs[(fw, "ootb_ops")].value is None
        assert obs[(fw, "framework_version")].status == "missing"
    assert obs[("fakefw", "ootb_ops")].reason == "install failed: ERROR: No matching distribution found for fakefw<=9.9.1"
    assert obs[("oldfw", "ootb_ops")].reason == "not attempted: no wheels for this Python"
    assert obs[("unlisted", "ootb_ops")].reason == "not attempted: no entry in ootb_ops_api.yaml"
    rows = [r for r in result.tables["ops"] if r["framework"] == "fakefw"]
    assert [r["op"] for r in rows] == OPS
    assert all(r["status"] == "missing" and r["points"] is None for r in rows)
    assert len(result.failures) == 3


def test_runner_real_pip_failure_gives_last_error_line(tmp_path, api_file, sample_file, monkeypatch):
    """The real install path: a fake venv whose 'python' is a script that fails like pip does."""
    venv = tmp_path / "venvs" / "fakefw" / "bin"
    venv.mkdir(parents=True)
    fake_python = venv / "python"
    fake_python.write_text("#!/bin/sh\necho 'Collecting fakefw==9.9.1' \necho 'ERROR: Could not find a version that satisfies the requirement fakefw==9.9.1' >&2\necho 'ERROR: No matching distribution found for fakefw==9.9.1' >&2\nexit 1\n")
    fake_python.chmod(0o755)
    result = probe(["fakefw"], venv_root=tmp_path / "venvs", as_of="2026-11-25", api_spec_path=api_file, sample_path=sample_file,
                   index_pages=fake_index)
    obs = {o.metric: o for o in result.observations}
    assert obs["ootb_ops"].reason == "install failed: ERROR: No matching distribution found for fakefw==9.9.1"
    assert str(tmp_path) not in json.dumps([o.as_row() for o in result.observations])


def test_runner_scores_with_stub_install(tmp_path, api_file, sample_file, fake_pkg, monkeypatch):
    """With the pip step stubbed, the runner runs the checker in the 'venv' and builds observations and the ops table."""
    venv_bin = tmp_path / "venvs" / "fakefw" / "bin"

    def stub_install(spec, venv_dir):
        venv_bin.mkdir(parents=True, exist_ok=True)
        wrapper = venv_bin / "python"
        # the checker runs with -I, which ignores PYTHONPATH: put the fake package on the path explicitly
        wrapper.write_text(
            f"#!{sys.executable}\n"
            "import runpy, sys\n"
            f"sys.path.insert(0, {str(fake_pkg)!r})\n"
            "assert sys.argv[1] == '-I'\n"
            "sys.argv = sys.argv[2:]\n"
            "runpy.run_path(sys.argv[0], run_name='__main__')\n"
        )
        wrapper.chmod(0o755)

    checks = _write(tmp_path / "checks.yaml", {"frameworks": {"fakefw": {
        "graph": {"eager": "import fakefw\nvalue = float(sum(fakefw.layers.Dense(3)([1.0, 1.0])))", "expect": 6.0},
        "numerics": {"namespace": "numpy"}}}})
    result = probe(["fakefw"], venv_root=tmp_path / "venvs", as_of="2026-11-25", api_spec_path=api_file, sample_path=sample_file,
                   installer=stub_install, index_pages=fake_index, checks_path=checks)
    obs = {o.metric: o for o in result.observations}
    assert obs["attempted"].value == 1
    assert obs["graph_eager"].value == 1 and obs["graph_symbolic"].value == 0 and obs["graph_building"].value == 2
    assert obs["numerics_coverage"].status == "missing" and "NumPy itself" in obs["numerics_coverage"].reason
    assert obs["onnx_support"].status == "missing" and obs["onnx_support"].reason == "ONNX check not declared for this framework"
    assert "newest final on the index as of 2026-11-25: 9.9.1" in obs["framework_version"].detail
    assert obs["ootb_ops"].status == "ok" and obs["ootb_ops"].value == 3.5
    assert obs["ootb_ops"].unit == "points of 6"
    assert obs["framework_version"].value == "9.9.1"
    table = {r["op"]: r for r in result.tables["ops"]}
    assert table["gelu"]["points"] == 0.5 and table["dense"]["api"] == "fakefw.layers.Dense"
    assert sum(r["points"] for r in table.values()) == 3.5
    assert result.extra["frameworks"]["fakefw"]["env"] == {"FAKEFW_MODE": "test"}


def test_last_error_line_prefers_error_lines():
    assert last_error_line("Collecting x\nERROR: first\nsome note\nERROR: second\n\n") == "ERROR: second"
    assert last_error_line("a\nb\n") == "b"
    assert last_error_line("") == "no output"


def test_default_venv_root_is_outside_repo(monkeypatch, tmp_path):
    from showdown_lib.core import paths

    monkeypatch.delenv("SHOWDOWN_PROBE_VENVS", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert runner_mod.default_venv_root() == tmp_path / "cache" / "showdown" / "probe-venvs"
    monkeypatch.setenv("SHOWDOWN_PROBE_VENVS", str(tmp_path / "v"))
    assert runner_mod.default_venv_root() == tmp_path / "v"
    assert paths.project_root() not in runner_mod.default_venv_root().parents


def test_child_env_drops_secrets(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "secret-value")
    monkeypatch.setenv("STACKEXCHANGE_KEY", "other-secret")
    env = runner_mod._child_env({"KERAS_BACKEND": "jax"})
    assert "GITHUB_TOKEN" not in env and "STACKEXCHANGE_KEY" not in env
    assert env["KERAS_BACKEND"] == "jax"


def test_scrubber_removes_local_paths(tmp_path):
    from pathlib import Path as _P

    scrub = runner_mod._scrubber(tmp_path / "venvs")
    text = f"ImportError: {tmp_path}/venvs/mx/lib/libmxnet.so: cannot open\n  shared object in {_P.home()}/.cache"
    out = scrub(text)
    assert out == "ImportError: <venvs>/mx/lib/libmxnet.so: cannot open shared object in ~/.cache"


def test_install_runs_preinstall_first_and_passes_no_build_isolation(tmp_path):
    """install_framework calls the venv's pip twice for a framework with preinstall; no index URL is passed."""
    from showdown_lib.acquire.probe.runner import install_framework
    from showdown_lib.acquire.probe.spec import FrameworkSpec

    bin_dir = tmp_path / "venvs" / "oldfw" / "bin"
    bin_dir.mkdir(parents=True)
    log = tmp_path / "calls.txt"
    fake = bin_dir / "python"
    fake.write_text(f"#!/bin/sh\necho \"$@\" >> {log}\nexit 0\n")
    fake.chmod(0o755)
    spec = FrameworkSpec("oldfw", requirements=("oldfw==7.8.1",), preinstall=("setuptools<70", "wheel"), no_build_isolation=True, module="oldfw")
    install_framework(spec, tmp_path / "venvs" / "oldfw", timeout=30)
    calls = log.read_text().splitlines()
    assert calls == [
        "-m pip install --disable-pip-version-check --upgrade setuptools<70 wheel",
        "-m pip install --disable-pip-version-check --upgrade --no-build-isolation oldfw==7.8.1",
    ]
    assert not any("index" in c for c in calls)
