"""The incremental engine: state that cannot lie, kills at any point, the lock, --only, staging.

Most cases use a three-task table (``tests/fixtures/engine``): a chain a -> b -> c over tiny tables, so a
run takes a few seconds and a kill can land anywhere in it.
"""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import digest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "engine"


def _engine_project(root: Path) -> Path:
    """A scratch project (SHOWDOWN_ROOT) whose step table is the three tasks."""
    (root / "notebooks").mkdir(exist_ok=True)
    shutil.copy(FIXTURE / "steps.yaml", root / "notebooks" / "steps.yaml")
    (root / "data" / "raw" / "engine_input.yaml").write_text("value: 3\n")
    (root / "data" / "raw" / "engine_other.yaml").write_text("value: 2\n")
    return root


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "SHOWDOWN_ROOT": str(root), "PYTHONPATH": os.pathsep.join([str(FIXTURE), str(ROOT)]),
            "ENGINE_TASK_PAUSE": "0.15"}


def _run_all(root: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run_all.py"), "--no-site", *args], capture_output=True, text=True,
                          env=_env(root), cwd=root, timeout=timeout)


def _outputs(root: Path) -> dict[str, str]:
    return digest(root / "data" / "processed" / "t") if (root / "data" / "processed" / "t").is_dir() else {}


@pytest.fixture
def engine(scratch_root, monkeypatch):
    monkeypatch.syspath_prepend(str(FIXTURE))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(FIXTURE), str(ROOT)]))
    return _engine_project(scratch_root)


# ------------------------------------------------------------------------------ the state file


@pytest.mark.parametrize("content", [b"", b"{not json", b"[1, 2, 3]", b'{"version": 2, "steps": {"x": 1}}',
                                     b'{"version": 1, "steps": {}}', b"\xff\xfe\x00garbage",
                                     b'{"version": 2, "steps": {"once:a": {"config": {}, "inputs": [], "outputs": {}}}}'])
def test_a_corrupt_state_is_discarded_with_one_line(tmp_path, content):
    from showdown_lib.run_state import RunState

    path = tmp_path / ".cache" / "pipeline-state.json"
    path.parent.mkdir()
    path.write_bytes(content)
    said: list[str] = []
    assert RunState(path, tmp_path, warn=said.append).records == {}
    assert len(said) == 1 and ("discarded and every step runs" in said[0] or "every step runs" in said[0])
    assert ".cache/pipeline-state.json" in said[0] and str(tmp_path) not in said[0]


def test_after_a_corrupt_state_every_step_runs_again(engine):
    assert _run_all(engine).returncode == 0
    (engine / ".cache" / "pipeline-state.json").write_bytes(b"\x00garbage{")
    again = _run_all(engine)
    assert again.returncode == 0 and "Traceback" not in again.stderr + again.stdout
    assert "3 step(s) ran, 0 up to date" in again.stdout and "is discarded" in again.stdout + again.stderr
    assert "0 step(s) ran, 3 up to date" in _run_all(engine).stdout


def test_a_hand_edited_or_deleted_output_runs_its_step_again(engine):
    assert _run_all(engine).returncode == 0
    good = _outputs(engine)
    table = engine / "data" / "processed" / "t" / "b.csv"
    table.write_text("s\n999\n")
    done = _run_all(engine)
    assert "1 step(s) ran, 2 up to date" in done.stdout, done.stdout  # b again; c reads the same b as before
    assert _outputs(engine) == good
    (engine / "data" / "processed" / "t" / "a2.csv").unlink()
    done = _run_all(engine)
    assert "1 step(s) ran, 2 up to date" in done.stdout and _outputs(engine) == good


def test_the_state_is_recorded_per_step_as_each_publishes(engine):
    from showdown_lib.run_state import RunState

    assert _run_all(engine).returncode == 0
    state = RunState(engine / ".cache" / "pipeline-state.json", engine)
    assert sorted(state.records) == ["once:a", "once:b", "once:c"]
    assert state.records["once:a"]["outputs"] == {
        "data/processed/t/a1.csv": __import__("hashlib").sha256((engine / "data/processed/t/a1.csv").read_bytes()).hexdigest(),
        "data/processed/t/a2.csv": __import__("hashlib").sha256((engine / "data/processed/t/a2.csv").read_bytes()).hexdigest()}


