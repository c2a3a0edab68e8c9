"""The pipeline run for real on a scratch copy: incremental re-runs, failures that publish nothing,
declared outputs, a fresh environment without a registered kernel, and Ctrl-C."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import digest
from showdown_lib.pipeline.runner import NotebookFailure, PipelineError, run

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
QUIET = {"log": lambda *a: None}


@pytest.fixture
def project(pipeline_project):
    return pipeline_project


def test_nothing_changed_runs_nothing_and_a_curated_fact_reruns_only_its_downstream(project):
    first = run(["current"], {"save_figures": False}, ["score", "00", "01", "03"], **QUIET)
    assert sorted(first.ran) == ["current:01_support_community", "current:03_platform", "current:inputs", "current:score"]
    again = run(["current"], {"save_figures": False}, ["score", "00", "01", "03"], **QUIET)
    assert again.ran == [] and len(again.up_to_date) == 4

    # one curated fact (TensorFlow's sponsor level) changes: scoring and Support & Community run again
    fact = project / "data" / "raw" / "curated" / "current" / "tensorflow.yaml"
    text = fact.read_text()
    new = re.sub(r"(sponsor:\s*\n(?:\s+.*\n)*?\s+value:\s*)3", r"\g<1>2", text, count=1)
    assert new != text, "the fixture expects TensorFlow's sponsor at level 3"
    fact.write_text(new)
    third = run(["current"], {"save_figures": False}, ["score", "00", "01", "03"], **QUIET)
    assert "current:score" in third.ran and "current:01_support_community" in third.ran

    # a parameter that changes the scores re-runs the scoring step
    fourth = run(["current"], {"save_figures": False, "n_tiers": 4}, ["score"], **QUIET)
    assert fourth.ran == ["current:score"]


def test_a_published_editions_scoring_reads_no_snapshot_or_curated_fact(project):
    """The scoring step declares the references of a collected edition's validity check and series for collected
    editions only (reads_by_kind): a changed curated fact or validity table leaves the published edition's scores up to date,
    and the read guard holds its scoring to the edition's own folder, the method and the registry."""
    run(["2018", "current"], {"save_figures": False}, ["score"], **QUIET)
    fact = project / "data" / "raw" / "curated" / "current" / "tensorflow.yaml"
    fact.write_text(fact.read_text() + "\n# a comment changes the file\n")
    validity = project / "data" / "raw" / "validity.yaml"
    validity.write_text(validity.read_text() + "\n# a comment changes the file\n")
    again = run(["2018", "current"], {"save_figures": False}, ["score"], **QUIET)
    assert again.ran == ["current:score"] and again.up_to_date == ["2018:score"]


def test_a_failing_step_names_notebook_and_cell_and_publishes_nothing(project):
    published = project / "data" / "raw" / "editions" / "2018" / "published_criteria.csv"
    published.write_text(published.read_text().replace("pytorch,support_community,activity,100", "pytorch,support_community,activity,99", 1))
    before = digest(project / "data" / "processed")
    with pytest.raises(PipelineError, match=r"step score \(showdown_lib.method.scoring_step:write_products\) failed: DataError: .*checksum mismatch"):
        run(["2018"], {}, ["score"], force=True, **QUIET)
    assert digest(project / "data" / "processed") == before
    # a notebook that fails names itself, the cell and its executed copy, and publishes nothing
    published.write_text(published.read_text().replace("pytorch,support_community,activity,99", "pytorch,support_community,activity,100", 1))
    book = project / "notebooks" / "04_aggregate.ipynb"
    nb = json.loads(book.read_text())
    nb["cells"].insert(-3, {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "id": "planted",
                            "source": "raise ValueError('a planted failure')"})
    book.write_text(json.dumps(nb))
    with pytest.raises(NotebookFailure) as err:
        run(["2018"], {}, ["04"], force=True, with_upstream=True, **QUIET)
    failure = err.value
    record = json.loads(Path(failure.record).read_text())["cells"]
    assert failure.notebook == "04_aggregate.ipynb" and failure.cell == 1 + [c.get("id") for c in record].index("planted")
    assert "a planted failure" in str(failure) and "runs/2018/04_aggregate.ipynb" in str(failure)
    assert any(o.get("output_type") == "error" for c in json.loads(Path(failure.record).read_text())["cells"] for o in c.get("outputs", []))