def test_a_step_run_under_other_package_versions_is_not_up_to_date(engine):
    from showdown_lib.pipeline import plan, step_config
    from showdown_lib.run_state import RunState
    from showdown_lib.steps import load_steps

    assert _run_all(engine).returncode == 0
    state = RunState(engine / ".cache" / "pipeline-state.json", engine)
    run = plan(load_steps(), ["2018"], ["a"], {})[0]
    config = step_config(run, {})
    assert state.why_stale(run.name, config, run.input_files(), run.outputs()) is None
    other = {**config, "environment": {**config["environment"], "pandas": "0.0.1"}}
    assert state.why_stale(run.name, other, run.input_files(), run.outputs()) == "its environment changed"


# ------------------------------------------------------------------------------ kills at any point


def _force_outputs(engine: Path, cache: dict) -> dict[str, str]:
    """What a --force run gives for the project's inputs as they are now (memoised per input state)."""
    key = ((engine / "data/raw/engine_input.yaml").read_text(), (engine / "data/raw/engine_other.yaml").read_text())
    if key not in cache:
        copy = engine.parent / f"force-{len(cache)}"
        shutil.copytree(engine, copy, ignore=shutil.ignore_patterns(".cache", "runs"))
        done = _run_all(copy, "--force")
        assert done.returncode == 0, done.stderr
        cache[key] = _outputs(copy)
    return cache[key]


def _killed_run(engine: Path, delay: float) -> None:
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_all.py"), "--no-site"], env=_env(engine), cwd=engine,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.mark.slow
def test_a_kill_at_any_point_never_leaves_a_step_up_to_date_with_wrong_outputs(engine):
    """Random kill points (kill -9 of run_all) between random edits; after every finished run the outputs are
    what a --force run gives, and a further run finds everything up to date."""
    rng = random.Random(int(os.environ.get("ENGINE_KILL_SEED", "14")))
    forced: dict = {}
    t0 = time.monotonic()
    assert _run_all(engine, "--force").returncode == 0
    whole = time.monotonic() - t0  # kill points spread over a whole run, however fast this machine is
    for case in range(int(os.environ.get("ENGINE_KILL_CASES", "6"))):
        inputs = {"engine_input.yaml": rng.choice([3, 4, 5]), "engine_other.yaml": rng.choice([2, 7])}
        for name, value in inputs.items():
            (engine / "data" / "raw" / name).write_text(f"value: {value}\n")
        _killed_run(engine, rng.uniform(0.1, whole))
        if rng.random() < 0.5:  # revert or change again after the kill, as in the issue
            (engine / "data" / "raw" / "engine_input.yaml").write_text(f"value: {rng.choice([3, 4, 5])}\n")
        if rng.random() < 0.3:  # and sometimes a second kill
            _killed_run(engine, rng.uniform(0.1, whole))
        done = _run_all(engine)
        assert done.returncode == 0, (case, done.stderr)
        assert _outputs(engine) == _force_outputs(engine, forced), (case, done.stdout)
        assert "0 step(s) ran, 3 up to date" in _run_all(engine).stdout, case


# ------------------------------------------------------------------------------ --only, the lock, staging


def test_only_refuses_while_upstream_is_out_of_date_and_names_it(engine):
    assert _run_all(engine).returncode == 0
    (engine / "data" / "raw" / "engine_input.yaml").write_text("value: 9\n")
    before = _outputs(engine)
    refused = _run_all(engine, "--only", "c")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "upstream step(s) out of date: once:a (data/raw/engine_input.yaml changed)" in refused.stderr
    assert _outputs(engine) == before
    done = _run_all(engine, "--only", "c", "--with-upstream")
    assert done.returncode == 0 and "3 step(s) ran" in done.stdout
    assert (engine / "data" / "processed" / "t" / "c.csv").read_text() == f"c\n{(9 * 10 + 9 * 10) * 2}\n"


@pytest.mark.parametrize("given, says", [([""], "--only needs step names"), (["zzz"], "no step matches ['zzz']")])
def test_only_with_an_empty_or_unknown_name_is_one_message(engine, given, says):
    done = _run_all(engine, "--only", *given)
    assert done.returncode == 1 and says in done.stderr and "Traceback" not in done.stderr


def test_a_second_run_says_another_run_is_in_progress(engine):
    from showdown_lib.step_exec import tree_lock

    with tree_lock():
        done = _run_all(engine)
    assert done.returncode == 1 and f"another run is in progress (pid {os.getpid()})" in done.stderr
    assert _run_all(engine).returncode == 0  # the lock went with its holder


def test_publishing_renames_only_inside_the_output_folder(pipeline_project, monkeypatch):
    """A staging folder on another file system: every rename stays in the target's folder (no EXDEV)."""
    import errno

    import pandas as pd

    from showdown_lib import step_context
    from showdown_lib.fileio import set_read_guard

    real = os.replace

    def same_folder_only(src, dst):
        if Path(src).parent.resolve() != Path(dst).parent.resolve():
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real(src, dst)

    monkeypatch.setattr(step_context.os, "replace", same_folder_only)
    frame = pd.read_csv(ROOT / "data/processed/2018/round_support_community.csv").head(1)  # a row its schema accepts
    step = step_context.open_step("01_support_community", edition="2018", save_figures=False)
    try:
        step.write_table(frame, "round_support_community")
        assert "published 1 table" in step.publish()
    finally:
        set_read_guard(None)
    published = (pipeline_project / "data/processed/2018/round_support_community.csv").read_text().splitlines()
    assert published[0] == ",".join(frame.columns) and published[1].startswith(frame["framework"].iloc[0] + ",") and len(published) == 2
    assert not list((pipeline_project / "data/processed/2018").glob(".*publish*"))


def test_a_run_without_figures_removes_the_steps_old_figures(pipeline_project):
    from showdown_lib.fileio import set_read_guard
    from showdown_lib.step_context import open_step

    figures = pipeline_project / "reports" / "figures" / "2018"
    figures.mkdir(parents=True)
    for name in ("support_community_criteria", "support_community_category", "platform_criteria"):
        (figures / f"{name}.png").write_bytes(b"old")
    step = open_step("01_support_community", edition="2018", save_figures=False)
    try:
        step.publish()
    finally:
        set_read_guard(None)
    assert sorted(p.name for p in figures.iterdir()) == ["platform_criteria.png"]  # another step's figure stays


def test_two_open_steps_never_share_a_staging_folder(pipeline_project):
    from showdown_lib.fileio import set_read_guard
    from showdown_lib.step_context import open_step

    try:
        one, two = open_step("04_aggregate", edition="2018"), open_step("04_aggregate", edition="2018")
        assert one.stage != two.stage and one.stage.is_dir() and two.stage.is_dir()
    finally:
        set_read_guard(None)


# ------------------------------------------------------------------------------ code fingerprints


def test_a_steps_code_fingerprint_covers_what_it_imports_not_the_whole_library():
    from showdown_lib.code_deps import LIB, files_of, imports_of_source
    from showdown_lib.pipeline import notebook_fingerprint
    from showdown_lib.steps import load_steps

    table = load_steps()
    scoring = {str(p.relative_to(LIB)) for p in files_of({"showdown_lib.scoring_step"})}
    assert {"scoring_step.py", "kernel.py", "editions.py", "scoring.py", "raw_values.py"} <= scoring
    assert "charts.py" not in scoring and "site/builder.py" not in scoring
    _, code = notebook_fingerprint(table.step("04_aggregate").path)
    aggregate = {str(p.relative_to(LIB)) for p in files_of(imports_of_source(code))}
    assert "charts.py" in aggregate and "report/aggregate.py" in aggregate and "site/builder.py" not in aggregate
    site = {str(p.relative_to(LIB)) for p in files_of({"showdown_lib.site"})}
    assert {"site/templates/showdown/index.html.j2", "site/static/weights.js"} <= site


# ------------------------------------------------------------------------------ kernels end with their run


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the kernel")
def test_a_kernel_ends_when_its_run_is_killed(pipeline_project):
    env = {**os.environ, "SHOWDOWN_ROOT": str(pipeline_project)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_all.py"), "--no-site", "--only", "score", "07", "--force", "-p",
                             "n_samples=2000000", "-p", "save_figures=false"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert "running" in proc.stdout.readline()
    kernels: list[int] = []
    deadline = time.monotonic() + 600  # the scoring step runs first
    while not kernels and time.monotonic() < deadline:
        time.sleep(0.2)
        kernels = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _ppid(p) == proc.pid
                   and b"kernel_launcher" in _cmdline(p)]
    assert kernels, "no kernel started"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Path(f"/proc/{kernels[0]}").exists() and b"kernel_launcher" in _cmdline(Path(f"/proc/{kernels[0]}")):
        time.sleep(0.2)
    assert not (Path(f"/proc/{kernels[0]}").exists() and b"kernel_launcher" in _cmdline(Path(f"/proc/{kernels[0]}")))


def _ppid(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""