def _tiny_step(project: Path, publish: bool) -> None:
    """A one-step table whose notebook declares an output and writes it (or not)."""
    nb = {"cells": [
        {"cell_type": "code", "metadata": {"tags": ["parameters"]}, "execution_count": None, "outputs": [], "id": "p",
         "source": 'edition: str = "2018"'},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "id": "a", "source":
         "import pandas as pd\nfrom showdown_lib.pipeline.step_context import open_step\nstep = open_step('00_tiny', edition=edition)\n"
         + ("step.write_table(pd.DataFrame({'kind': ['category'], 'id': ['x'], 'weight': [1.0]}), 'weights')\n" if publish else "")},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "id": "b", "source": "step.publish()"},
    ], "metadata": {"kernelspec": {"name": "showdown", "display_name": "showdown", "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    folder = project / "notebooks"
    shutil.rmtree(folder)
    folder.mkdir()
    (folder / "00_tiny.ipynb").write_text(json.dumps(nb))
    (folder / "steps.yaml").write_text("default_edition: '2018'\neditions: ['2018']\nparameters: {}\nsteps:\n"
                                       "  - {notebook: 00_tiny, scope: edition, reads: ['raw:frameworks.yaml'], writes: ['processed:{edition}/weights']}\n")


def test_a_step_that_does_not_write_a_declared_output_fails(project):
    _tiny_step(project, publish=False)
    with pytest.raises(PipelineError, match=r"did not write its declared output data/processed/2018/weights.csv"):
        run(["2018"], {}, **QUIET)
    _tiny_step(project, publish=True)
    assert run(["2018"], {}, **QUIET).ran == ["2018:00_tiny"]
    assert (project / "data" / "processed" / "2018" / "weights.csv").read_text() == "kind,id,weight\ncategory,x,1.0\n"


def _fresh_python(tmp_path: Path) -> Path:
    """A new virtual environment with no kernel registered, seeing this one's packages."""
    import site
    import venv

    env = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=False).create(env)
    python = env / "bin" / "python"
    target = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            capture_output=True, text=True, check=True).stdout.strip()
    lines = [f"import site; site.addsitedir({p!r})" for p in site.getsitepackages()]
    Path(target, "showdown_parent.pth").write_text("\n".join(lines) + "\n")
    return python


def test_run_all_works_where_no_kernel_was_ever_registered(project, tmp_path):
    python = _fresh_python(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_PATH", "JUPYTER_DATA_DIR")}
    env.update(SHOWDOWN_ROOT=str(project), HOME=str(tmp_path / "home"))
    listed = subprocess.run([str(python), "-c", "import json; from jupyter_client.kernelspec import KernelSpecManager; "
                             "print(json.dumps(sorted(KernelSpecManager().find_kernel_specs())))"],
                            capture_output=True, text=True, env=env, check=True)
    assert "showdown" not in json.loads(listed.stdout)
    done = subprocess.run([str(python), str(ROOT / "run_all.py"), "--only", "09", "--no-site", "-p", "save_figures=false"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "1 step(s) ran" in done.stdout
    kernel = json.loads((project / ".cache" / "jupyter" / "kernels" / "showdown" / "kernel.json").read_text())
    assert kernel["argv"][0] == str(python)


def test_ctrl_c_is_one_line_and_exit_130(project):
    env = {**os.environ, "SHOWDOWN_ROOT": str(project)}
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_all.py"), "--force", "--only", "09", "--no-site"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert "running" in proc.stdout.readline()
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert err.strip().count("\n") == 0 and "interrupted" in err and "Traceback" not in err
